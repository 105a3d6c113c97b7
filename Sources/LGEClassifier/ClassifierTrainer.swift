import Foundation
import LGEDatasets
import LGEDICOM
import LGENeural
import LGEPreprocessing
import LGERandom

/// How a classifier is trained: everything needed to reproduce the weights from the data.
public struct TrainingRecipe: Sendable, Hashable, Codable {
    public var network: NetworkConfiguration
    public var preprocessing: SlicePreprocessor
    public var augmentation: Augmentation
    public var epochs: Int
    public var batchSize: Int
    public var peakLearningRate: Float
    public var weightDecay: Float
    /// Fraction of all steps spent warming the learning rate up.
    public var warmupFraction: Double
    public var labelSmoothing: Float
    /// Weight of the auxiliary lesion-map loss (``LesionMapNetwork``) against the heads' loss, on slices
    /// that have a lesion mask; 0 trains without the map. Training data without masks never uses it.
    public var lesionMapWeight: Float
    /// Input pixels per lesion-map cell along each axis: the map reads the last stage at this output
    /// stride or finer (16: cells of about 22 mm at 1.4 mm pixels; 8: about 11 mm, from shallower features).
    public var lesionMapStride: Int
    /// Weight of a second map beside the lesion map, the fraction of each cell that is myocardium, on
    /// slices that have a myocardium mask (EMIDEC's); 0 trains without it. It needs the lesion map.
    public var myocardiumMapWeight: Float
    /// Weight of an auxiliary target, the readers' mean VAS / 100, learned by one extra training-only output
    /// on slices whose readers' scores are known (simulator cohorts); 0 trains without it. The low-certainty
    /// label is that score thresholded, so the score tells the network how far from the threshold a slice is.
    public var readerScoreWeight: Float
    /// Weight of an auxiliary target, the myocardial nulling ratio (|myocardium| / blood, capped at 1), learned
    /// by one extra training-only output on slices whose cohort records it (simulator cohorts); 0 trains
    /// without it. Readers doubt a slice off the null by how badly it is nulled, which the `ti_nulling`
    /// label (off the null or not) does not say.
    public var myocardialNullingWeight: Float
    public var seed: UInt64

    public init(
        network: NetworkConfiguration = .lgeqaSmall, preprocessing: SlicePreprocessor = .classifierInput,
        augmentation: Augmentation = Augmentation(), epochs: Int = 20, batchSize: Int = 16, peakLearningRate: Float = 2e-3,
        weightDecay: Float = 1e-2, warmupFraction: Double = 0.05, labelSmoothing: Float = 0.05, lesionMapWeight: Float = 1,
        lesionMapStride: Int = LesionMapNetwork.defaultOutputStride, myocardiumMapWeight: Float = 0, readerScoreWeight: Float = 0,
        myocardialNullingWeight: Float = 0, seed: UInt64 = 1
    ) {
        self.network = network
        self.preprocessing = preprocessing
        self.augmentation = augmentation
        self.epochs = epochs
        self.batchSize = batchSize
        self.peakLearningRate = peakLearningRate
        self.weightDecay = weightDecay
        self.warmupFraction = warmupFraction
        self.labelSmoothing = labelSmoothing
        self.lesionMapWeight = lesionMapWeight
        self.lesionMapStride = lesionMapStride
        self.myocardiumMapWeight = myocardiumMapWeight
        self.readerScoreWeight = readerScoreWeight
        self.myocardialNullingWeight = myocardialNullingWeight
        self.seed = seed
    }
}

/// One epoch's figures, for progress reports.
public struct EpochReport: Sendable, Hashable, Codable {
    public var epoch: Int
    public var trainingLoss: Double
    /// Mean auxiliary lesion-map loss over the training slices that have a mask (nil: no map trained).
    public var lesionMapLoss: Double?
    public var validationLoss: Double?
    public var seconds: Double
}

