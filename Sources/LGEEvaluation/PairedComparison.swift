/// One case scored by two models: the same slice, the same truth, two probabilities.
public struct PairedCase: Sendable, Hashable, Codable {
    public var truth: Bool
    public var patient: String
    /// The first model's probability.
    public var first: Double
    /// The second model's probability.
    public var second: Double

    public init(truth: Bool, patient: String, first: Double, second: Double) {
        self.truth = truth
        self.patient = patient
        self.first = first
        self.second = second
    }
}

/// A statistic of two models on the same cases, and the difference first − second with a
/// paired interval.
public struct PairedDifference: Sendable, Hashable, Codable {
    public var first: Double
    public var second: Double
    /// first − second, with the 2.5th and 97.5th percentiles over the replicates.
    public var difference: Estimate
    /// Share of replicates in which the first model was not better (difference ≤ 0): a
    /// bootstrap one-sided p-value for "the first is better", not a test to stop at.
    public var shareNotBetter: Double
}

extension PatientBootstrap {
    /// `statistic` of both models and their difference, resampling patients with both models'
    /// scores kept together. Pairing matters: two models scored on the same slices share every
    /// hard slice, so their difference varies far less than either figure does, and comparing two
    /// separate intervals would hide real differences. nil when the statistic is undefined on the
    /// full data; replicates where it is undefined for either model are skipped.
    public func difference(_ cases: [PairedCase], statistic: ([ScoredCase]) -> Double?) -> PairedDifference? {
        func scored(_ cases: [PairedCase]) -> (first: [ScoredCase], second: [ScoredCase]) {
            (cases.map { ScoredCase(truth: $0.truth, probability: $0.first, patient: $0.patient) },
             cases.map { ScoredCase(truth: $0.truth, probability: $0.second, patient: $0.patient) })
        }
        let all = scored(cases)
        guard let first = statistic(all.first), let second = statistic(all.second) else { return nil }
        var differences: [Double] = []
        differences.reserveCapacity(replicates)
        forEachReplicate(of: cases, patient: \.patient) { sample in
            let resampled = scored(sample)
            if let a = statistic(resampled.first), let b = statistic(resampled.second) { differences.append(a - b) }
        }
        let observed = first - second
        guard !differences.isEmpty else {
            return PairedDifference(
                first: first, second: second, difference: Estimate(value: observed, lower: observed, upper: observed),
                shareNotBetter: observed > 0 ? 0 : 1)
        }
        differences.sort()
        return PairedDifference(
            first: first, second: second,
            difference: Estimate(
                value: observed, lower: Self.percentile(0.025, ofSorted: differences), upper: Self.percentile(0.975, ofSorted: differences)),
            shareNotBetter: Double(differences.filter { $0 <= 0 }.count) / Double(differences.count))
    }
}
