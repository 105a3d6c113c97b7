import LGERandom
import Foundation
import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGESession

/// One reconstruction of one acquisition, as the scanner would send it.
public struct SimulatedImage: Sendable {
    public var reconstruction: ReconstructionKind
    /// Header and pixels, ready for ``DICOMWriter``.
    public var slice: MRSlice
    /// What a reader can see in this image.
    public var evidence: ImageEvidence
}

/// One breath-hold: the planned acquisition or a technologist's action, with the truth.
public struct SimulatedAcquisition: Sendable {
    /// Position in the exam, from 0.
    public var index: Int
    public var target: AcquisitionTarget
    /// The action that produced it; nil for the planned exam.
    public var action: ScanAction?
    /// The acquisition this one follows up, for actions.
    public var followsUp: Int?
    /// Minutes since injection when the breath-hold started.
    public var startMinute: Double
    /// Scan time of the breath-hold, seconds.
    public var duration: Double
    /// The TI actually played, ms: the requested one clamped to what the readout can play.
    public var inversionTime: Double
    /// The TI the plan or the action asked for, ms; differs from ``inversionTime`` when the
    /// scanner had to clamp it (e.g. a shorter TI than the readout allows).
    public var requestedInversionTime: Double
    public var phaseEncodeDirection: PhaseEncodeDirection
    public var geometry: SliceGeometry
    /// The R-R interval of every heartbeat of the breath-hold, ms, as the ECG trigger saw them
    /// (the images' headers carry the shortest and longest as Low/High R-R Value).
    public var rrIntervals: [Double]
    public var images: [SimulatedImage]
    public var truth: SliceTruth
    /// Fraction of each image pixel that is enhancing scar or microvascular obstruction (row-major,
    /// the images' grid): where the LGE truly is, for training a lesion map.
    public var lesionFractions: [Float]
    /// Fraction of each image pixel that is left-ventricular wall, scarred or not (row-major, the
    /// images' grid): where the myocardium is, for training a myocardium map.
    public var myocardiumFractions: [Float]

    /// The shortest R-R interval of the breath-hold, ms.
    public var shortestRR: Double? { rrIntervals.min() }
    /// The longest R-R interval of the breath-hold, ms.
    public var longestRR: Double? { rrIntervals.max() }
}

/// Renders a whole LGE exam from an ``ExamCase`` and answers the technologist's actions.
///
/// The clock runs in minutes since injection: every breath-hold and every action advances it,
/// and tissue T1 (so the null TI) drifts with it. The same seed gives the same exam bit for bit.
public struct ExamSimulator: Sendable {
    public let exam: ExamCase
    public let phantom: HeartPhantom
    public let kinetics: ContrastKinetics
    public let planner: CardiacViewPlanner
    let engine: KSpaceSimulator
    let shortAxisPlanes: [SliceGeometry]
    let identity: ExamIdentity

    /// How far TI may sit from the myocardial null before a magnitude image suffers, ms.
    public static let inversionTimeTolerance = 20.0

    /// Minutes since injection now.
    public private(set) var clock: Double
    public private(set) var acquisitions: [SimulatedAcquisition] = []
    /// The TI the technologist last set for the planned acquisitions, ms.
    public private(set) var plannedInversionTime: Double
    /// How far the technologist has moved TI from the plan with repeats, ms: kept for the planned
    /// acquisitions that follow, as the console keeps a changed TI (a technologist who raises TI
    /// for a repeat does not lower it again for the next slice).
    public private(set) var inversionTimeCorrection = 0.0
    /// ``inversionTimeCorrection`` as it stood for each acquisition, by index: a repeat's TI
    /// change is relative to the acquisition it repeats.
    private var correctionByAcquisition: [Int: Double] = [:]

