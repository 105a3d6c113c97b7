import Foundation
import LGEDatasets
import LGEDICOM
import LGENeural
import LGEPreprocessing

/// The auxiliary lesion-map task while the classifier trains: for slices with a lesion mask, the map
/// head of a ``LesionMapNetwork`` learns the fraction of each map cell that enhances, through the same
/// augmentation warp as the image; slices without a mask train the heads only. Where myocardium masks
/// are given too, a second map learns the wall the same way, with its own weight.
struct LesionMapTraining {
    private(set) var model: LesionMapNetwork
    /// Per training slice, its lesion mask on the classifier's input grid (nil: no mask).
    private let maps: [[Float]?]
    /// The myocardium map's task, when one is trained.
    private let myocardium: MyocardiumTask?
    private let inputSize: Int
    private let mapSize: Int
    private let mapLoss: BinaryCrossEntropy

    init(
        network: Network, maps: [[Float]?], myocardiumMaps: [[Float]?] = [], myocardiumWeight: Float = 0, inputSize: Int,
        outputStride: Int, seed: UInt64
    ) throws(TrainingError) {
        guard let stage = LesionMapNetwork.stage(outputStride: outputStride, in: network.configuration) else {
            throw .lesionMapStride(outputStride, available: LesionMapNetwork.availableOutputStrides(in: network.configuration))
        }
        precondition(myocardiumMaps.isEmpty || myocardiumMaps.count == maps.count, "one myocardium mask (or nil) per slice")
        let withMyocardium = myocardiumWeight > 0 && myocardiumMaps.contains { $0 != nil }
        model = LesionMapNetwork(network: network, stage: stage, channels: withMyocardium ? 2 : 1, seed: seed)
        self.maps = maps
        self.inputSize = inputSize
        mapSize = model.mapSize(inputSize: inputSize)
        mapLoss = Self.balancedLoss(maps, inputSize: inputSize, mapSize: mapSize, outputStride: model.outputStride)
        myocardium = withMyocardium
            ? MyocardiumTask(
                maps: myocardiumMaps, weight: myocardiumWeight,
                loss: Self.balancedLoss(myocardiumMaps, inputSize: inputSize, mapSize: mapSize, outputStride: model.outputStride))
            : nil
    }

    /// Per training slice, its myocardium mask on the classifier's input grid (nil: no mask), the
    /// map's weight against the heads, and its loss.
    private struct MyocardiumTask {
        let maps: [[Float]?]
        let weight: Float
        let loss: BinaryCrossEntropy
    }

    /// Enhancement covers a few percent of the cells: weight positives by the negative/positive ratio,
    /// capped as for the heads, so the map does not settle at "nothing anywhere".
    private static func balancedLoss(_ maps: [[Float]?], inputSize: Int, mapSize: Int, outputStride: Int) -> BinaryCrossEntropy {
        var positive = 0.0, total = 0.0
        for map in maps.compactMap({ $0 }) {
            let cells = cellFractions(map, inputSize: inputSize, mapSize: mapSize, outputStride: outputStride)
            positive += cells.reduce(0) { $0 + Double($1) }
            total += Double(cells.count)
        }
        let weight = positive > 0 ? Float(min(10, max(1, (total - positive) / positive))) : 1
        return BinaryCrossEntropy(positiveWeights: [Float](repeating: weight, count: mapSize * mapSize))
    }

    /// The fraction of each map cell that `map` covers: cell (i, j) is the `outputStride`-wide box of input
    /// pixels centred on (stride·i, stride·j), clipped to the image, which is where a stride-s "same"
    /// convolution stack centres that output.
    static func cellFractions(_ map: [Float], inputSize: Int, mapSize: Int, outputStride: Int) -> [Float] {
        precondition(map.count == inputSize * inputSize, "map must be inputSize × inputSize")
        func span(_ i: Int) -> Range<Int> {
            let low = max(0, outputStride * i - outputStride / 2), high = min(inputSize, outputStride * i + (outputStride + 1) / 2)
            return low..<max(low, high)
        }
        var cells = [Float](repeating: 0, count: mapSize * mapSize)
        for i in 0..<mapSize {
            let rows = span(i)
            for j in 0..<mapSize {
                let columns = span(j)
                guard !rows.isEmpty, !columns.isEmpty else { continue }
                var sum: Float = 0
                for r in rows { for c in columns { sum += map[r * inputSize + c] } }
                cells[i * mapSize + j] = min(1, max(0, sum / Float(rows.count * columns.count)))
            }
        }
        return cells
    }

