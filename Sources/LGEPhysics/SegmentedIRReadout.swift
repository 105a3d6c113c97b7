import Foundation

/// How the simulation brings the magnetisation to its steady state before the recorded shots.
public enum DummyShots: Sendable, Hashable {
    /// Repeat dummy shots at the nominal R-R interval until the longitudinal magnetisation just
    /// before the inversion changes by less than `tolerance` (relative to M0) from one shot to the next.
    case untilConverged(tolerance: Double)
    /// Exactly this many dummy shots, starting from fully relaxed magnetisation.
    case count(Int)
    /// Solve the fixed point of the (affine) shot-to-shot map directly.
    case analytic

    /// The default: iterate to 1e-9.
    public static let converged = DummyShots.untilConverged(tolerance: 1e-9)
}

/// Bloch simulation (longitudinal only, perfect spoiling, perfect inversion) of an ECG-triggered,
/// segmented inversion-recovery FLASH readout, as in BRIEF §4.
///
/// One shot: inversion (Mz → −Mz) → free recovery for `readoutStart` → `linesPerShot` RF pulses of
/// flip α, TR apart, where just before pulse n
/// `M_n = Mss + (M_{n−1} − Mss)·cosα·E1`, `E1 = exp(−TR/T1)`, `Mss = (1 − E1)/(1 − cosα·E1)` →
/// free recovery until the next inversion, which is triggered by the R wave that opens the next shot.
/// Magnetisation is in units of M0; the signal of a line is `protonDensity · M_n · sinα` and keeps
/// its sign (a phase-sensitive signal; take the magnitude for magnitude IR).
public struct SegmentedIRReadout: Sendable, Hashable {
    /// The sequence parameters.
    public let parameters: ReadoutParameters
    /// How steady state is reached before the recorded shots.
    public let dummyShots: DummyShots

    /// Creates a readout simulation.
    public init(parameters: ReadoutParameters, dummyShots: DummyShots = .converged) {
        self.parameters = parameters
        self.dummyShots = dummyShots
    }

    // MARK: Single-shot propagation

    /// Result of playing one shot from just before its inversion.
    private struct ShotResult {
        /// Mz just before each RF pulse (units of M0).
        var lineMz: [Double]
        /// Mz just before the next inversion.
        var nextPreInversionMz: Double
    }

    /// Free longitudinal recovery over `duration` ms.
    @inline(__always)
    private static func recover(_ mz: Double, duration: Double, t1: Double) -> Double {
        1 - (1 - mz) * exp(-duration / t1)
    }

    /// Plays one shot whose inversions are `shotDuration` ms apart; `recordLines` avoids allocation
    /// during dummy shots.
    private func playShot(
        preInversionMz: Double, t1: Double, shotDuration: Double, recordLines: Bool
    ) -> ShotResult {
        let p = parameters
        let alpha = p.flipAngle * .pi / 180
        let cosE1 = cos(alpha) * exp(-p.repetitionTime / t1)
        let e1 = exp(-p.repetitionTime / t1)

        var mz = -preInversionMz
        mz = Self.recover(mz, duration: p.readoutStart, t1: t1)
        var lines: [Double] = []
        if recordLines { lines.reserveCapacity(p.linesPerShot) }
        for _ in 0..<p.linesPerShot {
            if recordLines { lines.append(mz) }
            // Tip, then recover for one TR: Mz ← (1 − E1) + Mz·cosα·E1.
            mz = (1 - e1) + mz * cosE1
        }
        // A beat that comes before the readout has finished cannot retrigger the inversion early:
        // the scanner plays the next inversion straight after the readout.
        let recovery = max(0, shotDuration - p.readoutEnd)
        mz = Self.recover(mz, duration: recovery, t1: t1)
        return ShotResult(lineMz: lines, nextPreInversionMz: mz)
    }

    /// Mz (units of M0) just before the inversion, in the steady state of a regular rhythm at the
    /// nominal heart rate, reached as ``dummyShots`` says.
    public func steadyStatePreInversionMz(t1: Double) -> Double {
        precondition(t1 > 0, "T1 must be positive")
        let shotDuration = parameters.nominalShotDuration
        func next(_ m: Double) -> Double {
            playShot(preInversionMz: m, t1: t1, shotDuration: shotDuration, recordLines: false)
                .nextPreInversionMz
        }
        switch dummyShots {
        case .analytic:
            // The shot map is affine, m' = a·m + b, with |a| < 1: solve m = a·m + b.
            let b = next(0)
            let a = next(1) - b
            return b / (1 - a)
        case .count(let n):
            var m = 1.0
            for _ in 0..<max(0, n) { m = next(m) }
            return m
        case .untilConverged(let tolerance):
            var m = 1.0
            // |a| ≤ cos(α)^N · exp(−recovery/T1) < 1, so this converges geometrically; the cap only
            // guards against pathological input (e.g. T1 = ∞ with α → 0).
            for _ in 0..<100_000 {
                let m2 = next(m)
                if abs(m2 - m) < tolerance { return m2 }
                m = m2
            }
            return m
        }
    }

