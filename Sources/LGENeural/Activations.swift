import CLGEKernels
import Foundation

@inline(__always)
func sigmoid(_ x: Float) -> Float { FastMath.sigmoid(x) }

/// SiLU (swish): x·σ(x).
public struct SiLU: Layer {
    private var cachedInput: Tensor?
    public init() {}

    public func infer(_ input: Tensor) -> Tensor {
        var output = input
        SiLU.applyInPlace(&output)
        return output
    }

    /// x ← x·σ(x) over the whole tensor, without allocating when `tensor` is uniquely referenced.
    public static func applyInPlace(_ tensor: inout Tensor) {
        tensor.values.withUnsafeMutableBufferPointer { x in
            guard let base = x.baseAddress else { return }
            lge_silu(base, x.count)
        }
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        cachedInput = training ? input : nil
        return infer(input)
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        let input = requireCache(cachedInput, "SiLU")
        var gradient = outputGradient
        gradient.values.withUnsafeMutableBufferPointer { g in
            input.values.withUnsafeBufferPointer { x in
                for i in 0..<g.count {
                    let s = FastMath.sigmoid(x[i])
                    g[i] *= s * (1 + x[i] * (1 - s))
                }
            }
        }
        return gradient
    }
}

/// Logistic sigmoid σ(x) = 1 / (1 + e^−x).
public struct Sigmoid: Layer {
    private var cachedOutput: Tensor?
    public init() {}

    public func infer(_ input: Tensor) -> Tensor {
        var output = input
        output.values.withUnsafeMutableBufferPointer { x in
            for i in 0..<x.count { x[i] = FastMath.sigmoid(x[i]) }
        }
        return output
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        let output = infer(input)
        cachedOutput = training ? output : nil
        return output
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        let output = requireCache(cachedOutput, "Sigmoid")
        var gradient = outputGradient
        gradient.values.withUnsafeMutableBufferPointer { g in
            output.values.withUnsafeBufferPointer { y in
                for i in 0..<g.count { g[i] *= y[i] * (1 - y[i]) }
            }
        }
        return gradient
    }
}

/// Mean over H and W: [N, C, H, W] → [N, C].
public struct GlobalAveragePool: Layer {
    private var cachedShape: [Int]?
    public init() {}

    public func infer(_ input: Tensor) -> Tensor {
        let (n, c, h, w) = input.nchw
        let plane = h * w
        return Tensor(uninitializedShape: [n, c]) { out in
            input.values.withUnsafeBufferPointer { x in
                lge_plane_means(x.baseAddress!, n * c, plane, out.baseAddress!)
            }
        }
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        cachedShape = training ? input.shape : nil
        return infer(input)
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        let shape = requireCache(cachedShape, "GlobalAveragePool")
        let plane = shape[2] * shape[3]
        let scale = 1 / Float(plane)
        return Tensor(uninitializedShape: shape) { dx in
            outputGradient.values.withUnsafeBufferPointer { g in
                for p in 0..<g.count {
                    (dx.baseAddress! + p * plane).initialize(repeating: g[p] * scale, count: plane)
                }
            }
        }
    }
}
