import LGERandom
/// Fully connected layer: [N, in] → [N, out], y = x·Wᵀ + b, by SGEMM. Weight: [out, in].
public struct Dense: Layer {
    public var weight: Tensor
    public var weightGradient: Tensor
    public var bias: Tensor
    public var biasGradient: Tensor
    public let inputFeatures: Int
    public let outputFeatures: Int
    private var cachedInput: Tensor?

    /// Uniform(±1/√out) initialization, as torchvision's EfficientNet classifier.
    public init(inputFeatures: Int, outputFeatures: Int, generator: inout SeededGenerator) {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        weight = .randomUniform(shape: [outputFeatures, inputFeatures],
                                bound: 1 / Float(outputFeatures).squareRoot(), generator: &generator)
        weightGradient = Tensor(zeros: [outputFeatures, inputFeatures])
        bias = Tensor(zeros: [outputFeatures])
        biasGradient = Tensor(zeros: [outputFeatures])
    }

    public func infer(_ input: Tensor) -> Tensor {
        precondition(input.rank == 2 && input.shape[1] == inputFeatures,
                     "Dense expects [N, \(inputFeatures)], got \(input.shape)")
        let n = input.shape[0], inF = inputFeatures, outF = outputFeatures
        return Tensor(uninitializedShape: [n, outF]) { y in
            for s in 0..<n {
                for o in 0..<outF { y[s * outF + o] = bias.values[o] }
            }
            input.values.withUnsafeBufferPointer { x in
                weight.values.withUnsafeBufferPointer { w in
                    BLAS.gemm(transposeB: true, m: n, n: outF, k: inF, a: x.baseAddress!, lda: inF,
                              b: w.baseAddress!, ldb: inF, beta: 1, c: y.baseAddress!, ldc: outF)
                }
            }
        }
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        cachedInput = training ? input : nil
        return infer(input)
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        let input = requireCache(cachedInput, "Dense")
        let n = input.shape[0], inF = inputFeatures, outF = outputFeatures
        var inputGradient = Tensor(zeros: input.shape)
        outputGradient.values.withUnsafeBufferPointer { dy in
            input.values.withUnsafeBufferPointer { x in
                weightGradient.values.withUnsafeMutableBufferPointer { dw in
                    BLAS.gemm(transposeA: true, m: outF, n: inF, k: n, a: dy.baseAddress!, lda: outF,
                              b: x.baseAddress!, ldb: inF, beta: 1, c: dw.baseAddress!, ldc: inF)
                }
            }
            weight.values.withUnsafeBufferPointer { w in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    BLAS.gemm(m: n, n: inF, k: outF, a: dy.baseAddress!, lda: outF,
                              b: w.baseAddress!, ldb: inF, beta: 0, c: dx.baseAddress!, ldc: inF)
                }
            }
            for s in 0..<n {
                for o in 0..<outF { biasGradient.values[o] += dy[s * outF + o] }
            }
        }
        return inputGradient
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        body("weight", &weight, &weightGradient)
        body("bias", &bias, &biasGradient)
    }
}
