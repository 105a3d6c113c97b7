import LGERandom
import Foundation
import Testing
@testable import LGENeural

@Suite("Loss, optimizer and training")
struct TrainingTests {
    @Test("Loss value and gradient: masks, label smoothing, positive weights")
    func lossValues() {
        let logits = Tensor(shape: [2, 2], values: [0.5, -1, 2, 0.25])
        let targets = Tensor(shape: [2, 2], values: [1, 0, 0, 1])
        let mask = Tensor(shape: [2, 2], values: [1, 1, 0, 1])
        let loss = BinaryCrossEntropy(labelSmoothing: 0.1, positiveWeights: [2, 3])
        let (value, gradient) = loss.evaluate(logits: logits, targets: targets, mask: mask)
        func reference(_ z: Double, _ t: Double, _ p: Double) -> Double {
            let ts = t * 0.9 + 0.05, s = 1 / (1 + exp(-z))
            return -(p * ts * log(s) + (1 - ts) * log(1 - s))
        }
        let expected = (reference(0.5, 1, 2) + reference(-1, 0, 3) + reference(0.25, 1, 3)) / 3
        #expect(abs(Double(value) - expected) < 1e-5)
        #expect(gradient.values[2] == 0)  // unlabelled: no gradient
        // Finite differences of the loss itself.
        for i in [0, 1, 3] {
            var plus = logits, minus = logits
            plus.values[i] += 1e-2; minus.values[i] -= 1e-2
            let numeric = (Double(loss.evaluate(logits: plus, targets: targets, mask: mask).loss)
                - Double(loss.evaluate(logits: minus, targets: targets, mask: mask).loss)) / 2e-2
            #expect(abs(numeric - Double(gradient.values[i])) < 1e-3 * max(1, abs(numeric)))
        }
        // A masked-out entry changes nothing, whatever its logit.
        var changed = logits
        changed.values[2] = -40
        #expect(loss.evaluate(logits: changed, targets: targets, mask: mask).loss == value)
        // Everything masked: zero loss and gradient.
        let none = loss.evaluate(logits: logits, targets: targets, mask: Tensor(zeros: [2, 2]))
        #expect(none.loss == 0 && none.gradient.values.allSatisfy { $0 == 0 })
        // Large logits stay finite.
        let extreme = BinaryCrossEntropy().evaluate(logits: Tensor(shape: [1, 2], values: [100, -100]),
                                                    targets: Tensor(shape: [1, 2], values: [0, 1]))
        #expect(extreme.loss.isFinite && abs(extreme.loss - 100) < 1e-3)
    }

