import LGEDICOM
import LGEProtocol
import LGESession

/// One image of an arriving acquisition: the PSIR or the magnitude reconstruction.
public struct ArrivingImage: Sendable {
    public var reconstruction: Reconstruction
    /// nil when the source could not decode the pixels (the slice is then unassessable).
    public var pixels: PixelImage?
    public var pixelSpacing: PixelSpacing?
    /// What the simulator's virtual readers made of this image; nil outside the simulator.
    public var readersUnsure: Bool?
    /// The image as the virtual readers' own odds would assess it (``ReplayAssessor/virtualReaders``):
    /// the chance they are unsure given the image's true evidence, the true LGE and the causes of
    /// doubt the simulator put in. nil outside the simulator.
    public var virtualReaders: Assessment?

    public init(
        reconstruction: Reconstruction, pixels: PixelImage?, pixelSpacing: PixelSpacing?, readersUnsure: Bool? = nil,
        virtualReaders: Assessment? = nil
    ) {
        self.reconstruction = reconstruction
        self.pixels = pixels
        self.pixelSpacing = pixelSpacing
        self.readersUnsure = readersUnsure
        self.virtualReaders = virtualReaders
    }
}

/// What the simulator knows about an acquisition (never available for a real session).
public struct SimulatorTruth: Sendable, Hashable, Encodable {
    public var lge: Bool
    /// AHA segments (1–17) with scar in the slice.
    public var segments: [Int]
    /// Causes of doubt the simulator put into the acquisition (`ghosting`, `ti_nulling`, ...).
    public var causes: [String]
    /// Whether the virtual reader panel is unsure about any image of it.
    public var readersUnsure: Bool

    enum CodingKeys: String, CodingKey {
        case lge, segments, causes, readersUnsure = "readers_unsure"
    }

    public init(lge: Bool, segments: [Int], causes: [String], readersUnsure: Bool) {
        self.lge = lge
        self.segments = segments
        self.causes = causes
        self.readersUnsure = readersUnsure
    }
}

/// One acquisition (one breath-hold) as it reaches lgeqa: its PSIR and magnitude images
/// together, and where it sits in the exam.
public struct ArrivingSlice: Sendable {
    /// What the scanner aimed at, as a technologist names it: "SA 5", "4CH", "2CH crosscut".
    public var target: String
    /// Identifies the anatomical position across repeats: a repeat of SA 5 is "SA 5" again.
    public var position: String
    public var orientation: ViewOrientation
    public var ring: AHARing?
    /// Slice number as the technologist counts it (1 = most basal short-axis slice).
    public var index: Int
    /// Images of the acquisition, PSIR first.
    public var images: [ArrivingImage]
    /// Inversion time played, ms.
    public var inversionTime: Double?
    public var phaseEncodeDirection: PhaseEncodeDirection?
    public var minutesSinceInjection: Double?
    /// Seconds from the session's first acquisition to this one, by the recorded or simulated
    /// clock: what `--speed realtime` paces by.
    public var secondsFromStart: Double?
    /// The source's own number for this acquisition (the simulator's acquisition index).
    public var sourceReference: Int
    /// `sourceReference` of the acquisition this one follows up, when the source knows.
    public var followsUpReference: Int?
    /// The action that produced it (`repeat_ti`, ...), when the source knows.
    public var action: String?
    /// Shortest and longest R-R interval the ECG trigger recorded during the breath-hold, ms
    /// (Low/High R-R Value); nil when the source does not know.
    public var rrRange: ClosedRange<Double>?
    public var truth: SimulatorTruth?
    /// What the teaching scenario's expert did after this acquisition, when the source knows.
    public var expertAdvice: ExpertAdvice?

    public init(
        target: String, position: String? = nil, orientation: ViewOrientation, ring: AHARing? = nil, index: Int,
        images: [ArrivingImage], inversionTime: Double? = nil, phaseEncodeDirection: PhaseEncodeDirection? = nil,
        minutesSinceInjection: Double? = nil, secondsFromStart: Double? = nil, sourceReference: Int,
        followsUpReference: Int? = nil, action: String? = nil, rrRange: ClosedRange<Double>? = nil,
        truth: SimulatorTruth? = nil, expertAdvice: ExpertAdvice? = nil
    ) {
        self.target = target
        self.position = position ?? target
        self.orientation = orientation
        self.ring = ring
        self.index = index
        self.images = images.sorted { $0.reconstruction < $1.reconstruction }
        self.inversionTime = inversionTime
        self.phaseEncodeDirection = phaseEncodeDirection
        self.minutesSinceInjection = minutesSinceInjection
        self.secondsFromStart = secondsFromStart
        self.sourceReference = sourceReference
        self.followsUpReference = followsUpReference
        self.action = action
        self.rrRange = rrRange
        self.truth = truth
        self.expertAdvice = expertAdvice
    }

    /// Whether the acquisition has a PSIR image (PSIR copes with a wrong TI).
    public var hasPSIR: Bool { images.contains { $0.reconstruction == .psir } }
}

/// What an expert technologist did after an acquisition of a teaching scenario: the yardstick a
/// trainee, and the protocol, are measured against.
public struct ExpertAdvice: Sendable, Hashable {
    /// The action in the protocols' words: `repeat_ti`, `swap_phase_encode`, `long_axis_crosscut`, `repeat`.
    public var action: String
    /// The action as a technologist says it: "repeat with TI +25 ms".
    public var description: String
    /// The TI change, ms, when the expert changed TI by a given step.
    public var inversionTimeDelta: Double?
    /// The expert's reason, for the trainee.
    public var why: String

    public init(action: String, description: String, inversionTimeDelta: Double? = nil, why: String) {
        self.action = action
        self.description = description
        self.inversionTimeDelta = inversionTimeDelta
        self.why = why
    }

    /// Whether a protocol's recommendation is the expert's action: the same action and, for a
    /// TI step, a step the same way (shorter, as in amyloid, is not longer).
    public func isMatched(by recommended: Action) -> Bool {
        var step: Double?
        if case .repeatTI(.delta(let delta)) = recommended { step = delta }
        return Self.isSameAction(recommended.kind, step: step, as: action, expertStep: inversionTimeDelta)
    }

    /// The one rule for "the expert's action", for the protocol's recommendations and a trainee's
    /// answers alike: the same action and, where the expert stepped TI, a step the same way.
    public static func isSameAction(_ action: String?, step: Double?, as expertAction: String, expertStep: Double?) -> Bool {
        guard action == expertAction else { return false }
        guard let expertStep else { return true }
        guard let step else { return false }
        return step * expertStep > 0
    }
}