    public init(exam: ExamCase, engine: KSpaceSimulator = KSpaceSimulator()) throws(SimulationError) {
        self.exam = exam
        self.engine = engine
        phantom = HeartPhantom(anatomy: exam.patient.anatomy, scars: exam.scars)
        kinetics = ContrastKinetics(
            fieldStrength: exam.patient.fieldStrength, dose: exam.patient.contrastDose, amyloid: exam.patient.amyloid)
        let axes = exam.patient.anatomy.axes
        planner = CardiacViewPlanner(axes: HeartAxes(longAxis: axes.longAxis, anterior: axes.anterior, centre: phantom.lvCentroid()))
        let plan = exam.plan
        let spacing = PixelSpacing(betweenRows: plan.pixelSize, betweenColumns: plan.pixelSize)
        shortAxisPlanes = planner.shortAxisStack(
            count: plan.shortAxisSlices, thickness: plan.sliceThickness, gap: plan.sliceGap, rows: plan.matrix,
            columns: plan.matrix, pixelSpacing: spacing)
        identity = ExamIdentity(exam: exam)
        clock = plan.startMinute
        plannedInversionTime = 0
        plannedInversionTime = try plannedTI(at: plan.startMinute, initial: true)
    }

    /// The myocardial null TI now, ms: what a perfect TI scout would say.
    public func nullInversionTime(at minute: Double? = nil) throws(SimulationError) -> Double {
        let readout = try readout(inversionTime: 300)
        return SegmentedIRReadout(parameters: readout).optimalInversionTime(kinetics: kinetics, minutesSinceInjection: minute ?? clock)
    }

    /// Acquires the planned exam: the short-axis stack base to apex, then the long-axis views.
    @discardableResult
    public mutating func acquirePlannedExam() throws(SimulationError) -> [SimulatedAcquisition] {
        let targets = (0..<shortAxisPlanes.count).map(AcquisitionTarget.shortAxis)
            + exam.plan.longAxisViews.filter { ViewOrientation.longAxisViews.contains($0) }.map(AcquisitionTarget.longAxis)
        var made: [SimulatedAcquisition] = []
        for target in targets { made.append(try acquirePlanned(target)) }
        return made
    }

    /// Acquires one planned target with the plan's settings and the events that affect it.
    public mutating func acquirePlanned(_ target: AcquisitionTarget) throws(SimulationError) -> SimulatedAcquisition {
        if exam.plan.followsNullDrift { plannedInversionTime = try plannedTI(at: clock, initial: false) }
        var ti = plannedInversionTime + inversionTimeCorrection
        var motion = MotionConditions.still
        for event in exam.events where event.affects.matches(target) {
            if case .inversionTimeError(let offset) = event.kind { ti += offset } else { event.kind.apply(to: &motion) }
        }
        let acquisition = try acquire(
            target: target, plane: try plane(for: target), inversionTime: ti,
            phaseEncode: exam.plan.phaseEncodeDirection, motion: motion, action: nil, followsUp: nil)
        correctionByAcquisition[acquisition.index] = inversionTimeCorrection
        clock += (acquisition.duration + exam.plan.pauseBetweenBreathHolds) / 60
        return acquisition
    }

    /// Carries out a technologist's action after acquisition `index`; the clock advances by the
    /// breath-hold plus the action's overhead.
    public mutating func perform(_ action: ScanAction, after index: Int) throws(SimulationError) -> SimulatedAcquisition {
        guard acquisitions.indices.contains(index) else { throw .noSuchAcquisition(index) }
        let original = acquisitions[index]
        // Artifacts of the original come back with their recurrence probability; TI choices stay.
        var random = SeededGenerator(seed: exam.seed, stream: "recurrence/\(acquisitions.count)")
        var motion = MotionConditions.still
        var ti = original.inversionTime
        for event in exam.events where event.affects.matches(original.target) {
            if case .inversionTimeError = event.kind { continue }
            if random.uniform(0...1) < event.recurrence { event.kind.apply(to: &motion) }
        }
        var phaseEncode = original.phaseEncodeDirection
        var plane = original.geometry.fullFieldOfView(matrix: exam.plan.matrix)
        var target = original.target
        switch action {
        case .repeatAcquisition:
            break
        case .repeatWithInversionTime(let change):
            ti = change.apply(to: original.inversionTime, null: try nullInversionTime())
        case .swapPhaseEncode:
            phaseEncode = phaseEncode.swapped
        case .longAxisCrosscut(let aim):
            (plane, target) = crosscut(aim, from: original)
            phaseEncode = exam.plan.phaseEncodeDirection
            motion = MotionConditions.still
            ti = exam.plan.followsNullDrift ? try nullInversionTime() : original.inversionTime
        }
        let acquisition = try acquire(
            target: target, plane: plane, inversionTime: ti, phaseEncode: phaseEncode, motion: motion, action: action,
            followsUp: index)
        let before = correctionByAcquisition[index] ?? 0
        if case .repeatWithInversionTime = action {
            inversionTimeCorrection = before + acquisition.inversionTime - original.inversionTime
            correctionByAcquisition[acquisition.index] = inversionTimeCorrection
        } else {
            correctionByAcquisition[acquisition.index] = before
        }
        clock += (acquisition.duration + action.overhead) / 60
        return acquisition
    }