    /// One optimisation step of heads and map together; returns the heads' loss (comparable with a run
    /// without the map), the map's loss and how many slices of the batch had a mask.
    mutating func trainStep(
        images: Tensor, slices: [Int], warps: [AugmentationParameters], targets: Tensor, mask: Tensor,
        loss: BinaryCrossEntropy, weight: Float, optimizer: inout AdamW, learningRate: Float
    ) throws(PreprocessingError) -> (heads: Float, map: Float, mappedSlices: Int) {
        let cells = mapSize * mapSize, heads = targets.shape[1], batch = slices.count
        let channels = model.channels, row = heads + channels * cells
        // Per channel: each slice's cell fractions and which cells count (a slice without that mask: none).
        func cellTargets(_ maps: [[Float]?], slices: [Int]) throws(PreprocessingError) -> (targets: [Float], mask: [Float], slices: Int) {
            var targets = [Float](repeating: 0, count: batch * cells), mask = targets, count = 0
            for (k, index) in slices.enumerated() {
                guard let map = maps[index] else { continue }
                count += 1
                let warped = try warps[k].geometryOnly.apply(to: PixelImage(rows: inputSize, columns: inputSize, values: map))
                let fractions = Self.cellFractions(warped.values, inputSize: inputSize, mapSize: mapSize, outputStride: model.outputStride)
                for c in 0..<cells {
                    targets[k * cells + c] = fractions[c]
                    mask[k * cells + c] = 1
                }
            }
            return (targets, mask, count)
        }
        let lesion = try cellTargets(maps, slices: slices)
        let myocardiumTargets = try myocardium.map { task throws(PreprocessingError) in try cellTargets(task.maps, slices: slices) }

        model.zeroGradients()
        let output = model.forward(images, training: true)
        precondition(output.shape == [batch, row], "lesion map is not \(channels) × \(mapSize)×\(mapSize)")
        var logits = [Float](), mapLogits = [Float](), myocardiumLogits = [Float]()
        for n in 0..<batch {
            logits += output.values[(n * row)..<(n * row + heads)]
            mapLogits += output.values[(n * row + heads)..<(n * row + heads + cells)]
            if myocardium != nil { myocardiumLogits += output.values[(n * row + heads + cells)..<((n + 1) * row)] }
        }
        let (value, gradient) = loss.evaluate(logits: Tensor(shape: [batch, heads], values: logits), targets: targets, mask: mask)
        let (mapValue, mapGradient) = mapLoss.evaluate(
            logits: Tensor(shape: [batch, cells], values: mapLogits), targets: Tensor(shape: [batch, cells], values: lesion.targets),
            mask: Tensor(shape: [batch, cells], values: lesion.mask))
        let myocardiumGradient = myocardium.flatMap { task in
            myocardiumTargets.map { cellTargets in
                task.loss.evaluate(
                    logits: Tensor(shape: [batch, cells], values: myocardiumLogits), targets: Tensor(shape: [batch, cells], values: cellTargets.targets),
                    mask: Tensor(shape: [batch, cells], values: cellTargets.mask)).gradient.values.map { $0 * task.weight }
            }
        }
        var combined = [Float]()
        combined.reserveCapacity(output.count)
        for n in 0..<batch {
            combined += gradient.values[(n * heads)..<((n + 1) * heads)]
            combined += mapGradient.values[(n * cells)..<((n + 1) * cells)].map { $0 * weight }
            if let myocardiumGradient {
                combined += myocardiumGradient[(n * cells)..<((n + 1) * cells)]
            }
        }
        _ = model.backward(Tensor(shape: output.shape, values: combined))
        model.clipGradientNorm(1)
        optimizer.update(&model, learningRate: learningRate)
        return (value, mapValue, lesion.slices)
    }
}

extension ClassifierTrainer.Result {
    /// For each slice, the trained lesion map's highest cell probability (running statistics): how
    /// strongly the map says "enhancement somewhere here". nil for every slice when no map was
    /// trained, and for a slice that cannot be prepared.
    public func highestLesionMapProbabilities(_ slices: [LabeledSlice], preprocessing: SlicePreprocessor) -> [Double?] {
        guard let lesionMap else { return slices.map { _ in nil } }
        let outputs = lesionMap.network.configuration.outputs, size = preprocessing.outputSize
        return slices.map { slice in
            guard let prepared = try? preprocessing.prepare(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: slice.isSigned, phaseEncode: slice.phaseEncodeDirection) else {
                return nil
            }
            let output = lesionMap.infer(Tensor(shape: [1, 1, size, size], values: prepared.values))
            // The lesion channel only: a myocardium channel, when trained, follows it.
            let cells = (output.count - outputs) / lesionMap.channels
            let highest = output.values[outputs..<(outputs + cells)].max() ?? -.infinity
            return 1 / (1 + exp(-Double(highest)))
        }
    }
}
