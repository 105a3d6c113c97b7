import ArgumentParser
import Foundation
import LGEClassifier
import LGEDatasets
import LGEEvaluation
import LGENeural
import LGEPreprocessing
import LGERandom
import LGESimulator

/// `lgeqa model`: the classifier's model file.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect and train the LGE classifier's model.",
        subcommands: [ModelInfo.self, ModelTrain.self, ModelEvaluate.self, ModelCalibrate.self, ModelCrossValidate.self, ModelCompare.self, ModelExportONNX.self, ModelBench.self]
    )

    /// The model used when no --model is given.
    static var defaultModelPath: String { ShippedContent.root.appendingPathComponent("models/lgeqa-default.lgeqa").path }
}

/// `lgeqa model info [FILE]`.
struct ModelInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Print a model file's card: architecture, data, licence, figures.")

    @Argument(help: "Model file (default: the shipped model).")
    var model: String?

    func run() async throws {
        let path = model ?? ModelCommand.defaultModelPath
        let (card, network) = try ModelFile.read(path)
        print("model \(path)")
        print("  version \(card.modelVersion), created \(card.created), \(network.parameterCount) parameters")
        print("  heads: \(card.heads.map(\.rawValue).joined(separator: ", "))")
        let input = card.preprocessing
        let turn = input.phaseEncodeAlignment == .alongRows ? "column-encoded images turned so phase encode runs along rows" : "images as acquired"
        print("  input: \(input.outputSize) × \(input.outputSize) pixels of \(input.targetPixelSpacing) mm, \(turn)")
        print("  licence: \(card.licence)")
        print("  intended use: \(card.intendedUse)")
        let calibration = zip(card.heads, card.calibrations).map { head, c in
            "\(head.rawValue) " + String(format: "T %.3f", c.temperature) + (c.offset == 0 ? "" : String(format: " %+.3f", c.offset))
        }
        print("  calibration (sigmoid(logit / T + offset)): \(calibration.joined(separator: ", "))")
        for data in card.trainingData {
            print("  trained on \(data.name): \(data.slices) slices, \(data.patients) patients\(data.synthetic ? " (SYNTHETIC)" : ""), \(data.licence)")
        }
        for (name, value) in card.evaluation.sorted(by: { $0.key < $1.key }) {
            print("  \(name): " + String(format: "%.3f", value))
        }
        print(try prettyJSON(card.network))
    }
}