/// Trains the multi-head classifier with masked losses (a head learns only where its label
/// exists), class weights from the training labels, augmentation, AdamW and a cosine schedule,
/// then fits one temperature per head on the validation slices. Where training slices carry a lesion
/// mask, a coarse lesion map is trained alongside (``LesionMapNetwork``, weighted by the recipe's
/// `lesionMapWeight`) and dropped at the end. Deterministic for a seed.
public struct ClassifierTrainer: Sendable {
    public var recipe: TrainingRecipe

    public init(recipe: TrainingRecipe) {
        self.recipe = recipe
    }

    public struct Result: Sendable {
        public var network: Network
        public var temperatures: [Double]
        public var history: [EpochReport]
        /// The network with its trained lesion map, when one was trained: for studying where the
        /// network sees enhancement (the saved model keeps only `network`).
        public var lesionMap: LesionMapNetwork?
    }

    /// Trains a network on `training`, choosing temperatures on `validation`.
    ///
    /// With `initialNetwork` the weights start from it (fine-tuning, e.g. a network pretrained
    /// on simulator cohorts); its configuration must be the recipe's.
    public func train(
        training: [LabeledSlice], validation: [LabeledSlice], initialNetwork: Network? = nil,
        progress: (EpochReport) -> Void = { _ in }
    ) throws -> Result {
        guard recipe.epochs >= 1, recipe.batchSize >= 1 else {
            throw TrainingError.nothingToTrain(epochs: recipe.epochs, batchSize: recipe.batchSize)
        }
        let heads = ClassifierHead.allCases
        // The training network's outputs: the heads, then the auxiliary targets the training data has.
        let auxiliary = auxiliaryTargets.filter { target in training.contains { target.value($0) != nil } }
        let outputs = heads.count + auxiliary.count
        let trainingInputs = try training.map(prepare)
        let validationInputs = try validation.map(prepare)
        let (targets, masks) = labels(training, heads: heads, auxiliary: auxiliary)
        let (validationTargets, validationMasks) = labels(validation, heads: heads, auxiliary: auxiliary)

        // Rare positives (focal spots, ghosting) would otherwise be ignored: weight each head's
        // positives by its negative/positive ratio, capped. Auxiliary targets are soft: weight 1.
        var positiveWeights = [Float](repeating: 1, count: outputs)
        for h in heads.indices {
            var positives = 0, labelled = 0
            for i in training.indices where masks[i][h] > 0 {
                labelled += 1
                if targets[i][h] > 0.5 { positives += 1 }
            }
            if positives > 0 { positiveWeights[h] = Float(min(10, max(1, Double(labelled - positives) / Double(positives)))) }
        }
        let loss = BinaryCrossEntropy(
            labelSmoothing: recipe.labelSmoothing, positiveWeights: positiveWeights,
            headWeights: auxiliary.isEmpty ? nil : [Float](repeating: 1, count: heads.count) + auxiliary.map(\.weight))

        var network = try initialNetwork ?? Network(configuration: recipe.network, seed: recipe.seed)
        guard network.configuration == recipe.network else { throw TrainingError.initialNetworkMismatch }
        if !auxiliary.isEmpty { network = try network.withExtraOutputs(auxiliary.count, seed: recipe.seed) }
        var lesionMaps: [[Float]?] = [], myocardiumMaps: [[Float]?] = []
        for slice in training {
            lesionMaps.append(try slice.lesionMask.map { try recipe.preprocessing.prepareLabelMap($0, pixelSpacing: slice.pixelSpacing, phaseEncode: slice.phaseEncodeDirection) })
            if recipe.myocardiumMapWeight > 0 {
                myocardiumMaps.append(try slice.myocardiumMask.map { try recipe.preprocessing.prepareLabelMap($0, pixelSpacing: slice.pixelSpacing, phaseEncode: slice.phaseEncodeDirection) })
            }
        }
        var mapped = recipe.lesionMapWeight > 0 && lesionMaps.contains { $0 != nil }
            ? try LesionMapTraining(
                network: network, maps: lesionMaps, myocardiumMaps: myocardiumMaps, myocardiumWeight: recipe.myocardiumMapWeight,
                inputSize: recipe.preprocessing.outputSize, outputStride: recipe.lesionMapStride, seed: recipe.seed)
            : nil
        var optimizer = AdamW(weightDecay: recipe.weightDecay)
        let stepsPerEpoch = max(1, (training.count + recipe.batchSize - 1) / recipe.batchSize)
        let totalSteps = stepsPerEpoch * recipe.epochs
        let schedule = CosineSchedule(
            peak: recipe.peakLearningRate, warmupSteps: max(1, Int(Double(totalSteps) * recipe.warmupFraction)),
            totalSteps: totalSteps)
        try recipe.augmentation.validate()
        var random = SeededGenerator(seed: recipe.seed, stream: "training")
        let size = recipe.preprocessing.outputSize
        var history: [EpochReport] = []
        var step = 0
        for epoch in 0..<recipe.epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            let order = Array(training.indices).shuffled(using: &random)
            var epochLoss = 0.0, mapLoss = 0.0, mappedSlices = 0
            for batchStart in stride(from: 0, to: order.count, by: recipe.batchSize) {
                let batch = order[batchStart..<min(order.count, batchStart + recipe.batchSize)]
                var images: [Float] = []
                images.reserveCapacity(batch.count * size * size)
                var warps: [AugmentationParameters] = []
                for index in batch {
                    let input = trainingInputs[index]
                    let warp = recipe.augmentation.sample(rows: input.rows, columns: input.columns, using: &random)
                    images += try warp.apply(to: input).values
                    warps.append(warp)
                }
                let batchImages = Tensor(shape: [batch.count, 1, size, size], values: images)
                let batchTargets = Tensor(shape: [batch.count, outputs], values: batch.flatMap { targets[$0] })
                let batchMask = Tensor(shape: [batch.count, outputs], values: batch.flatMap { masks[$0] })
                let learningRate = schedule.learningRate(at: step + 1)
                let stepLoss: Float
                if mapped != nil {
                    let losses = try mapped!.trainStep(
                        images: batchImages, slices: Array(batch), warps: warps, targets: batchTargets, mask: batchMask,
                        loss: loss, weight: recipe.lesionMapWeight, optimizer: &optimizer, learningRate: learningRate)
                    stepLoss = losses.heads
                    mapLoss += Double(losses.map) * Double(losses.mappedSlices)
                    mappedSlices += losses.mappedSlices
                } else {
                    stepLoss = network.trainStep(
                        images: batchImages, targets: batchTargets, mask: batchMask, loss: loss, optimizer: &optimizer,
                        learningRate: learningRate).loss
                }
                epochLoss += Double(stepLoss) * Double(batch.count)
                step += 1
            }
            if let mapped { network = mapped.model.network }
            let validationLoss = validation.isEmpty
                ? nil : Double(loss.evaluate(logits: logits(network, validationInputs), targets: Tensor(shape: [validation.count, outputs], values: validationTargets.flatMap { $0 }), mask: Tensor(shape: [validation.count, outputs], values: validationMasks.flatMap { $0 })).loss)
            let report = EpochReport(
                epoch: epoch + 1, trainingLoss: epochLoss / Double(max(training.count, 1)),
                lesionMapLoss: mapped == nil ? nil : mapLoss / Double(max(mappedSlices, 1)), validationLoss: validationLoss,
                seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            history.append(report)
            progress(report)
        }

        var temperatures = [Double](repeating: 1, count: heads.count)
        if !validation.isEmpty {
            let z = logits(network, validationInputs)
            for h in heads.indices {
                var headLogits: [Double] = [], headLabels: [Bool] = []
                for i in validation.indices where validationMasks[i][h] > 0 {
                    headLogits.append(Double(z.values[i * outputs + h]))
                    headLabels.append(validationTargets[i][h] > 0.5)
                }
                if Set(headLabels).count == 2 { temperatures[h] = TemperatureScaling.fit(logits: headLogits, labels: headLabels) }
            }
        }
        // The saved network has the heads' outputs only: the auxiliary targets have done their work.
        if !auxiliary.isEmpty { network = try network.keepingOutputs(heads.count) }
        return Result(network: network, temperatures: temperatures, history: history, lesionMap: mapped?.model)
    }

