import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGESession

/// Everything needed to render one LGE exam: the patient, the scar, the plan the
/// technologist follows, what goes wrong, and what an expert would do about it.
///
/// Teaching scenarios (`scenarios/*.yaml`) and random cohort members are both `ExamCase`s.
public struct ExamCase: Sendable, Hashable, Codable {
    /// Short identifier, e.g. the scenario file's name.
    public var name: String
    public var title: String
    /// Seeds anatomy variation, noise, and artifacts that recur on repeats.
    public var seed: UInt64
    public var patient: PatientSpec
    public var scars: [ScarPattern]
    public var plan: AcquisitionPlan
    public var events: [ArtifactEvent]
    public var teaching: TeachingNotes?
    /// What an expert technologist would do, in order.
    public var expertActions: [ExpectedAction]

    public init(
        name: String, title: String = "", seed: UInt64 = 1, patient: PatientSpec = PatientSpec(),
        scars: [ScarPattern] = [], plan: AcquisitionPlan = AcquisitionPlan(), events: [ArtifactEvent] = [],
        teaching: TeachingNotes? = nil, expertActions: [ExpectedAction] = []
    ) {
        self.name = name
        self.title = title
        self.seed = seed
        self.patient = patient
        self.scars = scars
        self.plan = plan
        self.events = events
        self.teaching = teaching
        self.expertActions = expertActions
    }
}

/// The patient on the table.
public struct PatientSpec: Sendable, Hashable, Codable {
    public var anatomy: HeartAnatomy
    /// Heart rate, beats per minute.
    public var heartRate: Double
    public var fieldStrength: FieldStrength
    /// Gadolinium dose, mmol/kg.
    public var contrastDose: Double
    /// Cardiac amyloidosis: diffuse uptake, the myocardium will not null.
    public var amyloid: Bool

    public init(
        anatomy: HeartAnatomy = .typical, heartRate: Double = 65, fieldStrength: FieldStrength = .t1_5,
        contrastDose: Double = 0.15, amyloid: Bool = false
    ) {
        self.anatomy = anatomy
        self.heartRate = heartRate
        self.fieldStrength = fieldStrength
        self.contrastDose = contrastDose
        self.amyloid = amyloid
    }
}

/// How the technologist picks the inversion time.
public enum InversionTimeChoice: Sendable, Hashable, Codable {
    /// A fixed TI, ms.
    case fixed(Double)
    /// The myocardial null at the start of the exam (as from a TI scout), plus `offset` ms.
    case nulling(offset: Double)
}

/// The acquisition plan: what the technologist means to acquire, in order.
public struct AcquisitionPlan: Sendable, Hashable, Codable {
    /// Short-axis slices, base to apex.
    public var shortAxisSlices: Int
    /// Slice thickness and gap, mm.
    public var sliceThickness: Double
    public var sliceGap: Double
    /// Matrix (square) and in-plane pixel size, mm: FOV = matrix × pixel size.
    public var matrix: Int
    public var pixelSize: Double
    /// Phase field of view as a fraction of the readout FOV.
    public var phaseFieldOfView: Double
    public var phaseEncodeDirection: PhaseEncodeDirection
    public var inversionTime: InversionTimeChoice
    /// Whether the technologist raises TI as the null drifts (else TI stays where it was set).
    public var followsNullDrift: Bool
    /// Which reconstructions the scanner sends: PSIR, magnitude, or both.
    public var reconstructions: [ReconstructionKind]
    /// Minutes from injection to the first LGE slice.
    public var startMinute: Double
    /// Pause between breath-holds (instructions, recovery), seconds.
    public var pauseBetweenBreathHolds: Double
    /// Long-axis views acquired after the short-axis stack.
    public var longAxisViews: [ViewOrientation]
    public var segmentOrdering: SegmentOrdering
    public var linesPerShot: Int
    public var gatingFactor: Int
    /// Blood-pool SNR in the magnitude image.
    public var bloodSNR: Double
    /// Whose naming conventions the series descriptions and ImageType follow.
    public var vendorStyle: VendorStyle

