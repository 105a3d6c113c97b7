import LGERandom
import Foundation
import LGEDICOM
import LGEImageAnalysis
import LGEPhantom
import LGEPhysics

/// How the phase-encode lines of a segmented acquisition are shared out over its shots.
public enum SegmentOrdering: String, Sendable, Codable, Hashable, CaseIterable {
    /// Shot s acquires lines s, s+S, s+2S, … (S shots): every shot sweeps k-space coarsely,
    /// so shot-to-shot changes (breathing, an irregular beat) become discrete ghosts along
    /// the phase-encode axis.
    case interleaved
    /// Shot s acquires one contiguous block of lines: shot-to-shot changes smear instead.
    case linear
}

/// Breathing during what should have been a breath-hold.
public struct RespiratoryMotion: Sendable, Codable, Hashable {
    /// Peak-to-peak excursion of the heart along the patient's head–foot axis, mm.
    public var amplitude: Double
    /// Breathing period, seconds.
    public var period: Double
    /// Breathing phase at the start of the acquisition, radians.
    public var phase: Double

    public init(amplitude: Double, period: Double = 4, phase: Double = 0) {
        self.amplitude = amplitude
        self.period = period
        self.phase = phase
    }

    /// Head–foot displacement at time `t` seconds into the acquisition, mm (0 at end expiration).
    public func displacement(at t: Double) -> Double {
        amplitude / 2 * (1 - cos(2 * .pi * t / period + phase))
    }
}

/// The heartbeats of one acquisition: regular, or with missed and premature beats.
public struct HeartRhythm: Sendable, Codable, Hashable {
    /// Beats (0-based within the acquisition) whose R wave was missed: the trigger waits for the
    /// next one, so that R-R interval doubles and the magnetisation recovers further.
    public var missedBeats: [Int]
    /// Beats that came early (an ectopic beat): the R-R interval shrinks to 60%.
    public var prematureBeats: [Int]

    public init(missedBeats: [Int] = [], prematureBeats: [Int] = []) {
        self.missedBeats = missedBeats
        self.prematureBeats = prematureBeats
    }

    public static let regular = HeartRhythm()

    public var isRegular: Bool { missedBeats.isEmpty && prematureBeats.isEmpty }

    /// R-R intervals (ms) for `count` beats at a nominal interval.
    public func rrIntervals(count: Int, nominal: Double) -> [Double] {
        (0..<count).map { beat in
            if missedBeats.contains(beat) { return 2 * nominal }
            if prematureBeats.contains(beat) { return 0.6 * nominal }
            return nominal
        }
    }
}

/// Everything that moves or changes between k-space lines.
public struct MotionConditions: Sendable, Codable, Hashable {
    public var respiratory: RespiratoryMotion?
    public var rhythm: HeartRhythm
    /// How far the heart moves during one shot's readout window, mm (a trigger delay that
    /// reaches into systole, or a long readout): blurs the heart, not the chest wall.
    public var cardiacBlur: Double

    public init(respiratory: RespiratoryMotion? = nil, rhythm: HeartRhythm = .regular, cardiacBlur: Double = 0) {
        self.respiratory = respiratory
        self.rhythm = rhythm
        self.cardiacBlur = cardiacBlur
    }

    public static let still = MotionConditions()

    public var isStill: Bool { respiratory == nil && rhythm.isRegular && cardiacBlur == 0 }
}

/// What the scanner is asked to acquire for one slice.
public struct AcquisitionSettings: Sendable, Codable, Hashable {
    /// The full field of view and matrix, before any phase-FOV reduction.
    public var plane: SliceGeometry
    public var phaseEncodeDirection: PhaseEncodeDirection
    /// Phase field of view as a fraction of the readout field of view (0.5–1): fewer lines,
    /// a shorter breath-hold, and anatomy outside it wraps around.
    public var phaseFieldOfView: Double
    public var readout: ReadoutParameters
    public var segmentOrdering: SegmentOrdering
    /// Signal-to-noise ratio of the LV blood pool in the magnitude image (BRIEF §4: infarct
    /// SNR 19–26 at 1.5 T, 30–47 at 3 T; blood is close to infarct).
    public var bloodSNR: Double