    private func prepare(_ slice: LabeledSlice) throws -> PixelImage {
        let prepared = try recipe.preprocessing.prepare(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: slice.isSigned, phaseEncode: slice.phaseEncodeDirection)
        return PixelImage(rows: prepared.size, columns: prepared.size, values: prepared.values)
    }

    /// A training-only output after the heads: a soft target in 0…1 that teaches the shared features
    /// something the heads' labels only imply. Dropped when the model is saved.
    struct AuxiliaryTarget {
        let weight: Float
        let value: (LabeledSlice) -> Double?
    }

    /// The recipe's auxiliary targets with a weight above 0, in output order.
    var auxiliaryTargets: [AuxiliaryTarget] {
        [
            AuxiliaryTarget(weight: recipe.readerScoreWeight) { $0.readerScore.map { min(100, max(0, $0)) / 100 } },
            AuxiliaryTarget(weight: recipe.myocardialNullingWeight) { $0.myocardialNulling.map { min(1, max(0, $0)) } },
        ].filter { $0.weight > 0 }
    }

    /// Targets and masks per slice in head order, then each auxiliary target; a missing label has mask 0.
    func labels(_ slices: [LabeledSlice], heads: [ClassifierHead], auxiliary: [AuxiliaryTarget]) -> ([[Float]], [[Float]]) {
        var targets: [[Float]] = [], masks: [[Float]] = []
        let outputs = heads.count + auxiliary.count
        for slice in slices {
            var t = [Float](repeating: 0, count: outputs), m = [Float](repeating: 0, count: outputs)
            for (k, target) in auxiliary.enumerated() {
                if let value = target.value(slice) {
                    t[heads.count + k] = Float(value)
                    m[heads.count + k] = 1
                }
            }
            for (h, head) in heads.enumerated() {
                if let label = slice.label(for: head) {
                    t[h] = label ? 1 : 0
                    m[h] = 1
                }
            }
            targets.append(t)
            masks.append(m)
        }
        return (targets, masks)
    }

