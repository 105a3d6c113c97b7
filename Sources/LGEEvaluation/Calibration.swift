/// How well probabilities match frequencies.
public struct CalibrationReport: Sendable, Hashable, Codable {
    /// One reliability-diagram bin.
    public struct Bin: Sendable, Hashable, Codable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        public var meanProbability: Double?
        public var observedFrequency: Double?
    }

    public var bins: [Bin]
    /// Expected calibration error: Σ (n_b / N) |observed_b − predicted_b| over equal-width bins.
    public var expectedCalibrationError: Double

    public init(cases: [ScoredCase], binCount: Int = 10) {
        var sums = [(count: Int, probability: Double, positives: Int)](repeating: (0, 0, 0), count: binCount)
        for c in cases {
            let bin = min(binCount - 1, max(0, Int(c.probability * Double(binCount))))
            sums[bin].count += 1
            sums[bin].probability += c.probability
            if c.truth { sums[bin].positives += 1 }
        }
        var ece = 0.0
        bins = sums.enumerated().map { index, s in
            let mean = s.count > 0 ? s.probability / Double(s.count) : nil
            let observed = s.count > 0 ? Double(s.positives) / Double(s.count) : nil
            if let mean, let observed, !cases.isEmpty { ece += Double(s.count) / Double(cases.count) * abs(observed - mean) }
            return Bin(lower: Double(index) / Double(binCount), upper: Double(index + 1) / Double(binCount), count: s.count, meanProbability: mean, observedFrequency: observed)
        }
        expectedCalibrationError = ece
    }
}
