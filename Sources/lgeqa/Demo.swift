import ArgumentParser
import Foundation
import LGEClassifier
import LGEDICOM
import LGEProtocol
import LGEQualityMetrics
import LGESession
import LGESimulator

/// `lgeqa demo`: the main job on embedded defaults (scenario, model, protocol), until replay lands.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a teaching scenario, assess every slice with the default model and protocol, and inspect the exam.",
        discussion: "Everything shown is SYNTHETIC. The exam is written to a temporary folder unless --out is given."
    )

    @Option(help: "Scenario file or shipped scenario name.")
    var scenario = "ghosting-septum"

    @Option(help: "Model file (default: models/lgeqa-default.lgeqa).")
    var model: String?

    @Option(name: .customLong("protocol"), help: "Protocol file or shipped protocol name.")
    var protocolName = "default"

    @Option(help: "Keep the exam in this folder instead of a temporary one.")
    var out: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrapLogging("lgeqa.demo")
        let exam = try ShippedContent.loadScenario(scenario)
        let directory = out.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-demo-\(ProcessInfo.processInfo.processIdentifier)")
        defer { if out == nil { try? FileManager.default.removeItem(at: directory) } }
        let modelPath = model ?? ModelCommand.defaultModelPath
        var classifier: SliceClassifier?
        do { classifier = try SliceClassifier(modelPath: modelPath) } catch {
            logger.warning("no classifier: \(error.description); slices are shown without assessment")
        }
        var engine = ProtocolEngine(protocol: try ProtocolFiles.load(protocolName))

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
        print("  model: \(classifier.map { "\($0.card.modelVersion) (\(modelPath))" } ?? "none"); protocol: \(protocolName)\n")
        print("  time      acquisition                  TI  truth                 readers  model p_low (cause)           protocol says")
        for (acquisition, truth) in zip(simulator.acquisitions, written.truth.acquisitions) {
            let image = acquisition.images.first { $0.reconstruction == .psir } ?? acquisition.images[0]
            let pixels = image.slice.pixels!
            let isSigned = image.reconstruction == .psir
            var verdictText = "-"
            var assessment: Assessment?
            var reason: String?
            if let classifier {
                do {
                    let verdict = try classifier.assess(pixels, pixelSpacing: image.slice.header.geometry?.pixelSpacing, isSigned: isSigned)
                    var causes: [Cause: Double] = [:]
                    for (name, p) in verdict.causes { if let cause = Cause(rawValue: name) { causes[cause] = p } }
                    assessment = Assessment(pLGE: verdict.pLGE, pLowCertainty: verdict.pLowCertainty, causes: causes)
                    let top = verdict.causes.max { $0.value < $1.value }
                    verdictText = String(format: "%.2f", verdict.pLowCertainty) + (top.map { " (\($0.key) \(String(format: "%.2f", $0.value)))" } ?? "")
                } catch {
                    reason = error.description
                    verdictText = "no assessment"
                }
            } else {
                reason = "no model"
            }
            let quality = (try? SliceQualityMetrics.measure(pixels, pixelSpacing: image.slice.header.geometry?.pixelSpacing, phaseEncode: acquisition.phaseEncodeDirection, isSigned: isSigned))
                .map(Demo.flatten) ?? [:]
            let decision = engine.evaluate(SliceFacts(
                assessment: assessment, unassessedReason: reason, quality: quality,
                context: context(for: acquisition, in: simulator)))
            let says = decision.recommendation?.message ?? "-"
            let lge = acquisition.truth.lgePresent ? "LGE " + acquisition.truth.segments.map(String.init).joined(separator: ",") : "no LGE"
            let causes = acquisition.truth.causes.map(\.rawValue).joined(separator: "+")
            let unsure = truth.images.contains(where: \.lowCertainty) ? "unsure" : "sure"
            let action = acquisition.action.map { " ← \($0.name)" } ?? ""
            print(String(format: "  %5.1f min ", acquisition.startMinute) + (acquisition.target.description + action).padding(toLength: 26, withPad: " ", startingAt: 0)
                + String(format: " %4.0f  ", acquisition.inversionTime)
                + (lge + (causes.isEmpty ? "" : " [\(causes)]")).padding(toLength: 22, withPad: " ", startingAt: 0)
                + unsure.padding(toLength: 9, withPad: " ", startingAt: 0)
                + verdictText.padding(toLength: 30, withPad: " ", startingAt: 0) + says)
        }
        print("\n  The scenario's expert: " + (exam.expertActions.isEmpty ? "nothing to do." : exam.expertActions.map { "after \($0.after): \($0.action) (\($0.why.trimmingCharacters(in: .whitespacesAndNewlines)))" }.joined(separator: "; ")))
        print("\nWhat the scanner sent, as `lgeqa inspect` sees it:\n")
        let (report, _) = Inspect.report(for: [directory.appendingPathComponent("dicom").path])
        print(report.renderTable(), terminator: "")
        if out != nil { print("\nExam kept in \(directory.path)") }
        print("\nlgeqa is a research and training tool, not a diagnostic device.")
    }

    /// The protocol's view of where the slice sits in the exam.
    private func context(for acquisition: SimulatedAcquisition, in simulator: ExamSimulator) -> SliceContext {
        var orientation = ViewOrientation.shortAxis
        var ring: AHARing?
        var index = acquisition.index + 1
        switch acquisition.target {
        case .shortAxis(let i):
            index = i + 1
            let count = max(simulator.exam.plan.shortAxisSlices, 1)
            ring = i * 3 < count ? .basal : (i * 3 < 2 * count ? .mid : .apical)
        case .longAxis(let view), .crosscut(_, let view):
            orientation = view
        }
        let repeats = simulator.acquisitions.prefix(acquisition.index).filter { $0.target == acquisition.target }.count
        return SliceContext(
            index: index, orientation: orientation, ring: ring,
            reconstruction: simulator.exam.plan.reconstructions.contains(.psir) ? .psir : .magnitude,
            inversionTime: acquisition.inversionTime, minutesSinceInjection: acquisition.startMinute,
            repeatsOfPosition: repeats, seriesHasPSIR: simulator.exam.plan.reconstructions.contains(.psir))
    }

    /// Quality metrics by their snake_case names, as protocols refer to them (`qa.snr`).
    static func flatten(_ quality: SliceQuality) -> [String: Double] {
        guard let data = try? JSONEncoder().encode(quality),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
}
