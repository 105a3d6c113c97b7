import ArgumentParser
import Foundation
import LGEAudit
import LGEClassifier
import LGENeural
import LGEProtocol
import LGEReplay
import LGESimulator

/// `lgeqa audit` on a SYNTHETIC history of `--sessions` 12-acquisition sessions (9 short-axis
/// slices and 3 long-axis views, PSIR and magnitude: 24 images each), on every core: read the
/// DICOM folders, classify, QA, protocol, estimator. Generating the history is not timed.
///
/// To keep generation short the history holds `--distinct` rendered exams, each linked under
/// several session ids; nothing is cached between sessions, so every session is read and
/// classified from its files like any other.
struct AuditBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Audit time of N simulated 12-acquisition sessions (replay + estimator), generation not counted.")

    @Option(help: "Sessions in the history.") var sessions = 1000
    @Option(help: "Distinct exams rendered (each linked under sessions/distinct ids).") var distinct = 20
    @Option(help: "Model file.") var model = "models/lgeqa-default.lgeqa"
    @Option(help: "Protocol file.") var file = "protocols/default.yaml"
    @Option(help: "Worker threads (default: every core).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Keep the generated history here (default: a temporary folder, removed after).") var keep: String?

    func run() throws {
        let root = keep.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-bench-audit-\(UUID().uuidString)")
        defer { if keep == nil { try? FileManager.default.removeItem(at: root) } }
        let sessionsDirectory = root.appendingPathComponent("sessions")
        let rendered = root.appendingPathComponent("rendered")
        try FileManager.default.createDirectory(at: sessionsDirectory, withIntermediateDirectories: true)
        let generator = CohortGenerator(site: .internal, seed: 2024)
        let model = CohortHistoryModel()
        var outcomes = CohortHistoryModel.csvHeader
        let generationStart = Date()
        var renderedExams: [(exam: ExamCase, truth: ExamTruth)] = []
        for index in 0..<min(distinct, sessions) {
            var exam = generator.exam(index)
            exam.plan.shortAxisSlices = 9
            exam.plan.longAxisViews = [.fourChamber, .twoChamber, .threeChamber]
            var simulator = try ExamSimulator(exam: exam)
            try simulator.acquirePlannedExam()
            let written = try ExamWriter().write(simulator, to: rendered.appendingPathComponent(exam.name))
            renderedExams.append((exam, written.truth))
        }
        for index in 0..<sessions {
            let (exam, truth) = renderedExams[index % renderedExams.count]
            let id = String(format: "S%05d", index)
            try link(rendered.appendingPathComponent(exam.name), to: sessionsDirectory.appendingPathComponent(id))
            var row = model.row(for: exam, index: index, site: .internal, seed: generator.seed, truth: truth)
            row = id + row.drop(while: { $0 != "," })
            outcomes += row
        }
        try outcomes.write(to: root.appendingPathComponent("outcomes.csv"), atomically: true, encoding: .utf8)
        print(String(format: "history: SYNTHETIC, %d sessions (%d distinct exams, 12 acquisitions, 24 images each), generated in %.0f s (not counted)",
                     sessions, renderedExams.count, Date().timeIntervalSince(generationStart)))

        let start = DispatchTime.now().uptimeNanoseconds
        let archive = try HistoricalArchive(sessionsDirectory: sessionsDirectory, outcomes: root.appendingPathComponent("outcomes.csv").path)
        BLAS.setThreadCount(1)
        let classifier = try SliceClassifier(modelPath: self.model)
        let engine = ReplayEngine(protocol: try ProtocolLoader.load(contentsOf: URL(fileURLWithPath: file)), classifier: classifier)
        let results = HistoryReplayer(engine: engine, threads: threads).replay(archive.sessions)
        let records = results.compactMap { try? $0.get().record }
        let replaySeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let estimate = AuditEstimator(configuration: AuditConfiguration(theta: .pilot(successes: 6, trials: 10))).estimate(records)
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(String(format: "audit: %d sessions replayed (%d failed) in %.1f s on %d thread(s) (%.1f sessions/s, %.1f ms per image); estimator %.1f s; total %.1f s",
                     records.count, results.count - records.count, replaySeconds, threads, Double(records.count) / replaySeconds,
                     replaySeconds * 1000 * Double(threads) / Double(max(records.count * 24, 1)), total - replaySeconds, total))
        print(String(format: "  (%d prompted exams, avoided %.1f per 1000 with θ 6/10: SYNTHETIC, a check that the run did real work)",
                     estimate.counts.prompts, estimate.avoided.value))
        print("  target: 1000 sessions in under 300 s; \(total < 300 * Double(sessions) / 1000 ? "met" : "NOT met") at this size. CPU: \(ProcessInfo.processInfo.activeProcessorCount) core(s), OpenBLAS \(BLAS.coreName); other work on the machine slows this down.")
    }

    /// Hard-links every file of `source` under `destination` (same folders), copying when links fail.
    func link(_ source: URL, to destination: URL) throws {
        let files = FileManager.default.enumerator(atPath: source.path)?.compactMap { $0 as? String } ?? []
        for relative in files {
            let from = source.appendingPathComponent(relative), to = destination.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: from.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try FileManager.default.createDirectory(at: to, withIntermediateDirectories: true)
            } else {
                try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                do { try FileManager.default.linkItem(at: from, to: to) } catch { try FileManager.default.copyItem(at: from, to: to) }
            }
        }
    }
}