/// `lgeqa model train`: the project's recipe.
struct ModelTrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the classifier on simulated cohorts and EMIDEC (patient-level splits) and write a model file.",
        discussion: "Each source (every --cohort folder, EMIDEC) is split 70:15:15 by patient on its own with --seed, so a fine-tuning stage that adds a source keeps every other source's patients where they were. Weights that learn from EMIDEC carry its licence, CC BY-NC-SA 4.0; the model card says so."
    )

    @Option(name: .customLong("cohort"), help: "A folder written by `lgeqa simulate cohort` (repeatable).")
    var cohorts: [String] = []

    @Option(help: "A cohort used only as the external-centre test set.")
    var externalCohort: String?

    @Option(help: "The EMIDEC folder (manifest.csv, images/).")
    var emidec: String?

    @Option(help: "Where to write the model.")
    var out: String = "models/lgeqa-default.lgeqa"

    @Option(help: "Training epochs.") var epochs = 15
    @Option(help: "Seed for splits, initialisation and augmentation.") var seed: UInt64 = 1
    @Option(help: "Use at most this many training slices (0: all).") var limit = 0
    @Option(help: "Start from this model's weights (fine-tuning) instead of a random initialisation; its data is listed in the new card.")
    var initialModel: String?
    @Option(help: "Pixel spacing of the network's input, mm (default: 1.4, or the --initial-model's). Coarser is faster but averages away thin artefacts (motion ringing, small spots).")
    var pixelSpacing: Double?
    @Option(help: "Rows and columns of the network's input (default: 176, or the --initial-model's); with --pixel-spacing it sets the field of view the network sees.")
    var inputSize: Int?
    @Option(help: "Which way column-encoded images reach the network: as-acquired, or along-rows (turned a quarter turn so ghosts and motion ringing run left–right as at row-encoded centres; train it with column-encoded exams, `simulate cohort --phase-encode mixed`). Default: as-acquired, or the --initial-model's.")
    var phaseEncodeAlignment: PhaseEncodeAlignment?
    @OptionGroup var recipeOptions: RecipeOptions

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1 (found \(epochs))") }
        if let pixelSpacing, !(pixelSpacing > 0 && pixelSpacing.isFinite) {
            throw ValidationError("--pixel-spacing must be a positive number of mm (found \(pixelSpacing))")
        }
        if let inputSize, !(32...512).contains(inputSize) {
            throw ValidationError("--input-size must be from 32 to 512 pixels (found \(inputSize))")
        }
    }

    /// The recipe: defaults, then the starting model's preprocessing, then what the command line says.
    private func recipe(startingFrom initial: ModelCard?) -> TrainingRecipe {
        var recipe = TrainingRecipe(seed: seed)
        recipe.epochs = epochs
        recipeOptions.apply(to: &recipe)
        if let initial { recipe.preprocessing = initial.preprocessing }
        if let pixelSpacing { recipe.preprocessing.targetPixelSpacing = pixelSpacing }
        if let inputSize { recipe.preprocessing.outputSize = inputSize }
        if let phaseEncodeAlignment { recipe.preprocessing.phaseEncodeAlignment = phaseEncodeAlignment }
        return recipe
    }

    func run() async throws {
        let logger = global.bootstrapLogging("lgeqa.model")
        var sources: [SplitSource] = []
        var provenance: [DatasetProvenance] = []
        let starting = try initialModel.map { path in (path, try ModelFile.read(path)) }
        let recipe = recipe(startingFrom: starting?.1.card)
        let initial = try starting.map { path, file in try InitialModel(card: file.card, network: file.network, path: path, for: recipe) }
        // A fine-tuned network still carries what its starting point learned, licences included.
        provenance += initial?.card.trainingDataAsEarlierStage ?? []
        for cohort in cohorts {
            let (loaded, failures) = try SimulatedCohortDataset.load(directory: URL(fileURLWithPath: cohort))
            failures.forEach { printError("lgeqa: \($0)") }
            sources.append(SplitSource(name: cohort, slices: loaded))
            provenance.append(DatasetProvenance(name: "lgeqa simulator cohort \(URL(fileURLWithPath: cohort).lastPathComponent)", licence: "same as lgeqa", slices: loaded.count, patients: Set(loaded.map(\.patient)).count, synthetic: true))
        }
        if let emidec {
            let (loaded, failures) = try EMIDECDataset.load(directory: URL(fileURLWithPath: emidec))
            failures.forEach { printError("lgeqa: \($0)") }
            sources.append(SplitSource(name: emidec, slices: loaded))
            provenance.append(DatasetProvenance(name: "EMIDEC development split", licence: "CC BY-NC-SA 4.0", slices: loaded.count, patients: Set(loaded.map(\.patient)).count, synthetic: false))
        }
        guard sources.contains(where: { !$0.slices.isEmpty }) else { throw CommandError("no training data: give --cohort and/or --emidec") }
        // Per source, so that a fine-tuning stage that adds EMIDEC keeps every pretraining
        // patient in the part it had (no pretraining patient in validation or test).
        let split = try PatientSplit.trainValidationTest(sources: sources.filter { !$0.slices.isEmpty }, seed: seed)
        var train = split.train
        if limit > 0, train.count > limit {
            var generator = SeededGenerator(seed: seed, stream: "subset")
            train = Array(train.shuffled(using: &generator).prefix(limit))
        }
        let validation = split.validation, test = split.test
        logger.notice("training on \(train.count) slices, validating on \(validation.count), testing on \(test.count)")

        let result = try ClassifierTrainer(recipe: recipe).train(training: train, validation: validation, initialNetwork: initial?.network) { report in
            let validation = report.validationLoss.map { String(format: "%.4f", $0) } ?? "-"
            printError("epoch \(report.epoch)  training loss " + String(format: "%.4f", report.trainingLoss) + "  validation loss \(validation)  " + (report.lesionMapLoss.map { String(format: "lesion map loss %.4f  ", $0) } ?? "") + String(format: "%.0f s", report.seconds))
        }
        var card = ModelCard(
            // 0.2: the 1.4 mm, 176 px input (SlicePreprocessor.classifierInput).
            modelVersion: "0.3-\(seed)", created: ISO8601DateFormatter().string(from: Date()), network: recipe.network,
            preprocessing: recipe.preprocessing, temperatures: result.temperatures, trainingData: provenance,
            recipe: "lgeqa model train --epochs \(epochs) --seed \(seed); recipe \(String(decoding: try JSONEncoder().encode(recipe), as: UTF8.self))"
                + (initial.map { "; fine-tuned from model \($0.card.modelVersion), itself trained by [\($0.card.recipe)]" } ?? ""))
        let classifier = SliceClassifier(card: card, network: result.network)
        card.evaluation = evaluate(classifier, test, prefix: "test")
        if let externalCohort {
            let (external, _) = try SimulatedCohortDataset.load(directory: URL(fileURLWithPath: externalCohort))
            card.evaluation.merge(evaluate(classifier, external, prefix: "external_synthetic")) { $1 }
        }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: out).deletingLastPathComponent(), withIntermediateDirectories: true)
        try ModelFile.write(card: card, network: result.network, to: out)
        print("wrote \(out)")
        for (name, value) in card.evaluation.sorted(by: { $0.key < $1.key }) { print("  \(name): " + String(format: "%.3f", value)) }
    }

    /// AUC and accuracy of the LGE and low-certainty heads on a held-out set, per source
    /// (synthetic vs EMIDEC), for the model card.
    func evaluate(_ classifier: SliceClassifier, _ slices: [LabeledSlice], prefix: String) -> [String: Double] {
        var figures: [String: Double] = [:]
        let bySource = Dictionary(grouping: slices) { $0.source.hasPrefix("EMIDEC") ? "emidec" : "synthetic" }
        for (source, sourceSlices) in bySource {
            let cases = classifier.scoredCases(sourceSlices).cases
            for (head, name) in [(ClassifierHead.lge, "lge"), (.lowCertainty, "low_certainty")] {
                guard let headCases = cases[head] else { continue }
                if let auc = rocAUC(headCases) { figures["\(prefix)_\(source)_\(name)_auc"] = auc }
                let threshold = classifier.operatingThreshold(for: head)
                if let accuracy = ConfusionMatrix(cases: headCases, threshold: threshold).accuracy {
                    figures["\(prefix)_\(source)_\(name)_accuracy"] = accuracy
                }
            }
        }
        return figures
    }
}

