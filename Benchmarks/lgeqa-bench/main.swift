import ArgumentParser
import Foundation
import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGEProtocol
import LGESession
import LGESimulator

/// Benchmarks whose figures go into issue notes. Not tests: nothing here asserts a time.
@main
struct LGEQABench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lgeqa-bench",
        abstract: "lgeqa benchmarks (figures for the issue notes).",
        subcommands: [DICOMRead.self, SimulateBench.self, ProtocolBench.self, ReplayBench.self, AuditBench.self]
    )
}

/// Reading LGE-sized slices (metadata and pixels), against pydicom in the same run.
struct DICOMRead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom-read",
        abstract: "Slices per second reading 256x256 16-bit MR files: lgeqa vs pydicom."
    )

    @Option(help: "Number of files.") var count = 1000
    @Option(help: "Passes over the files; the best is reported.") var repeats = 3
    @Option(help: "Python with pydicom installed.") var python = ".venv/bin/python"

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let paths = try writeSlices(count: count, into: directory)
        print("files: \(count) x 256x256 16-bit MR Image Storage, explicit VR little endian (synthetic)")

        let single = best(of: repeats) { readAll(paths, threads: 1) }
        let dual = best(of: repeats) { readAll(paths, threads: 2) }
        let peer = try pydicom(paths)
        let rate = { (seconds: Double) in Double(paths.count) / seconds }
        func row(_ name: String, _ seconds: Double) {
            let label = name.padding(toLength: 24, withPad: " ", startingAt: 0)
            print(label + String(format: " %9.0f slices/s  %7.3f ms/slice", rate(seconds), seconds / Double(paths.count) * 1000))
        }
        row("lgeqa, 1 thread", single)
        row("lgeqa, 2 threads", dual)
        row("pydicom dcmread+pixels", peer)
        print(String(format: "ratio lgeqa/pydicom: %.1fx (1 thread), %.1fx (2 threads)", peer / single, peer / dual))
    }

    func writeSlices(count: Int, into directory: URL) throws -> [String] {
        let writer = DICOMWriter()
        let context = StudyContext(patient: PatientIdentity(name: "Benchmark^Synthetic", id: "BENCH"))
        var paths: [String] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for index in 0..<count {
            var values = [Float](repeating: 0, count: 256 * 256)
            for i in values.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                values[i] = Float((state >> 33) % 4096)
            }
            let geometry = SliceGeometry(
                position: PatientVector(-180, -150, Double(index) * 8), rowDirection: PatientVector(1, 0, 0),
                columnDirection: PatientVector(0, 1, 0), pixelSpacing: PixelSpacing(betweenRows: 1.4, betweenColumns: 1.4),
                rows: 256, columns: 256, sliceThickness: 8)
            let header = MRSliceHeader(
                source: SliceSource(path: ""), studyInstanceUID: DICOMUID.derived(from: "bench-study"),
                seriesInstanceUID: DICOMUID.derived(from: "bench-series"), sopInstanceUID: DICOMUID.derived(from: "bench-\(index)"),
                seriesNumber: 1, seriesDescription: "LGE bench", instanceNumber: index + 1,
                acquisitionDateTime: DICOMDateTime(day: 20_000, secondsOfDay: 30_000 + Double(index)), geometry: geometry,
                inversionTime: 300, phaseEncodeDirection: .row, magneticFieldStrength: 1.5, manufacturer: "lgeqa simulator",
                imageComments: "SYNTHETIC")
            let path = directory.appendingPathComponent(String(format: "slice%05d.dcm", index)).path
            try writer.write(MRSlice(header: header, pixels: PixelImage(rows: 256, columns: 256, values: values)), context: context, to: path)
            paths.append(path)
        }
        return paths
    }

    func readAll(_ paths: [String], threads: Int) {
        let result = DICOMBatchReader(threads: threads).read(files: paths)
        precondition(result.failures.isEmpty && result.slices.count == paths.count, "benchmark files failed to read")
    }

    func best(of repeats: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    func pydicom(_ paths: [String]) throws -> Double {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("pydicom_read.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, String(repeats)] + paths
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let seconds = output.split(separator: " ").first.flatMap({ Double($0) }) else {
            throw ValidationError("pydicom peer failed (is pydicom installed in \(python)? run `make venv`)")
        }
        return seconds
    }
}

/// Simulator throughput (256×256, full k-space artifact path) and memory against cohort size.
struct SimulateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Slices rendered per second on one core, and peak memory as a cohort grows."
    )

    @Option(help: "Slices to render for the throughput figure.") var slices = 200
    @Option(help: "Cohort sizes for the memory figure (comma-separated).") var cohorts = "5,20"
    @Option(help: "Runs of each phase; the best is reported.") var repeats = 3
    @Option(help: "Phases to run (comma-separated): sampling, still, motion, motion-column, all-in; all by default. For fixed workloads under callgrind.")
    var only = "sampling,still,motion,motion-column,all-in"

    func run() throws {
        let phantom = HeartPhantom(anatomy: .typical, scars: [.ischemic(territory: .lad, transmurality: 0.7, mvo: true)])
        let kinetics = ContrastKinetics(fieldStrength: .t1_5)
        let planner = CardiacViewPlanner(axes: HeartAxes(longAxis: phantom.anatomy.axes.longAxis, anterior: phantom.anatomy.axes.anterior, centre: phantom.lvCentroid()))
        let planes = planner.shortAxisStack(count: 10, thickness: 8, gap: 2)
        var t1: [Tissue: Double] = [:]
        for tissue in Tissue.allCases { t1[tissue] = kinetics.t1(tissue, minutesSinceInjection: 12) }
        let readout = ReadoutParameters.typical(for: .t1_5)
        let motion = MotionConditions(respiratory: RespiratoryMotion(amplitude: 10, period: 4), rhythm: HeartRhythm(missedBeats: [4]), cardiacBlur: 3)
        let engine = KSpaceSimulator()
        let fractions = planes.map { phantom.sample(on: $0) }

        // Wall time, and this thread's CPU time (what a shared, loaded machine distorts least);
        // each phase is run `repeats` times and its best taken.
        func time(_ body: () throws -> Void) rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        func threadCPUTime() -> Double {
            var spec = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        }
        let phases = Set(only.split(separator: ",").map { String($0) })
        func best(_ phase: String, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double)? {
            guard phases.contains(phase) else { return nil }
            var result = (wall: Double.infinity, cpu: Double.infinity)
            for _ in 0..<max(repeats, 1) {
                let cpuStart = threadCPUTime()
                let wall = try time(body)
                result = (min(result.wall, wall), min(result.cpu, threadCPUTime() - cpuStart))
            }
            return result
        }
        let sampling = best("sampling") { for i in 0..<slices { _ = phantom.sample(on: planes[i % planes.count]) } }
        let kspace = try best("motion") {
            for i in 0..<slices {
                let settings = AcquisitionSettings(plane: planes[i % planes.count], phaseEncodeDirection: .row, readout: readout)
                _ = try engine.acquire(fractions: fractions[i % planes.count], t1: t1, settings: settings, motion: motion, seed: UInt64(i))
            }
        }
        // The same with phase encoding down the columns (the external site's convention): the
        // transforms along the phase-encode lines then run down the columns.
        let column = try best("motion-column") {
            for i in 0..<slices {
                let settings = AcquisitionSettings(plane: planes[i % planes.count], phaseEncodeDirection: .column, readout: readout)
                _ = try engine.acquire(fractions: fractions[i % planes.count], t1: t1, settings: settings, motion: motion, seed: UInt64(i))
            }
        }
        let still = try best("still") {
            for i in 0..<slices {
                let settings = AcquisitionSettings(plane: planes[i % planes.count], phaseEncodeDirection: .row, readout: readout)
                _ = try engine.acquire(fractions: fractions[i % planes.count], t1: t1, settings: settings, motion: .still, seed: UInt64(i))
            }
        }
        // Everything a slice of `lgeqa simulate` costs in this engine: sampling the phantom on
        // the plane, then the k-space path with the artifacts on.
        let allIn = try best("all-in") {
            for i in 0..<slices {
                let plane = planes[i % planes.count]
                let settings = AcquisitionSettings(plane: plane, phaseEncodeDirection: .row, readout: readout)
                _ = try engine.acquire(fractions: phantom.sample(on: plane), t1: t1, settings: settings, motion: motion, seed: UInt64(i))
            }
        }
        print("simulator, 256x256, 1 thread, \(slices) slices, best of \(max(repeats, 1)) (SYNTHETIC); wall and thread CPU time:")
        func row(_ name: String, _ seconds: (wall: Double, cpu: Double)?) {
            guard let seconds else { return }
            let label = name.padding(toLength: 56, withPad: " ", startingAt: 0)
            print(label + String(
                format: " %7.1f slices/s %6.2f ms/slice | CPU %7.1f slices/s %6.2f ms/slice",
                Double(slices) / seconds.wall, seconds.wall / Double(slices) * 1000,
                Double(slices) / seconds.cpu, seconds.cpu / Double(slices) * 1000))
        }
        row("  phantom sampling (2x2x3 partial volume)", sampling)
        row("  k-space path, no motion (magnitude+PSIR)", still)
        row("  k-space path (motion+arrhythmia+blur, magnitude+PSIR)", kspace)
        row("  the same, phase encoding along columns", column)
        row("  all in (sampling + k-space with motion)", allIn)

        for size in cohorts.split(separator: ",").compactMap({ Int($0) }) {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-cohort-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let before = peakResidentMegabytes()
            let seconds = try time { _ = try CohortWriter(generator: CohortGenerator(site: .internal, seed: 1)).write(0..<size, to: directory) }
            print(String(format: "  cohort of %3d exams: %6.1f s, peak RSS %.0f MB (before %.0f MB)", size, seconds, peakResidentMegabytes(), before))
        }
    }

    func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// Rules evaluation per slice (issue 5's "under 1 ms per slice"), on a shipped protocol.
