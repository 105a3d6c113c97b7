import ArgumentParser
import Foundation
import LGEClassifier
import LGEDatasets

/// `lgeqa model calibrate`: refit each head's probability map on data at a centre's prevalence.
struct ModelCalibrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Recalibrate a model's probabilities (a temperature and an offset per head) on labelled exams it did not train on: simulated cohorts, or a centre's expert-scored images.",
        discussion: """
            Training weights the rarer class of every head up (low-certainty slices up to 10 times), which leaves \
            the probabilities too high at a centre's own prevalence; temperature scaling cannot fix a shift. This \
            fits sigmoid(logit / T + offset) per head (Platt scaling) on the cohorts given, which should be new \
            exams at the prevalence the model will meet, and writes a copy of the model with the new calibration. \
            Rankings, and so every ROC AUC, are unchanged; accuracy at a threshold, ECE and any protocol threshold \
            on a probability move. The card lists the calibration data and drops the accuracy figures the old \
            calibration gave.

            A centre's own exams can be the calibration data: --images with --scores, in the format `lgeqa evaluate` \
            reads (one row per reader per image). They teach p_low_certainty (the readers' certainty class) and p_lge \
            (mean VAS above 50, where the readers were sure); the cause heads have no labels there and keep theirs.
            """
    )

    @Option(name: .customLong("cohort"), help: "A folder written by `lgeqa simulate cohort`, not used in training (repeatable).")
    var cohorts: [String] = []
    @Option(help: "A folder of a centre's DICOM slices scored by its readers (with --scores).") var images: String?
    @Option(help: "The readers' scores for --images: sop_instance_uid (or image), reader, vas.") var scores: String?
    @Option(help: "Lower bound of the low-certainty VAS band for --scores.") var bandLower = 25.0
    @Option(help: "Upper bound of the low-certainty VAS band for --scores.") var bandUpper = 75.0

    @Option(help: "The model to recalibrate (default: the shipped model).") var model: String?
    @Option(help: "Where to write the recalibrated model (may be the same file).") var out: String
    @Option(help: "Version of the recalibrated model (default: the old version with '-cal').") var modelVersion: String?
    @Option(help: "A head keeps its calibration unless the cohorts hold at least this many labelled slices of each class.")
    var minimumPerClass = 20
    @Option(name: .customLong("head"), help: "Recalibrate only this head (repeatable; default: every head). The others keep their calibration.")
    var heads: [ClassifierHead] = []
    @Option(help: "Output format: table or json.") var format: ReportFormat = .table

    func validate() throws {
        guard (images == nil) == (scores == nil) else { throw ValidationError("give --images and --scores together") }
        guard !cohorts.isEmpty || images != nil else {
            throw ValidationError("give the exams to calibrate on: --cohort DIR (simulated) and/or --images DIR --scores CSV (scored by readers)")
        }
        guard bandLower < bandUpper, (0...100).contains(bandLower), (0...100).contains(bandUpper) else {
            throw ValidationError("the VAS band must satisfy 0 ≤ --band-lower < --band-upper ≤ 100")
        }
        guard minimumPerClass >= 1 else { throw ValidationError("--minimum-per-class must be at least 1 (found \(minimumPerClass))") }
    }

    func run() async throws {
        let path = model ?? ModelCommand.defaultModelPath
        let (card, network) = try ModelFile.read(path)
        var slices: [LabeledSlice] = []
        var provenance: [DatasetProvenance] = []
        for cohort in cohorts {
            let (loaded, failures) = try SimulatedCohortDataset.load(directory: URL(fileURLWithPath: cohort))
            failures.forEach { printError("lgeqa: \($0)") }
            slices += loaded
            provenance.append(DatasetProvenance(
                name: "lgeqa simulator cohort \(URL(fileURLWithPath: cohort).lastPathComponent) (calibration only)", licence: "same as lgeqa",
                slices: loaded.count, patients: Set(loaded.map(\.patient)).count, synthetic: true))
        }
        if let images, let scores {
            let scored = try ScoredImages(images: images, scores: scores, rule: VASCertaintyRule(lower: bandLower, upper: bandUpper))
            let labelled = scored.labeledSlices
            slices += labelled
            provenance.append(DatasetProvenance(
                name: "expert-scored images \(URL(fileURLWithPath: images).lastPathComponent) (calibration only)",
                licence: "the centre's own", slices: labelled.count, patients: Set(labelled.map(\.patient)).count, synthetic: scored.synthetic))
        }
        let sources = cohorts + [images].compactMap { $0 }
        guard !slices.isEmpty else { throw CommandError("no labelled slices in \(sources.joined(separator: ", ")): nothing to calibrate on") }
        let classifier = SliceClassifier(card: card, network: network)
        var (updated, reports, unassessed) = classifier.recalibrated(
            on: slices, minimumPerClass: minimumPerClass, heads: heads.isEmpty ? Set(ClassifierHead.allCases) : Set(heads))
        if unassessed > 0 { printError("lgeqa: \(unassessed) slice(s) got no assessment and are not used") }
        updated.modelVersion = modelVersion ?? card.modelVersion + "-cal"
        updated.created = ISO8601DateFormatter().string(from: Date())
        updated.trainingData += provenance
        let headOptions = heads.map { " --head \($0.rawValue)" }.joined()
        updated.recipe += "; recalibrated by [lgeqa model calibrate --minimum-per-class \(minimumPerClass)\(headOptions)] on \(provenance.map(\.name).joined(separator: ", "))"
        // ROC AUCs do not move with a monotone recalibration; accuracies at a threshold do.
        updated.evaluation = updated.evaluation.filter { !$0.key.hasSuffix("_accuracy") }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: out).deletingLastPathComponent(), withIntermediateDirectories: true)
        try ModelFile.write(card: updated, network: network, to: out)

        switch format {
        case .json:
            print(try prettyJSON(reports))
        case .table:
            let synthetic = provenance.allSatisfy(\.synthetic) ? " (SYNTHETIC)" : ""
            print("wrote \(out): model \(updated.modelVersion), recalibrated on \(slices.count - unassessed) slices from \(sources.joined(separator: ", "))\(synthetic)")
            for r in reports {
                let name = r.head.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
                let change = r.keptBecause.map { "kept: \($0)" }
                    ?? String(format: "T %.3f -> %.3f, offset %+.3f -> %+.3f", r.before.temperature, r.after.temperature, r.before.offset, r.after.offset)
                print("  \(name)\(r.positives) positive / \(r.negatives) negative  " + String(format: "log loss %.4f -> %.4f  ", r.logLossBefore, r.logLossAfter) + change)
            }
            print("ROC AUCs are unchanged; re-run `lgeqa model evaluate` for accuracy and ECE, and check protocol thresholds on probabilities.")
        }
    }
}

extension ClassifierHead: ExpressibleByArgument {}
