import LGERandom
/// One block of a stage: a Fused-MBConv or an MBConv.
public struct Block: Layer {
    // Two optionals rather than an enum with payloads, so that mutating a block through `fused!` or `mb!`
    // stays in place instead of copying the payload (and its gradient buffers) out of an enum case.
    public var fused: FusedMBConv?
    public var mb: MBConv?

    public init(_ block: FusedMBConv) { fused = block }
    public init(_ block: MBConv) { mb = block }

    public func infer(_ input: Tensor) -> Tensor {
        fused?.infer(input) ?? mb!.infer(input)
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        fused != nil ? fused!.forward(input, training: training) : mb!.forward(input, training: training)
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        fused != nil ? fused!.backward(outputGradient) : mb!.backward(outputGradient)
    }

    public func folded(packingWeights: Bool = true) -> Block {
        if let fused { return Block(fused.folded(packingWeights: packingWeights)) }
        return Block(mb!.folded(packingWeights: packingWeights))
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        if fused != nil { fused!.visitParameters(body) } else { mb!.visitParameters(body) }
    }

    public mutating func visitBuffers(_ body: (String, inout Tensor) -> Void) {
        if fused != nil { fused!.visitBuffers(body) } else { mb!.visitBuffers(body) }
    }
}

/// An EfficientNetV2-family classifier: stem conv3×3/2 (+BN+SiLU) → stages of blocks → 1×1 head conv
/// (+BN+SiLU) → global average pool → dropout → dense logits. Input [N, inputChannels, H, W].
///
/// Parameter names are stable and dotted: `stem.conv.weight`, `stages.1.blocks.0.expand.bn.bias`,
/// `head.conv.weight`, `classifier.weight`, … in a fixed order (see `visitParameters`).
public struct Network: Layer {
    public let configuration: NetworkConfiguration
    public var stem: ConvUnit
    public var stages: [[Block]]
    public var head: ConvUnit
    public var classifier: Dense
    public var dropout: Dropout
    private var pool = GlobalAveragePool()

