/// Conveniences on `Tensor` used throughout the engine. Kept out of `Tensor.swift`, whose API is shared.
extension Tensor {
    /// A tensor filled with one value.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, values: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor whose values are written by `body` into uninitialized storage of the right size.
    /// `body` must write every element: this skips the zero fill that dominates small layers.
    @inlinable
    init(uninitializedShape shape: [Int], _ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(buffer)
            initialized = count
        }
        self.init(shape: shape, values: values)
    }

    /// Rank (number of dimensions).
    public var rank: Int { shape.count }

    /// Sets every element to `value`.
    public mutating func fill(_ value: Float) {
        values.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: value)
        }
    }

    /// The same values under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, values: values)
    }

    /// Adds `other` element-wise in place; shapes must hold the same number of elements.
    public mutating func add(_ other: Tensor) {
        precondition(count == other.count, "cannot add \(other.shape) to \(shape)")
        values.withUnsafeMutableBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }

    /// Element-wise sum: the residual add. Its backward passes the gradient unchanged to both terms.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        var result = lhs
        result.add(rhs)
        return result
    }

    /// Sum of squares, accumulated in Double.
    public var squaredNorm: Double {
        values.withUnsafeBufferPointer { b in
            var sum = 0.0
            for v in b { sum += Double(v) * Double(v) }
            return sum
        }
    }

    /// Dimensions of an NCHW tensor.
    @usableFromInline
    var nchw: (n: Int, c: Int, h: Int, w: Int) {
        precondition(shape.count == 4, "expected an NCHW tensor, got shape \(shape)")
        return (shape[0], shape[1], shape[2], shape[3])
    }
}