    public init(
        shortAxisSlices: Int = 10, sliceThickness: Double = 8, sliceGap: Double = 2, matrix: Int = 256,
        pixelSize: Double = 1.4, phaseFieldOfView: Double = 1, phaseEncodeDirection: PhaseEncodeDirection = .row,
        inversionTime: InversionTimeChoice = .nulling(offset: 0), followsNullDrift: Bool = true,
        reconstructions: [ReconstructionKind] = [.psir, .magnitude], startMinute: Double = 10,
        pauseBetweenBreathHolds: Double = 12, longAxisViews: [ViewOrientation] = [.fourChamber, .twoChamber, .threeChamber],
        segmentOrdering: SegmentOrdering = .interleaved, linesPerShot: Int = 25, gatingFactor: Int = 2,
        bloodSNR: Double = 25, vendorStyle: VendorStyle = .siemens
    ) {
        self.shortAxisSlices = shortAxisSlices
        self.sliceThickness = sliceThickness
        self.sliceGap = sliceGap
        self.matrix = matrix
        self.pixelSize = pixelSize
        self.phaseFieldOfView = phaseFieldOfView
        self.phaseEncodeDirection = phaseEncodeDirection
        self.inversionTime = inversionTime
        self.followsNullDrift = followsNullDrift
        self.reconstructions = reconstructions
        self.startMinute = startMinute
        self.pauseBetweenBreathHolds = pauseBetweenBreathHolds
        self.longAxisViews = longAxisViews
        self.segmentOrdering = segmentOrdering
        self.linesPerShot = linesPerShot
        self.gatingFactor = gatingFactor
        self.bloodSNR = bloodSNR
        self.vendorStyle = vendorStyle
    }
}

/// Scanner vendors' conventions for naming LGE reconstructions (what `inspect` must recognise).
public enum VendorStyle: String, Sendable, Hashable, Codable, CaseIterable {
    /// "…_MAG" / "…_PSIR" series, ImageType M / R.
    case siemens
    /// "MDE …" / "PS MDE …" series.
    case ge
    /// ImageType M_IR / R_IR, one description for both.
    case philips
}

/// The two ways the same IR data are reconstructed.
public enum ReconstructionKind: String, Sendable, Hashable, Codable, CaseIterable {
    case psir
    case magnitude
}

/// Which acquisitions an artifact event affects.
public enum AcquisitionSelector: Sendable, Hashable, Codable {
    /// Short-axis slices by index (0 = most basal).
    case shortAxis([Int])
    /// Every short-axis slice from this index on.
    case shortAxisFrom(Int)
    /// A long-axis view.
    case view(ViewOrientation)
    /// Everything.
    case all

    public func matches(_ target: AcquisitionTarget) -> Bool {
        switch (self, target) {
        case (.all, _): true
        case (.shortAxis(let indices), .shortAxis(let index)): indices.contains(index)
        case (.shortAxisFrom(let first), .shortAxis(let index)): index >= first
        case (.view(let view), .longAxis(let actual)): view == actual
        default: false
        }
    }
}

/// Something that goes wrong during an acquisition, and how likely it is to come back when
/// that acquisition is repeated.
public struct ArtifactEvent: Sendable, Hashable, Codable {
    public var affects: AcquisitionSelector
    public var kind: ArtifactKind
    /// Probability that the artifact recurs on a repeat of an affected acquisition.
    public var recurrence: Double

    public init(affects: AcquisitionSelector, kind: ArtifactKind, recurrence: Double = 0.25) {
        self.affects = affects
        self.kind = kind
        self.recurrence = recurrence
    }
}

/// What goes wrong.
public enum ArtifactKind: Sendable, Hashable, Codable {
    /// A failed breath-hold: the heart moves `amplitude` mm head–foot with this period (s).
    case respiratoryGhosting(amplitude: Double, period: Double)
    /// Missed R waves (the trigger waits a beat) and premature beats, by beat index.
    case arrhythmia(missedBeats: [Int], prematureBeats: [Int])
    /// The heart moves `amplitude` mm during each readout window.
    case motionBlur(amplitude: Double)
    /// The technologist's TI is off the null by `offset` ms for these acquisitions.
    case inversionTimeError(offset: Double)

    /// The cause of doubt it produces, as the classifier names it.
    public var cause: ArtifactCause {
        switch self {
        case .respiratoryGhosting: .ghosting
        case .arrhythmia: .ghosting
        case .motionBlur: .motion
        case .inversionTimeError: .tiNulling
        }
    }
}

