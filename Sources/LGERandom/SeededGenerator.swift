/// A small, fast, seedable generator (xoshiro256**), so a seed reproduces a session bit for
/// bit on every platform. Not for cryptography.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // SplitMix64 spreads any seed (0 included) over the whole state.
        var x = seed
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    /// A generator for a named part of a simulation, independent of how much randomness the
    /// other parts drew: adding a slice never changes the noise of the ones before it.
    public init(seed: UInt64, stream: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in stream.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        self.init(seed: seed ^ hash)
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.state.0 == rhs.state.0 && lhs.state.1 == rhs.state.1 && lhs.state.2 == rhs.state.2 && lhs.state.3 == rhs.state.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(state.0)
        hasher.combine(state.1)
        hasher.combine(state.2)
        hasher.combine(state.3)
    }

    /// A standard normal deviate (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(Double(next() >> 11) * 0x1.0p-53, .leastNonzeroMagnitude)
        let u2 = Double(next() >> 11) * 0x1.0p-53
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Two independent standard normal deviates in single precision, for filling noise images
    /// quickly: each comes from 32 random bits through a table of normal quantiles with linear
    /// interpolation (tails end at ±3.7σ, which changes the variance by under 0.5%).
    @inlinable public mutating func gaussianPair() -> (Float, Float) {
        let bits = next()
        return (NormalQuantiles.deviate(UInt32(truncatingIfNeeded: bits)), NormalQuantiles.deviate(UInt32(truncatingIfNeeded: bits >> 32)))
    }

    /// Fills `deviates` with what successive ``gaussianPair()`` calls would give (first, second,
    /// first, second, …), without a call per pair: for noise images.
    ///
    /// The 64-bit draws come first, in blocks (the generator is serial), and are then turned
    /// into deviates by a loop with no dependence between iterations.
    public mutating func fillGaussianPairs(_ deviates: UnsafeMutableBufferPointer<Float>) {
        let block = 64
        let entries = NormalQuantiles.interleaved.entries
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: block) { bits in
            let bits = bits.baseAddress!
            var i = 0
            while i + 1 < deviates.count {
                let pairs = min(block, (deviates.count - i) / 2)
                for p in 0..<pairs { bits[p] = next() }
                let out = deviates.baseAddress! + i
                for p in 0..<pairs {
                    out[2 * p] = NormalQuantiles.deviate(UInt32(truncatingIfNeeded: bits[p]), entries: entries)
                    out[2 * p + 1] = NormalQuantiles.deviate(UInt32(truncatingIfNeeded: bits[p] >> 32), entries: entries)
                }
                i += 2 * pairs
            }
            if i < deviates.count { deviates[i] = NormalQuantiles.deviate(UInt32(truncatingIfNeeded: next())) }
        }
    }

    /// Uniform in [0, 1), from the top 24 bits so every value is exactly representable.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal in single precision (Box–Muller computed in Double, so it does not
    /// depend on Float `log`/`cos` rounding paths).
    public mutating func nextNormal() -> Float {
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_993.0)  // (0, 1]
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A seed for an independent stream `stream` of `seed` (e.g. one per network layer).
    public static func derivedSeed(_ seed: UInt64, stream: UInt64) -> UInt64 {
        var g = SeededGenerator(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return g.next()
    }

    /// A uniform deviate in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + Double(next() >> 11) * 0x1.0p-53 * (range.upperBound - range.lowerBound)
    }
}

import Foundation

/// Standard normal quantiles at evenly spaced probabilities, for table-driven deviates.
public enum NormalQuantiles {
    @usableFromInline static let count = 4096
    @usableFromInline static let table: [Float] = (0...count).map { i in
        Float(inverseNormalCDF((Double(i) + 0.5) / Double(count + 1)))
    }

    /// The table's values and the slopes to the next entry, side by side, so interpolating is
    /// one multiply-add on one cache line. Held by a class so the hot path reads a pointer.
    @usableFromInline static let interleaved = InterpolationTable(values: table)

    /// The deviate for 32 uniform bits: the top 12 bits pick the table interval (count = 2¹²),
    /// the low 20 the exact position within it (integer arithmetic, no rounding of the bits).
    @inlinable @inline(__always) static func deviate(_ bits: UInt32) -> Float {
        deviate(bits, entries: interleaved.entries)
    }

    /// ``deviate(_:)`` with the table's pointer read once by the caller.
    @inlinable @inline(__always) static func deviate(_ bits: UInt32, entries: UnsafeMutablePointer<Float>) -> Float {
        let index = Int(bits >> 20)
        let fraction = Float(Int32(bitPattern: bits & 0xF_FFFF)) * 0x1p-20
        let entry = entries + 2 * index
        return entry[0] + entry[1] * fraction
    }

    /// Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9).
    static func inverseNormalCDF(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low { return -inverseNormalCDF(1 - p) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}

/// A piecewise-linear lookup table kept in one allocation for the life of the process:
/// (value, slope to the next value) per interval, read through a pointer.
@usableFromInline final class InterpolationTable: @unchecked Sendable {
    @usableFromInline let entries: UnsafeMutablePointer<Float>

    /// `values` has one more entry than there are intervals.
    init(values: [Float]) {
        let intervals = max(values.count - 1, 0)
        entries = .allocate(capacity: max(2 * intervals, 1))
        for i in 0..<intervals { (entries[2 * i], entries[2 * i + 1]) = (values[i], values[i + 1] - values[i]) }
    }

    deinit { entries.deallocate() }
}