    /// A freshly initialized network; `seed` determines the weights and every dropout/stochastic-depth stream.
    public init(configuration: NetworkConfiguration, seed: UInt64) throws(NetworkConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed)
        let momentum = configuration.batchNormMomentum, epsilon = configuration.batchNormEpsilon
        func bn(_ c: Int) -> BatchNorm2D { BatchNorm2D(channels: c, momentum: momentum, epsilon: epsilon) }
        stem = ConvUnit(
            Conv2D(inputChannels: configuration.inputChannels, outputChannels: configuration.stemChannels,
                   kernelSize: 3, stride: 2, generator: &generator),
            batchNorm: bn(configuration.stemChannels), activated: true)
        var channels = configuration.stemChannels
        var blockIndex = 0
        let totalBlocks = Float(configuration.blockCount)
        stages = []
        for stage in configuration.stages {
            var blocks: [Block] = []
            for r in 0..<stage.repeats {
                let stride = r == 0 ? stage.stride : 1
                let rate = configuration.stochasticDepth * Float(blockIndex) / totalBlocks
                let blockSeed = SeededGenerator.derivedSeed(seed, stream: UInt64(blockIndex + 1))
                switch stage.kind {
                case .fusedMBConv:
                    blocks.append(Block(FusedMBConv(
                        inputChannels: channels, outputChannels: stage.outputChannels, expansion: stage.expansion,
                        stride: stride, stochasticDepthRate: rate, seed: blockSeed, batchNormMomentum: momentum,
                        batchNormEpsilon: epsilon, generator: &generator)))
                case .mbConv:
                    blocks.append(Block(MBConv(
                        inputChannels: channels, outputChannels: stage.outputChannels, expansion: stage.expansion,
                        stride: stride, squeezeExcitation: stage.squeezeExcitation, stochasticDepthRate: rate,
                        seed: blockSeed, batchNormMomentum: momentum, batchNormEpsilon: epsilon,
                        generator: &generator)))
                }
                channels = stage.outputChannels
                blockIndex += 1
            }
            stages.append(blocks)
        }
        head = ConvUnit(
            Conv2D(inputChannels: channels, outputChannels: configuration.headChannels, kernelSize: 1,
                   generator: &generator),
            batchNorm: bn(configuration.headChannels), activated: true)
        dropout = Dropout(rate: configuration.dropout, seed: SeededGenerator.derivedSeed(seed, stream: 0))
        classifier = Dense(inputFeatures: configuration.headChannels, outputFeatures: configuration.outputs,
                           generator: &generator)
    }

    /// Whether BatchNorm has been folded into the convolutions (see `foldedForInference()`).
    public var isFolded: Bool { stem.batchNorm == nil }

    /// Logits [N, outputs] by the inference path, with no caching. Folds BatchNorm first unless the network
    /// is already folded: for repeated inference, fold once with `foldedForInference()` and call `infer` on it.
    public func infer(_ batch: Tensor) -> Tensor {
        if !isFolded { return foldedForInference().infer(batch) }
        precondition(batch.rank == 4 && batch.shape[1] == configuration.inputChannels,
                     "Network expects [N, \(configuration.inputChannels), H, W], got \(batch.shape)")
        var x = stem.infer(batch)
        for blocks in stages {
            for block in blocks { x = block.infer(x) }
        }
        x = head.infer(x)
        return classifier.infer(pool.infer(x))
    }

    /// The same function for inference with every BatchNorm folded into its convolution (bias added) and
    /// the convolution weights packed for lgeqa's AVX-512 kernel, which then runs them where the processor
    /// has AVX-512 (`packingWeights: false` keeps them on OpenBLAS, for comparisons). The result is meant
    /// for `infer`; training it would train a network without BatchNorm.
    public func foldedForInference(packingWeights: Bool = true) -> Network {
        var copy = self
        copy.stem = stem.folded(packingWeights: packingWeights)
        copy.stages = stages.map { $0.map { $0.folded(packingWeights: packingWeights) } }
        copy.head = head.folded(packingWeights: packingWeights)
        return copy
    }

    /// Forward pass; `training: false` uses running statistics without folding (and caches nothing).
    public mutating func forward(_ batch: Tensor, training: Bool) -> Tensor {
        forward(batch, training: training, tappingStage: nil).logits
    }

    /// Forward pass that also returns the output of stage `tappingStage` (its feature map), for an
    /// auxiliary head trained beside the classifier (see ``LesionMapNetwork``).
    public mutating func forward(
        _ batch: Tensor, training: Bool, tappingStage: Int?
    ) -> (logits: Tensor, tapped: Tensor?) {
        precondition(batch.rank == 4 && batch.shape[1] == configuration.inputChannels,
                     "Network expects [N, \(configuration.inputChannels), H, W], got \(batch.shape)")
        precondition(tappingStage.map { stages.indices.contains($0) } ?? true, "no stage \(tappingStage!) to tap")
        var x = stem.forward(batch, training: training)
        var tapped: Tensor?
        for s in stages.indices {
            for b in stages[s].indices { x = stages[s][b].forward(x, training: training) }
            if s == tappingStage { tapped = x }
        }
        x = head.forward(x, training: training)
        x = pool.forward(x, training: training)
        x = dropout.forward(x, training: training)
        return (classifier.forward(x, training: training), tapped)
    }

    /// Gradient w.r.t. the input batch; accumulates every parameter gradient.
    public mutating func backward(_ logitGradient: Tensor) -> Tensor {
        backward(logitGradient, tappedGradient: nil)
    }

    /// Backward pass of ``forward(_:training:tappingStage:)``: `tappedGradient` is the gradient of the
    /// auxiliary loss w.r.t. the tapped stage's output, added where that output feeds the rest of the network.
    public mutating func backward(_ logitGradient: Tensor, tappedGradient: (stage: Int, gradient: Tensor)?) -> Tensor {
        var g = classifier.backward(logitGradient)
        g = dropout.backward(g)
        g = pool.backward(g)
        g = head.backward(g)
        for s in stages.indices.reversed() {
            if let tappedGradient, tappedGradient.stage == s {
                precondition(tappedGradient.gradient.shape == g.shape, "tapped gradient \(tappedGradient.gradient.shape) does not match stage \(s)'s output \(g.shape)")
                g.values.withUnsafeMutableBufferPointer { out in
                    tappedGradient.gradient.values.withUnsafeBufferPointer { add in
                        for i in out.indices { out[i] += add[i] }
                    }
                }
            }
            for b in stages[s].indices.reversed() { g = stages[s][b].backward(g) }
        }
        return stem.backward(g)
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        visit(&stem, "stem", body)
        for s in stages.indices {
            for b in stages[s].indices { visit(&stages[s][b], "stages.\(s).blocks.\(b)", body) }
        }
        visit(&head, "head", body)
        visit(&classifier, "classifier", body)
    }

    public mutating func visitBuffers(_ body: (String, inout Tensor) -> Void) {
        LGENeural.visitBuffers(&stem, "stem", body)
        for s in stages.indices {
            for b in stages[s].indices { LGENeural.visitBuffers(&stages[s][b], "stages.\(s).blocks.\(b)", body) }
        }
        LGENeural.visitBuffers(&head, "head", body)
    }
}