struct ProtocolBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol", abstract: "Protocol rules evaluation time per slice on a 12-slice exam.")

    @Option(help: "Shipped protocol file.") var file = "protocols/thorough.yaml"
    @Option(help: "Exams to evaluate.") var rounds = 2000

    func run() throws {
        let qaProtocol = try ProtocolLoader.load(contentsOf: URL(fileURLWithPath: file))
        let slices = (1...12).map { index -> SliceFacts in
            let ring: AHARing = index <= 4 ? .basal : index <= 8 ? .mid : .apical
            let causes: [Cause: Double] = [.tiNulling: Double(index % 3) / 2, .ghosting: Double(index % 4) / 3, .focalEquivocal: 0.6]
            return SliceFacts(
                assessment: Assessment(pLGE: 0.4, pLowCertainty: Double(index % 5) / 5, causes: causes, flaggedSegment: index),
                quality: ["snr": 12, "ghost_ratio": 1.2],
                context: SliceContext(index: index, ring: ring, inversionTime: 280, minutesSinceInjection: 10 + Double(index)))
        }
        var prompts = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds {
            var engine = ProtocolEngine(protocol: qaProtocol)
            // As replay calls it: each acquisition (here one magnitude image) decided whole.
            for facts in slices where engine.evaluate(acquisition: [facts]).contains(where: { $0.recommendation != nil }) { prompts += 1 }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("protocol \(qaProtocol.name) (\(qaProtocol.rules.count) rules): \(String(format: "%.1f", seconds / Double(rounds * slices.count) * 1e6)) µs per slice over \(rounds) exams of 12 slices (\(prompts) prompts)")
    }
}