    // MARK: - Internals

    private func plannedTI(at minute: Double, initial: Bool) throws(SimulationError) -> Double {
        switch exam.plan.inversionTime {
        case .fixed(let value): return value
        case .nulling(let offset): return try nullInversionTime(at: minute) + offset
        }
    }

    private func readout(inversionTime: Double) throws(SimulationError) -> ReadoutParameters {
        let typical = ReadoutParameters.typical(for: exam.patient.fieldStrength)
        do {
            return try ReadoutParameters(
                heartRate: exam.patient.heartRate, gatingFactor: exam.plan.gatingFactor,
                linesPerShot: exam.plan.linesPerShot, repetitionTime: typical.repetitionTime,
                flipAngle: typical.flipAngle, inversionTime: inversionTime, ordering: .linear)
        } catch {
            throw .impossibleReadout(error.description)
        }
    }

    private func plane(for target: AcquisitionTarget) throws(SimulationError) -> SliceGeometry {
        let spacing = PixelSpacing(betweenRows: exam.plan.pixelSize, betweenColumns: exam.plan.pixelSize)
        switch target {
        case .shortAxis(let index):
            guard shortAxisPlanes.indices.contains(index) else { throw .noSuchSlice(index) }
            return shortAxisPlanes[index]
        case .longAxis(let view):
            guard let plane = planner.longAxis(
                view, thickness: exam.plan.sliceThickness, rows: exam.plan.matrix, columns: exam.plan.matrix,
                pixelSpacing: spacing)
            else { throw .notALongAxisView(view) }
            return plane
        case .crosscut(let point, let view):
            guard let plane = planner.longAxis(
                view, thickness: exam.plan.sliceThickness, rows: exam.plan.matrix, columns: exam.plan.matrix,
                pixelSpacing: spacing)
            else { throw .notALongAxisView(view) }
            return plane.shifted(through: point)
        }
    }

    /// A long-axis plane through the flagged region: it contains the LV long axis and the
    /// region's centroid (the scar's, or the slice centre's when there is none).
    private func crosscut(_ aim: CrosscutAim, from original: SimulatedAcquisition) -> (SliceGeometry, AcquisitionTarget) {
        let spacing = PixelSpacing(betweenRows: exam.plan.pixelSize, betweenColumns: exam.plan.pixelSize)
        let thickness = exam.plan.sliceThickness, matrix = exam.plan.matrix
        switch aim {
        case .view(let view):
            let plane = planner.longAxis(view, thickness: thickness, rows: matrix, columns: matrix, pixelSpacing: spacing)
                ?? planner.longAxis(atAngle: 0, thickness: thickness, rows: matrix, columns: matrix, pixelSpacing: spacing)
            return (plane, .longAxis(view))
        case .through(let point, let view):
            let plane = (planner.longAxis(view, thickness: thickness, rows: matrix, columns: matrix, pixelSpacing: spacing)
                ?? planner.longAxis(atAngle: 0, thickness: thickness, rows: matrix, columns: matrix, pixelSpacing: spacing))
                .shifted(through: point)
            return (plane, .crosscut(through: point, view: view))
        case .throughFlaggedRegion:
            let point = original.truth.scarCentroid ?? original.geometry.centre
            let axes = planner.axes
            let radial = (point - axes.centre) - axes.longAxis * (point - axes.centre).dot(axes.longAxis)
            var angle = 0.0
            if radial.length > 1e-6 {
                let septal = axes.septal
                angle = atan2(radial.dot(septal), radial.dot(axes.anterior)) * 180 / .pi
            }
            let plane = planner.longAxis(atAngle: angle, thickness: thickness, rows: matrix, columns: matrix, pixelSpacing: spacing)
            let evidence = CardiacViewClassifier.classify(plane, axes: axes)
            let view = ViewOrientation.longAxisViews.contains(evidence.view) ? evidence.view : .twoChamber
            return (plane, .crosscut(through: point, view: view))
        }
    }

