import Foundation

/// Sigmoid binary cross-entropy on logits for several independent heads at once.
///
/// For logit z, target t (after smoothing t' = t·(1 − ε) + ε/2) and positive weight p of its head:
/// ℓ = −h·[p·t'·log σ(z) + (1 − t')·log(1 − σ(z))], computed stably with softplus, with h the head's weight.
/// The loss is the mean of ℓ over the entries whose mask is nonzero; unlabelled entries contribute neither
/// loss nor gradient. Targets between 0 and 1 (soft labels) are allowed.
public struct BinaryCrossEntropy: Sendable, Hashable {
    /// ε in [0, 1): targets move ε/2 towards 0.5.
    public var labelSmoothing: Float
    /// Positive-class weight per head (nil: all 1), to balance rare positives.
    public var positiveWeights: [Float]?
    /// Weight of each head's loss (nil: all 1), for auxiliary targets that should steer less than the heads.
    public var headWeights: [Float]?

    public init(labelSmoothing: Float = 0, positiveWeights: [Float]? = nil, headWeights: [Float]? = nil) {
        precondition(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must be in [0, 1)")
        self.labelSmoothing = labelSmoothing
        self.positiveWeights = positiveWeights
        self.headWeights = headWeights
    }

    /// Loss and its gradient w.r.t. `logits`.
    /// - Parameters:
    ///   - logits: [N, heads].
    ///   - targets: [N, heads], values in [0, 1].
    ///   - mask: [N, heads], 1 where the sample has a label for the head, 0 where it has none (nil: all 1).
    public func evaluate(logits: Tensor, targets: Tensor, mask: Tensor? = nil) -> (loss: Float, gradient: Tensor) {
        precondition(logits.rank == 2 && targets.shape == logits.shape, "logits and targets must both be [N, heads]")
        precondition(mask == nil || mask!.shape == logits.shape, "mask must match the logits' shape")
        let heads = logits.shape[1]
        precondition(positiveWeights == nil || positiveWeights!.count == heads, "one positive weight per head")
        precondition(headWeights == nil || headWeights!.count == heads, "one loss weight per head")
        var gradient = Tensor(zeros: logits.shape)
        var total = 0.0
        let labelled = mask.map { m in m.values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } } ?? logits.count
        guard labelled > 0 else { return (0, gradient) }
        let scale = 1 / Float(labelled)
        for i in 0..<logits.count {
            guard (mask?.values[i] ?? 1) != 0 else { continue }
            let z = logits.values[i]
            let t = targets.values[i] * (1 - labelSmoothing) + labelSmoothing / 2
            let p = positiveWeights?[i % heads] ?? 1
            let h = headWeights?[i % heads] ?? 1
            // log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z)
            total += Double(h * (p * t * softplus(-z) + (1 - t) * softplus(z)))
            // dℓ/dz = h·[σ(z)·(p·t + 1 − t) − p·t]
            gradient.values[i] = h * (sigmoid(z) * (p * t + 1 - t) - p * t) * scale
        }
        return (Float(total / Double(labelled)), gradient)
    }
}

/// log(1 + eˣ) without overflow.
@inline(__always)
func softplus(_ x: Float) -> Float {
    x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x))
}
