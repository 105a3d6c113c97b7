import Foundation
import LGEDICOM
import LGEPhantom
import LGESession
import LGETestSupport
import Testing

@testable import LGESimulator

/// Whole exams: determinism, actions, crosscuts, DICOM output.
@Suite struct ExamSimulatorTests {
    /// A small, fast exam (128², 2.6 mm pixels) with a focal scar and a ghosted slice.
    func smallExam(seed: UInt64 = 11) -> ExamCase {
        var plan = AcquisitionPlan(shortAxisSlices: 6, matrix: 128, pixelSize: 2.6, longAxisViews: [.fourChamber, .twoChamber])
        plan.sliceGap = 4
        return ExamCase(
            name: "test-exam", title: "test", seed: seed, scars: [.ischemic(territory: .lad, transmurality: 0.6)], plan: plan,
            events: [ArtifactEvent(affects: .shortAxis([2]), kind: .respiratoryGhosting(amplitude: 10, period: 4), recurrence: 0)])
    }

    @Test func aSeedReproducesTheExamBitForBit() throws {
        func render(_ seed: UInt64) throws -> [[Float]] {
            var simulator = try ExamSimulator(exam: smallExam(seed: seed))
            try simulator.acquirePlannedExam()
            _ = try simulator.perform(.swapPhaseEncode, after: 2)
            return simulator.acquisitions.flatMap { $0.images.map { $0.slice.pixels!.values } }
        }
        let first = try render(11), second = try render(11), other = try render(12)
        #expect(first == second)
        #expect(first != other)
    }