    public init(
        plane: SliceGeometry, phaseEncodeDirection: PhaseEncodeDirection, phaseFieldOfView: Double = 1,
        readout: ReadoutParameters, segmentOrdering: SegmentOrdering = .interleaved, bloodSNR: Double = 25
    ) {
        self.plane = plane
        self.phaseEncodeDirection = phaseEncodeDirection
        self.phaseFieldOfView = phaseFieldOfView
        self.readout = readout
        self.segmentOrdering = segmentOrdering
        self.bloodSNR = bloodSNR
    }
}

/// One acquired slice: the same raw data reconstructed as magnitude IR and as PSIR.
public struct AcquiredImages: Sendable {
    /// The reconstructed grid (the phase-encode dimension shrinks with the phase FOV).
    public var geometry: SliceGeometry
    /// |signal|: Rician noise, folds at the null.
    public var magnitude: [Float]
    /// Phase-sensitive: Re(I·conj(R̂))/|R̂|, signed, Gaussian noise.
    public var psir: [Float]
    /// Standard deviation of the noise per real channel, in image units.
    public var noiseSigma: Float
    /// |image with motion − image without|, noise-free, in image units; nil when nothing moved.
    public var artifact: [Float]?
    /// Number of shots (heartbeat groups) and the acquisition's duration.
    public var shots: Int
    public var duration: Double
}

/// Renders MR images from tissue maps through k-space, with the segmented inversion-recovery
/// signal of every tissue assigned line by line, so TI errors, ghosts and blur arise from the
/// physics rather than being painted on.
public struct KSpaceSimulator: Sendable {
    /// Output units per unit of signal (proton density × Mz × sin α).
    public static let gain: Float = 4000
    /// Tissues that move with the heart (cardiac blur).
    static let cardiacTissues: Set<Tissue> = [.myocardium, .scar, .borderZone, .mvo, .blood, .fat]
    /// Tissues that move with the diaphragm but not with the heartbeat.
    static let breathingTissues: Set<Tissue> = [.liver, .lung]

    let transforms = FourierTransformCache()

    public init() {}

