import LGERandom
import Testing
@testable import LGENeural

/// Single-threaded OpenBLAS so that results are bit-reproducible; called at the top of every test.
let blasSetUp: Void = BLAS.setThreadCount(1)

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var g = SeededGenerator(seed: seed)
    return .randomNormal(shape: shape, standardDeviation: scale, generator: &g)
}

/// ‖a − b‖ / max(‖a‖, ‖b‖, floor): the relative error of a whole gradient sample. The floor keeps
/// gradients that are exactly zero in theory (a bias whose every downstream path is batch-normalized)
/// from turning Float32 rounding noise into a large "relative" error.
func relativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-2) -> Double {
    var diff = 0.0, na = 0.0, nb = 0.0
    for i in a.indices {
        diff += (a[i] - b[i]) * (a[i] - b[i]); na += a[i] * a[i]; nb += b[i] * b[i]
    }
    return diff.squareRoot() / max(na.squareRoot(), nb.squareRoot(), floor)
}

/// Σ output · weights, accumulated in Double: the scalar whose gradient is checked.
func objective(_ output: Tensor, _ weights: Tensor) -> Double {
    var s = 0.0
    for i in output.values.indices { s += Double(output.values[i]) * Double(weights.values[i]) }
    return s
}

/// Evenly spread indices (all of them when there are at most `limit`).
func sampleIndices(_ count: Int, limit: Int) -> [Int] {
    if count <= limit { return Array(0..<count) }
    return (0..<limit).map { $0 * count / limit + ($0 * 7) % max(1, count / limit) }
}

/// Result of comparing backward against central finite differences of Σ forward(x)·R (training mode).
struct GradientCheck {
    var inputError: Double
    var parameterErrors: [String: Double]
    var worst: Double { ([inputError] + Array(parameterErrors.values)).max() ?? 0 }
}

func checkGradients<L: Layer>(
    _ layer: L, input: Tensor, epsilon: Float = 1e-2, samples: Int = 24, checkInput: Bool = true,
    parameterFilter: (String) -> Bool = { _ in true }
) -> GradientCheck {
    _ = blasSetUp
    var analytic = layer
    analytic.zeroGradients()
    let output = analytic.forward(input, training: true)
    let r = randomTensor(output.shape, seed: 99)
    let inputGradient = analytic.backward(r)

    func loss(_ l: L, _ x: Tensor) -> Double {
        var copy = l
        return objective(copy.forward(x, training: true), r)
    }

    var inputError = 0.0
    if checkInput {
        var a: [Double] = [], n: [Double] = []
        for i in sampleIndices(input.count, limit: samples) {
            var plus = input, minus = input
            plus.values[i] += epsilon
            minus.values[i] -= epsilon
            n.append((loss(layer, plus) - loss(layer, minus)) / Double(2 * epsilon))
            a.append(Double(inputGradient.values[i]))
        }
        inputError = relativeError(a, n)
    }

    var analyticGradients: [(String, Tensor)] = []
    analytic.visitParameters { name, _, g in analyticGradients.append((name, g)) }
    var errors: [String: Double] = [:]
    for (name, gradient) in analyticGradients where parameterFilter(name) {
        var a: [Double] = [], n: [Double] = []
        for i in sampleIndices(gradient.count, limit: max(4, samples / 3)) {
            func shifted(_ delta: Float) -> L {
                var copy = layer
                copy.visitParameters { pname, p, _ in if pname == name { p.values[i] += delta } }
                return copy
            }
            n.append((loss(shifted(epsilon), input) - loss(shifted(-epsilon), input)) / Double(2 * epsilon))
            a.append(Double(gradient.values[i]))
        }
        errors[name] = relativeError(a, n)
    }
    return GradientCheck(inputError: inputError, parameterErrors: errors)
}

/// Gives BatchNorm layers non-trivial scale and shift so folding and gradients are really exercised.
func randomizeBatchNorm<L: Layer>(_ layer: inout L, seed: UInt64) {
    var g = SeededGenerator(seed: seed)
    layer.visitParameters { name, p, _ in
        guard name.hasSuffix("bn.weight") || name.hasSuffix("bn.bias") else { return }
        let isScale = name.hasSuffix("weight")
        for i in p.values.indices { p.values[i] = isScale ? 0.5 + g.nextUniform() : g.nextUniform() - 0.5 }
    }
}
