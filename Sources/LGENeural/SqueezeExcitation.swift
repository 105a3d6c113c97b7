import CLGEKernels
import LGERandom
/// Squeeze-and-excitation: global pool → 1×1 reduce → SiLU → 1×1 expand → sigmoid → per-channel scale.
///
/// The 1×1 convolutions act on a 1×1 map, so they are `Dense` layers here (weights [out, in] are the
/// [out, in, 1, 1] convolution weights of an export).
public struct SqueezeExcitation: Layer {
    public var reduce: Dense
    public var expand: Dense
    public let channels: Int
    public let squeezedChannels: Int
    private var pool = GlobalAveragePool()
    private var activation = SiLU()
    private var gate = Sigmoid()
    private var cache: (input: Tensor, scale: Tensor)?

    /// `squeezedChannels` is usually max(1, ⌊0.25 · the block's input channels⌋).
    public init(channels: Int, squeezedChannels: Int, generator: inout SeededGenerator) {
        self.channels = channels
        self.squeezedChannels = squeezedChannels
        reduce = Dense(inputFeatures: channels, outputFeatures: squeezedChannels, generator: &generator)
        expand = Dense(inputFeatures: squeezedChannels, outputFeatures: channels, generator: &generator)
    }

    /// The [N, C] channel gates.
    private func gates(_ input: Tensor) -> Tensor {
        var hidden = reduce.infer(pool.infer(input))
        SiLU.applyInPlace(&hidden)
        return gate.infer(expand.infer(hidden))
    }

    public func infer(_ input: Tensor) -> Tensor {
        var output = input
        applyInPlace(&output)
        return output
    }

    /// Inference on a tensor the caller owns: no copy of the feature map.
    public func applyInPlace(_ tensor: inout Tensor) {
        Self.scaleChannels(&tensor, by: gates(tensor))
    }

    static func scaleChannels(_ tensor: inout Tensor, by scale: Tensor) {
        let plane = tensor.shape[2] * tensor.shape[3]
        tensor.values.withUnsafeMutableBufferPointer { x in
            scale.values.withUnsafeBufferPointer { g in
                lge_scale_planes(x.baseAddress!, g.count, plane, g.baseAddress!)
            }
        }
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else {
            cache = nil
            return infer(input)
        }
        var hidden = reduce.forward(pool.forward(input, training: true), training: true)
        hidden = activation.forward(hidden, training: true)
        let scale = gate.forward(expand.forward(hidden, training: true), training: true)
        var output = input
        Self.scaleChannels(&output, by: scale)
        cache = (input, scale)
        return output
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        let (input, scale) = requireCache(cache, "SqueezeExcitation")
        let plane = input.shape[2] * input.shape[3]
        // Through the gate: dScale[n, c] = Σ_hw dy · x.
        var scaleGradient = Tensor(zeros: scale.shape)
        outputGradient.values.withUnsafeBufferPointer { dy in
            input.values.withUnsafeBufferPointer { x in
                for p in 0..<scale.count {
                    var sum: Float = 0
                    for i in (p * plane)..<((p + 1) * plane) { sum += dy[i] * x[i] }
                    scaleGradient.values[p] = sum
                }
            }
        }
        var inputGradient = outputGradient
        Self.scaleChannels(&inputGradient, by: scale)
        var g = gate.backward(scaleGradient)
        g = expand.backward(g)
        g = activation.backward(g)
        g = reduce.backward(g)
        inputGradient.add(pool.backward(g))
        return inputGradient
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        visit(&reduce, "reduce", body)
        visit(&expand, "expand", body)
    }
}