    @Test func writtenFilesAreIdenticalAndSynthetic() throws {
        let a = try TestEnvironment.temporaryDirectory(), b = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        for directory in [a, b] {
            var simulator = try ExamSimulator(exam: smallExam())
            _ = try simulator.acquirePlanned(.shortAxis(2))
            _ = try simulator.acquirePlanned(.longAxis(.fourChamber))
            try ExamWriter().write(simulator, to: directory)
        }
        let files = DICOMBatchReader.files(under: [a.appendingPathComponent("dicom").path]).files
        #expect(files.count == 4)
        for file in files {
            let twin = file.replacingOccurrences(of: a.path, with: b.path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data(contentsOf: URL(fileURLWithPath: twin)))
            let header = try DICOMReader(options: .init(loadPixels: false)).read(path: file)[0].header
            #expect(header.manufacturer == "lgeqa simulator")
            #expect(header.isSynthetic)
            let verdict = try runProcess(TestEnvironment.dciodvfy, [file])
            let errors = (verdict.standardOutput + verdict.standardError).split(separator: "\n").filter { $0.hasPrefix("Error") }
            #expect(errors.isEmpty, "dciodvfy: \(errors)")
        }
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: a.appendingPathComponent("truth.json"))) as? [String: Any]
        #expect(truth?["synthetic"] as? Bool == true)
        let readers = try String(contentsOf: a.appendingPathComponent("readers.csv"), encoding: .utf8)
        #expect(readers.hasPrefix("sop_instance_uid,reader,vas\n"))
        #expect(readers.split(separator: "\n").count == 1 + 4 * 2)
    }

    @Test func actionsAdvanceTheClockAndKeepTheAnatomy() throws {
        var simulator = try ExamSimulator(exam: smallExam())
        let first = try simulator.acquirePlanned(.shortAxis(2))
        let before = simulator.clock
        let repeated = try simulator.perform(.repeatWithInversionTime(.delta(30)), after: first.index)
        #expect(simulator.clock >= before + (repeated.duration + ScanAction.repeatWithInversionTime(.delta(30)).overhead) / 60 - 1e-9)
        #expect(repeated.startMinute == before)
        #expect(abs(repeated.inversionTime - (first.inversionTime + 30)) < 1e-9)
        #expect(repeated.truth.segments == first.truth.segments)
        #expect(repeated.geometry == first.geometry)
        let swapped = try simulator.perform(.swapPhaseEncode, after: first.index)
        #expect(swapped.phaseEncodeDirection == first.phaseEncodeDirection.swapped)
        // The null drifts later as gadolinium washes out.
        #expect(try simulator.nullInversionTime(at: 25) > simulator.nullInversionTime(at: 10))
    }

    /// A TI the technologist changed for a repeat stays for the planned slices after it, as a
    /// console keeps it; other actions leave TI alone.
    @Test func aChangedTIStaysForThePlannedSlicesThatFollow() throws {
        var exam = smallExam()
        exam.plan.inversionTime = .fixed(280)
        var simulator = try ExamSimulator(exam: exam)
        let first = try simulator.acquirePlanned(.shortAxis(0))
        #expect(first.inversionTime == 280)
        _ = try simulator.perform(.swapPhaseEncode, after: first.index)
        #expect(try simulator.acquirePlanned(.shortAxis(1)).inversionTime == 280)
        let raised = try simulator.perform(.repeatWithInversionTime(.delta(20)), after: first.index)
        #expect(raised.inversionTime == 300)
        #expect(try simulator.acquirePlanned(.shortAxis(2)).inversionTime == 300)
        // Another try on the first slice: the console now holds that TI, 250 ms.
        _ = try simulator.perform(.repeatWithInversionTime(.delta(-30)), after: first.index)
        #expect(try simulator.acquirePlanned(.shortAxis(3)).inversionTime == 250)
        #expect(simulator.inversionTimeCorrection == -30)
    }

    /// Like a scanner, the simulator plays a TI shorter than the readout allows at the shortest
    /// playable TI, and says so (the amyloid scenario's expert asks for TI -50 ms).
    @Test func aTIOutsideWhatTheReadoutCanPlayIsClampedAndRecorded() throws {
        var simulator = try ExamSimulator(exam: smallExam())
        let first = try simulator.acquirePlanned(.shortAxis(2))
        let playable = simulator.playableInversionTimes
        #expect(playable.lowerBound > 50 && playable.lowerBound < first.inversionTime)
        let short = try simulator.perform(.repeatWithInversionTime(.absolute(playable.lowerBound - 20)), after: first.index)
        #expect(short.inversionTime == playable.lowerBound)
        #expect(short.requestedInversionTime == playable.lowerBound - 20)
        #expect(short.truth.inversionTime == playable.lowerBound)
        #expect(short.images.allSatisfy { abs(($0.slice.header.inversionTime ?? 0) - playable.lowerBound) < 0.05 })
        let long = try simulator.perform(.repeatWithInversionTime(.absolute(playable.upperBound + 100)), after: first.index)
        #expect(long.inversionTime == playable.upperBound && long.requestedInversionTime == playable.upperBound + 100)
        // Within the range nothing changes.
        #expect(first.inversionTime == first.requestedInversionTime)
    }

    @Test func aCrosscutThroughTheFlaggedRegionContainsIt() throws {
        var exam = smallExam()
        exam.scars = [.focal(segment: 8, diameter: 7, depth: .midwall)]
        var simulator = try ExamSimulator(exam: exam)
        try simulator.acquirePlannedExam()
        let flagged = try #require(simulator.acquisitions.first { $0.truth.lgePresent && $0.target != .longAxis(.fourChamber) && $0.target != .longAxis(.twoChamber) })
        let centroid = try #require(flagged.truth.scarCentroid)
        let crosscut = try simulator.perform(.longAxisCrosscut(.throughFlaggedRegion), after: flagged.index)
        let distance = abs((centroid - crosscut.geometry.centre).dot(crosscut.geometry.normal))
        #expect(distance < 0.5, "crosscut misses the spot by \(distance) mm")
        #expect(crosscut.truth.lgePresent)
        let view = CardiacViewClassifier.classify(crosscut.geometry, axes: simulator.planner.axes).view
        #expect(view != .shortAxis)
    }

    @Test func theLesionMapIsWhereTheScarIsAndIsWrittenBesideTheImages() throws {
        var simulator = try ExamSimulator(exam: smallExam())
        try simulator.acquirePlannedExam()
        // After a phase-encode swap the image grid changes; the map follows it.
        _ = try simulator.perform(.swapPhaseEncode, after: 2)
        let enhanced = simulator.acquisitions.filter { $0.truth.lgePresent }
        try #require(!enhanced.isEmpty)
        for acquisition in simulator.acquisitions {
            let pixels = acquisition.images[0].slice.pixels!
            #expect(acquisition.lesionFractions.count == pixels.values.count)
            #expect(acquisition.lesionFractions.allSatisfy { (0...1).contains($0) })
            // The map's area is the truth's scar area (the LAD scar lies well inside the phase-encode crop).
            let spacing = acquisition.geometry.pixelSpacing
            let area = Double(acquisition.lesionFractions.reduce(0, +)) * spacing.betweenRows * spacing.betweenColumns
            #expect(abs(area - acquisition.truth.scarAreaMM2) <= max(1, 0.01 * acquisition.truth.scarAreaMM2), "\(acquisition.target)")
            // The wall map beside it: on the same grid, and the scar lies inside the wall.
            #expect(acquisition.myocardiumFractions.count == pixels.values.count)
            #expect(acquisition.myocardiumFractions.allSatisfy { (0...1).contains($0) })
            // (The most basal slab may lie partly or wholly above the LV base.)
            if acquisition.target.description != "SA 1" {
                #expect(acquisition.myocardiumFractions.contains { $0 > 0.9 }, "\(acquisition.target)")
            }
            let scarInWall = zip(acquisition.lesionFractions, acquisition.myocardiumFractions).filter { $0.0 > 0.9 }
            #expect(scarInWall.allSatisfy { $0.1 > 0.5 }, "\(acquisition.target)")
        }
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let written = try ExamWriter().write(simulator, to: directory)
        for (acquisition, truth) in zip(simulator.acquisitions, written.truth.acquisitions) {
            let path = try #require(truth.lesionMask)
            let mask = try GrayscalePNG.read(directory.appendingPathComponent(path).path)
            #expect(mask.rows == acquisition.geometry.rows && mask.columns == acquisition.geometry.columns)
            #expect(zip(mask.values, acquisition.lesionFractions).allSatisfy { abs($0 / 255 - $1) <= 0.5 / 255 + 1e-6 })
            let wallPath = try #require(truth.myocardiumMask)
            let wall = try GrayscalePNG.read(directory.appendingPathComponent(wallPath).path)
            #expect(wall.rows == acquisition.geometry.rows && wall.columns == acquisition.geometry.columns)
            #expect(zip(wall.values, acquisition.myocardiumFractions).allSatisfy { abs($0 / 255 - $1) <= 0.5 / 255 + 1e-6 })
        }
    }

    @Test func inspectRecognisesTheSimulatedExam() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var simulator = try ExamSimulator(exam: smallExam())
        try simulator.acquirePlannedExam()
        _ = try simulator.perform(.repeatWithInversionTime(.delta(25)), after: 2)
        _ = try simulator.perform(.swapPhaseEncode, after: 2)
        try ExamWriter().write(simulator, to: directory)
        let batch = DICOMBatchReader(reader: DICOMReader(options: .init(loadPixels: false))).read(paths: [directory.path + "/dicom"])
        #expect(batch.failures.isEmpty)
        let session = SessionBuilder.build(from: batch.slices.map(\.header))
        let study = try #require(session.studies.first)
        let sax = study.series.filter { $0.orientation == .shortAxis }
        #expect(sax.contains { $0.slices.count == 6 && $0.reconstruction.kind == .psir })
        #expect(sax.contains { $0.slices.count == 6 && $0.reconstruction.kind == .magnitude })
        #expect(study.series.contains { $0.orientation == .fourChamber })
        #expect(study.series.contains { $0.orientation == .twoChamber })
        let changes = study.repeats.flatMap { $0.changes.flatMap { $0 } }
        #expect(changes.contains { if case .inversionTime = $0 { true } else { false } })
        #expect(changes.contains { if case .phaseEncode = $0 { true } else { false } })
    }

    @Test func cohortsAreDeterministicAndSitesDiffer() throws {
        let internalExam = CohortGenerator(site: .internal, seed: 3).exam(5)
        #expect(internalExam == CohortGenerator(site: .internal, seed: 3).exam(5))
        #expect(internalExam != CohortGenerator(site: .internal, seed: 4).exam(5))
        let external = (0..<20).map { CohortGenerator(site: .external, seed: 3).exam($0) }
        #expect(external.contains { $0.patient.fieldStrength == .t3 })
        #expect(external.allSatisfy { $0.plan.vendorStyle != .siemens && $0.plan.pixelSize == 1.6 })
    }

    @Test func enrichedCohortsCarryMoreArtifactsOnTheSameAnatomy() {
        let natural = (0..<60).map { CohortGenerator(site: .internal, seed: 9).exam($0) }
        let enriched = (0..<60).map { CohortGenerator(site: .internal, seed: 9, mix: .enriched).exam($0) }
        // The same draws, only the thresholds differ: anatomy and heart rate are shared.
        #expect(zip(natural, enriched).allSatisfy { $0.patient.anatomy == $1.patient.anatomy && $0.patient.heartRate == $1.patient.heartRate })
        func events(_ exams: [ExamCase]) -> Int { exams.reduce(0) { $0 + $1.events.count } }
        #expect(events(enriched) > events(natural) * 3 / 2)
        func focal(_ exams: [ExamCase]) -> Int {
            exams.reduce(0) { count, exam in count + exam.scars.filter { if case .focal = $0 { true } else { false } }.count }
        }
        #expect(focal(enriched) > focal(natural))
    }

    @Test func mixedPhaseEncodingChangesOnlyTheDirection() {
        for site in CohortSite.allCases {
            let own = (0..<200).map { CohortGenerator(site: site, seed: 11, mix: .enriched).exam($0) }
            let mixed = (0..<200).map { CohortGenerator(site: site, seed: 11, mix: .enriched, phaseEncoding: .mixed).exam($0) }
            #expect(Set(own.map(\.plan.phaseEncodeDirection)) == [site == .internal ? .row : .column])
            // Both ways, in roughly equal shares (200 fair coins: 70 to 130 is ±4.2 standard deviations).
            let alongColumns = mixed.filter { $0.plan.phaseEncodeDirection == .column }.count
            #expect((70...130).contains(alongColumns), "\(alongColumns) of 200 along columns")
            // Everything else is drawn exactly as with the site's convention.
            for (a, b) in zip(own, mixed) {
                var b = b
                b.plan.phaseEncodeDirection = a.plan.phaseEncodeDirection
                #expect(a == b)
            }
        }
    }
}
