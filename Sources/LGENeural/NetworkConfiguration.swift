/// The architecture of an EfficientNetV2-family classifier; Codable so model files can embed it.
public struct NetworkConfiguration: Codable, Sendable, Hashable {
    /// Which block a stage repeats.
    public enum BlockKind: String, Codable, Sendable, Hashable {
        case fusedMBConv
        case mbConv
    }

    /// One stage: `repeats` blocks; the first has `stride` and changes the width, the rest keep both.
    public struct Stage: Codable, Sendable, Hashable {
        public var kind: BlockKind
        public var repeats: Int
        public var stride: Int
        public var expansion: Int
        public var outputChannels: Int
        /// Squeeze-and-excitation (ratio 0.25 of the block's input channels); MBConv only.
        public var squeezeExcitation: Bool

        public init(_ kind: BlockKind, repeats: Int, stride: Int, expansion: Int, outputChannels: Int,
                    squeezeExcitation: Bool = false) {
            self.kind = kind
            self.repeats = repeats
            self.stride = stride
            self.expansion = expansion
            self.outputChannels = outputChannels
            self.squeezeExcitation = squeezeExcitation
        }
    }

    public var inputChannels: Int
    public var stemChannels: Int
    public var stages: [Stage]
    public var headChannels: Int
    /// Number of logits (independent sigmoid heads).
    public var outputs: Int
    /// Dropout before the classifier.
    public var dropout: Float
    /// Stochastic-depth rate of the last block; block i of B gets rate · i / B (as torchvision).
    public var stochasticDepth: Float
    public var batchNormMomentum: Float
    public var batchNormEpsilon: Float

    public init(
        inputChannels: Int = 1, stemChannels: Int, stages: [Stage], headChannels: Int, outputs: Int,
        dropout: Float = 0.2, stochasticDepth: Float = 0.2, batchNormMomentum: Float = 0.1,
        batchNormEpsilon: Float = 1e-3
    ) {
        self.inputChannels = inputChannels
        self.stemChannels = stemChannels
        self.stages = stages
        self.headChannels = headChannels
        self.outputs = outputs
        self.dropout = dropout
        self.stochasticDepth = stochasticDepth
        self.batchNormMomentum = batchNormMomentum
        self.batchNormEpsilon = batchNormEpsilon
    }

    /// Total number of blocks over all stages.
    public var blockCount: Int { stages.reduce(0) { $0 + $1.repeats } }

    /// Throws `NetworkConfigurationError` when a value cannot build a network.
    public func validate() throws(NetworkConfigurationError) {
        func require(_ ok: Bool, _ message: String) throws(NetworkConfigurationError) {
            if !ok { throw .invalid(message) }
        }
        try require(inputChannels > 0, "inputChannels must be positive, got \(inputChannels)")
        try require(stemChannels > 0, "stemChannels must be positive, got \(stemChannels)")
        try require(headChannels > 0, "headChannels must be positive, got \(headChannels)")
        try require(outputs > 0, "outputs must be positive, got \(outputs)")
        try require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got \(dropout)")
        try require(stochasticDepth >= 0 && stochasticDepth < 1, "stochasticDepth must be in [0, 1), got \(stochasticDepth)")
        try require(batchNormEpsilon > 0, "batchNormEpsilon must be positive")
        try require(batchNormMomentum >= 0 && batchNormMomentum <= 1, "batchNormMomentum must be in [0, 1]")
        for (i, stage) in stages.enumerated() {
            try require(stage.repeats > 0, "stage \(i): repeats must be positive")
            try require(stage.stride == 1 || stage.stride == 2, "stage \(i): stride must be 1 or 2")
            try require(stage.expansion > 0, "stage \(i): expansion must be positive")
            try require(stage.outputChannels > 0, "stage \(i): outputChannels must be positive")
            try require(!(stage.squeezeExcitation && stage.kind == .fusedMBConv),
                        "stage \(i): squeeze-and-excitation is only supported in MBConv stages")
        }
    }
}

/// A configuration that cannot describe a network.
public enum NetworkConfigurationError: Error, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): "invalid network configuration: \(message)"
        }
    }
}

extension NetworkConfiguration {
    /// The lgeqa classifier for 128×128 (or 160×160) single-channel slices: an EfficientNetV2-B0-like layout
    /// scaled down to about 0.83 M parameters and ~0.15 GFLOPs at 128×128 (stem 64×64 → 4×4 at the head).
    /// Six logits: LGE likelihood, low certainty, and four causes (TI/nulling, ghosting, motion, focal equivocal).
    public static let lgeqaSmall = NetworkConfiguration(
        stemChannels: 16,
        stages: [
            Stage(.fusedMBConv, repeats: 1, stride: 1, expansion: 1, outputChannels: 16),
            Stage(.fusedMBConv, repeats: 1, stride: 2, expansion: 4, outputChannels: 24),
            Stage(.fusedMBConv, repeats: 2, stride: 2, expansion: 4, outputChannels: 40),
            Stage(.mbConv, repeats: 2, stride: 2, expansion: 4, outputChannels: 80, squeezeExcitation: true),
            Stage(.mbConv, repeats: 2, stride: 1, expansion: 6, outputChannels: 112, squeezeExcitation: true),
            Stage(.mbConv, repeats: 1, stride: 2, expansion: 6, outputChannels: 160, squeezeExcitation: true),
        ],
        headChannels: 640,
        outputs: 6,
        dropout: 0.2,
        stochasticDepth: 0.1)

    /// A few-thousand-parameter network for tests (8×8 to 32×32 inputs); every block kind and the residual,
    /// SE and expansion-1 paths are present. No dropout or stochastic depth, so gradients are deterministic.
    public static let tiny = NetworkConfiguration(
        stemChannels: 4,
        stages: [
            Stage(.fusedMBConv, repeats: 1, stride: 1, expansion: 1, outputChannels: 4),
            Stage(.fusedMBConv, repeats: 1, stride: 2, expansion: 2, outputChannels: 6),
            Stage(.mbConv, repeats: 2, stride: 1, expansion: 2, outputChannels: 8, squeezeExcitation: true),
        ],
        headChannels: 12,
        outputs: 2,
        dropout: 0,
        stochasticDepth: 0)
}
