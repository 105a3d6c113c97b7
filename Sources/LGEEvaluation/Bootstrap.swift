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
        var byPatient: [String: [ScoredCase]] = [:]
        for c in cases { byPatient[c.patient, default: []].append(c) }
        let patients = byPatient.keys.sorted()
        var generator = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(replicates)
        for _ in 0..<replicates {
            var sample: [ScoredCase] = []
            sample.reserveCapacity(cases.count)
            for _ in patients.indices {
                sample += byPatient[patients[Int(generator.next() % UInt64(patients.count))]]!
            }
            if let v = statistic(sample) { values.append(v) }
        }
        guard !values.isEmpty else { return Estimate(value: value, lower: value, upper: value) }
        values.sort()
        func percentile(_ p: Double) -> Double { values[min(values.count - 1, Int(p * Double(values.count - 1)))] }
        return Estimate(value: value, lower: percentile(0.025), upper: percentile(0.975))
    }
}