    /// Inversion times the exam's readout can play, ms: a scanner clamps a requested TI to these
    /// (the TI slider stops at the shortest TI the readout allows) rather than refusing to scan.
    public var playableInversionTimes: ClosedRange<Double> {
        let typical = ReadoutParameters.typical(for: exam.patient.fieldStrength)
        return ReadoutParameters.playableInversionTimes(
            heartRate: exam.patient.heartRate, linesPerShot: exam.plan.linesPerShot,
            repetitionTime: typical.repetitionTime, ordering: .linear)
    }

    private mutating func acquire(
        target: AcquisitionTarget, plane: SliceGeometry, inversionTime requested: Double, phaseEncode: PhaseEncodeDirection,
        motion: MotionConditions, action: ScanAction?, followsUp: Int?
    ) throws(SimulationError) -> SimulatedAcquisition {
        let index = acquisitions.count
        let playable = playableInversionTimes
        let inversionTime = requested.isFinite
            ? min(max(requested, playable.lowerBound), playable.upperBound) : requested
        let readout = try readout(inversionTime: inversionTime)
        let settings = AcquisitionSettings(
            plane: plane, phaseEncodeDirection: phaseEncode, phaseFieldOfView: exam.plan.phaseFieldOfView,
            readout: readout, segmentOrdering: exam.plan.segmentOrdering, bloodSNR: exam.plan.bloodSNR)
        let fractions = phantom.sample(on: plane)
        var t1: [Tissue: Double] = [:]
        for tissue in Tissue.allCases { t1[tissue] = kinetics.t1(tissue, minutesSinceInjection: clock) }
        let images: AcquiredImages
        do {
            images = try engine.acquire(
                fractions: fractions, t1: t1, settings: settings, motion: motion,
                seed: exam.seed &+ UInt64(index) &* 0x9E37_79B9)
        } catch {
            throw .impossibleReadout(String(describing: error))
        }
        let scar = phantom.scarTruth(on: plane, fractions: fractions)
        let null = try nullInversionTime()
        let crop = FoldGeometry(
            plane: plane, peAlongColumns: phaseEncode == .column,
            lines: phaseEncode == .column ? images.geometry.rows : images.geometry.columns)
        let masks = TissueMasks(fractions: fractions, crop: crop)
        let lesionFractions = TissueMasks.lesionFractions(fractions, crop: crop)
        let myocardiumFractions = TissueMasks.cropped(
            phantom.leftVentricularWallFractions(on: plane, fractions: fractions), crop: crop)
        var causes = Set<ArtifactCause>()
        if motion.respiratory != nil || !motion.rhythm.isRegular { causes.insert(.ghosting) }
        if motion.cardiacBlur > 0 { causes.insert(.motion) }
        let focal = exam.scars.contains { if case .focal = $0 { true } else { false } }
        if focal && scar.isPresent { causes.insert(.focalEquivocal) }
        // A TI off the null spoils magnitude images (PSIR is robust, so each image says
        // whether it is affected); amyloid myocardium will not null at any TI.
        if exam.patient.amyloid || abs(inversionTime - null) > ExamSimulator.inversionTimeTolerance { causes.insert(.tiNulling) }

        var simulated: [SimulatedImage] = []
        for kind in exam.plan.reconstructions {
            let pixels = kind == .psir ? images.psir : images.magnitude
            var imageCauses = causes
            if kind == .psir && !exam.patient.amyloid { imageCauses.remove(.tiNulling) }
            let evidence = ImageEvidence.measure(
                pixels: pixels, masks: masks, sigma: images.noiseSigma, artifact: images.artifact, scar: scar,
                causes: imageCauses, reconstruction: kind)
            let header = identity.header(
                for: kind, acquisitionIndex: index, target: target, action: action, geometry: images.geometry,
                inversionTime: inversionTime, phaseEncode: phaseEncode, minute: clock, exam: exam, readout: readout,
                rrIntervals: images.rrIntervals)
            let rounded = pixels.map { $0.rounded() }
            simulated.append(SimulatedImage(
                reconstruction: kind,
                slice: MRSlice(header: header, pixels: PixelImage(rows: images.geometry.rows, columns: images.geometry.columns, values: rounded)),
                evidence: evidence))
        }
        let truth = SliceTruth(
            lgePresent: scar.isPresent, segments: scar.segments, scarAreaMM2: scar.areaMM2, scarCentroid: scar.centroid,
            causes: causes.sorted(), inversionTime: inversionTime, optimalInversionTime: null,
            ghostOverlapsMyocardium: simulated.contains { $0.evidence.ghostOverlapsMyocardium })
        let acquisition = SimulatedAcquisition(
            index: index, target: target, action: action, followsUp: followsUp, startMinute: clock,
            duration: images.duration, inversionTime: inversionTime, requestedInversionTime: requested,
            phaseEncodeDirection: phaseEncode,
            geometry: images.geometry, rrIntervals: images.rrIntervals, images: simulated, truth: truth,
            lesionFractions: lesionFractions, myocardiumFractions: myocardiumFractions)
        acquisitions.append(acquisition)
        return acquisition
    }
}

