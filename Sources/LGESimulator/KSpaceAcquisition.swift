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
    /// The R-R interval of every heartbeat the acquisition spanned, ms: what the ECG trigger saw.
    public var rrIntervals: [Double]
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
    let buffers = ComplexImagePool()

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
        let count = rows * columns
        let fft = transforms.transform(rows: rows, columns: columns, linesAreRows: peAlongColumns)

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

        // Hybrid space (transformed along the phase-encode lines only): every tissue's
        // spectrum, each line weighted by that tissue's signal then. Up to three buckets move
        // differently: the heart (breathing and cardiac motion), the liver and lungs
        // (breathing), the chest wall and air (still). Buckets that would move alike share one.
        let breathes = motion.respiratory != nil
        let blurs = motion.cardiacBlur > 0
        let kStatic = buffers.take(rows: rows, columns: columns)
        var kBreathing = breathes ? buffers.take(rows: rows, columns: columns) : nil
        var kCardiac = blurs ? buffers.take(rows: rows, columns: columns) : nil
        let kReference = motion.isStill ? nil : Optional(buffers.take(rows: rows, columns: columns))
        // With a regular rhythm the motion-free reference has the very same line weights: it is
        // the sum of the buckets before they move, so it needs no accumulation of its own.
        let referenceNeedsOwnWeights = kReference != nil && !motion.rhythm.isRegular
        var reference = [Float](repeating: 0, count: count)
        var contributions: [TissueContribution] = []
        for tissue in Tissue.allCases {
            let map = fractions[tissue]
            guard let tissueT1 = t1[tissue], map.withUnsafeBufferPointer(KSpaceSimulator.containsAny) else { continue }
            let density = Float(tissue.protonDensity)
            if density == 0 { continue }
            let folded = fold.apply(map)
            let signals = sirf.shotSignals(t1: tissueT1, protonDensity: tissue.protonDensity, rrIntervals: rr)
            let weights = (0..<lines).map { k in Float(signals[lineShot[k]][linePosition[k]]) }
            var stillWeights: [Float]?
            if referenceNeedsOwnWeights {
                let steady = sirf.shotSignals(t1: tissueT1, protonDensity: tissue.protonDensity, rrIntervals: regularRR)
                stillWeights = (0..<lines).map { k in Float(steady[lineShot[k]][linePosition[k]]) }
            }
            let bucket: ComplexImage
            if KSpaceSimulator.cardiacTissues.contains(tissue), let kCardiac {
                bucket = kCardiac
            } else if KSpaceSimulator.cardiacTissues.contains(tissue) || KSpaceSimulator.breathingTissues.contains(tissue),
                let kBreathing
            {
                bucket = kBreathing
            } else {
                bucket = kStatic
            }
            let occupancy = folded.withUnsafeBufferPointer { LineOccupancy(map: $0.baseAddress!, rows: rows, columns: columns, columnsOnly: peAlongColumns) }
            contributions.append(TissueContribution(
                map: folded, occupancy: occupancy, density: density, weights: weights, stillWeights: stillWeights, bucket: bucket))
        }
        // Tissues of one bucket side by side, so that pairs share their bucket.
        let bucketOrder = [kCardiac, kBreathing, kStatic].compactMap { $0 }
        contributions = bucketOrder.flatMap { bucket in contributions.filter { $0.bucket === bucket } }
        // Two real maps go through one complex transform (one as the real part, one as the
        // imaginary part) and are told apart by their Hermitian symmetry.
        // The proton-density image (for the PSIR reference) is summed on the way.
        let packed = buffers.take(rows: rows, columns: columns, zeroed: false)
        for first in stride(from: 0, to: contributions.count, by: 2) {
            let a = contributions[first]
            let b = first + 1 < contributions.count ? contributions[first + 1] : nil
            reference.withUnsafeMutableBufferPointer { reference in
                a.map.withUnsafeBufferPointer { real in
                    if let b {
                        b.map.withUnsafeBufferPointer { imaginary in
                            KSpaceSimulator.pack(
                                real.baseAddress!, a.density, imaginary.baseAddress!, b.density, into: packed.values,
                                reference: reference.baseAddress!, count: count)
                        }
                    } else {
                        KSpaceSimulator.pack(
                            real.baseAddress!, a.density, nil, 0, into: packed.values, reference: reference.baseAddress!, count: count)
                    }
                }
            }
            // Rows (or columns) that neither map touches stay zero through the transform along
            // the lines and add nothing to the buckets: both steps skip them.
            let occupied = b.map { a.occupancy.union($0.occupancy) } ?? a.occupancy
            fft.forwardAlongLines(packed, occupied: occupied)
            accumulate(
                packed, a, b, occupied: occupied, reference: referenceNeedsOwnWeights ? kReference : nil,
                linesAreRows: peAlongColumns)
        }
        contributions = []
        if let kReference, !referenceNeedsOwnWeights {
            for bucket in [kStatic, kBreathing, kCardiac] {
                if let bucket { kReference.add(bucket) }
            }
        }

        // Motion: a displacement at the moment each line was acquired is a phase ramp on it.
        let g = fold.geometry
        var respiratoryShifts: [(rows: Double, columns: Double)]?
        if let respiration = motion.respiratory {
            let headFoot = PatientVector(0, 0, 1)
            let perRow = headFoot.dot(g.columnDirection) / g.pixelSpacing.betweenRows
            let perColumn = headFoot.dot(g.rowDirection) / g.pixelSpacing.betweenColumns
            respiratoryShifts = lineTime.map { t in
                let d = respiration.displacement(at: t)
                return (rows: d * perRow, columns: d * perColumn)
            }
        }
        if let cardiac = kCardiac {
            // The heart drifts linearly through each shot's readout window, in the image plane
            // along the row direction (the dominant in-plane component of systolic motion).
            let blur = (0..<lines).map { k in
                let progress = (Double(linePosition[k]) + 0.5) / Double(perShot) - 0.5
                return motion.cardiacBlur * progress / g.pixelSpacing.betweenColumns
            }
            if let breathing = kBreathing, respiratoryShifts != nil, !peAlongColumns {
                // The drift is along the phase-encode lines, a phase per line; then the heart
                // breathes with the liver and lungs, in one go.
                applyShifts(blur.map { (rows: 0, columns: $0) }, to: cardiac, transforms: fft)
                breathing.add(cardiac)
                buffers.recycle([cardiac])
                kCardiac = nil
            } else if let respiratoryShifts {
                // The drift is along the readout: the heart breathes and drifts by itself.
                applyShifts(
                    (0..<lines).map { k in (rows: respiratoryShifts[k].rows, columns: respiratoryShifts[k].columns + blur[k]) },
                    to: cardiac, transforms: fft)
            } else {
                applyShifts(blur.map { (rows: 0, columns: $0) }, to: cardiac, transforms: fft)
            }
        }
        if let breathing = kBreathing, let respiratoryShifts {
            applyShifts(respiratoryShifts, to: breathing, transforms: fft)
        }
        for bucket in [kBreathing, kCardiac] {
            if let bucket { kStatic.add(bucket) }
        }
        buffers.recycle([kBreathing, kCardiac])
        kBreathing = nil
        kCardiac = nil
        fft.inverseAlongLines(kStatic)


        // Coil and B0 phase: smooth, different for every slice, removed only by PSIR. Linear
        // in row and column, so e^{iφ} is a row phasor times a column phasor.
        var random = SeededGenerator(seed: seed, stream: "slice")
        let phase0 = random.uniform(-Double.pi...Double.pi)
        let phaseRows = random.uniform(-1.5...1.5), phaseColumns = random.uniform(-1.5...1.5)
        let rowPhi = (0..<rows).map { r in phase0 + phaseRows * (Double(r) / Double(rows) - 0.5) }
        let rowCos = rowPhi.map { Float(cos($0)) }, rowSin = rowPhi.map { Float(sin($0)) }
        let columnPhi = (0..<columns).map { c in phaseColumns * (Double(c) / Double(columns) - 0.5) }
        let columnCos = columnPhi.map { Float(cos($0)) }, columnSin = columnPhi.map { Float(sin($0)) }

        // The noise level makes the blood pool's SNR in this very image what was asked for:
        // its noise-free mean over pure-blood pixels, else the centre-line signal.
        let bloodFraction = fold.apply(fractions[.blood])
        var bloodSum = 0.0, bloodCount = 0
        do {
            let image = kStatic.values
            bloodFraction.withUnsafeBufferPointer { bloodFraction in
                for i in 0..<count where bloodFraction[i] >= 0.9 {
                    let (re, im) = (image[2 * i], image[2 * i + 1])
                    bloodSum += Double((re * re + im * im).squareRoot())
                    bloodCount += 1
                }
            }
        }
        let bloodSignal = bloodCount > 0
            ? bloodSum / Double(bloodCount)
            : abs(sirf.centreLineSignal(t1: t1[.blood] ?? 1500, protonDensity: Tissue.blood.protonDensity))
        let sigma = KSpaceSimulator.gain * Float(max(bloodSignal, 1e-3) / max(settings.bloodSNR, 0.1))
        let gain = KSpaceSimulator.gain
        var magnitude = [Float](unsafeUninitializedCapacity: count) { _, initialised in initialised = count }
        let signal = buffers.take(rows: rows, columns: columns, zeroed: false)
        let referenceImage = buffers.take(rows: rows, columns: columns, zeroed: false)
        // The PSIR reference is a low-flip proton-density image from the recovery heartbeat.
        // It is smoothed before use, so its noise only needs to exist at a coarse scale.
        let referenceGain = gain * 0.25
        let referenceColumns = (columns + 3) / 4
        var referenceNoise = [Float](repeating: 0, count: 2 * ((rows + 3) / 4) * referenceColumns)
        referenceNoise.withUnsafeMutableBufferPointer { random.fillGaussianPairs($0) }
        // Then a pair per pixel for the signal.
        var noise = [Float](unsafeUninitializedCapacity: 2 * count) { _, initialised in initialised = 2 * count }
        noise.withUnsafeMutableBufferPointer { random.fillGaussianPairs($0) }
        let image = kStatic.values
        reference.withUnsafeBufferPointer { reference in
        referenceNoise.withUnsafeBufferPointer { referenceNoise in
        rowCos.withUnsafeBufferPointer { rowCos in
        rowSin.withUnsafeBufferPointer { rowSin in
        columnCos.withUnsafeBufferPointer { columnCos in
        columnSin.withUnsafeBufferPointer { columnSin in
        magnitude.withUnsafeMutableBufferPointer { magnitude in
        noise.withUnsafeBufferPointer { noise in
            let signal = signal.values, referenceImage = referenceImage.values
            for r in 0..<rows {
                let (rc, rs) = (rowCos[r], rowSin[r])
                let coarseRow = (r / 4) * referenceColumns
                // Four pixels at a time (the same arithmetic, lane by lane): they share one
                // coarse reference-noise pair, since c is a multiple of 4.
                var c = 0
                while c + 4 <= columns {
                    let i = r * columns + c
                    let columnCos = SIMD4<Float>.load(columnCos.baseAddress! + c)
                    let columnSin = SIMD4<Float>.load(columnSin.baseAddress! + c)
                    let cosPhi = rc * columnCos - rs * columnSin
                    let sinPhi = rs * columnCos + rc * columnSin
                    let z = SIMD8<Float>.load(image + 2 * i), n = SIMD8<Float>.load(noise.baseAddress! + 2 * i)
                    let (re, im) = (z.evenHalf, z.oddHalf)
                    let coarse = 2 * (coarseRow + c / 4)
                    let noisyRe = gain * (re * cosPhi - im * sinPhi) + sigma * n.evenHalf
                    let noisyIm = gain * (re * sinPhi + im * cosPhi) + sigma * n.oddHalf
                    SIMD8.interleaving(noisyRe, noisyIm).store(to: signal + 2 * i)
                    (noisyRe * noisyRe + noisyIm * noisyIm).squareRoot().store(to: magnitude.baseAddress! + i)
                    let ref = referenceGain * SIMD4<Float>.load(reference.baseAddress! + i)
                    SIMD8.interleaving(
                        ref * cosPhi + sigma * referenceNoise[coarse], ref * sinPhi + sigma * referenceNoise[coarse + 1]
                    ).store(to: referenceImage + 2 * i)
                    c += 4
                }
                let vectorised = c
                for c in vectorised..<columns {
                    let i = r * columns + c
                    let (columnCos, columnSin) = (columnCos[c], columnSin[c])
                    let cosPhi = rc * columnCos - rs * columnSin
                    let sinPhi = rs * columnCos + rc * columnSin
                    let (re, im) = (image[2 * i], image[2 * i + 1])
                    let (n1, n2) = (noise[2 * i], noise[2 * i + 1])
                    let coarse = 2 * (coarseRow + c / 4)
                    let noisyRe = gain * (re * cosPhi - im * sinPhi) + sigma * n1
                    let noisyIm = gain * (re * sinPhi + im * cosPhi) + sigma * n2
                    signal[2 * i] = noisyRe
                    signal[2 * i + 1] = noisyIm
                    magnitude[i] = (noisyRe * noisyRe + noisyIm * noisyIm).squareRoot()
                    let ref = referenceGain * reference[i]
                    referenceImage[2 * i] = ref * cosPhi + sigma * referenceNoise[coarse]
                    referenceImage[2 * i + 1] = ref * sinPhi + sigma * referenceNoise[coarse + 1]
                }
            }
        } } } } } } } }
        let smooth = KSpaceSimulator.boxBlur(referenceImage, radius: 4, buffers: buffers)
        var psir = [Float](unsafeUninitializedCapacity: count) { _, initialised in initialised = count }
        do {
            let signal = signal.values, smooth = smooth.values
            do {
                psir.withUnsafeMutableBufferPointer { psir in
                    var i = 0
                    while i + 4 <= count {
                        let smoothed = SIMD8<Float>.load(smooth + 2 * i), value = SIMD8<Float>.load(signal + 2 * i)
                        let (sr, si) = (smoothed.evenHalf, smoothed.oddHalf)
                        let norm = (sr * sr + si * si).squareRoot()
                        let projected = (value.evenHalf * sr + value.oddHalf * si) / norm
                        SIMD4<Float>.zero.replacing(with: projected, where: norm .> 0).store(to: psir.baseAddress! + i)
                        i += 4
                    }
                    let scalarStart = i
                    for i in scalarStart..<count {
                        let (sr, si) = (smooth[2 * i], smooth[2 * i + 1])
                        let norm = (sr * sr + si * si).squareRoot()
                        psir[i] = norm > 0 ? (signal[2 * i] * sr + signal[2 * i + 1] * si) / norm : 0
                    }
                }
            }
        }

        var artifact: [Float]?
        if let still = kReference {
            fft.inverseAlongLines(still)
            var difference = [Float](unsafeUninitializedCapacity: count) { _, initialised in initialised = count }
            do {
                let a = kStatic.values, b = still.values
                do {
                    difference.withUnsafeMutableBufferPointer { difference in
                        var i = 0
                        while i + 4 <= count {
                            let d = SIMD8<Float>.load(a + 2 * i) - SIMD8<Float>.load(b + 2 * i)
                            let (dr, di) = (d.evenHalf, d.oddHalf)
                            (gain * (dr * dr + di * di).squareRoot()).store(to: difference.baseAddress! + i)
                            i += 4
                        }
                        let scalarStart = i
                        for i in scalarStart..<count {
                            let (dr, di) = (a[2 * i] - b[2 * i], a[2 * i + 1] - b[2 * i + 1])
                            difference[i] = gain * (dr * dr + di * di).squareRoot()
                        }
                    }
                }
            }
            artifact = difference
        }
        buffers.recycle([kStatic, kReference, packed, signal, referenceImage, smooth])
        return AcquiredImages(
            geometry: fold.geometry, magnitude: magnitude, psir: psir, noiseSigma: sigma, artifact: artifact,
            shots: shots, duration: beatStart[rr.count] / 1000, rrIntervals: rr)
    }

    /// Packs two real maps as the real and imaginary parts of one complex matrix (the second
    /// zero when absent) and adds their proton-density-weighted sum to `reference`.
    ///
    /// Four pixels at a time through SIMD vectors: the interleaving stores defeat the
    /// compiler's own vectoriser, and this loop runs once per tissue pair on every slice.
    static func pack(
        _ real: UnsafePointer<Float>, _ densityA: Float, _ imaginary: UnsafePointer<Float>?, _ densityB: Float,
        into z: UnsafeMutablePointer<Float>, reference: UnsafeMutablePointer<Float>, count: Int
    ) {
        let packed = UnsafeMutableRawPointer(z), sums = UnsafeMutableRawPointer(reference)
        var i = 0
        while i + 4 <= count {
            let re = UnsafeRawPointer(real + i).loadUnaligned(as: SIMD4<Float>.self)
            let sum = sums.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self)
            if let imaginary {
                let im = UnsafeRawPointer(imaginary + i).loadUnaligned(as: SIMD4<Float>.self)
                packed.storeBytes(
                    of: SIMD8(re[0], im[0], re[1], im[1], re[2], im[2], re[3], im[3]), toByteOffset: 8 * i, as: SIMD8<Float>.self)
                sums.storeBytes(of: sum + (re * densityA + im * densityB), toByteOffset: 4 * i, as: SIMD4<Float>.self)
            } else {
                packed.storeBytes(
                    of: SIMD8(re[0], 0, re[1], 0, re[2], 0, re[3], 0), toByteOffset: 8 * i, as: SIMD8<Float>.self)
                sums.storeBytes(of: sum + re * densityA, toByteOffset: 4 * i, as: SIMD4<Float>.self)
            }
            i += 4
        }
        while i < count {
            let im = imaginary?[i] ?? 0
            z[2 * i] = real[i]
            z[2 * i + 1] = im
            reference[i] += imaginary == nil ? real[i] * densityA : real[i] * densityA + im * densityB
            i += 1
        }
    }

    /// Whether a fraction map (values ≥ 0) has any nonzero value: an OR over the bit patterns,
    /// which vectorises where a floating-point search would stop at every element.
    static func containsAny(_ map: UnsafeBufferPointer<Float>) -> Bool {
        var start = 0
        while start < map.count {
            let end = min(start + 4096, map.count)
            var bits: UInt32 = 0
            for i in start..<end { bits |= map[i].bitPattern }
            if bits != 0 { return true }
            start = end
        }
        return false
    }

    /// Adds the line spectra of one or two real maps, each phase-encode line weighted by its
    /// tissue's signal then, into their buckets (and the reference's, with the motion-free
    /// weights, when it has its own).
    ///
    /// `packed` holds the transform along the lines of a + i·b. With Z = that transform and
    /// M = conj(Z) at the mirrored line frequency (the same sample), A = (Z + M)/2 and
    /// B = (Z − M)/(2i) are the spectra of a and b. Line index = signed frequency + lines/2.
    private func accumulate(
        _ packed: ComplexImage, _ a: TissueContribution, _ b: TissueContribution?, occupied: LineOccupancy,
        reference: ComplexImage?, linesAreRows: Bool
    ) {
        let rows = packed.rows, columns = packed.columns
        let lines = a.weights.count
        // Per FFT frequency index: the halves of A and B and the inverse transform's 1/lines.
        let scale = 0.5 / Float(lines)
        func byFrequency(_ weights: [Float]?) -> [Float] {
            guard let weights else { return [Float](repeating: 0, count: lines) }
            return (0..<lines).map { f in weights[(f + lines / 2) % lines] * scale }
        }
        // Twice over, so they line up with interleaved (re, im) values.
        func interleaved(_ weights: [Float]) -> [Float] {
            var twice = [Float](repeating: 0, count: 2 * weights.count)
            for (f, w) in weights.enumerated() { (twice[2 * f], twice[2 * f + 1]) = (w, w) }
            return twice
        }
        let wa = interleaved(byFrequency(a.weights)), wb = interleaved(byFrequency(b?.weights))
        let ra = interleaved(byFrequency(a.stillWeights)), rb = interleaved(byFrequency(b?.stillWeights))
        let z = packed.values
        let ta = a.bucket.values, tb = (b?.bucket ?? a.bucket).values
        let tr = reference?.values
        // Per line: A = Z + M and B = −i·(Z − M), interleaved (re, im), so that every target
        // takes plain element-wise multiply-adds.
        let width = 2 * columns
        var scratch = [Float](repeating: 0, count: 2 * width)
        wa.withUnsafeBufferPointer { wa in
        wb.withUnsafeBufferPointer { wb in
        ra.withUnsafeBufferPointer { ra in
        rb.withUnsafeBufferPointer { rb in
        scratch.withUnsafeMutableBufferPointer { scratch in
            let sum = scratch.baseAddress!, difference = sum + width
            // Adds one run of `width` interleaved values whose A and B are in `sum` and
            // `difference`, weighted per value from index `w` on, or all by weight `w`.
            // Only the occupied columns hold anything when lines are rows; all of a row otherwise.
            let span = linesAreRows ? 2 * occupied.columns.lowerBound..<2 * occupied.columns.upperBound : 0..<width
            @inline(__always) func add(at offset: Int, weight w: Int, perValue: Bool) {
                let ta = ta + offset, tb = tb + offset
                if perValue {
                    let (wa, wb) = (wa.baseAddress! + w, wb.baseAddress! + w)
                    if ta == tb {
                        for j in span { ta[j] += wa[j] * sum[j] + wb[j] * difference[j] }
                    } else {
                        for j in span { ta[j] += wa[j] * sum[j] }
                        for j in span { tb[j] += wb[j] * difference[j] }
                    }
                    if let tr {
                        let tr = tr + offset
                        let (ra, rb) = (ra.baseAddress! + w, rb.baseAddress! + w)
                        for j in span { tr[j] += ra[j] * sum[j] + rb[j] * difference[j] }
                    }
                } else {
                    let (wa, wb) = (wa[w], wb[w])
                    if ta == tb {
                        for j in span { ta[j] += wa * sum[j] + wb * difference[j] }
                    } else {
                        for j in span { ta[j] += wa * sum[j] }
                        for j in span { tb[j] += wb * difference[j] }
                    }
                    if let tr {
                        let tr = tr + offset
                        let (ra, rb) = (ra[w], rb[w])
                        for j in span { tr[j] += ra * sum[j] + rb * difference[j] }
                    }
                }
            }
            if linesAreRows {
                // Line f is row f; its mirror is row −f.
                guard !span.isEmpty else { return }
                for f in 0..<rows {
                    let row = z + 2 * f * columns, mirror = z + 2 * (f == 0 ? 0 : rows - f) * columns
                    for j in stride(from: span.lowerBound, to: span.upperBound, by: 2) {
                        sum[j] = row[j] + mirror[j]
                        sum[j + 1] = row[j + 1] - mirror[j + 1]
                        difference[j] = row[j + 1] + mirror[j + 1]
                        difference[j + 1] = mirror[j] - row[j]
                    }
                    add(at: 2 * f * columns, weight: 2 * f, perValue: false)
                }
            } else {
                // Line f is column f; its mirror is column −f of the same row.
                for r in 0..<rows where occupied.rows[r] {
                    let row = z + 2 * r * columns, end = row + 2 * columns
                    (sum[0], sum[1]) = (2 * row[0], 0)
                    (difference[0], difference[1]) = (2 * row[1], 0)
                    // Frequency f mirrors to m = columns − f, and the sum and difference at m are
                    // the complex conjugates of those at f (the same additions, swapped operands,
                    // so bit for bit): each pair (f, m) is read once and written twice.
                    let halfway = (columns + 1) / 2
                    // Two frequencies at a time: f, f + 1 from the front, their mirrors (in reverse
                    // order) from the back. With sign = (1, −1, 1, −1), the sum is z + sign·m and
                    // the difference (zi + mi, mr − zr) is m̃ + sign·z̃, ~ swapping re and im.
                    let sign = SIMD4<Float>(1, -1, 1, -1)
                    var f = 1
                    while f + 1 < halfway {
                        let z = SIMD4<Float>.load(row + 2 * f)
                        let back = SIMD4<Float>.load(end - 2 * f - 2)
                        let m = SIMD4(back[2], back[3], back[0], back[1])
                        let s = z + m * sign
                        let d = SIMD4(m[1], m[0], m[3], m[2]) + SIMD4(z[1], z[0], z[3], z[2]) * sign
                        s.store(to: sum + 2 * f)
                        d.store(to: difference + 2 * f)
                        SIMD4(s[2], -s[3], s[0], -s[1]).store(to: sum + 2 * (columns - f - 1))
                        SIMD4(d[2], -d[3], d[0], -d[1]).store(to: difference + 2 * (columns - f - 1))
                        f += 2
                    }
                    let scalarFrom = f
                    for f in scalarFrom..<max(halfway, scalarFrom) {
                        let (zr, zi) = (row[2 * f], row[2 * f + 1])
                        let (mr, mi) = (end[-2 * f], end[1 - 2 * f])
                        let (sr, si, dr, di) = (zr + mr, zi - mi, zi + mi, mr - zr)
                        let m = 2 * (columns - f)
                        (sum[2 * f], sum[2 * f + 1], sum[m], sum[m + 1]) = (sr, si, sr, -si)
                        (difference[2 * f], difference[2 * f + 1], difference[m], difference[m + 1]) = (dr, di, dr, -di)
                    }
                    if columns > 1, columns % 2 == 0 {
                        // The Nyquist line is its own mirror.
                        let nyquist = columns / 2
                        let (zr, zi) = (row[2 * nyquist], row[2 * nyquist + 1])
                        (sum[2 * nyquist], sum[2 * nyquist + 1]) = (zr + zr, zi - zi)
                        (difference[2 * nyquist], difference[2 * nyquist + 1]) = (zi + zi, zr - zr)
                    }
                    add(at: 2 * r * columns, weight: 0, perValue: true)
                }
            }
        } } } } }
        withExtendedLifetime((packed, a.bucket, b?.bucket, reference)) {}
    }

    /// Moves the object in hybrid space `k` by a rigid shift (in pixels) per phase-encode line.
    ///
    /// Along the lines a shift is a phase ramp: one phasor per line. Along the readout it is a
    /// ramp over readout frequency, so when any line moves along the readout the bucket goes
    /// through a readout transform and back (which also takes its 1/samples normalisation).
    private func applyShifts(_ shifts: [(rows: Double, columns: Double)], to k: ComplexImage, transforms: LineTransforms) {
        let columns = k.columns
        let lineCount = transforms.lineCount, sampleCount = transforms.sampleCount
        let linesAreRows = transforms.linesAreRows
        let lines = shifts.count
        func signed(_ f: Int, _ n: Int) -> Double { Double(f < (n + 1) / 2 ? f : f - n) }
        let byFrequency = (0..<lineCount).map { f in
            let shift = shifts[(f + lines / 2) % lines]
            return linesAreRows ? (line: shift.rows, sample: shift.columns) : (line: shift.columns, sample: shift.rows)
        }
        let alongReadout = byFrequency.contains { $0.sample != 0 }
        if alongReadout { transforms.forwardAlongSamples(k) }
        let scale = alongReadout ? 1 / Double(sampleCount) : 1
        // Phase = −2π (f_line · d_line / N_line + f_sample · d_sample / N_sample).
        let base = byFrequency.indices.map { f in -2 * Double.pi * signed(f, lineCount) * byFrequency[f].line / Double(lineCount) }
        let step = byFrequency.map { alongReadout ? -2 * Double.pi * $0.sample / Double(sampleCount) : 0 }
        let data = k.values
        if linesAreRows {
            // A line is a row: walk it with a phasor that advances by a fixed step, one sine
            // and cosine per line instead of per sample; two runs of increasing signed
            // frequency, 0 ..< N/2, then −N/2 ..< 0.
            let half = (sampleCount + 1) / 2
            for f in 0..<lineCount {
                let (stepCos, stepSin) = (cos(step[f]), sin(step[f]))
                for (first, last) in [(0, half), (half, sampleCount)] where first < last {
                    let start = base[f] + step[f] * signed(first, sampleCount)
                    var (pc, ps) = (cos(start) * scale, sin(start) * scale)
                    for sample in first..<last {
                        let i = 2 * (f * columns + sample)
                        let (cosA, sinA) = (Float(pc), Float(ps))
                        let (re, im) = (data[i], data[i + 1])
                        data[i] = re * cosA - im * sinA
                        data[i + 1] = re * sinA + im * cosA
                        (pc, ps) = (pc * stepCos - ps * stepSin, pc * stepSin + ps * stepCos)
                    }
                }
            }
        } else {
            // A line is a column: walk the rows, every line's phasor advancing by its own step.
            // The phasors are recomputed exactly every few rows so single-precision steps
            // never drift.
            var phasorCos = [Float](repeating: 0, count: lineCount), phasorSin = [Float](repeating: 0, count: lineCount)
            let stepCos = step.map { Float(cos($0)) }, stepSin = step.map { Float(sin($0)) }
            let half = (sampleCount + 1) / 2
            phasorCos.withUnsafeMutableBufferPointer { pc in
            phasorSin.withUnsafeMutableBufferPointer { ps in
            stepCos.withUnsafeBufferPointer { sc in
            stepSin.withUnsafeBufferPointer { ss in
                for sample in 0..<sampleCount {
                    if sample % 16 == 0 || sample == half {
                        let frequency = signed(sample, sampleCount)
                        for f in 0..<lineCount {
                            let phase = base[f] + step[f] * frequency
                            pc[f] = Float(cos(phase) * scale)
                            ps[f] = Float(sin(phase) * scale)
                        }
                    } else if alongReadout {
                        for f in 0..<lineCount {
                            let (c, s) = (pc[f], ps[f])
                            pc[f] = c * sc[f] - s * ss[f]
                            ps[f] = c * ss[f] + s * sc[f]
                        }
                    }
                    let row = data + 2 * sample * columns
                    for f in 0..<lineCount {
                        let (re, im) = (row[2 * f], row[2 * f + 1])
                        row[2 * f] = re * pc[f] - im * ps[f]
                        row[2 * f + 1] = re * ps[f] + im * pc[f]
                    }
                }
            } } } }
        }
        if alongReadout { transforms.inverseAlongSamples(k) }
    }

    /// The mean over a (2·radius+1)² window of a complex image, the window clamped at the
    /// image edges (as ``ImageFilters/boxBlur(_:rows:columns:radius:precision:)``), real and
    /// imaginary parts together: running sums along each row, then down the columns.
    static func boxBlur(_ image: ComplexImage, radius: Int, buffers: ComplexImagePool) -> ComplexImage {
        let rows = image.rows, columns = image.columns
        let horizontal = buffers.take(rows: rows, columns: columns, zeroed: false)
        let result = buffers.take(rows: rows, columns: columns, zeroed: false)
        // Reciprocal window sizes by (clamped) window start and end.
        func inverseWidths(_ n: Int) -> [Float] {
            (0..<n).map { i in 1 / Float(min(n - 1, i + radius) - max(0, i - radius) + 1) }
        }
        let columnScale = inverseWidths(columns), rowScale = inverseWidths(rows)
        let input = image.values, output = horizontal.values
        columnScale.withUnsafeBufferPointer { columnScale in
            for r in 0..<rows {
                let line = input + 2 * r * columns, out = output + 2 * r * columns
                // (re, im) as one two-lane vector; the run where both window edges lie inside
                // the row is split off so that it has no bounds tests. Same additions, same order.
                @inline(__always) func value(_ c: Int) -> SIMD2<Float> { SIMD2(line[2 * c], line[2 * c + 1]) }
                var sum = SIMD2<Float>.zero
                for c in 0..<min(radius, columns) { sum += value(c) }
                @inline(__always) func emit(_ c: Int) {
                    let scaled = sum * columnScale[c]
                    (out[2 * c], out[2 * c + 1]) = (scaled.x, scaled.y)
                }
                let middleStart = min(radius + 1, columns), middleEnd = max(columns - radius, middleStart)
                func edge(_ c: Int) {
                    if c + radius < columns { sum += value(c + radius) }
                    if c - radius - 1 >= 0 { sum -= value(c - radius - 1) }
                    emit(c)
                }
                for c in 0..<middleStart { edge(c) }
                for c in middleStart..<middleEnd {
                    sum += value(c + radius)
                    sum -= value(c - radius - 1)
                    emit(c)
                }
                for c in middleEnd..<columns { edge(c) }
            }
        }
        var sums = [Float](repeating: 0, count: 2 * columns)
        let blurred = result.values
        sums.withUnsafeMutableBufferPointer { sums in
            let width = 2 * columns
            for r in 0..<min(radius, rows) {
                let line = output + r * width
                for j in 0..<width { sums[j] += line[j] }
            }
            for r in 0..<rows {
                let high = r + radius, low = r - radius - 1
                if high < rows {
                    let line = output + high * width
                    for j in 0..<width { sums[j] += line[j] }
                }
                if low >= 0 {
                    let line = output + low * width
                    for j in 0..<width { sums[j] -= line[j] }
                }
                let scale = rowScale[r]
                let out = blurred + r * width
                for j in 0..<width { out[j] = sums[j] * scale }
            }
        }
        withExtendedLifetime(image) {}
        buffers.recycle([horizontal])
        return result
    }
}

