import ArgumentParser
import Foundation
import LGEClassifier
import LGEDatasets
import LGEEvaluation
import LGENeural
import LGERandom

/// `lgeqa model cross-validate`: the recipe's figure on real data, by patient-level k-fold
/// cross-validation on EMIDEC (LGE presence, the only label EMIDEC has).
///
/// Each fold trains a fresh model on the other folds' patients (plus any simulated cohorts,
/// which are never scored) and scores the held-out patients; the out-of-fold predictions are
/// pooled for one ROC AUC with a patient-bootstrap interval, and each fold's AUC is shown too.
struct ModelCrossValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cross-validate",
        abstract: "Patient-level k-fold cross-validation of the training recipe on EMIDEC (slice-level LGE presence).",
        discussion: """
            Every fold trains a new model from scratch: 5 folds take about 5x one training run. Slices of one \
            patient never sit on both sides of a fold. Simulated cohorts given with --cohort join every fold's \
            training and are never scored. EMIDEC is CC BY-NC-SA 4.0.
            """
    )

    @Option(help: "The EMIDEC folder (manifest.csv, images/).")
    var emidec: String

    @Option(name: .customLong("cohort"), help: "A simulated cohort added to every fold's training (repeatable).")
    var cohorts: [String] = []

    @Option(help: "Start every fold from this model's weights (e.g. pretrained on simulator cohorts only); it must not have learned from EMIDEC.")
    var initialModel: String?
    @Option(help: "Number of folds.") var folds = 5
    @Option(help: "Training epochs per fold.") var epochs = 30
    @Option(help: "Seed for folds, initialisation and augmentation.") var seed: UInt64 = 1
    @Option(help: "Bootstrap replicates for the pooled intervals.") var replicates = 2000
    @Option(help: "Output format: table or json.") var format: ReportFormat = .table
    @Option(help: "Also write every held-out slice's out-of-fold scores here as CSV (fold, EMIDEC case and file, label, then p_lge, p_lesion_map (the lesion map's highest cell; empty without a map) and p_combined (their mean)), to study the misses or to weigh two recipes with `lgeqa model compare`.")
    var predictions: String?
    @OptionGroup var recipeOptions: RecipeOptions

    @OptionGroup var global: GlobalOptions

    struct FoldResult: Codable {
        var fold: Int
        var patients: Int
        /// Held-out patients with infarct on at least one slice; the rest are EMIDEC's normal cases.
        var patientsWithLGE: Int
        var slices: Int
        var slicesWithLGE: Int
        var rocAUC: Double?
        var accuracy: Double?
    }

    struct Report: Codable {
        var dataset = "EMIDEC development split (real images, CC BY-NC-SA 4.0)"
        var folds: [FoldResult]
        var pooled: ClassificationReport
        var epochs: Int
        var seed: UInt64
        var syntheticTrainingSlices: Int
        var initialModel: String?
        var lesionMapWeight: Float
        var lesionMapStride: Int
        var myocardiumMapWeight: Float
        var learningRate: Float
        /// Pooled out-of-fold ROC AUC over pairs of slices of the same patient (with vs without LGE).
        var withinPatientROCAUC: Double?
        var withinPatientPairs: Int
        /// Pooled out-of-fold ROC AUC of patients, each scored by their highest slice.
        var patientLevelROCAUC: Double?
        /// The same out-of-fold slices scored by the lesion map's highest cell (nil: no map trained).
        var lesionMapROCAUC: Double?
        var lesionMapWithinPatientROCAUC: Double?
        /// Each slice scored by the mean of the head's `p_lge` and the map's highest cell (nil: no map trained).
        var combinedROCAUC: Double?
        var combinedWithinPatientROCAUC: Double?
    }

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1 (found \(epochs))") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2 (found \(folds))") }
    }

    func run() async throws {
        let logger = global.bootstrapLogging("lgeqa.model")
        // Every fold trains at the starting model's input (pixel spacing, size), or the recipe's default.
        let starting = try initialModel.map { path in (path, try ModelFile.read(path)) }
        var baseRecipe = TrainingRecipe(seed: seed)
        recipeOptions.apply(to: &baseRecipe)
        if let card = starting?.1.card { baseRecipe.preprocessing = card.preprocessing }
        let initial = try starting.map { path, file in try InitialModel(card: file.card, network: file.network, path: path, for: baseRecipe) }
        if let initial, initial.learnedFromEMIDEC {
            throw CommandError("\(initialModel!): this model learned from EMIDEC (its card lists it), so every fold would score patients it has seen; pretrain without --emidec (e.g. `lgeqa model train --cohort DIR --out pretrained.lgeqa`)")
        }
        let (emidecSlices, failures) = try EMIDECDataset.load(directory: URL(fileURLWithPath: emidec))
        failures.forEach { printError("lgeqa: \($0)") }
        var synthetic: [LabeledSlice] = []
        for cohort in cohorts {
            let (loaded, failures) = try SimulatedCohortDataset.load(directory: URL(fileURLWithPath: cohort))
            failures.forEach { printError("lgeqa: \($0)") }
            synthetic += loaded
        }
        let patientFolds = try PatientSplit.folds(emidecSlices, k: folds, seed: seed)
        var pooled: [ScoredCase] = []
        // The lesion map's highest cell per slice, where a map was trained: does it find the infarct?
        var pooledMap: [ScoredCase] = []
        // The head's and the map's probabilities averaged: two readings of one network.
        var pooledCombined: [ScoredCase] = []
        var results: [FoldResult] = []
        var predictionRows = ["fold,case,file,lge,p_lge,p_lesion_map,p_combined"]
        for (index, heldOut) in patientFolds.enumerated() {
            let training = emidecSlices.filter { !heldOut.contains($0.patient) } + synthetic
            let test = emidecSlices.filter { heldOut.contains($0.patient) }
            logger.notice("fold \(index + 1)/\(folds): training on \(training.count) slices, scoring \(test.count) slices of \(heldOut.count) patients")
            var recipe = baseRecipe
            recipe.seed = seed &+ UInt64(index)
            recipe.epochs = epochs
            let trained = try ClassifierTrainer(recipe: recipe).train(training: training, validation: [], initialNetwork: initial?.network) { report in
                logger.info("fold \(index + 1) epoch \(report.epoch): training loss \(String(format: "%.4f", report.trainingLoss))\(report.lesionMapLoss.map { String(format: ", lesion map loss %.4f", $0) } ?? ""), \(String(format: "%.0f", report.seconds)) s")
            }
            let card = ModelCard(
                modelVersion: "cv-fold-\(index + 1)", created: ISO8601DateFormatter().string(from: Date()), network: recipe.network,
                preprocessing: recipe.preprocessing, temperatures: trained.temperatures, trainingData: [], recipe: "cross-validation fold")
            let classifier = SliceClassifier(card: card, network: trained.network)
            let (cases, unassessed) = classifier.scoredCases(test)
            if unassessed > 0 { printError("lgeqa: fold \(index + 1): \(unassessed) slice(s) got no assessment and are not counted") }
            let lgeCases = cases[.lge] ?? []
            pooled += lgeCases
            for (slice, map) in zip(test, trained.highestLesionMapProbabilities(test, preprocessing: recipe.preprocessing)) {
                let head = (try? classifier.assess(
                    slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: slice.isSigned, phaseEncode: slice.phaseEncodeDirection))?.pLGE
                let combined = head.flatMap { head in map.map { (head + $0) / 2 } }
                if let lge = slice.lge {
                    if let map { pooledMap.append(ScoredCase(truth: lge, probability: map, patient: slice.patient)) }
                    if let combined { pooledCombined.append(ScoredCase(truth: lge, probability: combined, patient: slice.patient)) }
                }
                if predictions != nil {
                    let fields = [head, map, combined].map { $0.map { String(format: "%.4f", $0) } ?? "" }
                    predictionRows.append("\(index + 1),\(slice.patient),\(slice.id),\(slice.lge.map { $0 ? "1" : "0" } ?? ""),\(fields.joined(separator: ","))")
                }
            }
            let result = FoldResult(
                fold: index + 1, patients: heldOut.count,
                patientsWithLGE: Set(test.filter { $0.lge == true }.map(\.patient)).count,
                slices: lgeCases.count, slicesWithLGE: lgeCases.filter(\.truth).count, rocAUC: rocAUC(lgeCases),
                accuracy: ConfusionMatrix(cases: lgeCases, threshold: 0.5).accuracy)
            results.append(result)
            printError("fold \(index + 1): ROC AUC \(result.rocAUC.map { String(format: "%.3f", $0) } ?? "-"), accuracy \(result.accuracy.map { String(format: "%.3f", $0) } ?? "-") on \(lgeCases.count) slices")
        }
        if let predictions {
            do {
                try (predictionRows.joined(separator: "\n") + "\n").write(toFile: predictions, atomically: true, encoding: .utf8)
            } catch {
                throw CommandError("\(predictions): cannot write the out-of-fold predictions (\(error.localizedDescription))")
            }
        }
        let report = Report(
            folds: results,
            pooled: ClassificationReport(cases: pooled, threshold: 0.5, bootstrap: PatientBootstrap(replicates: replicates, seed: seed)),
            epochs: epochs, seed: seed, syntheticTrainingSlices: synthetic.count, initialModel: initial?.card.modelVersion,
            lesionMapWeight: recipeOptions.lesionMapWeight, lesionMapStride: recipeOptions.lesionMapStride,
            myocardiumMapWeight: recipeOptions.myocardiumMapWeight, learningRate: recipeOptions.learningRate,
            withinPatientROCAUC: withinPatientROCAUC(pooled)?.auc, withinPatientPairs: withinPatientROCAUC(pooled)?.pairs ?? 0,
            patientLevelROCAUC: patientLevelROCAUC(pooled), lesionMapROCAUC: rocAUC(pooledMap),
            lesionMapWithinPatientROCAUC: withinPatientROCAUC(pooledMap)?.auc,
            combinedROCAUC: rocAUC(pooledCombined), combinedWithinPatientROCAUC: withinPatientROCAUC(pooledCombined)?.auc)
        switch format {
        case .json:
            print(try prettyJSON(report))
        case .table:
            print("EMIDEC \(folds)-fold patient-level cross-validation, slice-level LGE presence (real images)")
            print("  \(epochs) epochs per fold, seed \(seed), lesion-map weight \(recipeOptions.lesionMapWeight) at stride \(recipeOptions.lesionMapStride)\(recipeOptions.myocardiumMapWeight > 0 ? ", myocardium-map weight \(recipeOptions.myocardiumMapWeight)" : ""), peak learning rate \(recipeOptions.learningRate)" + (synthetic.isEmpty ? "" : ", plus \(synthetic.count) SYNTHETIC training slices per fold"))
            if let initial {
                let sources = initial.card.trainingData.map { $0.synthetic ? "\($0.name) (SYNTHETIC)" : $0.name }.joined(separator: ", ")
                print("  every fold fine-tuned from model \(initial.card.modelVersion), pretrained on \(sources)")
            }
            for fold in results {
                print("  fold \(fold.fold): \(fold.patients) patients (\(fold.patientsWithLGE) with infarct), \(fold.slices) slices (\(fold.slicesWithLGE) with LGE), ROC AUC \(fold.rocAUC.map { String(format: "%.3f", $0) } ?? "-"), accuracy \(fold.accuracy.map { String(format: "%.3f", $0) } ?? "-")")
            }
            func show(_ e: Estimate?) -> String { e.map { String(format: "%.3f [%.3f-%.3f]", $0.value, $0.lower, $0.upper) } ?? "-" }
            let m = report.pooled
            print("  pooled out-of-fold: \(m.cases) slices, \(m.patients) patients, \(m.positives) with LGE")
            print("    ROC AUC \(show(m.rocAUC))  accuracy \(show(m.accuracy))  F1 \(show(m.f1))")
            print("    precision \(show(m.precision))  recall \(show(m.recall))  ECE " + String(format: "%.3f", m.calibration.expectedCalibrationError))
            func plain(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
            print("    within-patient ROC AUC \(plain(report.withinPatientROCAUC)) over \(report.withinPatientPairs) pairs of one patient's slices with and without LGE (0.5: the model tells patients apart, not slices)")
            print("    patient-level ROC AUC \(plain(report.patientLevelROCAUC)) (each patient scored by their highest slice)")
            if report.lesionMapROCAUC != nil {
                print("    lesion map (each slice scored by its highest cell): ROC AUC \(plain(report.lesionMapROCAUC)), within-patient \(plain(report.lesionMapWithinPatientROCAUC))")
                print("    head and map averaged (p_combined): ROC AUC \(plain(report.combinedROCAUC)), within-patient \(plain(report.combinedWithinPatientROCAUC))")
            }
            print("  95% intervals: percentile bootstrap over patients (\(replicates) replicates).")
        }
    }
}
