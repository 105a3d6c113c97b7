import Foundation

/// Temperature scaling (Guo et al. 2017): one scalar T per head, fitted on validation data by
/// minimising the binary cross-entropy of sigmoid(logit / T). It changes confidence, never ranking.
public enum TemperatureScaling {
    /// The T in [0.2, 10] that minimises validation log loss (golden-section search on log T).
    public static func fit(logits: [Double], labels: [Bool]) -> Double {
        guard !logits.isEmpty, logits.count == labels.count else { return 1 }
        func loss(_ logT: Double) -> Double {
            let t = exp(logT)
            var total = 0.0
            for (z, y) in zip(logits, labels) {
                let s = z / t
                // log(1 + e^{-|s|}) form, stable for large |s|.
                let softplus = max(s, 0) + log1p(exp(-abs(s)))
                total += softplus - (y ? s : 0)
            }
            return total / Double(logits.count)
        }
        var (a, b) = (log(0.2), log(10.0))
        let ratio = (5.0.squareRoot() - 1) / 2
        var c = b - ratio * (b - a), d = a + ratio * (b - a)
        for _ in 0..<60 {
            if loss(c) < loss(d) { b = d } else { a = c }
            c = b - ratio * (b - a)
            d = a + ratio * (b - a)
        }
        return exp((a + b) / 2)
    }
}
