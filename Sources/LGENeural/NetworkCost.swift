/// The arithmetic of one inference, counted from the architecture: multiply-accumulates of every
/// convolution, depthwise convolution and dense layer (squeeze-and-excitation included). Element-wise work
/// (bias, SiLU, residual adds, pooling) is not counted, as is usual for FLOP figures of CNNs.
public struct InferenceCost: Sendable, Hashable {
    /// Multiply-accumulates in k×k (k > 1) convolutions.
    public var spatialConvolution = 0
    /// Multiply-accumulates in 1×1 convolutions.
    public var pointwiseConvolution = 0
    /// Multiply-accumulates in depthwise convolutions.
    public var depthwiseConvolution = 0
    /// Multiply-accumulates in dense layers (classifier and squeeze-and-excitation).
    public var dense = 0

    public var multiplyAccumulates: Int { spatialConvolution + pointwiseConvolution + depthwiseConvolution + dense }
    /// Floating-point operations, 2 per multiply-accumulate.
    public var flops: Int { 2 * multiplyAccumulates }
}

extension Network {
    /// The cost of inferring one [1, inputChannels, height, width] image.
    public func inferenceCost(height: Int, width: Int) -> InferenceCost {
        var cost = InferenceCost()
        var (h, w) = (height, width)
        func conv(_ c: Conv2D) {
            let (oh, ow) = c.outputSize(h, w)
            let macs = c.outputChannels * c.patchSize * oh * ow
            if c.kernelSize == 1 { cost.pointwiseConvolution += macs } else { cost.spatialConvolution += macs }
            (h, w) = (oh, ow)
        }
        func dense(_ d: Dense) { cost.dense += d.inputFeatures * d.outputFeatures }
        conv(stem.conv)
        for blocks in stages {
            for block in blocks {
                if let fused = block.fused {
                    conv(fused.expand.conv)
                    if let project = fused.project { conv(project.conv) }
                } else if let mb = block.mb {
                    if let expand = mb.expand { conv(expand.conv) }
                    let (oh, ow) = mb.depthwise.outputSize(h, w)
                    cost.depthwiseConvolution += mb.depthwise.channels * mb.depthwise.kernelSize * mb.depthwise.kernelSize * oh * ow
                    (h, w) = (oh, ow)
                    if let se = mb.squeezeExcitation {
                        dense(se.reduce)
                        dense(se.expand)
                    }
                    conv(mb.project.conv)
                }
            }
        }
        conv(head.conv)
        dense(classifier)
        return cost
    }
}
