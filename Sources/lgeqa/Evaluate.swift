import ArgumentParser
import Foundation
import LGEClassifier
import LGEDatasets
import LGEDICOM
import LGEEvaluation

/// `lgeqa evaluate`: the classifier against expert VAS scores, the paper's figures.
struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate the classifier against expert scores: the paper's metrics with patient-bootstrap 95% intervals, beside inter-reader agreement.",
        discussion: """
            --scores is a CSV with one row per reader per image: sop_instance_uid (or image, a path relative to \
            --images), reader, vas (0–100), the format of the simulator's readers.csv. A slice is low certainty when \
            its mean VAS is in [--band-lower, --band-upper] or its readers fall on opposite sides of 50. The \
            patient (for the bootstrap) is a hash of PatientID, else of StudyInstanceUID; identifiers are never \
            printed. Bad score rows are listed with their line and excluded with a count. Figures from simulated \
            images are marked SYNTHETIC. Research and training tool, not a diagnostic device.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, html }

    @Option(help: "Folder of DICOM slices of the internal test set.") var images: String
    @Option(help: "Expert scores CSV for --images.") var scores: String
    @Option(help: "Folder of DICOM slices of an external (other-centre) test set.") var externalImages: String?
    @Option(help: "Expert scores CSV for --external-images.") var externalScores: String?
    @Option(help: "Model file (default: the shipped model).") var model: String?
    @Option(help: "Output format: table, json or html.") var format: Format = .table
    @Option(help: "Write the report here instead of standard output.") var out: String?
    @Option(help: "Bootstrap replicates (patients resampled).") var replicates = 2000
    @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 1
    @Option(help: "Lower bound of the low-certainty VAS band.") var bandLower = 25.0
    @Option(help: "Upper bound of the low-certainty VAS band.") var bandUpper = 75.0

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (externalImages == nil) == (externalScores == nil) else {
            throw ValidationError("give --external-images and --external-scores together")
        }
        guard bandLower < bandUpper, (0...100).contains(bandLower), (0...100).contains(bandUpper) else {
            throw ValidationError("the VAS band must satisfy 0 ≤ --band-lower < --band-upper ≤ 100")
        }
    }

    func run() async throws {
        _ = global.bootstrapLogging("lgeqa.evaluate")
        let classifier = try SliceClassifier(modelPath: model ?? ModelCommand.defaultModelPath)
        let rule = VASCertaintyRule(lower: bandLower, upper: bandUpper)
        var sets = [(name: "internal", images: images, scores: scores)]
        if let externalImages, let externalScores { sets.append(("external", externalImages, externalScores)) }
        var reports: [TestSetEvaluation] = []
        var skipped = 0
        for set in sets {
            let evaluation = try TestSetEvaluation(
                name: set.name, images: set.images, scores: set.scores, classifier: classifier, rule: rule,
                bootstrap: PatientBootstrap(replicates: replicates, seed: seed))
            skipped += evaluation.excludedTotal
            reports.append(evaluation)
        }
        let text: String
        switch format {
        case .json:
            text = try prettyJSON(reports)
        case .table:
            text = EvaluationText.table(reports, rule: rule, replicates: replicates)
        case .html:
            text = EvaluationHTML.page(reports, rule: rule, replicates: replicates, model: classifier.card)
        }
        if let out {
            try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: out))
            printError("wrote \(out)")
        } else {
            print(text)
        }
        if reports.allSatisfy({ $0.lowCertainty.cases == 0 }) { throw ExitStatus.noUsableInput }
        if skipped > 0 { throw ExitStatus.partial }
    }
}

/// One test set joined with its expert labels and scored.
struct TestSetEvaluation: Codable {
    var name: String
    var synthetic: Bool
    var slicesRead: Int
    var unreadableFiles: Int
    var slicesWithoutScores: Int
    var scoredImagesWithoutSlices: Int
    var scoreRowsExcluded: Int
    var unassessed: Int
    /// The classifier's low-certainty head against the readers' certainty class (the paper's task).
    var lowCertainty: ClassificationReport
    /// The LGE head against the readers' mean VAS > 50, on high-certainty slices only.
    var lge: ClassificationReport?
    var interReader: InterReaderAgreement
    var operatingThreshold: Double
    /// The scored cases, for the figures (not serialised).
    var lowCertaintyCases: [ScoredCase] = []
    var lgeCases: [ScoredCase] = []

    enum CodingKeys: String, CodingKey {
        case name, synthetic, slicesRead = "slices_read", unreadableFiles = "unreadable_files", slicesWithoutScores = "slices_without_scores"
        case scoredImagesWithoutSlices = "scored_images_without_slices", scoreRowsExcluded = "score_rows_excluded", unassessed
        case lowCertainty = "low_certainty", lge, interReader = "inter_reader", operatingThreshold = "operating_threshold"
    }

    var excludedTotal: Int { unreadableFiles + slicesWithoutScores + scoredImagesWithoutSlices + scoreRowsExcluded + unassessed }

    init(name: String, images: String, scores: String, classifier: SliceClassifier, rule: VASCertaintyRule, bootstrap: PatientBootstrap) throws {
        self.name = name
        let scored = try ScoredImages(images: images, scores: scores, rule: rule)
        scoreRowsExcluded = scored.scoreRowsExcluded
        unreadableFiles = scored.unreadableFiles
        slicesRead = scored.slicesRead
        slicesWithoutScores = scored.slicesWithoutScores
        scoredImagesWithoutSlices = scored.scoredImagesWithoutSlices
        synthetic = scored.synthetic
        var low: [ScoredCase] = [], lge: [ScoredCase] = [], labels: [ExpertLabel] = []
        var unassessed = 0
        let progress = ProgressBar(total: scored.items.count, label: "evaluate \(name)")
        for item in scored.items {
            defer { progress.advance() }
            let header = item.slice.header
            guard let pixels = item.slice.pixels,
                  let verdict = try? classifier.assess(pixels, pixelSpacing: header.geometry?.pixelSpacing, isSigned: ClassificationRecord.isSigned(header, pixels), phaseEncode: header.phaseEncodeDirection)
            else {
                unassessed += 1
                continue
            }
            labels.append(item.label)
            low.append(ScoredCase(truth: item.label.lowCertainty, probability: verdict.pLowCertainty, patient: item.patient))
            if !item.label.lowCertainty { lge.append(ScoredCase(truth: item.label.lgeLikely, probability: verdict.pLGE, patient: item.patient)) }
        }
        if unassessed > 0 { printError("lgeqa: \(unassessed) slice(s) in \(images) got no assessment and are not counted") }
        self.unassessed = unassessed
        operatingThreshold = classifier.operatingThreshold(for: .lowCertainty)
        lowCertainty = ClassificationReport(cases: low, threshold: operatingThreshold, bootstrap: bootstrap)
        self.lge = lge.isEmpty ? nil : ClassificationReport(cases: lge, threshold: classifier.operatingThreshold(for: .lge), bootstrap: bootstrap)
        interReader = InterReaderAgreement(labels: labels, rule: rule)
        lowCertaintyCases = low
        lgeCases = lge
    }
}

/// The terminal table.
enum EvaluationText {
    static func show(_ e: Estimate?) -> String { e.map { String(format: "%.3f [%.3f–%.3f]", $0.value, $0.lower, $0.upper) } ?? "-" }
    static func number(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "-" }

    static func table(_ reports: [TestSetEvaluation], rule: VASCertaintyRule, replicates: Int) -> String {
        var lines: [String] = []
        for r in reports {
            let m = r.lowCertainty
            lines.append("\(r.name) test set\(r.synthetic ? " (SYNTHETIC)" : ""): \(m.cases) slices, \(m.patients) patients, \(m.positives) low certainty by the readers")
            lines.append("  low-certainty head, threshold " + String(format: "%.2f", r.operatingThreshold))
            lines.append("    accuracy   \(show(m.accuracy))    inter-reader class agreement \(number(r.interReader.classAgreement))")
            lines.append("    balanced accuracy \(show(m.balancedAccuracy)); always answering the commoner class: \(number(m.noInformationRate))")
            lines.append("    precision  \(show(m.precision))    Cohen's kappa \(number(r.interReader.cohenKappa))")
            lines.append("    recall     \(show(m.recall))    ICC(2,1) on VAS \(number(r.interReader.icc21))")
            lines.append("    F1         \(show(m.f1))")
            lines.append("    ROC AUC    \(show(m.rocAUC))")
            lines.append("    ECE        \(number(m.calibration.expectedCalibrationError))")
            lines.append("    confusion  TP \(m.confusion.truePositives)  FP \(m.confusion.falsePositives)  TN \(m.confusion.trueNegatives)  FN \(m.confusion.falseNegatives)")
            if let l = r.lge {
                lines.append("  LGE head on high-certainty slices (\(l.cases), \(l.positives) with mean VAS > 50): accuracy \(show(l.accuracy)), ROC AUC \(show(l.rocAUC))")
            }
            let excluded = [("unreadable files", r.unreadableFiles), ("slices without scores", r.slicesWithoutScores),
                            ("scored images without slices", r.scoredImagesWithoutSlices), ("bad score rows", r.scoreRowsExcluded),
                            ("slices without assessment", r.unassessed)].filter { $0.1 > 0 }
            if !excluded.isEmpty { lines.append("  excluded: " + excluded.map { "\($0.1) \($0.0)" }.joined(separator: ", ")) }
        }
        lines.append("")
        lines.append("Low certainty: mean VAS in [\(rule.lower), \(rule.upper)] or readers on opposite sides of 50. 95% intervals: percentile bootstrap over patients (\(replicates) replicates).")
        lines.append("Paper (Zaman et al. 2024): internal accuracy 0.94, external 0.91, inter-expert 0.86. Research and training tool, not a diagnostic device.")
        return lines.joined(separator: "\n")
    }
}
