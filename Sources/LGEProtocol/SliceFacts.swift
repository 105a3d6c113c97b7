import LGESession

/// What the classifier said about one slice.
public struct Assessment: Sendable, Hashable {
    /// Probability that the slice shows LGE, 0–1.
    public var pLGE: Double
    /// Probability that a reader would be unsure about it, 0–1.
    public var pLowCertainty: Double
    /// Probability of each cause of doubt, 0–1; a cause left out was not scored.
    public var causes: [Cause: Double]
    /// The AHA segment (1–17) of the region that drove the assessment, when the classifier localises it.
    public var flaggedSegment: Int?

    public init(pLGE: Double, pLowCertainty: Double, causes: [Cause: Double] = [:], flaggedSegment: Int? = nil) {
        self.pLGE = pLGE
        self.pLowCertainty = pLowCertainty
        self.causes = causes
        self.flaggedSegment = flaggedSegment
    }

    /// The highest probability of an artifact (``Cause/artifacts``): what most likely spoiled the
    /// image rather than made its content equivocal. 0 when none was scored.
    public var highestArtifact: Double {
        Cause.artifacts.compactMap { causes[$0] }.max() ?? 0
    }

    /// The most probable cause, if any was scored above zero (an assessment that rules every cause
    /// out, as the virtual readers' does on a clean image, names none).
    public var likelyCause: (cause: Cause, probability: Double)? {
        causes.filter { $0.value > 0 }.max { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue) }
            .map { ($0.key, $0.value) }
    }
}

/// Where a slice sits in the exam, as the session tells it.
public struct SliceContext: Sendable, Hashable {
    /// Slice number as the technologist counts it: 1 = the most basal short-axis slice.
    public var index: Int
    /// Identifies the anatomical position across repeats ("SA 5", a slice location); prompts
    /// per position and per slice count by it. Defaults to orientation and index.
    public var position: String
    public var orientation: ViewOrientation
    /// Basal, mid or apical; nil for long-axis views.
    public var ring: AHARing?
    public var reconstruction: Reconstruction
    /// Inversion time, ms; nil when the header has none.
    public var inversionTime: Double?
    public var minutesSinceInjection: Double?
    /// Earlier acquisitions of this position (0 on the first).
    public var repeatsOfPosition: Int
    public var seriesHasPSIR: Bool
    /// Minutes since the technologist last set the TI (for `follow_null_drift`); nil when unknown.
    public var minutesSinceTISet: Double?
    /// Shortest and longest R-R interval the ECG trigger recorded during this acquisition, ms
    /// (Low/High R-R Value); nil when the header has none.
    public var lowRRInterval: Double?
    public var highRRInterval: Double?

    public init(
        index: Int, position: String? = nil, orientation: ViewOrientation = .shortAxis, ring: AHARing? = nil,
        reconstruction: Reconstruction = .magnitude, inversionTime: Double? = nil, minutesSinceInjection: Double? = nil,
        repeatsOfPosition: Int = 0, seriesHasPSIR: Bool = false, minutesSinceTISet: Double? = nil,
        lowRRInterval: Double? = nil, highRRInterval: Double? = nil
    ) {
        self.index = index
        self.position = position ?? "\(orientation.rawValue) \(index)"
        self.orientation = orientation
        self.ring = ring
        self.reconstruction = reconstruction
        self.inversionTime = inversionTime
        self.minutesSinceInjection = minutesSinceInjection
        self.repeatsOfPosition = repeatsOfPosition
        self.seriesHasPSIR = seriesHasPSIR
        self.minutesSinceTISet = minutesSinceTISet
        self.lowRRInterval = lowRRInterval
        self.highRRInterval = highRRInterval
    }

    /// One acquisition of one position: its PSIR and magnitude images share it.
    public var sliceKey: String { "\(position)#\(repeatsOfPosition)" }

    /// Longest minus shortest R-R interval of the acquisition, ms; nil unless both are known.
    public var rrRange: Double? {
        guard let low = lowRRInterval, let high = highRRInterval else { return nil }
        return high - low
    }

    /// The longest R-R at least this many times the shortest makes an acquisition arrhythmic.
    /// A missed beat doubles one interval and an ectopic beat typically comes 30-40% early;
    /// sinus variability during a held breath stays well under 30%.
    public static let arrhythmicRRRatio = 1.3

    /// Whether the rhythm was irregular during the acquisition (a missed or premature beat):
    /// the longest R-R is ``arrhythmicRRRatio`` times the shortest or more. nil when unknown.
    public var isArrhythmic: Bool? {
        guard let low = lowRRInterval, let high = highRRInterval, low > 0 else { return nil }
        return high >= Self.arrhythmicRRRatio * low
    }
}

/// Everything the rules can see about one slice.
public struct SliceFacts: Sendable, Hashable {
    /// nil when the slice could not be assessed; the engine then recommends nothing and says why.
    public var assessment: Assessment?
    /// Why there is no assessment ("image too small", "classifier failed"), when there is none.
    public var unassessedReason: String?
    /// Quality metrics by name (`snr`, `ghost_ratio`, ... without `qa.`); a missing one is "unknown".
    public var quality: [String: Double]
    public var context: SliceContext

    public init(assessment: Assessment?, unassessedReason: String? = nil, quality: [String: Double] = [:], context: SliceContext) {
        self.assessment = assessment
        self.unassessedReason = unassessedReason
        self.quality = quality
        self.context = context
    }
}

extension SliceFacts {
    /// `images` (in arrival order) cut into acquisitions: runs of consecutive images with the same
    /// ``SliceContext/sliceKey``, as ``ProtocolEngine/evaluate(acquisition:)`` takes them.
    public static func acquisitions(_ images: [SliceFacts]) -> [[SliceFacts]] {
        var groups: [[SliceFacts]] = []
        for image in images {
            if let last = groups.last?.last, last.context.sliceKey == image.context.sliceKey {
                groups[groups.count - 1].append(image)
            } else {
                groups.append([image])
            }
        }
        return groups
    }
}
