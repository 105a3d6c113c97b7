/// Order in which the lines of one shot traverse the phase-encode axis.
public enum KSpaceOrdering: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each shot sweeps its segment from one edge to the other; the k-space centre line is the
    /// middle line of the shot (index `linesPerShot / 2`).
    case linear
    /// Each shot starts at the k-space centre; the centre line is the first line of the shot.
    case centric
}

/// Why a set of readout parameters cannot be played out.
public enum ReadoutParameterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Heart rate outside 20–250 bpm, or not finite.
    case heartRateOutOfRange(Double)
    /// Gating factor other than 1, 2 or 3 heartbeats per inversion.
    case invalidGatingFactor(Int)
    /// Fewer than one line per shot.
    case invalidLinesPerShot(Int)
    /// Repetition time not positive or not finite.
    case invalidRepetitionTime(Double)
    /// Flip angle outside (0°, 90°].
    case invalidFlipAngle(Double)
    /// Inversion time not positive or not finite.
    case invalidInversionTime(Double)
    /// The FLASH readout of one shot lasts longer than one R-R interval.
    case readoutLongerThanRRInterval(readout: Double, rrInterval: Double)
    /// The inversion time is so short that the lines before the centre line would be acquired
    /// before the inversion pulse.
    case readoutStartsBeforeInversion(inversionTime: Double, minimumInversionTime: Double)
    /// The inversion time is so long that the readout would run past the next R wave.
    case readoutEndsAfterNextRWave(inversionTime: Double, maximumInversionTime: Double, rrInterval: Double)

    public var description: String {
        switch self {
        case .heartRateOutOfRange(let bpm):
            "heart rate \(bpm) bpm is outside the simulated range 20–250 bpm"
        case .invalidGatingFactor(let g):
            "gating factor \(g) is not 1, 2 or 3 heartbeats per inversion"
        case .invalidLinesPerShot(let n):
            "\(n) lines per shot: a shot needs at least one line"
        case .invalidRepetitionTime(let tr):
            "repetition time \(tr) ms must be positive and finite"
        case .invalidFlipAngle(let alpha):
            "flip angle \(alpha)° must lie in (0°, 90°]"
        case .invalidInversionTime(let ti):
            "inversion time \(ti) ms must be positive and finite"
        case .readoutLongerThanRRInterval(let readout, let rr):
            "readout of \(fmt(readout)) ms is longer than the R-R interval of \(fmt(rr)) ms: use fewer lines per shot or a shorter TR"
        case .readoutStartsBeforeInversion(let ti, let minimum):
            "inversion time \(fmt(ti)) ms is too short: the readout would start before the inversion pulse (minimum \(fmt(minimum)) ms for this ordering)"
        case .readoutEndsAfterNextRWave(let ti, let maximum, let rr):
            "inversion time \(fmt(ti)) ms is too long: the readout would run past the next R wave (R-R \(fmt(rr)) ms, maximum TI \(fmt(maximum)) ms)"
        }
    }
}

