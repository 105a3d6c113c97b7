/// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, as PyTorch's `torch.optim.AdamW`.
///
/// Weight decay applies only to parameters of rank ≥ 2 (convolution and dense weights); biases and
/// BatchNorm scales/shifts (rank 1) are not decayed. State is matched to parameters by visit order.
public struct AdamW: Sendable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Number of updates taken so far.
    public private(set) var step = 0
    private var firstMoments: [[Float]] = []
    private var secondMoments: [[Float]] = []

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 1e-2) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// Whether a parameter is decayed.
    public static func decays(_ parameter: Tensor) -> Bool { parameter.rank >= 2 }

    /// One update of every parameter of `model` from its accumulated gradients.
    public mutating func update<Model: Layer>(_ model: inout Model, learningRate: Float) {
        step += 1
        let correction1 = 1 - Float(Double(beta1).power(step))
        let correction2 = 1 - Float(Double(beta2).power(step))
        var index = 0
        let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
        var first = firstMoments, second = secondMoments
        firstMoments = []; secondMoments = []  // moved out so the arrays stay uniquely referenced
        model.visitParameters { _, parameter, gradient in
            if index == first.count {
                first.append([Float](repeating: 0, count: parameter.count))
                second.append([Float](repeating: 0, count: parameter.count))
            }
            precondition(first[index].count == parameter.count, "AdamW state does not match the model")
            let decay: Float = Self.decays(parameter) ? 1 - learningRate * wd : 1
            parameter.values.withUnsafeMutableBufferPointer { p in
                gradient.values.withUnsafeBufferPointer { g in
                    first[index].withUnsafeMutableBufferPointer { m in
                        second[index].withUnsafeMutableBufferPointer { v in
                            for i in 0..<p.count {
                                m[i] = b1 * m[i] + (1 - b1) * g[i]
                                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                                let mHat = m[i] / correction1, vHat = v[i] / correction2
                                p[i] = p[i] * decay - learningRate * mHat / (vHat.squareRoot() + eps)
                            }
                        }
                    }
                }
            }
            index += 1
        }
        firstMoments = first
        secondMoments = second
    }
}

extension Double {
    fileprivate func power(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<n { result *= self }
        return result
    }
}

/// Cosine learning-rate schedule with linear warm-up.
///
/// lr(s) = peak · s / warmup for s < warmup (so lr(0) = 0), then
/// minimum + (peak − minimum) · ½ · (1 + cos(π · (s − warmup) / (total − warmup))), reaching `minimum` at
/// s = total and staying there.
public struct CosineSchedule: Sendable, Hashable {
    public var peak: Float
    public var minimum: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minimum: Float = 0) {
        precondition(totalSteps > warmupSteps && warmupSteps >= 0, "total steps must exceed warm-up steps")
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The learning rate at step `step` (0-based).
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step) / Float(warmupSteps) }
        let progress = min(1, Double(step - warmupSteps) / Double(totalSteps - warmupSteps))
        return minimum + (peak - minimum) * Float(0.5 * (1 + _cosPi(progress)))
    }
}

import Foundation
private func _cosPi(_ x: Double) -> Double { cos(Double.pi * x) }

extension Layer {
    /// Global L2 norm of all parameter gradients (accumulated in Double).
    public mutating func gradientNorm() -> Float {
        var sum = 0.0
        visitParameters { _, _, gradient in sum += gradient.squaredNorm }
        return Float(sum.squareRoot())
    }

    /// Scales all gradients so that their global norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public mutating func clipGradientNorm(_ maxNorm: Float) -> Float {
        let norm = gradientNorm()
        guard norm > maxNorm, norm > 0 else { return norm }
        let factor = maxNorm / norm
        visitParameters { _, _, gradient in
            gradient.values.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count { g[i] *= factor }
            }
        }
        return norm
    }
}

/// What one training step did.
public struct TrainingStepResult: Sendable, Hashable {
    public var loss: Float
    /// Gradient norm before clipping.
    public var gradientNorm: Float
    public var learningRate: Float
}

extension Network {
    /// One optimization step on a batch: forward (training), loss, backward, optional clipping, AdamW update.
    public mutating func trainStep(
        images: Tensor, targets: Tensor, mask: Tensor? = nil, loss: BinaryCrossEntropy,
        optimizer: inout AdamW, learningRate: Float, clipNorm: Float? = 1
    ) -> TrainingStepResult {
        zeroGradients()
        let logits = forward(images, training: true)
        let (value, gradient) = loss.evaluate(logits: logits, targets: targets, mask: mask)
        _ = backward(gradient)
        let norm = clipNorm.map { clipGradientNorm($0) } ?? gradientNorm()
        optimizer.update(&self, learningRate: learningRate)
        return TrainingStepResult(loss: value, gradientNorm: norm, learningRate: learningRate)
    }
}
