/// Order statistics, moments and thresholds over pixel values, computed in `Double` so sums
/// over a whole image do not lose precision.
public enum ImageStatistics {
    /// The `p`-th percentile (0…100, clamped) by linear interpolation between order statistics
    /// (NumPy's default), of a non-empty sample.
    public static func percentile(_ values: [Float], _ p: Double) -> Double {
        percentiles(values, [p])[0]
    }

    /// Several percentiles (see ``percentile(_:_:)``) from one sort.
    public static func percentiles(_ values: [Float], _ ps: [Double]) -> [Double] {
        precondition(!values.isEmpty, "percentile of an empty sample")
        let sorted = values.sorted()
        return ps.map { p in
            let position = min(max(p, 0), 100) / 100 * Double(sorted.count - 1)
            let low = Int(position.rounded(.down))
            let high = min(low + 1, sorted.count - 1)
            let fraction = position - Double(low)
            return Double(sorted[low]) + (Double(sorted[high]) - Double(sorted[low])) * fraction
        }
    }

    /// The arithmetic mean; 0 for an empty sample.
    public static func mean(_ values: [Float]) -> Double {
        values.isEmpty ? 0 : values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    }

    /// The mean of the squares (power); 0 for an empty sample.
    public static func meanSquare(_ values: [Float]) -> Double {
        values.isEmpty ? 0 : values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(values.count)
    }

    /// The sample standard deviation (n − 1 in the denominator); 0 for fewer than two values.
    public static func standardDeviation(_ values: [Float]) -> Double {
        guard values.count > 1 else { return 0 }
        let m = mean(values)
        let sum = values.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) }
        return (sum / Double(values.count - 1)).squareRoot()
    }

    /// Otsu's threshold: the cut that maximises the between-class variance of a 256-bin
    /// histogram over `range`. Values outside the range fall into the end bins. The result is
    /// the upper edge of the last bin of the lower class, so `value > threshold` is the upper
    /// class; an empty range returns its bound.
    public static func otsuThreshold(_ values: [Float], range: ClosedRange<Double>) -> Double {
        let bins = 256
        let width = (range.upperBound - range.lowerBound) / Double(bins)
        guard width > 0 else { return range.lowerBound }
        var histogram = [Double](repeating: 0, count: bins)
        for v in values {
            let bin = Int(((Double(v) - range.lowerBound) / width).rounded(.down))
            histogram[min(max(bin, 0), bins - 1)] += 1
        }
        let total = Double(values.count)
        let weightedTotal = histogram.indices.reduce(0.0) { $0 + Double($1) * histogram[$1] }
        var (below, weightedBelow) = (0.0, 0.0)
        var best = (variance: -1.0, bin: 0)
        for bin in 0..<(bins - 1) {
            below += histogram[bin]
            weightedBelow += Double(bin) * histogram[bin]
            let above = total - below
            guard below > 0, above > 0 else { continue }
            let meanBelow = weightedBelow / below
            let meanAbove = (weightedTotal - weightedBelow) / above
            let variance = below * above * (meanBelow - meanAbove) * (meanBelow - meanAbove)
            if variance > best.variance { best = (variance, bin) }
        }
        return range.lowerBound + Double(best.bin + 1) * width
    }
}
