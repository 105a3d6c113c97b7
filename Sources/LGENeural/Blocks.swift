import LGERandom
/// Convolution → BatchNorm (absent once folded) → optional SiLU: the unit every block is made of.
public struct ConvUnit: Layer {
    public var conv: Conv2D
    public var batchNorm: BatchNorm2D?
    public let activated: Bool
    private var activation = SiLU()

    public init(_ conv: Conv2D, batchNorm: BatchNorm2D?, activated: Bool) {
        self.conv = conv
        self.batchNorm = batchNorm
        self.activated = activated
    }

    public func infer(_ input: Tensor) -> Tensor { infer(input, residual: nil) }

    /// Inference with `residual` added after the activation: in the convolution's own pass once folded.
    public func infer(_ input: Tensor, residual: Tensor?) -> Tensor {
        guard let batchNorm else { return conv.infer(input, activated: activated, residual: residual) }
        var x = conv.infer(input)
        batchNorm.applyInPlace(&x)
        if activated { SiLU.applyInPlace(&x) }
        if let residual { x.add(residual) }
        return x
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return infer(input) }
        var x = conv.forward(input, training: true)
        if batchNorm != nil { x = batchNorm!.forward(x, training: true) }
        if activated { x = activation.forward(x, training: true) }
        return x
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        var g = outputGradient
        if activated { g = activation.backward(g) }
        if batchNorm != nil { g = batchNorm!.backward(g) }
        return conv.backward(g)
    }

    /// BatchNorm folded into the convolution's weights and bias, and (unless `packingWeights` is false, for
    /// comparisons with OpenBLAS) the weights packed for lgeqa's inference kernel.
    public func folded(packingWeights: Bool = true) -> ConvUnit {
        let conv = batchNorm.map { self.conv.folding($0) } ?? self.conv
        return ConvUnit(packingWeights ? conv.packedForInference() : conv, batchNorm: nil, activated: activated)
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        visit(&conv, "conv", body)
        if batchNorm != nil { visit(&batchNorm!, "bn", body) }
    }

    public mutating func visitBuffers(_ body: (String, inout Tensor) -> Void) {
        if batchNorm != nil { LGENeural.visitBuffers(&batchNorm!, "bn", body) }
    }
}

/// Fused-MBConv (EfficientNetV2): 3×3 conv expand (+BN+SiLU) then 1×1 project (+BN); with expansion 1 a
/// single 3×3 conv (+BN+SiLU). Residual with stochastic depth when stride is 1 and channels match.
public struct FusedMBConv: Layer {
    /// The 3×3 convolution (expanding, or the only one when expansion is 1).
    public var expand: ConvUnit
    /// The 1×1 projection; nil when expansion is 1.
    public var project: ConvUnit?
    public var stochasticDepth: StochasticDepth
    public let usesResidual: Bool

    public init(
        inputChannels: Int, outputChannels: Int, expansion: Int, stride: Int,
        stochasticDepthRate: Float, seed: UInt64, batchNormMomentum: Float = 0.1, batchNormEpsilon: Float = 1e-3,
        generator: inout SeededGenerator
    ) {
        let hidden = inputChannels * expansion
        func bn(_ c: Int) -> BatchNorm2D { BatchNorm2D(channels: c, momentum: batchNormMomentum, epsilon: batchNormEpsilon) }
        if expansion == 1 {
            expand = ConvUnit(Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3,
                                     stride: stride, generator: &generator),
                              batchNorm: bn(outputChannels), activated: true)
            project = nil
        } else {
            expand = ConvUnit(Conv2D(inputChannels: inputChannels, outputChannels: hidden, kernelSize: 3,
                                     stride: stride, generator: &generator),
                              batchNorm: bn(hidden), activated: true)
            project = ConvUnit(Conv2D(inputChannels: hidden, outputChannels: outputChannels, kernelSize: 1,
                                      generator: &generator),
                               batchNorm: bn(outputChannels), activated: false)
        }
        usesResidual = stride == 1 && inputChannels == outputChannels
        stochasticDepth = StochasticDepth(rate: stochasticDepthRate, seed: seed)
    }

    public func infer(_ input: Tensor) -> Tensor {
        let residual = usesResidual ? input : nil
        guard let project else { return expand.infer(input, residual: residual) }
        return project.infer(expand.infer(input), residual: residual)
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return infer(input) }
        var x = expand.forward(input, training: true)
        if project != nil { x = project!.forward(x, training: true) }
        if usesResidual {
            x = stochasticDepth.forward(x, training: true)
            x.add(input)
        }
        return x
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        var g = outputGradient
        if usesResidual { g = stochasticDepth.backward(g) }
        if project != nil { g = project!.backward(g) }
        g = expand.backward(g)
        if usesResidual { g.add(outputGradient) }
        return g
    }

    public func folded(packingWeights: Bool = true) -> FusedMBConv {
        var copy = self
        copy.expand = expand.folded(packingWeights: packingWeights)
        copy.project = project?.folded(packingWeights: packingWeights)
        return copy
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        visit(&expand, project == nil ? "conv" : "expand", body)
        if project != nil { visit(&project!, "project", body) }
    }

    public mutating func visitBuffers(_ body: (String, inout Tensor) -> Void) {
        LGENeural.visitBuffers(&expand, project == nil ? "conv" : "expand", body)
        if project != nil { LGENeural.visitBuffers(&project!, "project", body) }
    }
}