/// Causes of diagnostic doubt, as the classifier's heads name them.
public enum ArtifactCause: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case tiNulling = "ti_nulling"
    case ghosting
    case motion
    case focalEquivocal = "focal_equivocal"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where an acquisition is aimed.
public enum AcquisitionTarget: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A short-axis slice of the planned stack (0 = most basal).
    case shortAxis(Int)
    /// A standard long-axis view.
    case longAxis(ViewOrientation)
    /// A long-axis plane through a point (a crosscut through a flagged spot).
    case crosscut(through: PatientVector, view: ViewOrientation)

    public var description: String {
        switch self {
        case .shortAxis(let index): "SA \(index + 1)"
        case .longAxis(let view): view.rawValue
        case .crosscut(_, let view): "\(view.rawValue) crosscut"
        }
    }
}

/// What a technologist can do after seeing a slice.
public enum ScanAction: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Acquire it again, unchanged (breath-hold coaching).
    case repeatAcquisition
    /// Acquire it again with a new TI.
    case repeatWithInversionTime(InversionTimeChange)
    /// Acquire it again with the phase-encode direction swapped: ghosts rotate by 90°.
    case swapPhaseEncode
    /// A long-axis view through the slice's flagged region (or a named view through the LV centre).
    case longAxisCrosscut(CrosscutAim)

    /// Time the action costs beyond the acquisition itself (planning, instructions), seconds.
    public var overhead: Double {
        switch self {
        case .repeatAcquisition, .swapPhaseEncode: 10
        case .repeatWithInversionTime: 12
        case .longAxisCrosscut: 20
        }
    }

    /// The snake_case name protocols and event logs use.
    public var name: String {
        switch self {
        case .repeatAcquisition: "repeat"
        case .repeatWithInversionTime: "repeat_ti"
        case .swapPhaseEncode: "swap_phase_encode"
        case .longAxisCrosscut: "long_axis_crosscut"
        }
    }

    public var description: String {
        switch self {
        case .repeatAcquisition: "repeat"
        case .repeatWithInversionTime(let change): "repeat with \(change)"
        case .swapPhaseEncode: "swap phase encode"
        case .longAxisCrosscut(let aim): "long-axis crosscut \(aim)"
        }
    }
}

/// A new inversion time: absolute, relative, or back on the current null.
public enum InversionTimeChange: Sendable, Hashable, Codable, CustomStringConvertible {
    case absolute(Double)
    case delta(Double)
    case nulling

    public func apply(to current: Double, null: Double) -> Double {
        switch self {
        case .absolute(let value): value
        case .delta(let delta): current + delta
        case .nulling: null
        }
    }

    public var description: String {
        switch self {
        case .absolute(let value): "TI \(Int(value)) ms"
        case .delta(let delta): "TI \(delta >= 0 ? "+" : "")\(Int(delta)) ms"
        case .nulling: "TI at the myocardial null"
        }
    }
}

/// Where a crosscut goes.
public enum CrosscutAim: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A standard view through the LV centre.
    case view(ViewOrientation)
    /// The long-axis view, among 2CH/3CH/4CH, that best cuts the slice's enhancement, through its centroid.
    case throughFlaggedRegion
    /// A given view through a given point.
    case through(PatientVector, ViewOrientation)

    public var description: String {
        switch self {
        case .view(let view): "(\(view.rawValue))"
        case .throughFlaggedRegion: "through the flagged region"
        case .through(_, let view): "(\(view.rawValue) through a point)"
        }
    }
}

/// What an expert technologist would do, for teaching.
public struct ExpectedAction: Sendable, Hashable, Codable {
    /// The acquisition the action follows.
    public var after: AcquisitionTarget
    public var action: ScanAction
    public var why: String

    public init(after: AcquisitionTarget, action: ScanAction, why: String) {
        self.after = after
        self.action = action
        self.why = why
    }
}

/// Text for trainees.
public struct TeachingNotes: Sendable, Hashable, Codable {
    public var summary: String
    public var lookFor: [String]

    public init(summary: String, lookFor: [String] = []) {
        self.summary = summary
        self.lookFor = lookFor
    }
}
