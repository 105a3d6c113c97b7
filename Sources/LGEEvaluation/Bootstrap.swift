import Foundation
import LGERandom

/// A point estimate with a 95% interval.
public struct Estimate: Sendable, Hashable, Codable, CustomStringConvertible {
    public var value: Double
    public var lower: Double
    public var upper: Double

    public init(value: Double, lower: Double, upper: Double) {
        self.value = value
        self.lower = lower
        self.upper = upper
    }

    public var description: String {
        String(format: "%.3f (95%% CI %.3f–%.3f)", value, lower, upper)
    }
}

/// Percentile intervals by resampling patients with replacement (a cluster bootstrap): slices
/// of one patient are not independent, so resampling slices would make intervals too narrow.
public struct PatientBootstrap: Sendable {
    public var replicates: Int
    public var seed: UInt64

    public init(replicates: Int = 2000, seed: UInt64 = 1) {
        self.replicates = replicates
        self.seed = seed
    }

    /// The statistic on all cases, with its 2.5th and 97.5th bootstrap percentiles; nil when
    /// the statistic is undefined on the full data. Replicates where it is undefined are skipped.
    public func estimate(_ cases: [ScoredCase], statistic: ([ScoredCase]) -> Double?) -> Estimate? {
        guard let value = statistic(cases) else { return nil }
        var values: [Double] = []
        values.reserveCapacity(replicates)
        forEachReplicate(of: cases, patient: \.patient) { sample in
            if let v = statistic(sample) { values.append(v) }
        }
        guard !values.isEmpty else { return Estimate(value: value, lower: value, upper: value) }
        values.sort()
        return Estimate(value: value, lower: Self.percentile(0.025, ofSorted: values), upper: Self.percentile(0.975, ofSorted: values))
    }

    /// Calls `body` with each replicate: as many patients as there are, drawn with replacement,
    /// each bringing all of their cases. The same seed draws the same patients whatever the cases are.
    func forEachReplicate<Case>(of cases: [Case], patient: (Case) -> String, _ body: ([Case]) -> Void) {
        let byPatient = Dictionary(grouping: cases, by: patient)
        let patients = byPatient.keys.sorted()
        guard !patients.isEmpty else { return }
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<replicates {
            var sample: [Case] = []
            sample.reserveCapacity(cases.count)
            for _ in patients.indices {
                sample += byPatient[patients[Int(generator.next() % UInt64(patients.count))]]!
            }
            body(sample)
        }
    }

    /// The `p` quantile of sorted values (the lower of the two nearest ranks).
    static func percentile(_ p: Double, ofSorted values: [Double]) -> Double {
        values[min(values.count - 1, Int(p * Double(values.count - 1)))]
    }
}
