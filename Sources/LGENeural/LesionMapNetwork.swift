import LGERandom

/// A ``Network`` trained together with a coarse lesion map: a 1×1 convolution on one stage's feature
/// map predicts, for each cell of that map, the logit of the fraction of the cell that is enhancement.
///
/// Why: a slice-level label says *that* a slice has LGE, not *where*. With a few hundred real slices,
/// a network can fit the label from how a patient's images look instead of from the enhancement
/// itself; a map target where infarct masks exist makes the features point at the myocardium that
/// enhances. The map head is a training aid only: it is not part of the network that is saved or run.
///
/// With `channels` 2, a second map learns the fraction of each cell that is myocardium (the whole wall,
/// enhancing or not): the lesion map says where enhancement is, the wall map where to look for it, and an
/// 8-bit real image gives a few hundred slices little else to find the wall by.
///
/// `forward` returns `[N, outputs + channels · cells]`: the classifier's logits, then each map's logits row
/// by row (lesion first), so a single gradient of the same shape drives all (and finite-difference checks
/// apply unchanged).
public struct LesionMapNetwork: Layer {
    public var network: Network
    /// 1×1 convolution (with bias) from the tapped stage's channels to the map channels.
    public var mapHead: Conv2D
    /// Map channels: 1 (lesion) or 2 (lesion, then myocardium).
    public var channels: Int { mapHead.outputChannels }
    /// The stage whose output the map reads.
    public let stage: Int
    private var mapShape: [Int] = []

    /// - Parameters:
    ///   - stage: the stage to read; nil picks ``defaultStage(for:)``.
    ///   - channels: 1 for the lesion map alone, 2 to add the myocardium map.
    ///   - seed: initialises the map head (the network keeps its weights).
    public init(network: Network, stage: Int? = nil, channels: Int = 1, seed: UInt64) {
        precondition((1...2).contains(channels), "a lesion map has 1 or 2 channels")
        let stage = stage ?? Self.defaultStage(for: network.configuration)
        precondition(network.configuration.stages.indices.contains(stage), "no stage \(stage) to read a lesion map from")
        self.network = network
        self.stage = stage
        var generator = SeededGenerator(seed: seed, stream: "lesion-map")
        mapHead = Conv2D(
            inputChannels: network.configuration.stages[stage].outputChannels, outputChannels: channels, kernelSize: 1,
            bias: true, generator: &generator)
        // He-normal fan-out over one output channel would start the map at logits of ±several; start it
        // small and at a prior of about 5 % enhancement (12 % myocardium) per cell so early steps do not
        // swamp the classifier.
        let fanIn = Float(mapHead.inputChannels)
        mapHead.weight.values = mapHead.weight.values.map { $0 / (2 * fanIn).squareRoot() }
        mapHead.bias!.values = Array([-3, -2].prefix(channels))
    }

    /// The last stage at an output stride of at most 16 (including the stem's 2): fine enough to tell
    /// septum from lateral wall on a 250 mm field of view (cells of about 22 mm at 1.4 mm pixels), deep
    /// enough to see enhancement against its neighbourhood.
    public static func defaultStage(for configuration: NetworkConfiguration) -> Int {
        stage(outputStride: defaultOutputStride, in: configuration)!
    }

    /// The output stride ``defaultStage(for:)`` reads at.
    public static let defaultOutputStride = 16

    /// The last stage whose output stride (including the stem's 2) is at most `outputStride`, or nil when
    /// even the first stage is coarser.
    public static func stage(outputStride: Int, in configuration: NetworkConfiguration) -> Int? {
        var stride = 2
        var chosen: Int?
        for (index, stage) in configuration.stages.enumerated() {
            stride *= stage.stride
            if stride <= outputStride { chosen = index }
        }
        return chosen
    }

    /// The output strides at which `configuration` has a stage to read a map from, finest first.
    public static func availableOutputStrides(in configuration: NetworkConfiguration) -> [Int] {
        var stride = 2
        var strides: [Int] = []
        for stage in configuration.stages {
            stride *= stage.stride
            if strides.last != stride { strides.append(stride) }
        }
        return strides
    }

    /// Input pixels per map cell along each axis: cell (i, j) is centred on input pixel (stride·i, stride·j).
    public var outputStride: Int {
        network.configuration.stages[...stage].reduce(2) { $0 * $1.stride }
    }

    /// Rows and columns of the map for a square input of `inputSize` pixels (each stride-2 step rounds up).
    public func mapSize(inputSize: Int) -> Int {
        var size = (inputSize + 1) / 2
        for stage in network.configuration.stages[...stage] where stage.stride == 2 { size = (size + 1) / 2 }
        return size
    }

    public func infer(_ input: Tensor) -> Tensor {
        var copy = self
        return copy.forward(input, training: false)
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        let (logits, tapped) = network.forward(input, training: training, tappingStage: stage)
        let map = mapHead.forward(tapped!, training: training)
        mapShape = map.shape
        let (batch, outputs, cells) = (logits.shape[0], logits.shape[1], map.shape[1] * map.shape[2] * map.shape[3])
        var values = [Float](repeating: 0, count: batch * (outputs + cells))
        for n in 0..<batch {
            let row = n * (outputs + cells)
            for k in 0..<outputs { values[row + k] = logits.values[n * outputs + k] }
            for c in 0..<cells { values[row + outputs + c] = map.values[n * cells + c] }
        }
        return Tensor(shape: [batch, outputs + cells], values: values)
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        let (batch, cells) = (mapShape[0], mapShape[1] * mapShape[2] * mapShape[3])
        let outputs = network.configuration.outputs
        precondition(outputGradient.shape == [batch, outputs + cells], "gradient must be [N, outputs + channels · map cells]")
        var logitGradient = Tensor(zeros: [batch, outputs]), mapGradient = Tensor(zeros: mapShape)
        for n in 0..<batch {
            let row = n * (outputs + cells)
            for k in 0..<outputs { logitGradient.values[n * outputs + k] = outputGradient.values[row + k] }
            for c in 0..<cells { mapGradient.values[n * cells + c] = outputGradient.values[row + outputs + c] }
        }
        let tappedGradient = mapHead.backward(mapGradient)
        return network.backward(logitGradient, tappedGradient: (stage, tappedGradient))
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        network.visitParameters(body)
        visit(&mapHead, "lesionMap.conv", body)
    }

    public mutating func visitBuffers(_ body: (String, inout Tensor) -> Void) {
        network.visitBuffers(body)
    }
}
