import Foundation

extension SeededGenerator {
    /// Uniform in the open interval (0, 1): safe to take the logarithm of.
    public mutating func openUniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A Gamma(shape, 1) deviate by Marsaglia and Tsang's squeeze method (ACM TOMS 26:363, 2000);
    /// shapes below 1 use the boost Gamma(a) = Gamma(a + 1)·U^(1/a). `shape` must be positive.
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape > 0, "Gamma shape must be positive, got \(shape)")
        if shape < 1 {
            return gamma(shape: shape + 1) * pow(openUniform(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = gaussian()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = openUniform()
            let x2 = x * x
            if u < 1 - 0.0331 * x2 * x2 { return d * v }
            if log(u) < 0.5 * x2 + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A Beta(alpha, beta) deviate as X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta).
    public mutating func beta(_ alpha: Double, _ beta: Double) -> Double {
        let x = gamma(shape: alpha)
        let y = gamma(shape: beta)
        return x / (x + y)
    }

    /// The number of successes in `trials` Bernoulli(`probability`) trials. Exact (one uniform per
    /// trial) for the small counts simulations use; a normal approximation above 10⁴ trials.
    public mutating func binomial(trials: Int, probability: Double) -> Int {
        guard trials > 0, probability > 0 else { return 0 }
        guard probability < 1 else { return trials }
        if trials > 10_000 {
            let mean = Double(trials) * probability
            let sd = (mean * (1 - probability)).squareRoot()
            return min(trials, max(0, Int((mean + sd * gaussian()).rounded())))
        }
        var count = 0
        for _ in 0..<trials where openUniform() < probability { count += 1 }
        return count
    }
}