/// MBConv (EfficientNet): 1×1 expand (+BN+SiLU, skipped when expansion is 1) → depthwise 3×3 (+BN+SiLU) →
/// squeeze-and-excitation (0.25 of the block's input channels) → 1×1 project (+BN) → residual with
/// stochastic depth when stride is 1 and channels match.
public struct MBConv: Layer {
    public var expand: ConvUnit?
    public var depthwise: DepthwiseConv2D
    public var depthwiseBatchNorm: BatchNorm2D?
    public var squeezeExcitation: SqueezeExcitation?
    public var project: ConvUnit
    public var stochasticDepth: StochasticDepth
    public let usesResidual: Bool
    private var depthwiseActivation = SiLU()

    public init(
        inputChannels: Int, outputChannels: Int, expansion: Int, stride: Int, squeezeExcitation: Bool,
        stochasticDepthRate: Float, seed: UInt64, batchNormMomentum: Float = 0.1, batchNormEpsilon: Float = 1e-3,
        generator: inout SeededGenerator
    ) {
        let hidden = inputChannels * expansion
        func bn(_ c: Int) -> BatchNorm2D { BatchNorm2D(channels: c, momentum: batchNormMomentum, epsilon: batchNormEpsilon) }
        expand = expansion == 1 ? nil : ConvUnit(
            Conv2D(inputChannels: inputChannels, outputChannels: hidden, kernelSize: 1, generator: &generator),
            batchNorm: bn(hidden), activated: true)
        depthwise = DepthwiseConv2D(channels: hidden, kernelSize: 3, stride: stride, generator: &generator)
        depthwiseBatchNorm = bn(hidden)
        self.squeezeExcitation = squeezeExcitation
            ? SqueezeExcitation(channels: hidden, squeezedChannels: max(1, inputChannels / 4), generator: &generator)
            : nil
        project = ConvUnit(Conv2D(inputChannels: hidden, outputChannels: outputChannels, kernelSize: 1,
                                  generator: &generator),
                           batchNorm: bn(outputChannels), activated: false)
        usesResidual = stride == 1 && inputChannels == outputChannels
        stochasticDepth = StochasticDepth(rate: stochasticDepthRate, seed: seed)
    }

    public func infer(_ input: Tensor) -> Tensor {
        var x = expand?.infer(input) ?? input
        if let depthwiseBatchNorm {
            x = depthwise.infer(x)
            depthwiseBatchNorm.applyInPlace(&x)
            SiLU.applyInPlace(&x)
        } else {
            x = depthwise.infer(x, activated: true)
        }
        squeezeExcitation?.applyInPlace(&x)
        return project.infer(x, residual: usesResidual ? input : nil)
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return infer(input) }
        var x = input
        if expand != nil { x = expand!.forward(x, training: true) }
        x = depthwise.forward(x, training: true)
        if depthwiseBatchNorm != nil { x = depthwiseBatchNorm!.forward(x, training: true) }
        x = depthwiseActivation.forward(x, training: true)
        if squeezeExcitation != nil { x = squeezeExcitation!.forward(x, training: true) }
        x = project.forward(x, training: true)
        if usesResidual {
            x = stochasticDepth.forward(x, training: true)
            x.add(input)
        }
        return x
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        var g = outputGradient
        if usesResidual { g = stochasticDepth.backward(g) }
        g = project.backward(g)
        if squeezeExcitation != nil { g = squeezeExcitation!.backward(g) }
        g = depthwiseActivation.backward(g)
        if depthwiseBatchNorm != nil { g = depthwiseBatchNorm!.backward(g) }
        g = depthwise.backward(g)
        if expand != nil { g = expand!.backward(g) }
        if usesResidual { g.add(outputGradient) }
        return g
    }

    public func folded(packingWeights: Bool = true) -> MBConv {
        var copy = self
        copy.expand = expand?.folded(packingWeights: packingWeights)
        if let depthwiseBatchNorm {
            copy.depthwise = depthwise.folding(depthwiseBatchNorm)
            copy.depthwiseBatchNorm = nil
        }
        copy.project = project.folded(packingWeights: packingWeights)
        return copy
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        if expand != nil { visit(&expand!, "expand", body) }
        visit(&depthwise, "depthwise.conv", body)
        if depthwiseBatchNorm != nil { visit(&depthwiseBatchNorm!, "depthwise.bn", body) }
        if squeezeExcitation != nil { visit(&squeezeExcitation!, "se", body) }
        visit(&project, "project", body)
    }

    public mutating func visitBuffers(_ body: (String, inout Tensor) -> Void) {
        if expand != nil { LGENeural.visitBuffers(&expand!, "expand", body) }
        if depthwiseBatchNorm != nil { LGENeural.visitBuffers(&depthwiseBatchNorm!, "depthwise.bn", body) }
        LGENeural.visitBuffers(&project, "project", body)
    }
}