private func fmt(_ x: Double) -> String {
    let rounded = (x * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}

/// Timing and RF parameters of an ECG-triggered, segmented inversion-recovery FLASH (turbo-FLASH) LGE
/// readout.
///
/// Timing convention: the inversion pulse is triggered off the R wave of the first beat of each shot;
/// the k-space centre line is acquired `inversionTime` after the inversion; the other lines of the
/// shot follow at intervals of `repetitionTime` around it (``KSpaceOrdering``). The whole readout
/// must fit inside that first beat; magnetisation then recovers through the remaining
/// `gatingFactor − 1` beats until the next inversion.
public struct ReadoutParameters: Sendable, Hashable {
    /// Heart rate in beats per minute; sets the nominal R-R interval.
    public let heartRate: Double
    /// Heartbeats per inversion (1, 2 or 3).
    public let gatingFactor: Int
    /// k-space lines acquired per shot (segments).
    public let linesPerShot: Int
    /// FLASH repetition time in ms.
    public let repetitionTime: Double
    /// FLASH flip angle in degrees.
    public let flipAngle: Double
    /// Time from the inversion pulse to the acquisition of the k-space centre line, ms.
    public let inversionTime: Double
    /// Line ordering within a shot.
    public let ordering: KSpaceOrdering

    /// Creates validated readout parameters.
    /// - Throws: ``ReadoutParameterError`` when the combination cannot be played out.
    public init(
        heartRate: Double,
        gatingFactor: Int,
        linesPerShot: Int,
        repetitionTime: Double,
        flipAngle: Double,
        inversionTime: Double,
        ordering: KSpaceOrdering
    ) throws(ReadoutParameterError) {
        guard heartRate.isFinite, (20...250).contains(heartRate) else {
            throw .heartRateOutOfRange(heartRate)
        }
        guard (1...3).contains(gatingFactor) else { throw .invalidGatingFactor(gatingFactor) }
        guard linesPerShot >= 1 else { throw .invalidLinesPerShot(linesPerShot) }
        guard repetitionTime.isFinite, repetitionTime > 0 else {
            throw .invalidRepetitionTime(repetitionTime)
        }
        guard flipAngle.isFinite, flipAngle > 0, flipAngle <= 90 else {
            throw .invalidFlipAngle(flipAngle)
        }
        guard inversionTime.isFinite, inversionTime > 0 else {
            throw .invalidInversionTime(inversionTime)
        }
        self.init(
            unchecked: heartRate, gatingFactor: gatingFactor, linesPerShot: linesPerShot,
            repetitionTime: repetitionTime, flipAngle: flipAngle, inversionTime: inversionTime,
            ordering: ordering)
        guard readoutDuration <= nominalRRInterval else {
            throw .readoutLongerThanRRInterval(readout: readoutDuration, rrInterval: nominalRRInterval)
        }
        let range = inversionTimeLimits
        guard inversionTime >= range.lowerBound else {
            throw .readoutStartsBeforeInversion(
                inversionTime: inversionTime, minimumInversionTime: range.lowerBound)
        }
        guard inversionTime <= range.upperBound else {
            throw .readoutEndsAfterNextRWave(
                inversionTime: inversionTime, maximumInversionTime: range.upperBound,
                rrInterval: nominalRRInterval)
        }
    }

    /// The inversion times a readout with these settings can play, ms: what a scanner offers
    /// on its TI slider, and clamps a requested TI to (``inversionTimeLimits``).
    public static func playableInversionTimes(
        heartRate: Double, linesPerShot: Int, repetitionTime: Double, ordering: KSpaceOrdering
    ) -> ClosedRange<Double> {
        ReadoutParameters(
            unchecked: heartRate, gatingFactor: 1, linesPerShot: linesPerShot, repetitionTime: repetitionTime,
            flipAngle: 20, inversionTime: 0, ordering: ordering
        ).inversionTimeLimits
    }

    /// Memberwise initialiser without validation, for sweeps that stay inside known limits.
    init(
        unchecked heartRate: Double, gatingFactor: Int, linesPerShot: Int, repetitionTime: Double,
        flipAngle: Double, inversionTime: Double, ordering: KSpaceOrdering
    ) {
        self.heartRate = heartRate
        self.gatingFactor = gatingFactor
        self.linesPerShot = linesPerShot
        self.repetitionTime = repetitionTime
        self.flipAngle = flipAngle
        self.inversionTime = inversionTime
        self.ordering = ordering
    }

    /// The same parameters with another inversion time (validated).
    public func with(inversionTime: Double) throws(ReadoutParameterError) -> ReadoutParameters {
        try ReadoutParameters(
            heartRate: heartRate, gatingFactor: gatingFactor, linesPerShot: linesPerShot,
            repetitionTime: repetitionTime, flipAngle: flipAngle, inversionTime: inversionTime,
            ordering: ordering)
    }

    /// Same parameters with another inversion time, unvalidated (callers stay inside the limits).
    func unchecked(inversionTime: Double) -> ReadoutParameters {
        ReadoutParameters(
            unchecked: heartRate, gatingFactor: gatingFactor, linesPerShot: linesPerShot,
            repetitionTime: repetitionTime, flipAngle: flipAngle, inversionTime: inversionTime,
            ordering: ordering)
    }

    /// Nominal R-R interval, ms (60 000 / heart rate).
    public var nominalRRInterval: Double { 60_000 / heartRate }

    /// Index, in acquisition order within a shot, of the k-space centre line.
    public var centreLineIndex: Int {
        switch ordering {
        case .linear: linesPerShot / 2
        case .centric: 0
        }
    }

    /// Duration of one shot's readout, ms (`linesPerShot · repetitionTime`).
    public var readoutDuration: Double { Double(linesPerShot) * repetitionTime }

    /// Time from the inversion pulse to the first RF pulse of the readout, ms.
    public var readoutStart: Double { inversionTime - Double(centreLineIndex) * repetitionTime }

    /// Time from the inversion pulse to the end of the readout (one TR after the last RF pulse), ms.
    public var readoutEnd: Double { readoutStart + readoutDuration }

    /// Nominal time between inversions, ms (`gatingFactor` R-R intervals).
    public var nominalShotDuration: Double { Double(gatingFactor) * nominalRRInterval }

    /// Inversion times this readout can play at the nominal heart rate, ms.
    ///
    /// Lower bound: the first line may not precede the inversion (and TI itself must be positive).
    /// Upper bound: with the inversion triggered at the R wave, the last line must be acquired before
    /// the next R wave.
    public var inversionTimeLimits: ClosedRange<Double> {
        let lower = max(Double(centreLineIndex) * repetitionTime, 1)
        let upper = nominalRRInterval - Double(linesPerShot - centreLineIndex) * repetitionTime
        return lower...max(lower, upper)
    }

    /// Typical SCMR 2020 / Jenista 2023 protocol for a field strength, with the heart at 65 bpm.
    ///
    /// Both fields: 25 lines per shot, inversion every 2nd beat, linear ordering.
    /// - 1.5 T: TR 8 ms (readout 200 ms, the diastolic limit), flip 25°, TI 245 ms.
    /// - 3 T: TR 6 ms — the higher SNR affords a wider receiver bandwidth, and the shorter 150 ms
    ///   readout limits cardiac-motion blur — flip 20° (SAR and B1 inhomogeneity), TI 335 ms.
    ///
    /// The TIs are the myocardial nulls of the default ``ContrastKinetics`` 15 minutes after
    /// 0.15 mmol/kg; a real examination starts from a TI scout.
    public static func typical(for field: FieldStrength) -> ReadoutParameters {
        switch field {
        case .t1_5:
            ReadoutParameters(
                unchecked: 65, gatingFactor: 2, linesPerShot: 25, repetitionTime: 8,
                flipAngle: 25, inversionTime: 245, ordering: .linear)
        case .t3:
            ReadoutParameters(
                unchecked: 65, gatingFactor: 2, linesPerShot: 25, repetitionTime: 6,
                flipAngle: 20, inversionTime: 335, ordering: .linear)
        }
    }
}

extension ReadoutParameters: Codable {
    private enum CodingKeys: String, CodingKey {
        case heartRate, gatingFactor, linesPerShot, repetitionTime, flipAngle, inversionTime, ordering
    }

    /// Decodes and validates: a stored protocol that cannot be played out fails to decode.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            heartRate: c.decode(Double.self, forKey: .heartRate),
            gatingFactor: c.decode(Int.self, forKey: .gatingFactor),
            linesPerShot: c.decode(Int.self, forKey: .linesPerShot),
            repetitionTime: c.decode(Double.self, forKey: .repetitionTime),
            flipAngle: c.decode(Double.self, forKey: .flipAngle),
            inversionTime: c.decode(Double.self, forKey: .inversionTime),
            ordering: c.decode(KSpaceOrdering.self, forKey: .ordering))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(heartRate, forKey: .heartRate)
        try c.encode(gatingFactor, forKey: .gatingFactor)
        try c.encode(linesPerShot, forKey: .linesPerShot)
        try c.encode(repetitionTime, forKey: .repetitionTime)
        try c.encode(flipAngle, forKey: .flipAngle)
        try c.encode(inversionTime, forKey: .inversionTime)
        try c.encode(ordering, forKey: .ordering)
    }
}