    /// Acquires one slice.
    /// - Parameters:
    ///   - fractions: per-tissue partial-volume fractions on `settings.plane`, row-major.
    ///   - t1: T1 (ms) of each tissue at the moment of acquisition.
    ///   - seed: noise and background-phase seed for this slice.
    public func acquire(
        fractions: TissueFractions, t1: [Tissue: Double], settings: AcquisitionSettings,
        motion: MotionConditions, seed: UInt64
    ) throws -> AcquiredImages {
        let plane = settings.plane
        let peAlongColumns = settings.phaseEncodeDirection == .column
        let fullLines = peAlongColumns ? plane.rows : plane.columns
        var lines = Int((settings.phaseFieldOfView * Double(fullLines) / 2).rounded()) * 2
        lines = min(max(lines, 2), fullLines)
        let fold = FoldGeometry(plane: plane, peAlongColumns: peAlongColumns, lines: lines)
        let rows = fold.geometry.rows, columns = fold.geometry.columns
        let fft = transforms.transform(rows: rows, columns: columns)

        // Line bookkeeping: which shot and which position in the shot acquires each line.
        let readout = settings.readout
        let perShot = readout.linesPerShot
        let shots = (lines + perShot - 1) / perShot
        // Interleaved: the centre line (k = lines/2) is acquired at the readout's centre-line
        // position, so TI means what it says; the others spread S lines apart around it.
        let centre = readout.centreLineIndex
        func floorDivision(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
        let lineShot = (0..<lines).map { k in
            settings.segmentOrdering == .interleaved ? ((k - lines / 2) % shots + shots) % shots : k / perShot
        }
        let linePosition = (0..<lines).map { k in
            settings.segmentOrdering == .interleaved
                ? min(max(centre + floorDivision(k - lines / 2, shots), 0), perShot - 1) : k % perShot
        }
        let nominalRR = 60_000 / readout.heartRate
        let rr = motion.rhythm.rrIntervals(count: shots * readout.gatingFactor, nominal: nominalRR)
        let regularRR = [Double](repeating: nominalRR, count: rr.count)
        var beatStart = [Double](repeating: 0, count: rr.count + 1)
        for b in rr.indices { beatStart[b + 1] = beatStart[b] + rr[b] }
        let lineTime = (0..<lines).map { k in
            (beatStart[lineShot[k] * readout.gatingFactor] + Double(linePosition[k]) * readout.repetitionTime) / 1000
        }
        let sirf = SegmentedIRReadout(parameters: readout)

        // k-space: every tissue's spectrum, each line weighted by that tissue's signal then.
        // Three buckets move differently: the heart (breathing and cardiac motion), the
        // liver and lungs (breathing), the chest wall and air (still).
        var kStatic = ComplexImage(rows: rows, columns: columns)
        var kBreathing = ComplexImage(rows: rows, columns: columns)
        var kCardiac = ComplexImage(rows: rows, columns: columns)
        var kReference = motion.isStill ? nil : Optional(ComplexImage(rows: rows, columns: columns))
        var reference = [Float](repeating: 0, count: rows * columns)
        for tissue in Tissue.allCases {
            let map = fractions[tissue]
            guard let tissueT1 = t1[tissue], map.withUnsafeBufferPointer({ $0.contains { $0 > 0 } }) else { continue }
            let folded = fold.apply(map)
            let density = Float(tissue.protonDensity)
            if density == 0 { continue }
            reference.withUnsafeMutableBufferPointer { reference in
                folded.withUnsafeBufferPointer { folded in
                    for i in reference.indices { reference[i] += folded[i] * density }
                }
            }
            let spectrum = fft.forwardHalf(real: folded)
            let signals = sirf.shotSignals(t1: tissueT1, protonDensity: tissue.protonDensity, rrIntervals: rr)
            let weights = (0..<lines).map { k in Float(signals[lineShot[k]][linePosition[k]]) }
            if KSpaceSimulator.cardiacTissues.contains(tissue) {
                accumulate(spectrum, weights: weights, into: &kCardiac, peAlongColumns: peAlongColumns)
            } else if KSpaceSimulator.breathingTissues.contains(tissue) {
                accumulate(spectrum, weights: weights, into: &kBreathing, peAlongColumns: peAlongColumns)
            } else {
                accumulate(spectrum, weights: weights, into: &kStatic, peAlongColumns: peAlongColumns)
            }
            if kReference != nil {
                let steady = motion.rhythm.isRegular
                    ? signals : sirf.shotSignals(t1: tissueT1, protonDensity: tissue.protonDensity, rrIntervals: regularRR)
                let still = (0..<lines).map { k in Float(steady[lineShot[k]][linePosition[k]]) }
                accumulate(spectrum, weights: still, into: &kReference!, peAlongColumns: peAlongColumns)
            }
        }

        // Motion: a displacement at the moment each line was acquired is a phase ramp on it.
        let g = fold.geometry
        if let respiration = motion.respiratory {
            let headFoot = PatientVector(0, 0, 1)
            let perRow = headFoot.dot(g.columnDirection) / g.pixelSpacing.betweenRows
            let perColumn = headFoot.dot(g.rowDirection) / g.pixelSpacing.betweenColumns
            let shifts = lineTime.map { t in
                let d = respiration.displacement(at: t)
                return (rows: d * perRow, columns: d * perColumn)
            }
            applyShifts(shifts, to: &kBreathing, peAlongColumns: peAlongColumns)
            applyShifts(shifts, to: &kCardiac, peAlongColumns: peAlongColumns)
        }
        if motion.cardiacBlur > 0 {
            // The heart drifts linearly through each shot's readout window, in the image plane
            // along the row direction (the dominant in-plane component of systolic motion).
            let shifts = (0..<lines).map { k in
                let progress = (Double(linePosition[k]) + 0.5) / Double(perShot) - 0.5
                return (rows: 0.0, columns: motion.cardiacBlur * progress / g.pixelSpacing.betweenColumns)
            }
            applyShifts(shifts, to: &kCardiac, peAlongColumns: peAlongColumns)
        }
        for i in kStatic.storage.indices { kStatic.storage[i] += kCardiac.storage[i] + kBreathing.storage[i] }
        fft.inverse(&kStatic)

        // Coil and B0 phase: smooth, different for every slice, removed only by PSIR. Linear
        // in row and column, so e^{iφ} is a row phasor times a column phasor.
        var random = SeededGenerator(seed: seed, stream: "slice")
        let phase0 = random.uniform(-Double.pi...Double.pi)
        let phaseRows = random.uniform(-1.5...1.5), phaseColumns = random.uniform(-1.5...1.5)
        let rowPhasors = (0..<rows).map { r in
            let phi = phase0 + phaseRows * (Double(r) / Double(rows) - 0.5)
            return (Float(cos(phi)), Float(sin(phi)))
        }
        let columnPhasors = (0..<columns).map { c in
            let phi = phaseColumns * (Double(c) / Double(columns) - 0.5)
            return (Float(cos(phi)), Float(sin(phi)))
        }

        // The noise level makes the blood pool's SNR in this very image what was asked for:
        // its noise-free mean over pure-blood pixels, else the centre-line signal.
        let bloodFraction = fold.apply(fractions[.blood])
        var bloodSum = 0.0, bloodCount = 0
        for i in bloodFraction.indices where bloodFraction[i] >= 0.9 {
            let (re, im) = kStatic[i]
            bloodSum += Double((re * re + im * im).squareRoot())
            bloodCount += 1
        }
        let bloodSignal = bloodCount > 0
            ? bloodSum / Double(bloodCount)
            : abs(sirf.centreLineSignal(t1: t1[.blood] ?? 1500, protonDensity: Tissue.blood.protonDensity))
        let sigma = KSpaceSimulator.gain * Float(max(bloodSignal, 1e-3) / max(settings.bloodSNR, 0.1))
        let gain = KSpaceSimulator.gain
        var magnitude = [Float](repeating: 0, count: rows * columns)
        var signalReal = [Float](repeating: 0, count: rows * columns)
        var signalImaginary = [Float](repeating: 0, count: rows * columns)
        var referenceReal = [Float](repeating: 0, count: rows * columns)
        var referenceImaginary = [Float](repeating: 0, count: rows * columns)
        // The PSIR reference is a low-flip proton-density image from the recovery heartbeat.
        // It is smoothed before use, so its noise only needs to exist at a coarse scale.
        let referenceLevel: Float = 0.25
        let referenceColumns = (columns + 3) / 4
        let referenceNoise = (0..<((rows + 3) / 4) * referenceColumns).map { _ in random.gaussianPair() }
        kStatic.storage.withUnsafeBufferPointer { image in
        reference.withUnsafeBufferPointer { reference in
        signalReal.withUnsafeMutableBufferPointer { signalReal in
        signalImaginary.withUnsafeMutableBufferPointer { signalImaginary in
        referenceReal.withUnsafeMutableBufferPointer { referenceReal in
        referenceImaginary.withUnsafeMutableBufferPointer { referenceImaginary in
        magnitude.withUnsafeMutableBufferPointer { magnitude in
            for r in 0..<rows {
                let (rowCos, rowSin) = rowPhasors[r]
                for c in 0..<columns {
                    let i = r * columns + c
                    let (columnCos, columnSin) = columnPhasors[c]
                    let cosPhi = rowCos * columnCos - rowSin * columnSin
                    let sinPhi = rowSin * columnCos + rowCos * columnSin
                    let (re, im) = (image[2 * i], image[2 * i + 1])
                    let (n1, n2) = random.gaussianPair()
                    let (n3, n4) = referenceNoise[(r / 4) * referenceColumns + c / 4]
                    let noisyRe = gain * (re * cosPhi - im * sinPhi) + sigma * n1
                    let noisyIm = gain * (re * sinPhi + im * cosPhi) + sigma * n2
                    signalReal[i] = noisyRe
                    signalImaginary[i] = noisyIm
                    magnitude[i] = (noisyRe * noisyRe + noisyIm * noisyIm).squareRoot()
                    let ref = gain * referenceLevel * reference[i]
                    referenceReal[i] = ref * cosPhi + sigma * n3
                    referenceImaginary[i] = ref * sinPhi + sigma * n4
                }
            }
        } } } } } } }
        let smoothReal = ImageFilters.boxBlur(referenceReal, rows: rows, columns: columns, radius: 4, precision: .single)
        let smoothImaginary = ImageFilters.boxBlur(referenceImaginary, rows: rows, columns: columns, radius: 4, precision: .single)
        var psir = [Float](repeating: 0, count: rows * columns)
        for i in psir.indices {
            let norm = (smoothReal[i] * smoothReal[i] + smoothImaginary[i] * smoothImaginary[i]).squareRoot()
            psir[i] = norm > 0 ? (signalReal[i] * smoothReal[i] + signalImaginary[i] * smoothImaginary[i]) / norm : 0
        }

        var artifact: [Float]?
        if var still = kReference {
            fft.inverse(&still)
            artifact = (0..<rows * columns).map { i in
                let (a, b) = (kStatic[i], still[i])
                let (dr, di) = (a.re - b.re, a.im - b.im)
                return gain * (dr * dr + di * di).squareRoot()
            }
        }
        return AcquiredImages(
            geometry: fold.geometry, magnitude: magnitude, psir: psir, noiseSigma: sigma, artifact: artifact,
            shots: shots, duration: beatStart[rr.count] / 1000)
    }

    /// Adds a real image's spectrum, each phase-encode line weighted, into `k`. The spectrum
    /// comes as FFTW's half (see ``FourierTransform2D/forwardHalf(real:)``) and is mirrored
    /// on the fly; line index = signed phase-encode frequency + lines/2.
    private func accumulate(_ half: [Float], weights: [Float], into k: inout ComplexImage, peAlongColumns: Bool) {
        let rows = k.rows, columns = k.columns
        let halfColumns = columns / 2 + 1
        let lines = weights.count
        // Weight of each FFT frequency index along the phase-encode axis.
        let byFrequency = (0..<lines).map { f in weights[(f + lines / 2) % lines] }
        half.withUnsafeBufferPointer { source in
            k.storage.withUnsafeMutableBufferPointer { target in
                byFrequency.withUnsafeBufferPointer { byFrequency in
                    for r in 0..<rows {
                        let out = target.baseAddress! + 2 * r * columns
                        let direct = source.baseAddress! + 2 * r * halfColumns
                        let mirrored = source.baseAddress! + 2 * ((rows - r) % rows) * halfColumns
                        if peAlongColumns {
                            let w = byFrequency[r]
                            for c in 0..<halfColumns {
                                out[2 * c] += direct[2 * c] * w
                                out[2 * c + 1] += direct[2 * c + 1] * w
                            }
                            for c in halfColumns..<columns {
                                let j = 2 * (columns - c)
                                out[2 * c] += mirrored[j] * w
                                out[2 * c + 1] -= mirrored[j + 1] * w
                            }
                        } else {
                            for c in 0..<halfColumns {
                                let w = byFrequency[c]
                                out[2 * c] += direct[2 * c] * w
                                out[2 * c + 1] += direct[2 * c + 1] * w
                            }
                            for c in halfColumns..<columns {
                                let w = byFrequency[c]
                                let j = 2 * (columns - c)
                                out[2 * c] += mirrored[j] * w
                                out[2 * c + 1] -= mirrored[j + 1] * w
                            }
                        }
                    }
                }
            }
        }
    }

    /// Multiplies each phase-encode line by the phase ramp of a rigid shift (in pixels) of the object.
    ///
    /// Along one line the phase is linear in the readout frequency, so it advances by a fixed
    /// phasor from sample to sample: one sine and cosine per line instead of per sample.
    private func applyShifts(_ shifts: [(rows: Double, columns: Double)], to k: inout ComplexImage, peAlongColumns: Bool) {
        let rows = k.rows, columns = k.columns
        let lines = shifts.count
        func signed(_ f: Int, _ n: Int) -> Double { Double(f < (n + 1) / 2 ? f : f - n) }
        let (lineCount, sampleCount) = peAlongColumns ? (rows, columns) : (columns, rows)
        k.storage.withUnsafeMutableBufferPointer { data in
            for line in 0..<lineCount {
                let shift = shifts[(line + lines / 2) % lines]
                // Phase = −2π (f_line · d_line / N_line + f_sample · d_sample / N_sample).
                let (lineShift, sampleShift) = peAlongColumns ? (shift.rows, shift.columns) : (shift.columns, shift.rows)
                let base = -2 * Double.pi * signed(line, lineCount) * lineShift / Double(lineCount)
                let step = -2 * Double.pi * sampleShift / Double(sampleCount)
                let (stepCos, stepSin) = (cos(step), sin(step))
                // Two runs of increasing signed frequency: 0 ..< N/2, then −N/2 ..< 0.
                let half = (sampleCount + 1) / 2
                for (first, last) in [(0, half), (half, sampleCount)] where first < last {
                    let start = base + step * signed(first, sampleCount)
                    var (pc, ps) = (cos(start), sin(start))
                    for sample in first..<last {
                        let (cosA, sinA) = (Float(pc), Float(ps))
                        let (r, c) = peAlongColumns ? (line, sample) : (sample, line)
                        let i = 2 * (r * columns + c)
                        let (re, im) = (data[i], data[i + 1])
                        data[i] = re * cosA - im * sinA
                        data[i + 1] = re * sinA + im * cosA
                        (pc, ps) = (pc * stepCos - ps * stepSin, pc * stepSin + ps * stepCos)
                    }
                }
            }
        }
    }
}

/// Reduced phase field of view: anatomy beyond it wraps around (aliasing), as on a scanner.
struct FoldGeometry {
    let original: SliceGeometry
    let geometry: SliceGeometry
    let peAlongColumns: Bool
    let offset: Int
    let lines: Int

    init(plane: SliceGeometry, peAlongColumns: Bool, lines: Int) {
        original = plane
        self.peAlongColumns = peAlongColumns
        self.lines = lines
        var reduced = plane
        let full = peAlongColumns ? plane.rows : plane.columns
        offset = (full - lines) / 2
        if peAlongColumns {
            reduced.rows = lines
            reduced.position = plane.position + plane.columnDirection * (Double(offset) * plane.pixelSpacing.betweenRows)
        } else {
            reduced.columns = lines
            reduced.position = plane.position + plane.rowDirection * (Double(offset) * plane.pixelSpacing.betweenColumns)
        }
        geometry = reduced
    }

    func apply(_ map: [Float]) -> [Float] {
        if offset == 0 { return map }
        let rows = geometry.rows, columns = geometry.columns
        var folded = [Float](repeating: 0, count: rows * columns)
        for r in 0..<original.rows {
            for c in 0..<original.columns {
                let value = map[r * original.columns + c]
                if value == 0 { continue }
                let (fr, fc) = peAlongColumns
                    ? (((r - offset) % lines + lines) % lines, c)
                    : (r, ((c - offset) % lines + lines) % lines)
                folded[fr * columns + fc] += value
            }
        }
        return folded
    }
}
