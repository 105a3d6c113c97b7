import Foundation

/// A point estimate with a 95% interval.
public struct Estimate: Sendable, Hashable, Codable, CustomStringConvertible {
    public var value: Double
    public var lower: Double
    public var upper: Double

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
        var generator = Xoshiro(seed: seed)
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

/// xoshiro256**, seeded by SplitMix64.
struct Xoshiro: RandomNumberGenerator {
    var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func split() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (split(), split(), split(), split())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }
}