    @Test("Head weights scale each head's loss and gradient; soft targets have their own minimum")
    func headWeightsAndSoftTargets() {
        let logits = Tensor(shape: [2, 2], values: [0.5, -1, 2, 0.25])
        let targets = Tensor(shape: [2, 2], values: [1, 0.3, 0, 0.8])
        let plain = BinaryCrossEntropy().evaluate(logits: logits, targets: targets)
        let weighted = BinaryCrossEntropy(headWeights: [1, 0.25]).evaluate(logits: logits, targets: targets)
        func term(_ z: Double, _ t: Double) -> Double {
            let s = 1 / (1 + exp(-z))
            return -(t * log(s) + (1 - t) * log(1 - s))
        }
        let expected = (term(0.5, 1) + 0.25 * term(-1, 0.3) + term(2, 0) + 0.25 * term(0.25, 0.8)) / 4
        #expect(abs(Double(weighted.loss) - expected) < 1e-5)
        for i in [0, 2] { #expect(weighted.gradient.values[i] == plain.gradient.values[i]) }
        for i in [1, 3] { #expect(abs(weighted.gradient.values[i] - 0.25 * plain.gradient.values[i]) < 1e-7) }
        // A soft target's gradient vanishes where the sigmoid equals it (logit(0.3)), not at ±∞.
        let atTarget = BinaryCrossEntropy().evaluate(
            logits: Tensor(shape: [1, 1], values: [Float(log(0.3 / 0.7))]), targets: Tensor(shape: [1, 1], values: [0.3]))
        #expect(abs(atTarget.gradient.values[0]) < 1e-6)
        let beside = BinaryCrossEntropy().evaluate(logits: Tensor(shape: [1, 1], values: [0]), targets: Tensor(shape: [1, 1], values: [0.3]))
        #expect(beside.gradient.values[0] > 0.1)
    }

    @Test("AdamW: one step matches the hand-computed update; no decay on biases and BatchNorm")
    func adamW() {
        struct Model: Layer {
            var dense: Dense
            var bn = BatchNorm2D(channels: 2)
            func infer(_ input: Tensor) -> Tensor { input }
            mutating func forward(_ input: Tensor, training: Bool) -> Tensor { input }
            mutating func backward(_ g: Tensor) -> Tensor { g }
            mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
                visit(&dense, "dense", body)
                visit(&bn, "bn", body)
            }
        }
        var g = SeededGenerator(seed: 1)
        var model = Model(dense: Dense(inputFeatures: 2, outputFeatures: 1, generator: &g))
        model.dense.weight = Tensor(shape: [1, 2], values: [0.5, -0.25])
        model.dense.bias = Tensor(shape: [1], values: [0.1])
        model.dense.weightGradient = Tensor(shape: [1, 2], values: [0.2, -0.4])
        model.dense.biasGradient = Tensor(shape: [1], values: [0.3])
        var optimizer = AdamW(beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1)
        let lr: Float = 0.01
        optimizer.update(&model, learningRate: lr)
        func expected(_ p: Double, _ grad: Double, decay: Bool) -> Double {
            let m = 0.1 * grad, v = 0.01 * grad * grad
            let mHat = m / 0.1, vHat = v / 0.01
            return p * (decay ? 1 - 0.01 * 0.1 : 1) - 0.01 * mHat / (vHat.squareRoot() + 1e-8)
        }
        #expect(abs(Double(model.dense.weight.values[0]) - expected(0.5, 0.2, decay: true)) < 1e-6)
        #expect(abs(Double(model.dense.weight.values[1]) - expected(-0.25, -0.4, decay: true)) < 1e-6)
        #expect(abs(Double(model.dense.bias.values[0]) - expected(0.1, 0.3, decay: false)) < 1e-6)
        // BatchNorm parameters with zero gradient stay exactly where they are (no decay).
        #expect(model.bn.weight.values == [1, 1])
        #expect(optimizer.step == 1)
        // Second step with zero gradient: the weight moves by decay plus the decaying momentum.
        let before = model.dense.weight.values[0]
        model.zeroGradients()
        optimizer.update(&model, learningRate: lr)
        #expect(model.dense.weight.values[0] != before)
    }

    @Test("Cosine schedule with warm-up")
    func cosineSchedule() {
        let schedule = CosineSchedule(peak: 1, warmupSteps: 10, totalSteps: 110, minimum: 0.1)
        #expect(schedule.learningRate(at: 0) == 0)
        #expect(abs(schedule.learningRate(at: 5) - 0.5) < 1e-6)
        #expect(schedule.learningRate(at: 10) == 1)
        #expect(abs(schedule.learningRate(at: 60) - 0.55) < 1e-6)
        #expect(abs(schedule.learningRate(at: 110) - 0.1) < 1e-6)
        #expect(abs(schedule.learningRate(at: 500) - 0.1) < 1e-6)
        #expect(schedule.learningRate(at: 30) > schedule.learningRate(at: 31))
    }

    @Test("Gradient-norm clipping")
    func clipping() {
        var g = SeededGenerator(seed: 3)
        var dense = Dense(inputFeatures: 3, outputFeatures: 2, generator: &g)
        dense.weightGradient = Tensor(shape: [2, 3], values: [3, 0, 0, 0, 4, 0])
        let norm = dense.clipGradientNorm(1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs(dense.gradientNorm() - 1) < 1e-5)
        #expect(abs(dense.weightGradient.values[0] - 0.6) < 1e-6)
    }

    /// 16 8×8 images: a bright centre blob (label 1) or none (label 0), on seeded noise.
    func blobDataset() -> (images: Tensor, targets: Tensor, mask: Tensor) {
        var g = SeededGenerator(seed: 77)
        var images = Tensor(zeros: [16, 1, 8, 8])
        var targets = Tensor(zeros: [16, 2])
        var mask = Tensor(repeating: 1, shape: [16, 2])
        for s in 0..<16 {
            let positive = s % 2 == 0
            for y in 0..<8 {
                for x in 0..<8 {
                    let d2 = Float((y - 3) * (y - 3) + (x - 4) * (x - 4))
                    let blob: Float = positive ? 2 * expf(-d2 / 3) : 0
                    images.values[s * 64 + y * 8 + x] = blob + 0.3 * g.nextNormal()
                }
            }
            targets.values[s * 2] = positive ? 1 : 0
            targets.values[s * 2 + 1] = positive ? 1 : 0
            if s % 4 == 1 { mask.values[s * 2 + 1] = 0 }  // the second head lacks some labels
        }
        return (images, targets, mask)
    }

    func train(seed: UInt64, steps: Int, configuration: NetworkConfiguration = .tiny) throws -> (Network, [Float]) {
        _ = blasSetUp
        let data = blobDataset()
        var net = try Network(configuration: configuration, seed: seed)
        var optimizer = AdamW(weightDecay: 1e-3)
        let schedule = CosineSchedule(peak: 1e-2, warmupSteps: 10, totalSteps: max(steps, 11))
        let loss = BinaryCrossEntropy(labelSmoothing: 0.05, positiveWeights: [1, 1.5])
        var losses: [Float] = []
        for step in 0..<steps {
            let result = net.trainStep(images: data.images, targets: data.targets, mask: data.mask, loss: loss,
                                       optimizer: &optimizer, learningRate: schedule.learningRate(at: step + 1),
                                       clipNorm: 5)
            losses.append(result.loss)
        }
        return (net, losses)
    }

    @Test("A tiny network overfits a tiny synthetic dataset")
    func overfit() throws {
        let (net, losses) = try train(seed: 5, steps: 150)
        let data = blobDataset()
        let logits = net.infer(data.images)
        var correct = 0
        for s in 0..<16 where (logits.values[s * 2] > 0) == (data.targets.values[s * 2] == 1) { correct += 1 }
        #expect(Double(correct) / 16 > 0.95, "accuracy \(correct)/16, losses \(losses.first!) → \(losses.last!)")
        #expect(losses.last! < losses.first! * 0.5)
    }

    @Test("Same seed gives bit-identical weights; another seed does not")
    func determinism() throws {
        var configuration = NetworkConfiguration.tiny
        configuration.dropout = 0.2
        configuration.stochasticDepth = 0.3
        let a = try train(seed: 9, steps: 4, configuration: configuration).0.serialized()
        let b = try train(seed: 9, steps: 4, configuration: configuration).0.serialized()
        let c = try train(seed: 10, steps: 4, configuration: configuration).0.serialized()
        #expect(a == b)
        #expect(a != c)
    }
}
