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
        let expert = try ExpertScores(path: scores, rule: rule)
        expert.problems.forEach { printError("lgeqa: \($0)") }
        scoreRowsExcluded = expert.problems.count
        if scoreRowsExcluded > 0 { printError("lgeqa: \(scoreRowsExcluded) score row(s) in \(scores) excluded (listed above)") }
        let byImage = Dictionary(expert.labels.map { ($0.image, $0) }, uniquingKeysWith: { first, _ in first })

        // PatientID is read only to be hashed into the bootstrap's patient key; it is never printed.
        let batch = DICOMBatchReader(reader: DICOMReader(options: .init(includePatientIdentity: true))).read(paths: [images])
        // Files that are not DICOM at all (a cohort's truth.csv, notes) are counted, not errors;
        // DICOM files that cannot be used are listed.
        let notDICOM = batch.failures.filter { if case .notDICOM = $0.problem { true } else { false } }.count
        if notDICOM > 0 { printError("lgeqa: \(notDICOM) non-DICOM file(s) under \(images) ignored") }
        let failures = batch.failures.filter { if case .notDICOM = $0.problem { false } else { true } }
        failures.forEach { printError("lgeqa: \($0.path): \($0.problem)") }
        unreadableFiles = failures.count
        slicesRead = batch.slices.count
        let root = URL(fileURLWithPath: images).standardizedFileURL.path
        var matched: Set<String> = []
        var low: [ScoredCase] = [], lge: [ScoredCase] = [], labels: [ExpertLabel] = []
        var withoutScores = 0, unassessed = 0, synthetic = false
        let progress = ProgressBar(total: batch.slices.count, label: "evaluate \(name)")
        for slice in batch.slices {
            defer { progress.advance() }
            let header = slice.header
            synthetic = synthetic || header.isSynthetic || (header.manufacturer?.contains("lgeqa simulator") ?? false)
            let path = URL(fileURLWithPath: header.source.path).standardizedFileURL.path
            let relative = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
            let key = expert.imageColumn == "sop_instance_uid" ? header.sopInstanceUID : relative
            guard let label = byImage[key] ?? byImage[path] else {
                withoutScores += 1
                continue
            }
            matched.insert(label.image)
            guard let pixels = slice.pixels,
                  let verdict = try? classifier.assess(pixels, pixelSpacing: header.geometry?.pixelSpacing, isSigned: ClassificationRecord.isSigned(header, pixels))
            else {
                unassessed += 1
                continue
            }
            labels.append(label)
            let patient = Self.patientKey(header)
            low.append(ScoredCase(truth: label.lowCertainty, probability: verdict.pLowCertainty, patient: patient))
            if !label.lowCertainty { lge.append(ScoredCase(truth: label.lgeLikely, probability: verdict.pLGE, patient: patient)) }
        }
        if withoutScores > 0 { printError("lgeqa: \(withoutScores) slice(s) in \(images) have no expert scores and are not counted") }
        scoredImagesWithoutSlices = byImage.count - matched.count
        if scoredImagesWithoutSlices > 0 { printError("lgeqa: \(scoredImagesWithoutSlices) scored image(s) in \(scores) have no slice in \(images) and are not counted") }
        if unassessed > 0 { printError("lgeqa: \(unassessed) slice(s) in \(images) got no assessment and are not counted") }
        slicesWithoutScores = withoutScores
        self.unassessed = unassessed
        self.synthetic = synthetic
        operatingThreshold = classifier.operatingThreshold(for: .lowCertainty)
        lowCertainty = ClassificationReport(cases: low, threshold: operatingThreshold, bootstrap: bootstrap)
        self.lge = lge.isEmpty ? nil : ClassificationReport(cases: lge, threshold: classifier.operatingThreshold(for: .lge), bootstrap: bootstrap)
        interReader = InterReaderAgreement(labels: labels, rule: rule)
        lowCertaintyCases = low
        lgeCases = lge
    }

    /// The bootstrap's patient: a hash of PatientID, else of StudyInstanceUID (never printed).
    static func patientKey(_ header: MRSliceHeader) -> String {
        let id = header.patient?.id.trimmingCharacters(in: .whitespaces) ?? ""
        let source = id.isEmpty ? "study:" + header.studyInstanceUID : "patient:" + id
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in source.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
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