/// One tissue's share of an acquisition: its (folded) fraction map, the signal of each
/// k-space line, and the hybrid-space bucket it moves with.
struct TissueContribution {
    var map: [Float]
    /// Rows and columns of `map` that hold anything.
    var occupancy: LineOccupancy
    /// Relative proton density.
    var density: Float
    /// Signal per line in acquisition order (line index = signed frequency + lines/2).
    var weights: [Float]
    /// The same under a regular rhythm, when the motion-free reference needs its own weights.
    var stillWeights: [Float]?
    var bucket: ComplexImage
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

fileprivate extension SIMD4<Float> {
    /// Four values from memory, without alignment requirements.
    @inline(__always) static func load(_ pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inline(__always) static func load(_ pointer: UnsafeMutablePointer<Float>) -> Self {
        load(UnsafePointer(pointer))
    }

    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }
}

fileprivate extension SIMD8<Float> {
    @inline(__always) static func load(_ pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inline(__always) static func load(_ pointer: UnsafeMutablePointer<Float>) -> Self {
        load(UnsafePointer(pointer))
    }

    @inline(__always) func store(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }

    /// (re, im) pairs from separate real and imaginary parts.
    @inline(__always) static func interleaving(_ real: SIMD4<Float>, _ imaginary: SIMD4<Float>) -> Self {
        Self(real[0], imaginary[0], real[1], imaginary[1], real[2], imaginary[2], real[3], imaginary[3])
    }
}
