/// How ``ImageFilters/boxBlur(_:rows:columns:radius:precision:)`` accumulates its window sums.
///
/// The two settings give results that differ in the last bits, so each caller keeps the one
/// it was written (and tested) with.
public enum BoxBlurPrecision: Sendable, Hashable {
    /// Running sums in `Float`; the column pass multiplies by the reciprocal window size.
    /// The fastest; what the k-space simulator smooths its PSIR reference with.
    case single
    /// Running sums in `Double`, each mean a division rounded once to `Float`. What body masks
    /// and quality metrics use; sums of 0/1 masks are exact, so a dilation by thresholding the
    /// blur above zero never picks up rounding residue.
    case double
}

/// Filters over row-major `Float` images.
public enum ImageFilters {
    /// The mean over a (2·radius+1)² window, the window clamped at the image edges (near an
    /// edge the mean is over the pixels that exist, not zero-padded).
    ///
    /// Separable and O(1) per pixel whatever the radius: running sums along each row, then
    /// running column sums down the image, so both passes walk memory in order.
    /// - Parameters:
    ///   - values: `rows × columns` values, row-major.
    ///   - radius: half-width of the window; 0 or less returns `values` unchanged.
    ///   - precision: see ``BoxBlurPrecision``.
    public static func boxBlur(
        _ values: [Float], rows: Int, columns: Int, radius: Int, precision: BoxBlurPrecision
    ) -> [Float] {
        precondition(values.count == rows * columns, "\(values.count) values for \(rows) × \(columns)")
        guard radius > 0, !values.isEmpty else { return values }
        switch precision {
        case .single: return runningBoxBlur(values, rows: rows, columns: columns, radius: radius, accumulator: Float.self)
        case .double: return runningBoxBlur(values, rows: rows, columns: columns, radius: radius, accumulator: Double.self)
        }
    }

    private static func runningBoxBlur<Sum: BoxBlurAccumulator>(
        _ values: [Float], rows: Int, columns: Int, radius: Int, accumulator: Sum.Type
    ) -> [Float] {
        var horizontal = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { input in
            horizontal.withUnsafeMutableBufferPointer { output in
                for r in 0..<rows {
                    let line = input.baseAddress! + r * columns, out = output.baseAddress! + r * columns
                    var sum: Sum = 0
                    var low = 0, high = -1
                    for c in 0..<columns {
                        let newHigh = min(columns - 1, c + radius), newLow = max(0, c - radius)
                        while high < newHigh { high += 1; sum += Sum(line[high]) }
                        while low < newLow { sum -= Sum(line[low]); low += 1 }
                        out[c] = Sum.rowMean(sum, count: high - low + 1)
                    }
                }
            }
        }
        var result = [Float](repeating: 0, count: values.count)
        var sums = [Sum](repeating: 0, count: columns)
        horizontal.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { output in
                sums.withUnsafeMutableBufferPointer { sums in
                    var low = 0, high = -1
                    for r in 0..<rows {
                        let newHigh = min(rows - 1, r + radius), newLow = max(0, r - radius)
                        while high < newHigh {
                            high += 1
                            let line = input.baseAddress! + high * columns
                            for c in 0..<columns { sums[c] += Sum(line[c]) }
                        }
                        while low < newLow {
                            let line = input.baseAddress! + low * columns
                            for c in 0..<columns { sums[c] -= Sum(line[c]) }
                            low += 1
                        }
                        let scale = Sum.columnScale(count: high - low + 1)
                        let out = output.baseAddress! + r * columns
                        for c in 0..<columns { out[c] = Sum.columnMean(sums[c], scale: scale) }
                    }
                }
            }
        }
        return result
    }
}

/// The arithmetic that distinguishes the two ``BoxBlurPrecision`` settings.
protocol BoxBlurAccumulator: BinaryFloatingPoint {
    init(_ value: Float)
    /// A row window's mean.
    static func rowMean(_ sum: Self, count: Int) -> Float
    /// What ``columnMean(_:scale:)`` needs for a column window of `count` pixels.
    static func columnScale(count: Int) -> Self
    /// A column window's mean.
    static func columnMean(_ sum: Self, scale: Self) -> Float
}

extension Float: BoxBlurAccumulator {
    @inline(__always) static func rowMean(_ sum: Float, count: Int) -> Float { sum / Float(count) }
    @inline(__always) static func columnScale(count: Int) -> Float { 1 / Float(count) }
    @inline(__always) static func columnMean(_ sum: Float, scale: Float) -> Float { sum * scale }
}

extension Double: BoxBlurAccumulator {
    @inline(__always) static func rowMean(_ sum: Double, count: Int) -> Float { Float(sum / Double(count)) }
    /// The window size itself: the mean is a division, not a multiplication by a reciprocal.
    @inline(__always) static func columnScale(count: Int) -> Double { Double(count) }
    @inline(__always) static func columnMean(_ sum: Double, scale: Double) -> Float { Float(sum / scale) }
}
