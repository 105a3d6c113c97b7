import Foundation
import LGEDatasets
import LGEDICOM
import LGENeural
import LGEPreprocessing

/// The auxiliary lesion-map task while the classifier trains: for slices with a lesion mask, the map
/// head of a ``LesionMapNetwork`` learns the fraction of each map cell that enhances, through the same
/// augmentation warp as the image; slices without a mask train the heads only.
struct LesionMapTraining {
    private(set) var model: LesionMapNetwork
    /// Per training slice, its lesion mask on the classifier's input grid (nil: no mask).
    private let maps: [[Float]?]
    private let inputSize: Int
    private let mapSize: Int
    private let mapLoss: BinaryCrossEntropy

    init(network: Network, maps: [[Float]?], inputSize: Int, outputStride: Int, seed: UInt64) throws(TrainingError) {
        guard let stage = LesionMapNetwork.stage(outputStride: outputStride, in: network.configuration) else {
            throw .lesionMapStride(outputStride, available: LesionMapNetwork.availableOutputStrides(in: network.configuration))
        }
        model = LesionMapNetwork(network: network, stage: stage, seed: seed)
        self.maps = maps
        self.inputSize = inputSize
        mapSize = model.mapSize(inputSize: inputSize)
        // Enhancement covers a few percent of the cells: weight positives by the negative/positive
        // ratio, capped as for the heads, so the map does not settle at "nothing anywhere".
        var positive = 0.0, total = 0.0
        for map in maps.compactMap({ $0 }) {
            let cells = Self.cellFractions(map, inputSize: inputSize, mapSize: mapSize, outputStride: model.outputStride)
            positive += cells.reduce(0) { $0 + Double($1) }
            total += Double(cells.count)
        }
        let weight = positive > 0 ? Float(min(10, max(1, (total - positive) / positive))) : 1
        mapLoss = BinaryCrossEntropy(positiveWeights: [Float](repeating: weight, count: mapSize * mapSize))
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
        var mappedSlices = 0
        var mapTargets = [Float](repeating: 0, count: batch * cells), mapMask = mapTargets
        for (k, index) in slices.enumerated() {
            guard let map = maps[index] else { continue }
            mappedSlices += 1
            let warped = try warps[k].geometryOnly.apply(to: PixelImage(rows: inputSize, columns: inputSize, values: map))
            let fractions = Self.cellFractions(warped.values, inputSize: inputSize, mapSize: mapSize, outputStride: model.outputStride)
            for c in 0..<cells {
                mapTargets[k * cells + c] = fractions[c]
                mapMask[k * cells + c] = 1
            }
        }

        model.zeroGradients()
        let output = model.forward(images, training: true)
        precondition(output.shape == [batch, heads + cells], "lesion map is not \(mapSize)×\(mapSize)")
        var logits = [Float](), mapLogits = [Float]()
        for n in 0..<batch {
            logits += output.values[(n * (heads + cells))..<(n * (heads + cells) + heads)]
            mapLogits += output.values[(n * (heads + cells) + heads)..<((n + 1) * (heads + cells))]
        }
        let (value, gradient) = loss.evaluate(logits: Tensor(shape: [batch, heads], values: logits), targets: targets, mask: mask)
        let (mapValue, mapGradient) = mapLoss.evaluate(
            logits: Tensor(shape: [batch, cells], values: mapLogits), targets: Tensor(shape: [batch, cells], values: mapTargets),
            mask: Tensor(shape: [batch, cells], values: mapMask))
        var combined = [Float]()
        combined.reserveCapacity(output.count)
        for n in 0..<batch {
            combined += gradient.values[(n * heads)..<((n + 1) * heads)]
            combined += mapGradient.values[(n * cells)..<((n + 1) * cells)].map { $0 * weight }
        }
        _ = model.backward(Tensor(shape: output.shape, values: combined))
        model.clipGradientNorm(1)
        optimizer.update(&model, learningRate: learningRate)
        return (value, mapValue, mappedSlices)
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
            let highest = output.values[outputs...].max() ?? -.infinity
            return 1 / (1 + exp(-Double(highest)))
        }
    }
}