    // MARK: Signals

    /// Signed line signals of successive shots whose timing follows the given R-R intervals.
    ///
    /// Shot `s` spans beats `s·g … s·g+g−1` (g = gating factor); its inversion is triggered by the R
    /// wave of beat `s·g`, its readout lies inside that beat, and magnetisation recovers through the
    /// rest of its beats until the next shot's inversion. Trailing beats that do not make up a whole
    /// shot are ignored. Before the first recorded shot the sequence runs dummy shots at the nominal
    /// R-R interval to steady state, so a missed or premature beat changes the signals of the *next*
    /// shot: this is how arrhythmia ghosting arises.
    ///
    /// - Parameters:
    ///   - t1: tissue T1, ms.
    ///   - protonDensity: relative proton density (signal scale).
    ///   - rrIntervals: successive R-R intervals, ms.
    /// - Returns: one array per shot, each with `linesPerShot` signed signals in acquisition order
    ///   (`protonDensity · Mz_before_pulse · sinα`).
    public func shotSignals(t1: Double, protonDensity: Double, rrIntervals: [Double]) -> [[Double]] {
        let g = parameters.gatingFactor
        let shotCount = rrIntervals.count / g
        let sinAlpha = sin(parameters.flipAngle * .pi / 180)
        var m = steadyStatePreInversionMz(t1: t1)
        var shots: [[Double]] = []
        shots.reserveCapacity(shotCount)
        for s in 0..<shotCount {
            let shotDuration = rrIntervals[(s * g)..<(s * g + g)].reduce(0, +)
            let result = playShot(
                preInversionMz: m, t1: t1, shotDuration: shotDuration, recordLines: true)
            shots.append(result.lineMz.map { protonDensity * $0 * sinAlpha })
            m = result.nextPreInversionMz
        }
        return shots
    }

    /// Signed line signals of one shot in the steady state of a regular rhythm, in acquisition order.
    public func steadyStateLineSignals(t1: Double, protonDensity: Double) -> [Double] {
        let rr = Array(repeating: parameters.nominalRRInterval, count: parameters.gatingFactor)
        return shotSignals(t1: t1, protonDensity: protonDensity, rrIntervals: rr)[0]
    }

    /// Signed signal of the k-space centre line in steady state: what sets image contrast.
    public func centreLineSignal(t1: Double, protonDensity: Double) -> Double {
        steadyStateLineSignals(t1: t1, protonDensity: protonDensity)[parameters.centreLineIndex]
    }

    // MARK: Null inversion time

    /// The inversion time (ms) at which the steady-state centre-line signal of a tissue with this T1
    /// crosses zero: the TI a technologist picks to null that tissue.
    ///
    /// Found by bisection over ``ReadoutParameters/inversionTimeLimits`` (all other parameters held).
    /// When the tissue is already positive at the shortest playable TI the lower limit is returned;
    /// when it is still negative at the longest, the upper limit.
    ///
    /// Why this is well below `T1·ln2`: `T1·ln2` assumes full relaxation before each inversion and
    /// no readout. Here (1) with inversions only every g beats Mz has not fully recovered, and
    /// (2) the lines of the shot before the centre line each tip the magnetisation, and α-pulse
    /// saturation drives Mz towards the small FLASH steady state `Mss`, which is reached from below
    /// faster than free recovery would cross zero. With linear ordering half the shot (12 of 25
    /// lines, ~100 ms) precedes the centre line; so for 25 lines, TR 8 ms, 25°, gating 2, 60 bpm,
    /// myocardium with T1 450 ms nulls at ≈ 225 ms (BRIEF §4), not 312 ms. With centric ordering
    /// no line precedes the centre and the null lies near 305 ms, close to the simple formula.
    public static func nullInversionTime(t1: Double, parameters: ReadoutParameters) -> Double {
        let limits = parameters.inversionTimeLimits
        func centre(_ ti: Double) -> Double {
            SegmentedIRReadout(parameters: parameters.unchecked(inversionTime: ti), dummyShots: .analytic)
                .centreLineSignal(t1: t1, protonDensity: 1)
        }
        var lo = limits.lowerBound
        var hi = limits.upperBound
        if centre(lo) >= 0 { return lo }
        if centre(hi) <= 0 { return hi }
        // 60 halvings take a bracket of ~1000 ms far below floating-point resolution; stop at 1e-6 ms.
        for _ in 0..<60 where hi - lo > 1e-6 {
            let mid = 0.5 * (lo + hi)
            if centre(mid) < 0 { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    /// The myocardial null inversion time (ms) with this readout at a time after injection.
    public func optimalInversionTime(kinetics: ContrastKinetics, minutesSinceInjection: Double) -> Double {
        Self.nullInversionTime(
            t1: kinetics.t1(.myocardium, minutesSinceInjection: minutesSinceInjection),
            parameters: parameters)
    }
}
