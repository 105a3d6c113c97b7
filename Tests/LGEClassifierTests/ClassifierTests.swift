import Foundation
import LGEDatasets
import LGEDICOM
import LGEEvaluation
import LGENeural
import LGEPreprocessing
import Testing

@testable import LGEClassifier

/// Training, calibration, the model file and inference, on a tiny network and toy images.
@Suite struct ClassifierTests {
    /// 32×32 PSIR-like toy slices at 2 mm: a bright spot means "LGE".
    func toySlices(count: Int, seed: UInt64) -> [LabeledSlice] {
        var state = seed
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<count).map { i in
            let lge = i % 2 == 0
            var values = [Float](repeating: 0, count: 32 * 32)
            let (cr, cc) = (8 + Int(next() * 16), 8 + Int(next() * 16))
            for r in 0..<32 {
                for c in 0..<32 {
                    let ring = abs(((r - 16) * (r - 16) + (c - 16) * (c - 16)) - 64) < 20 ? Float(-200) : 0
                    let spot: Float = lge && (r - cr) * (r - cr) + (c - cc) * (c - cc) < 6 ? 800 : 0
                    values[r * 32 + c] = 100 + ring + spot + Float(next() * 40 - 20)
                }
            }
            return LabeledSlice(
                id: "toy\(i)", patient: "p\(i / 2)", pixels: PixelImage(rows: 32, columns: 32, values: values),
                pixelSpacing: PixelSpacing(betweenRows: 2, betweenColumns: 2), isSigned: true, lge: lge,
                lowCertainty: i % 3 == 0 ? nil : (i % 4 == 0), causes: nil, source: "toy")
        }
    }

    /// The tiny test network with one output per head.
    static let network: NetworkConfiguration = {
        var configuration = NetworkConfiguration.tiny
        configuration.outputs = ClassifierHead.allCases.count
        return configuration
    }()

    var recipe: TrainingRecipe {
        TrainingRecipe(
            network: ClassifierTests.network, preprocessing: SlicePreprocessor(targetPixelSpacing: 2, outputSize: 32),
            augmentation: .identity, epochs: 25, batchSize: 8, peakLearningRate: 1e-2, warmupFraction: 0.05,
            labelSmoothing: 0, seed: 3)
    }

    func tinyCard(_ temperatures: [Double]? = nil) -> ModelCard {
        ModelCard(
            modelVersion: "test", created: "2026-11-26", network: recipe.network, preprocessing: recipe.preprocessing,
            temperatures: temperatures, trainingData: [DatasetProvenance(name: "toy", licence: "none", slices: 48, patients: 24, synthetic: true)],
            recipe: "test")
    }

    @Test func learnsLGEFromMaskedLabelsAndIsDeterministic() throws {
        let trainer = ClassifierTrainer(recipe: recipe)
        let train = toySlices(count: 48, seed: 1), validation = toySlices(count: 16, seed: 2)
        let result = try trainer.train(training: train, validation: validation)
        #expect(result.history.count == 25)
        #expect(result.history.last!.trainingLoss < result.history.first!.trainingLoss)
        let classifier = SliceClassifier(card: tinyCard(result.temperatures), network: result.network)
        var correct = 0
        for slice in validation {
            let verdict = try classifier.assess(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: true, phaseEncode: nil)
            if (verdict.pLGE >= 0.5) == slice.lge! { correct += 1 }
            #expect((0...1).contains(verdict.pLowCertainty))
            #expect(verdict.causes.count == 4)
        }
        #expect(correct >= 14, "\(correct)/16 validation slices right")
        let again = try trainer.train(training: train, validation: validation)
        #expect(again.network.serialized() == result.network.serialized())
    }

    @Test func lesionMasksTrainTheAuxiliaryMapDeterministically() throws {
        // The toy spot's own mask, as a segmentation would give it.
        let train = toySlices(count: 32, seed: 1).map { slice in
            var masked = slice
            masked.lesionMask = PixelImage(rows: 32, columns: 32, values: slice.pixels.values.map { $0 > 500 ? 1 : 0 })
            return masked
        }
        #expect(train.filter { $0.lge == true }.allSatisfy { $0.lesionMask!.values.contains(1) })
        var short = recipe
        short.epochs = 3
        short.augmentation = Augmentation(noiseStandardDeviation: 0...0)
        let withMap = try ClassifierTrainer(recipe: short).train(training: train, validation: [])
        let again = try ClassifierTrainer(recipe: short).train(training: train, validation: [])
        short.lesionMapWeight = 0
        let withoutMap = try ClassifierTrainer(recipe: short).train(training: train, validation: [])
        #expect(withMap.network.serialized() == again.network.serialized())
        #expect(withMap.network.serialized() != withoutMap.network.serialized())
        // The map is a training aid: the saved network has exactly the classifier's parameters.
        #expect(withMap.network.parameterCount == withoutMap.network.parameterCount)
        #expect(withoutMap.lesionMap == nil && withMap.lesionMap != nil)
        #expect(withoutMap.highestLesionMapProbabilities(train, preprocessing: short.preprocessing).allSatisfy { $0 == nil })
    }

    @Test func theLesionMapStrideChoosesTheStageItReads() throws {
        let train = toySlices(count: 8, seed: 1).map { slice in
            var masked = slice
            masked.lesionMask = PixelImage(rows: 32, columns: 32, values: slice.pixels.values.map { $0 > 500 ? 1 : 0 })
            return masked
        }
        var short = recipe
        short.epochs = 2
        let coarse = try #require(try ClassifierTrainer(recipe: short).train(training: train, validation: []).lesionMap)
        short.lesionMapStride = 2
        let fine = try #require(try ClassifierTrainer(recipe: short).train(training: train, validation: []).lesionMap)
        #expect(fine.outputStride == 2 && coarse.outputStride > 2)
        #expect(fine.mapSize(inputSize: short.preprocessing.outputSize) > coarse.mapSize(inputSize: short.preprocessing.outputSize))
        // Finer than the stem's own stride: no stage to read, and the error says which strides exist.
        short.lesionMapStride = 1
        #expect {
            try ClassifierTrainer(recipe: short).train(training: train, validation: [])
        } throws: { error in
            guard case TrainingError.lesionMapStride(1, let available) = error else { return false }
            return available.first == 2 && "\(error)".contains("use one of 2")
        }
    }

    @Test func theLesionMapLearnsWhereTheSpotIs() throws {
        let masked = { (slices: [LabeledSlice]) in
            slices.map { slice in
                var masked = slice
                masked.lesionMask = PixelImage(rows: 32, columns: 32, values: slice.pixels.values.map { $0 > 500 ? 1 : 0 })
                return masked
            }
        }
        var mapOnly = recipe
        mapOnly.epochs = 15
        let result = try ClassifierTrainer(recipe: mapOnly).train(training: masked(toySlices(count: 48, seed: 1)), validation: [])
        // On new slices, the map's highest cell tells slices with a spot from slices without.
        let validation = toySlices(count: 16, seed: 2)
        let scores = result.highestLesionMapProbabilities(validation, preprocessing: mapOnly.preprocessing)
        #expect(scores.allSatisfy { $0.map { (0...1).contains($0) } ?? false })
        let cases = zip(validation, scores).map { ScoredCase(truth: $0.lge!, probability: $1!, patient: $0.patient) }
        let auc = try #require(rocAUC(cases))
        #expect(auc > 0.9, "lesion map ROC AUC \(auc)")
    }

    @Test func myocardiumMasksTrainASecondMapBesideTheLesionMap() throws {
        // The toy ring is the wall; the spot is the lesion. Half the slices have no ring mask.
        let train = toySlices(count: 16, seed: 1).enumerated().map { i, slice in
            var masked = slice
            masked.lesionMask = PixelImage(rows: 32, columns: 32, values: slice.pixels.values.map { $0 > 500 ? 1 : 0 })
            if i % 2 == 0 { masked.myocardiumMask = PixelImage(rows: 32, columns: 32, values: slice.pixels.values.map { $0 < -50 ? 1 : 0 }) }
            return masked
        }
        var short = recipe
        short.epochs = 2
        let lesionOnly = try ClassifierTrainer(recipe: short).train(training: train, validation: [])
        short.myocardiumMapWeight = 1
        let both = try ClassifierTrainer(recipe: short).train(training: train, validation: [])
        let again = try ClassifierTrainer(recipe: short).train(training: train, validation: [])
        #expect(try #require(lesionOnly.lesionMap).channels == 1)
        #expect(try #require(both.lesionMap).channels == 2)
        #expect(both.network.serialized() == again.network.serialized())
        #expect(both.network.serialized() != lesionOnly.network.serialized())
        #expect(both.network.parameterCount == lesionOnly.network.parameterCount)
        // The slice score still reads the lesion channel alone: a probability per slice, as before.
        #expect(both.highestLesionMapProbabilities(train, preprocessing: short.preprocessing).allSatisfy { $0.map { (0...1).contains($0) } ?? false })
        // Without any myocardium mask the weight has nothing to train: one channel.
        let unmasked = train.map { slice in var plain = slice; plain.myocardiumMask = nil; return plain }
        #expect(try #require(try ClassifierTrainer(recipe: short).train(training: unmasked, validation: []).lesionMap).channels == 1)
    }

    @Test func readerScoresTrainAnExtraOutputThatTheSavedNetworkDrops() throws {
        // Reader scores that follow the spot: high with it, low without, with a little spread.
        let train = toySlices(count: 32, seed: 1).enumerated().map { i, slice in
            var scored = slice
            scored.readerScore = i % 5 == 0 ? nil : (slice.lge == true ? 70 : 10) + Double(i % 7)
            return scored
        }
        var short = recipe
        short.epochs = 3
        short.readerScoreWeight = 0.5
        let trainer = ClassifierTrainer(recipe: short)
        let (targets, masks) = trainer.labels(train, heads: ClassifierHead.allCases, auxiliary: trainer.auxiliaryTargets)
        #expect(targets.allSatisfy { $0.count == ClassifierHead.allCases.count + 1 })
        #expect(masks[0].last == 0 && masks[1].last == 1)
        #expect(abs(targets[1].last! - Float(train[1].readerScore! / 100)) < 1e-7)
        let withScore = try trainer.train(training: train, validation: toySlices(count: 8, seed: 2))
        let again = try trainer.train(training: train, validation: toySlices(count: 8, seed: 2))
        short.readerScoreWeight = 0
        let without = try ClassifierTrainer(recipe: short).train(training: train, validation: [])
        #expect(withScore.network.serialized() == again.network.serialized())
        #expect(withScore.network.serialized() != without.network.serialized())
        // Saved as the heads only: same configuration, parameters and output count as without it.
        #expect(withScore.network.configuration == short.network)
        #expect(withScore.network.parameterCount == without.network.parameterCount)
        #expect(withScore.temperatures.count == ClassifierHead.allCases.count)
        // Unscored data (EMIDEC's) trains exactly as if the option were off.
        var unscored = train
        for i in unscored.indices { unscored[i].readerScore = nil }
        short.readerScoreWeight = 0.5
        let ignored = try ClassifierTrainer(recipe: short).train(training: unscored, validation: [])
        short.readerScoreWeight = 0
        let off = try ClassifierTrainer(recipe: short).train(training: unscored, validation: [])
        #expect(ignored.network.serialized() == off.network.serialized())
    }

    /// Both auxiliary targets, in recipe order after the heads: the reader score (VAS / 100) and
    /// the nulling ratio capped at 1; a slice without a value has mask 0; a weight of 0 leaves a
    /// target out.
    @Test func auxiliaryTargetsFollowTheHeadsInRecipeOrder() {
        var slices = toySlices(count: 3, seed: 1)
        slices[0].readerScore = 40
        slices[0].myocardialNulling = 0.3
        slices[1].myocardialNulling = 2.5
        var both = recipe
        both.readerScoreWeight = 0.5
        both.myocardialNullingWeight = 2
        let trainer = ClassifierTrainer(recipe: both)
        #expect(trainer.auxiliaryTargets.map(\.weight) == [0.5, 2])
        let heads = ClassifierHead.allCases.count
        let (targets, masks) = trainer.labels(slices, heads: ClassifierHead.allCases, auxiliary: trainer.auxiliaryTargets)
        #expect(targets.map { Array($0[heads...]) } == [[0.4, 0.3], [0, 1], [0, 0]])
        #expect(masks.map { Array($0[heads...]) } == [[1, 1], [0, 1], [0, 0]])
        var nullingOnly = both
        nullingOnly.readerScoreWeight = 0
        let only = ClassifierTrainer(recipe: nullingOnly)
        #expect(only.labels(slices, heads: ClassifierHead.allCases, auxiliary: only.auxiliaryTargets).0[1].last == 1)
        #expect(ClassifierTrainer(recipe: recipe).auxiliaryTargets.isEmpty)
    }

    @Test func extraOutputsKeepTheHeadsLogits() throws {
        let network = try Network(configuration: Self.network, seed: 4)
        let wide = try network.withExtraOutputs(2, seed: 9)
        #expect(wide.configuration.outputs == Self.network.outputs + 2)
        let input = Tensor(shape: [2, 1, 32, 32], values: (0..<2048).map { Float(($0 * 37) % 101) / 50 - 1 })
        let narrow = network.infer(input), widened = wide.infer(input)
        let n = Self.network.outputs
        // The same weights; only the product's blocking (and so its rounding) may differ with the width.
        for s in 0..<2 {
            for h in 0..<n { #expect(abs(widened.values[s * (n + 2) + h] - narrow.values[s * n + h]) < 1e-6) }
        }
        let back = try wide.keepingOutputs(n)
        #expect(back.configuration == Self.network)
        #expect(back.serialized() == network.serialized())
    }

    @Test func lesionMapCellsAreTheFractionOfEachCentredBox() {
        // 8×8 input, stride 4: cells centred on rows/columns 0 and 4 cover [0, 2) and [2, 6).
        var map = [Float](repeating: 0, count: 64)
        for r in 2..<6 { for c in 2..<4 { map[r * 8 + c] = 1 } }
        let cells = LesionMapTraining.cellFractions(map, inputSize: 8, mapSize: 2, outputStride: 4)
        #expect(cells == [0, 0, 0, 0.5])
        #expect(LesionMapTraining.cellFractions([Float](repeating: 1, count: 64), inputSize: 8, mapSize: 2, outputStride: 4) == [1, 1, 1, 1])
    }

    @Test func aRecipeWithNoEpochsIsRefusedWithAReason() {
        var empty = recipe
        empty.epochs = 0
        #expect {
            try ClassifierTrainer(recipe: empty).train(training: toySlices(count: 4, seed: 1), validation: [])
        } throws: { error in
            guard case TrainingError.nothingToTrain(epochs: 0, batchSize: 8) = error else { return false }
            return "\(error)".contains("at least 1 epoch")
        }
    }

    @Test func temperatureScalingTamesOverconfidence() {
        // Logits ten times too large for labels that agree with them only 75% of the time.
        var logits: [Double] = [], labels: [Bool] = []
        for i in 0..<400 {
            let positive = i % 2 == 0
            logits.append(positive ? 10 : -10)
            labels.append(i % 4 == 3 ? !positive : positive)
        }
        let t = TemperatureScaling.fit(logits: logits, labels: labels)
        #expect(t > 5)
        #expect(abs(1 / (1 + exp(-10 / t)) - 0.75) < 0.02)
    }

    @Test func plattScalingRemovesThePriorShiftThatClassWeightsLeave() {
        // True log-odds s on a grid; labels drawn from them; the "trained" logits are 2s + 2.3 (a
        // temperature of 2 and the log 10 shift that weighting positives tenfold leaves).
        var logits: [Double] = [], labels: [Bool] = []
        var state: UInt64 = 7
        for i in 0..<4000 {
            let s = -5 + 8 * Double(i) / 4000
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(state >> 11) / Double(1 << 53)
            labels.append(u < 1 / (1 + exp(-s)))
            logits.append(2 * s + 2.3)
        }
        let platt = PlattScaling.fit(logits: logits, labels: labels)
        #expect(abs(platt.temperature - 2) < 0.3, "\(platt)")
        #expect(abs(platt.offset + 1.15) < 0.3, "\(platt)")
        // Temperature alone cannot remove the shift: it predicts more positives than there are.
        let t = TemperatureScaling.fit(logits: logits, labels: labels)
        let positives = Double(labels.filter { $0 }.count)
        let predictedByTemperature = logits.reduce(0) { $0 + 1 / (1 + exp(-$1 / t)) }
        let predictedByPlatt = logits.reduce(0) { $0 + platt.probability(logit: $1) }
        #expect(abs(predictedByPlatt - positives) < 0.02 * Double(labels.count))
        #expect(predictedByTemperature - positives > 0.05 * Double(labels.count))
    }

    @Test func plattScalingStaysFiniteOnSeparableData() {
        let logits: [Double] = (0..<200).map { i -> Double in
            let spread = Double(i % 7)
            return i % 2 == 0 ? 5 + spread : -5 - spread
        }
        let labels = (0..<200).map { $0 % 2 == 0 }
        let platt = PlattScaling.fit(logits: logits, labels: labels)
        #expect(PlattScaling.temperatureRange.contains(platt.temperature) && platt.offset.isFinite)
        // Platt's smoothed targets: the most confident probability stays short of 1.
        #expect(platt.probability(logit: 5) < 1 && platt.probability(logit: 5) > 0.9)
    }

    @Test func recalibrationFitsHeadsWithEnoughLabelsAndKeepsTheOthers() throws {
        let network = try Network(configuration: ClassifierTests.network, seed: 9)
        let classifier = SliceClassifier(card: tinyCard([1.5, 1, 1, 1, 1, 2]), network: network)
        let slices = toySlices(count: 60, seed: 4)
        let (card, reports, unassessed) = classifier.recalibrated(on: slices, minimumPerClass: 15)
        #expect(unassessed == 0)
        // p_lge has 30 and 30; p_low_certainty 10 positives of 40 labelled; the causes have no labels.
        let byHead = Dictionary(uniqueKeysWithValues: reports.map { ($0.head, $0) })
        #expect(byHead[.lge]?.keptBecause == nil && byHead[.lge]?.positives == 30)
        #expect(byHead[.lowCertainty]?.keptBecause?.contains("at least 15") == true)
        #expect(byHead[.tiNulling]?.positives == 0 && byHead[.tiNulling]?.keptBecause != nil)
        #expect(byHead[.lge]!.logLossAfter <= byHead[.lge]!.logLossBefore)
        #expect(card.calibrations[1] == classifier.card.calibrations[1])
        #expect(card.calibrations[5] == LogisticCalibration(temperature: 2, offset: 0))
        // A monotone map per head: the order of the slices' p_lge does not change.
        let recalibrated = SliceClassifier(card: card, network: network)
        let before = try slices.map { try classifier.assess($0.pixels, pixelSpacing: $0.pixelSpacing, isSigned: true, phaseEncode: nil).pLGE }
        let after = try slices.map { try recalibrated.assess($0.pixels, pixelSpacing: $0.pixelSpacing, isSigned: true, phaseEncode: nil).pLGE }
        #expect(before.indices.sorted { before[$0] < before[$1] } == after.indices.sorted { after[$0] < after[$1] })
        #expect(before != after)
        // The offsets survive the model file, and a wrong number of them is refused.
        let data = try ModelFile.encode(card: card, network: network)
        #expect(try ModelFile.decode(data, path: "m.lgeqa").card.calibrationOffsets == card.calibrationOffsets)
        var broken = card
        broken.calibrationOffsets = [0, 1]
        #expect { try ModelFile.decode(try ModelFile.encode(card: broken, network: network), path: "b.lgeqa") } throws: { error in
            "\(error)".contains("2 calibration offsets for 6 heads")
        }
    }

    @Test func anAlignedModelTurnsColumnEncodedImagesAndNoOthers() throws {
        let network = try Network(configuration: ClassifierTests.network, seed: 9)
        var card = tinyCard()
        card.preprocessing.phaseEncodeAlignment = .alongRows
        let aligned = SliceClassifier(card: card, network: network)
        let asAcquired = SliceClassifier(card: tinyCard(), network: network)
        let slice = toySlices(count: 2, seed: 6)[1]
        let turned = slice.pixels.quarterTurnedClockwise()
        let spacing = slice.pixelSpacing?.quarterTurned
        let columnEncoded = try aligned.logits(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: true, phaseEncode: .column)
        #expect(columnEncoded == (try asAcquired.logits(turned, pixelSpacing: spacing, isSigned: true, phaseEncode: .column)))
        #expect(columnEncoded != (try asAcquired.logits(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: true, phaseEncode: .column)))
        for direction in [PhaseEncodeDirection.row, nil] {
            #expect(try aligned.logits(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: true, phaseEncode: direction)
                == asAcquired.logits(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: true, phaseEncode: direction))
        }
        // The model file keeps the choice.
        let data = try ModelFile.encode(card: card, network: network)
        #expect(try ModelFile.decode(data, path: "m.lgeqa").card.preprocessing.phaseEncodeAlignment == .alongRows)
    }

    @Test func modelFileRoundTripsAndRejectsDamage() throws {
        let network = try Network(configuration: ClassifierTests.network, seed: 9)
        let card = tinyCard([1.5, 1, 1, 1, 1, 2])
        let data = try ModelFile.encode(card: card, network: network)
        let (readCard, readNetwork) = try ModelFile.decode(data, path: "m.lgeqa")
        #expect(readCard == card)
        #expect(readNetwork.serialized() == network.serialized())
        #expect(readCard.licence == "same as lgeqa")
        #expect(readCard.intendedUse.contains("Not a diagnostic device"))

        #expect { try ModelFile.decode(Data("hello".utf8), path: "x") } throws: { ($0 as? ModelFileError) == .notAModelFile(path: "x") }
        #expect { try ModelFile.decode(data.prefix(data.count - 10), path: "x") } throws: { error in
            if case .corruptWeights = error as? ModelFileError { true } else { false }
        }
        var wrongVersion = data
        wrongVersion[10] = 9
        #expect { try ModelFile.decode(wrongVersion, path: "x") } throws: { error in
            (error as? ModelFileError)?.description.contains("format 9 is not supported") == true
        }
        var otherHeads = card
        otherHeads.heads = [.lge]
        let mismatched = try ModelFile.encode(card: otherHeads, network: network)
        #expect { try ModelFile.decode(mismatched, path: "x") } throws: { error in
            if case .mismatch = error as? ModelFileError { true } else { false }
        }
        let emidec = ModelCard(
            modelVersion: "t", created: "t", network: ClassifierTests.network, preprocessing: SlicePreprocessor(),
            trainingData: [DatasetProvenance(name: "EMIDEC", licence: "CC BY-NC-SA 4.0", slices: 1, patients: 1, synthetic: false)],
            recipe: "t")
        #expect(emidec.licence.hasPrefix("CC BY-NC-SA 4.0"))
    }

    @Test func unusableImagesGetNoAssessment() throws {
        let classifier = SliceClassifier(card: tinyCard(), network: try Network(configuration: ClassifierTests.network, seed: 1))
        var nan = [Float](repeating: 1, count: 32 * 32)
        nan[5] = .nan
        for values in [nan, [Float](repeating: 0, count: 32 * 32)] {
            #expect(throws: AssessmentError.self) {
                try classifier.assess(PixelImage(rows: 32, columns: 32, values: values), pixelSpacing: nil, isSigned: false, phaseEncode: nil)
            }
        }
    }
}
