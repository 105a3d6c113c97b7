import ArgumentParser
import Foundation
import LGEDICOM
import LGESession
import LGESimulator

/// `lgeqa demo`: the main job on embedded defaults, until replay lands.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate the default teaching scenario, with the expert's follow-up, and inspect the exam.",
        discussion: "Everything shown is SYNTHETIC. The exam is written to a temporary folder unless --out is given."
    )

    @Option(help: "Scenario file or shipped scenario name.")
    var scenario = "ghosting-septum"

    @Option(help: "Keep the exam in this folder instead of a temporary one.")
    var out: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = global.bootstrapLogging("lgeqa.demo")
        let exam = try ShippedContent.loadScenario(scenario)
        let directory = out.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-demo-\(ProcessInfo.processInfo.processIdentifier)")
        defer { if out == nil { try? FileManager.default.removeItem(at: directory) } }

        var simulator = try ExamSimulator(exam: exam)
        try simulator.acquirePlannedExam()
        for expected in exam.expertActions {
            if let index = simulator.acquisitions.lastIndex(where: { $0.target == expected.after }) {
                _ = try simulator.perform(expected.action, after: index)
            }
        }
        let written = try ExamWriter().write(simulator, to: directory)

        print("lgeqa demo: SYNTHETIC exam '\(exam.name)': \(exam.title)")
        if let teaching = exam.teaching { print("  \(teaching.summary)") }
        print("")
        for acquisition in written.truth.acquisitions {
            let unsure = acquisition.images.filter(\.lowCertainty).map(\.reconstruction.rawValue)
            let what = acquisition.actionDetail.map { " ← \($0)" } ?? ""
            let truth = acquisition.truth.lgePresent ? "LGE in segments \(acquisition.truth.segments.map(String.init).joined(separator: ","))" : "no LGE"
            let causes = acquisition.truth.causes.map(\.rawValue).joined(separator: ", ")
            print(String(format: "  %5.1f min  ", acquisition.startMinute) + acquisition.target.padding(toLength: 14, withPad: " ", startingAt: 0)
                + "  TI \(Int(acquisition.inversionTime)) ms  \(truth)"
                + (causes.isEmpty ? "" : "  [\(causes)]")
                + (unsure.isEmpty ? "" : "  readers unsure on \(unsure.joined(separator: "+"))") + what)
        }
        print("\nWhat the scanner sent, as `lgeqa inspect` sees it:\n")
        let batch = DICOMBatchReader(reader: DICOMReader(options: .init(loadPixels: false))).read(paths: [directory.appendingPathComponent("dicom").path])
        let report = InspectionReport(
            session: SessionBuilder.build(from: batch.slices.map(\.header)),
            unreadable: batch.failures.map { InputProblem(path: $0.path, reason: $0.problem.description) })
        print(report.renderTable(), terminator: "")
        if out != nil { print("\nExam kept in \(directory.path)") }
        print("\nlgeqa is a research and training tool, not a diagnostic device.")
    }
}