/// `lgeqa model evaluate`: the paper's metrics on held-out data.
struct ModelEvaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "The paper's metrics (accuracy, precision, recall, F1, ROC AUC with patient-bootstrap 95% intervals, confusion matrix, ECE) on labelled cohorts.",
        discussion: "Give data the model was not trained on (e.g. an external-site cohort with another seed). Figures on simulated cohorts are figures on SYNTHETIC data."
    )

    @Option(name: .customLong("cohort"), help: "A folder written by `lgeqa simulate cohort` (repeatable).")
    var cohorts: [String] = []

    @Option(help: "An EMIDEC-format folder (manifest.csv, images/, masks/; real images, `p_lge` only). Only patients the model did not learn from say anything: the shipped model learned from ../shared/data/emidec.")
    var emidec: String?

    @Option(help: "Model file (default: the shipped model).") var model: String?
    @Option(help: "Also score every slice with this model and give each head's ROC AUC difference (model − baseline), resampling patients with both models' scores kept together.")
    var baseline: String?
    @Option(help: "Output format: table or json.") var format: ReportFormat = .table
    @Option(help: "Bootstrap replicates.") var replicates = 2000

    func validate() throws {
        guard !cohorts.isEmpty || emidec != nil else { throw ValidationError("give at least one --cohort or an --emidec folder") }
        guard replicates > 0 else { throw ValidationError("--replicates must be 1 or more (found \(replicates))") }
    }

    /// A head's ROC AUC against the baseline model's on the same slices.
    struct BaselineComparison: Codable {
        var baseline: String
        var rocAUC: PairedDifference
        /// Slices either model could not assess, left out of both.
        var unpaired: Int
    }

    struct HeadReport: Codable {
        var cohort: String
        var head: String
        var report: ClassificationReport
        /// For the low-certainty head: how it does on each cause of doubt.
        var byCause: [SubgroupSummary]?
        /// For the low-certainty head on simulated slices: the reader-noise ceiling (``readerNoiseCeiling(_:)``).
        var ceiling: ClassificationReport?
        /// The ceiling by cause of doubt, in the order of `byCause`.
        var ceilingByCause: [SubgroupSummary]?
        /// With `--baseline`: this head against the baseline model's, paired slice by slice.
        var againstBaseline: BaselineComparison?
    }

    /// Each simulated slice scored by the probability that the virtual readers call it low-certainty
    /// given its true evidence (``ReaderPanel/lowCertaintyProbability(conspicuity:scarArea:mimicry:band:)``),
    /// against their actual call. Only the readers' noise is left, and an image holds at most its
    /// evidence, so no classifier of the image can do better on average: the ceiling for its figures.
    /// `ceilings` holds ``ceilingProbability(_:panel:)`` for each slice, in order.
    static func readerNoiseCeiling(_ slices: [LabeledSlice], ceilings: [Double?]) -> [ScoredCase] {
        zip(slices, ceilings).compactMap { slice, p in
            guard let low = slice.lowCertainty, let p else { return nil }
            return ScoredCase(truth: low, probability: p, patient: slice.patient)
        }
    }

    /// The chance that `panel` calls the slice low-certainty given its true evidence (nil without it).
    static func ceilingProbability(_ slice: LabeledSlice, panel: ReaderPanel = .standard) -> Double? {
        slice.readerEvidence.map { evidence in
            panel.lowCertaintyProbability(conspicuity: evidence.conspicuity, scarArea: evidence.scarArea, mimicry: evidence.mimicry)
        }
    }

    private func ceilingReport(_ slices: [LabeledSlice], ceilings: [Double?]) -> ClassificationReport? {
        let cases = Self.readerNoiseCeiling(slices, ceilings: ceilings)
        guard !cases.isEmpty else { return nil }
        return ClassificationReport(cases: cases, threshold: 0.5, bootstrap: PatientBootstrap(replicates: replicates, seed: 1))
    }

    func run() async throws {
        let classifier = try SliceClassifier(modelPath: model ?? ModelCommand.defaultModelPath)
        let baselineClassifier = try baseline.map { try SliceClassifier(modelPath: $0) }
        var reports: [HeadReport] = []
        var sources: [(name: String, load: () throws -> (slices: [LabeledSlice], failures: [DatasetError]))] = cohorts.map { cohort in
            (cohort, { try SimulatedCohortDataset.load(directory: URL(fileURLWithPath: cohort)) })
        }
        if let emidec {
            if classifier.card.trainingData.contains(where: { !$0.synthetic && $0.name.contains("EMIDEC") }) {
                printError("lgeqa: note: this model learned from EMIDEC; its figures on the patients it trained on are no test (held-out patients are)")
            }
            sources.append((emidec, { try EMIDECDataset.load(directory: URL(fileURLWithPath: emidec)) }))
        }
        for (cohort, load) in sources {
            let (slices, failures) = try load()
            failures.forEach { printError("lgeqa: \($0)") }
            // Each model assesses every slice once; the figures below all read these.
            let verdicts = classifier.assessments(slices)
            let (cases, unassessed) = SliceClassifier.scoredCases(slices, assessments: verdicts)
            if unassessed > 0 { printError("lgeqa: \(unassessed) slice(s) in \(cohort) got no assessment and are not counted") }
            // Once per slice: the overall ceiling and the one by cause share it.
            let ceilings = slices.map { Self.ceilingProbability($0) }
            let ceilingByID = Dictionary(zip(slices.map(\.id), ceilings), uniquingKeysWith: { first, _ in first })
            let paired = baselineClassifier.map { SliceClassifier.pairedCases(slices, first: verdicts, second: $0.assessments(slices)) }
            for head in ClassifierHead.allCases {
                guard let headCases = cases[head], !headCases.isEmpty else { continue }
                let threshold = classifier.operatingThreshold(for: head)
                let bootstrap = PatientBootstrap(replicates: replicates, seed: 1)
                var comparison: BaselineComparison?
                if let baselineClassifier, let paired, let difference = bootstrap.difference(paired.cases[head] ?? [], statistic: rocAUC) {
                    comparison = BaselineComparison(baseline: baselineClassifier.card.modelVersion, rocAUC: difference, unpaired: paired.unpaired)
                }
                reports.append(HeadReport(cohort: cohort, head: head.rawValue, report: ClassificationReport(
                    cases: headCases, threshold: threshold, bootstrap: bootstrap),
                    byCause: head == .lowCertainty ? classifier.lowCertaintyByCause(slices, assessments: verdicts) : nil,
                    ceiling: head == .lowCertainty ? ceilingReport(slices, ceilings: ceilings) : nil,
                    ceilingByCause: head == .lowCertainty
                        ? SliceClassifier.lowCertaintyByCause(slices, threshold: 0.5) { ceilingByID[$0.id] ?? nil } : nil,
                    againstBaseline: comparison))
            }
        }
        switch format {
        case .json:
            print(try prettyJSON(reports))
        case .table:
            func show(_ e: Estimate?) -> String { e.map { String(format: "%.3f [%.3f-%.3f]", $0.value, $0.lower, $0.upper) } ?? "-" }
            var showedCeiling = false
            for r in reports {
                let m = r.report
                print("\(r.cohort)  \(r.head): \(m.cases) slices, \(m.patients) patients, \(m.positives) positive, threshold \(m.threshold)")
                print("  accuracy \(show(m.accuracy))  precision \(show(m.precision))  recall \(show(m.recall))")
                print("  balanced accuracy \(show(m.balancedAccuracy))  always-\(m.positives * 2 > m.cases ? "positive" : "negative") accuracy \(m.noInformationRate.map { String(format: "%.3f", $0) } ?? "-")")
                print("  F1 \(show(m.f1))  ROC AUC \(show(m.rocAUC))  ECE " + String(format: "%.3f", m.calibration.expectedCalibrationError))
                print("  confusion: TP \(m.confusion.truePositives)  FP \(m.confusion.falsePositives)  TN \(m.confusion.trueNegatives)  FN \(m.confusion.falseNegatives)")
                if let b = r.againstBaseline {
                    let c = b.rocAUC
                    print(String(format: "  against baseline %@: ROC AUC %.3f vs %.3f, difference %+.3f [%+.3f, %+.3f] (paired), not better in %.1f%% of replicates",
                                 b.baseline, c.first, c.second, c.difference.value, c.difference.lower, c.difference.upper, 100 * c.shareNotBetter)
                          + (b.unpaired > 0 ? "; \(b.unpaired) slice(s) one model could not assess left out" : ""))
                }
                if let c = r.ceiling {
                    showedCeiling = true
                    print("  reader-noise ceiling*: ROC AUC \(show(c.rocAUC))  accuracy \(show(c.accuracy))  balanced accuracy \(show(c.balancedAccuracy))")
                }
                if let groups = r.byCause, !groups.isEmpty {
                    func show(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
                    print("  by cause of doubt (recall: low-certainty slices flagged; mean p: on low/high-certainty slices):")
                    let ceilings = Dictionary((r.ceilingByCause ?? []).map { ($0.group, $0) }, uniquingKeysWith: { first, _ in first })
                    for g in groups {
                        let ceiling = ceilings[g.group].map { "  (ceiling*: recall \(show($0.recall)), false-positive rate \(show($0.falsePositiveRate)))" } ?? ""
                        print("    " + g.group.padding(toLength: 16, withPad: " ", startingAt: 0) + "\(g.cases) slices, \(g.positives) low, recall \(show(g.recall)), false-positive rate \(show(g.falsePositiveRate)), mean p \(show(g.meanProbabilityOfPositives))/\(show(g.meanProbabilityOfNegatives))" + ceiling)
                    }
                }
            }
            print("\n95% intervals: percentile bootstrap over patients (\(replicates) replicates). Simulated cohorts are SYNTHETIC data\(emidec == nil ? "" : "; EMIDEC's are real images").")
            if showedCeiling {
                print("* each slice scored by the chance that the virtual readers doubt it given its true evidence (scar conspicuity")
                print("  and area, mimicry; threshold 0.5): only the readers' own noise is left, so no classifier of the image can")
                print("  expect better. A model's distance from it is what there is still to learn.")
            }
        }
    }
}

/// A model to fine-tune from (`--initial-model`), checked against the recipe it will train under.
struct InitialModel {
    var card: ModelCard
    var network: Network

    /// A model already read from `path`, checked against the recipe.
    init(card: ModelCard, network: Network, path: String, for recipe: TrainingRecipe) throws {
        guard card.network == recipe.network else {
            throw CommandError("\(path): its network configuration differs from the training recipe's; fine-tune from a model trained by this version of lgeqa")
        }
        guard card.preprocessing == recipe.preprocessing else {
            throw CommandError("\(path): its preprocessing (pixel spacing, size, normalisation) differs from the training recipe's; fine-tune from a model trained by this version of lgeqa")
        }
        self.card = card
        self.network = network
    }

    /// Whether it learned from EMIDEC (its card lists EMIDEC data).
    var learnedFromEMIDEC: Bool { card.trainingData.contains { !$0.synthetic && $0.name.contains("EMIDEC") } }
}

extension PhaseEncodeAlignment: ExpressibleByArgument {}
