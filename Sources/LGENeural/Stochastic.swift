import LGERandom
/// Inverted dropout: in training, zeroes each element with probability `rate` and scales survivors by
/// 1/(1 − rate); identity at inference. Owns its seeded stream, so runs are reproducible.
public struct Dropout: Layer {
    public let rate: Float
    public var generator: SeededGenerator
    private var cachedMask: [Float]?

    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        self.rate = rate
        generator = SeededGenerator(seed: seed)
    }

    public func infer(_ input: Tensor) -> Tensor { input }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else {
            cachedMask = nil
            return input
        }
        let keep = 1 / (1 - rate)
        var mask = [Float](repeating: 0, count: input.count)
        for i in 0..<mask.count { mask[i] = generator.nextUniform() < rate ? 0 : keep }
        var output = input
        for i in 0..<mask.count { output.values[i] *= mask[i] }
        cachedMask = mask
        return output
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        guard let mask = cachedMask else { return outputGradient }  // rate 0: identity
        var gradient = outputGradient
        for i in 0..<mask.count { gradient.values[i] *= mask[i] }
        return gradient
    }
}

/// Stochastic depth ("row" mode): in training, drops a residual branch for a whole sample with probability
/// `rate` and scales kept samples by 1/(1 − rate); identity at inference.
public struct StochasticDepth: Layer {
    public let rate: Float
    public var generator: SeededGenerator
    private var cachedFactors: [Float]?

    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "stochastic depth rate must be in [0, 1)")
        self.rate = rate
        generator = SeededGenerator(seed: seed)
    }

    public func infer(_ input: Tensor) -> Tensor { input }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training, rate > 0 else {
            cachedFactors = nil
            return input
        }
        let n = input.shape[0], perSample = input.count / max(n, 1)
        var factors = [Float](repeating: 0, count: n)
        for s in 0..<n { factors[s] = generator.nextUniform() < rate ? 0 : 1 / (1 - rate) }
        cachedFactors = factors
        return Self.scale(input, factors, perSample)
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        guard let factors = cachedFactors else { return outputGradient }
        return Self.scale(outputGradient, factors, outputGradient.count / max(factors.count, 1))
    }

    private static func scale(_ tensor: Tensor, _ factors: [Float], _ perSample: Int) -> Tensor {
        var out = tensor
        out.values.withUnsafeMutableBufferPointer { x in
            for s in 0..<factors.count {
                let f = factors[s]
                for i in (s * perSample)..<((s + 1) * perSample) { x[i] *= f }
            }
        }
        return out
    }
}
