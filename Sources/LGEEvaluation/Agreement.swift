/// Agreement between readers: the figures a paper quotes next to a classifier's accuracy.
public enum ReaderAgreement {
    /// Cohen's kappa for two raters' binary classes: (p_o − p_e) / (1 − p_e). nil when empty or
    /// when chance agreement is 1 (both raters always gave the same single class).
    public static func cohenKappa(_ a: [Bool], _ b: [Bool]) -> Double? {
        precondition(a.count == b.count, "kappa needs paired ratings")
        guard !a.isEmpty else { return nil }
        let n = Double(a.count)
        let observed = Double(zip(a, b).filter { $0 == $1 }.count) / n
        let aYes = Double(a.filter { $0 }.count) / n, bYes = Double(b.filter { $0 }.count) / n
        let chance = aYes * bYes + (1 - aYes) * (1 - bYes)
        guard chance < 1 else { return nil }
        return (observed - chance) / (1 - chance)
    }

    /// ICC(2,1) (Shrout & Fleiss 1979; ICC(A,1) in McGraw & Wong 1996): two-way random effects,
    /// absolute agreement, a single rater. `ratings[i][j]` is rater j's score of subject i; every
    /// subject must be rated by the same raters. nil with fewer than 2 subjects or raters or no
    /// variance at all.
    ///
    /// Absolute agreement (not consistency) because a reader who scores every slice 10 VAS points
    /// higher changes which slices fall in the low-certainty band.
    public static func icc21(_ ratings: [[Double]]) -> Double? {
        let n = ratings.count
        guard n >= 2, let k = ratings.first?.count, k >= 2, ratings.allSatisfy({ $0.count == k }) else { return nil }
        let grand = ratings.joined().reduce(0, +) / Double(n * k)
        let rowMeans = ratings.map { $0.reduce(0, +) / Double(k) }
        let columnMeans = (0..<k).map { j in ratings.reduce(0) { $0 + $1[j] } / Double(n) }
        let ssRows = Double(k) * rowMeans.reduce(0) { $0 + ($1 - grand) * ($1 - grand) }
        let ssColumns = Double(n) * columnMeans.reduce(0) { $0 + ($1 - grand) * ($1 - grand) }
        let ssTotal = ratings.joined().reduce(0) { $0 + ($1 - grand) * ($1 - grand) }
        let ssError = ssTotal - ssRows - ssColumns
        let msRows = ssRows / Double(n - 1)
        let msColumns = ssColumns / Double(k - 1)
        let msError = ssError / Double((n - 1) * (k - 1))
        let denominator = msRows + Double(k - 1) * msError + Double(k) * (msColumns - msError) / Double(n)
        guard denominator > 0 else { return nil }
        return (msRows - msError) / denominator
    }
}

/// Percentiles of a sample.
public enum Percentile {
    /// The p-th quantile (0...1) of sorted values by linear interpolation between order
    /// statistics (Hyndman & Fan type 7, R's default). `sorted` must be ascending and non-empty.
    public static func of(sorted values: [Double], _ p: Double) -> Double {
        precondition(!values.isEmpty, "percentile of nothing")
        let position = p * Double(values.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(values.count - 1, lower + 1)
        let fraction = position - Double(lower)
        return values[lower] + (values[upper] - values[lower]) * fraction
    }

    /// Median and 2.5/97.5 percentiles of a Monte Carlo or bootstrap sample.
    public static func interval(_ values: [Double]) -> Estimate {
        let sorted = values.sorted()
        return Estimate(value: of(sorted: sorted, 0.5), lower: of(sorted: sorted, 0.025), upper: of(sorted: sorted, 0.975))
    }
}
