import ArgumentParser
import Foundation
import LGEClassifier
import LGEProtocol
import LGEReplay
import LGESimulator

/// Replay of a 12-acquisition session (9 short-axis slices and 3 long-axis views, PSIR and
/// magnitude each: 24 images) at `--speed max`: classification, quality metrics, protocol and
/// events, from slices in memory and from a recorded DICOM folder. Simulating the exam is not
/// timed (a replay of a recording does not simulate).
struct ReplayBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Replay time of a 12-slice session including classification (--speed max).")

    @Option(help: "Scenario the session is rendered from (9 short-axis slices are used).") var scenario = "scenarios/normal.yaml"
    @Option(help: "Model file.") var model = "models/lgeqa-default.lgeqa"
    @Option(help: "Protocol file.") var file = "protocols/default.yaml"
    @Option(help: "Replays; the best and the median are reported.") var rounds = 5

    func run() throws {
        var exam = try ScenarioLoader.load(contentsOf: URL(fileURLWithPath: scenario))
        exam.plan.shortAxisSlices = 9
        exam.plan.longAxisViews = [.fourChamber, .twoChamber, .threeChamber]
        let classifier = try SliceClassifier(modelPath: model)
        let engine = ReplayEngine(protocol: try ProtocolLoader.load(contentsOf: URL(fileURLWithPath: file)), classifier: classifier)

        // Render once: the slices as they would arrive, and the same exam as a DICOM folder.
        var simulated = try ScenarioSource(exam: exam, follow: false)
        var slices: [ArrivingSlice] = []
        while let slice = try simulated.next() { slices.append(slice) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-bench-replay-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ExamWriter().write(simulated.simulator, to: directory)
        let images = slices.reduce(0) { $0 + $1.images.count }
        print("session: SYNTHETIC '\(exam.name)', \(slices.count) acquisitions, \(images) images \(exam.plan.matrix)², model \(classifier.card.modelVersion)")

        func time(_ body: () throws -> Void) rethrows -> [Double] {
            var seconds: [Double] = []
            for _ in 0..<rounds {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return seconds.sorted()
        }
        func report(_ label: String, _ seconds: [Double]) {
            let best = seconds[0], median = seconds[seconds.count / 2]
            print("\(label): best \(String(format: "%.3f", best)) s, median \(String(format: "%.3f", median)) s per session (\(String(format: "%.1f", best / Double(slices.count) * 1000)) ms per acquisition), \(rounds) rounds")
        }
        var lines = 0
        let inMemory = try time {
            var source = PreparedSource(info: simulated.info, slices: slices)
            try engine.run(&source) { lines += $0.jsonLine().isEmpty ? 0 : 1 }
        }
        report("replay from memory (classify + QA + protocol + JSONL)", inMemory)
        let recorded = try time {
            var source = try RecordedSessionSource(directory: directory.appendingPathComponent("dicom").path)
            try engine.run(&source) { lines += $0.jsonLine().isEmpty ? 0 : 1 }
        }
        report("replay of the DICOM recording (read + group + the above)", recorded)
        let classification = try time {
            for slice in slices {
                for image in slice.images {
                    _ = try classifier.assess(image.pixels!, pixelSpacing: image.pixelSpacing, isSigned: image.reconstruction == .psir, phaseEncode: slice.phaseEncodeDirection)
                }
            }
        }
        report("of which classification alone (24 images)", classification)
        print("(\(lines / (2 * rounds)) events per replay)")
    }
}
