import LGERandom

extension Tensor {
    /// Normal(0, std²) values from `generator`.
    static func randomNormal(shape: [Int], standardDeviation: Float, generator: inout SeededGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = generator.nextNormal() * standardDeviation }
        return Tensor(shape: shape, values: values)
    }

    /// Uniform(-bound, bound) values from `generator`.
    static func randomUniform(shape: [Int], bound: Float, generator: inout SeededGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = (generator.nextUniform() * 2 - 1) * bound }
        return Tensor(shape: shape, values: values)
    }
}