/// Why a simulation cannot go on.
public enum SimulationError: Error, Sendable, Hashable, CustomStringConvertible {
    case impossibleReadout(String)
    case noSuchAcquisition(Int)
    case noSuchSlice(Int)
    case notALongAxisView(ViewOrientation)

    public var description: String {
        switch self {
        case .impossibleReadout(let why): "the readout cannot be played out: \(why)"
        case .noSuchAcquisition(let index): "there is no acquisition \(index) in this exam yet"
        case .noSuchSlice(let index): "the short-axis stack has no slice \(index + 1)"
        case .notALongAxisView(let view): "\(view.rawValue) is not a long-axis view (2CH, 3CH or 4CH)"
        }
    }
}

extension ArtifactKind {
    /// Adds this artifact's motion to an acquisition's conditions.
    func apply(to motion: inout MotionConditions) {
        switch self {
        case .respiratoryGhosting(let amplitude, let period):
            motion.respiratory = RespiratoryMotion(amplitude: amplitude, period: period, phase: 0)
        case .arrhythmia(let missed, let premature):
            motion.rhythm = HeartRhythm(missedBeats: missed, prematureBeats: premature)
        case .motionBlur(let amplitude):
            motion.cardiacBlur = amplitude
        case .inversionTimeError:
            break
        }
    }
}

extension SliceGeometry {
    /// The same plane moved along its normal so that it contains `point`.
    func shifted(through point: PatientVector) -> SliceGeometry {
        var copy = self
        copy.position += normal * (point - centre).dot(normal)
        return copy
    }

    /// The full square field of view this (possibly phase-FOV-reduced) grid was cut from.
    func fullFieldOfView(matrix: Int) -> SliceGeometry {
        var copy = self
        let rowShift = Double(matrix - rows) / 2, columnShift = Double(matrix - columns) / 2
        copy.position -= columnDirection * (rowShift * pixelSpacing.betweenRows) + rowDirection * (columnShift * pixelSpacing.betweenColumns)
        copy.rows = matrix
        copy.columns = matrix
        return copy
    }
}