    /// Logits for many images, in batches, without training-mode caches.
    private func logits(_ network: Network, _ images: [PixelImage]) -> Tensor {
        let folded = network.foldedForInference()
        var values: [Float] = []
        let size = recipe.preprocessing.outputSize
        for start in stride(from: 0, to: images.count, by: 32) {
            let batch = images[start..<min(images.count, start + 32)]
            values += folded.infer(Tensor(shape: [batch.count, 1, size, size], values: batch.flatMap(\.values))).values
        }
        return Tensor(shape: [images.count, network.configuration.outputs], values: values)
    }
}

/// Why training cannot start.
public enum TrainingError: Error, CustomStringConvertible, Sendable {
    case initialNetworkMismatch
    /// The recipe asks for no training (epochs or batch size below 1).
    case nothingToTrain(epochs: Int, batchSize: Int)
    /// The recipe's lesion-map stride is finer than any stage of the network.
    case lesionMapStride(Int, available: [Int])

    public var description: String {
        switch self {
        case .lesionMapStride(let stride, let available):
            "no stage of the network reads a lesion map at an output stride of \(stride) or finer; use one of \(available.map(String.init).joined(separator: ", "))"
        case .nothingToTrain(let epochs, let batchSize):
            "a training run needs at least 1 epoch and a batch of at least 1 slice (found \(epochs) epoch(s), batch size \(batchSize))"
        case .initialNetworkMismatch:
            "the initial model's architecture differs from the training recipe's; fine-tune from a model trained with the same network configuration"
        }
    }
}
