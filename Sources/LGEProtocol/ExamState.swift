import LGESession

/// What the protocol has done so far in one exam: the running tally the limits are checked
/// against. Start each exam with an empty one; ``ProtocolEngine`` records each recommendation.
public struct ExamState: Sendable, Hashable {
    /// Slices (acquisitions of a position, ``SliceContext/sliceKey``) evaluated so far: the PSIR
    /// and magnitude images of one breath-hold count once.
    public var slicesSeen = 0
    /// The acquisition evaluated last.
    public var lastSliceKey: String?
    public var promptsSoFar = 0
    /// Prompts by ``SliceContext/position``.
    public var promptsByPosition: [String: Int] = [:]
    /// Prompts by ``SliceContext/sliceKey`` (one acquisition of one position).
    public var promptsBySlice: [String: Int] = [:]
    /// The slice count (``slicesSeen`` after it) and minute of the last prompt, for the cooldown.
    public var lastPromptSlice: Int?
    public var lastPromptMinute: Double?
    /// The same, by the recommended action's name (`repeat_ti`, ...), for `action_cooldowns`; a
    /// mark goes once its position is acquired again (``pendingPrompt(of:for:)``).
    public var lastPromptByAction: [String: PromptMark] = [:]
    /// Extra scanner seconds the recommendations so far add (assuming each is followed; a
    /// replay that knows better can correct it).
    public var extraSecondsUsed: Double = 0
    /// Acquisitions (``SliceContext/sliceKey``) whose recorded rhythm was irregular
    /// (``SliceContext/isArrhythmic``): a set, so the PSIR and magnitude images of one
    /// breath-hold count once.
    public var arrhythmicAcquisitions: Set<String> = []
    /// Rules that have given a recommendation in this exam (`prompted_before.RULE`).
    public var promptedRules: Set<String> = []
    /// By ``SliceContext/sliceKey``: the lowest probability of each cause over the acquisition's
    /// images noted so far (`acquisition.causes.*`; all of them when it is decided whole).
    public var acquisitionCauses: [String: [Cause: Double]] = [:]
    /// Acquisitions in the order they began, each with its orientation and how doubtful and how
    /// explained its images were (`unexplained_doubt_run`).
    public var acquisitionDoubts: [AcquisitionDoubt] = []

    public init() {}

    /// One acquisition's images so far, at their most doubtful: the acquisition is as uncertain as
    /// its least certain reconstruction, and an artifact that either image shows explains it.
    public struct AcquisitionDoubt: Sendable, Hashable {
        public var sliceKey: String
        public var orientation: ViewOrientation
        public var highestLowCertainty: Double
        /// The highest probability of an artifact (``Cause/artifacts``) over its images.
        public var highestArtifact: Double

        /// An artifact at least this probable explains the doubt.
        public static let explainingArtifact = 0.5

        /// Whether the acquisition is doubtful (`isDoubtful` on its highest `p_low_certainty`) with
        /// no artifact to explain it.
        func isUnexplainedDoubt(_ isDoubtful: (Double) -> Bool) -> Bool {
            isDoubtful(highestLowCertainty) && highestArtifact < Self.explainingArtifact
        }

        mutating func add(_ assessment: Assessment) {
            highestLowCertainty = max(highestLowCertainty, assessment.pLowCertainty)
            highestArtifact = max(highestArtifact, assessment.highestArtifact)
        }
    }

    /// When and where a prompt was given: the slice count (``slicesSeen`` after it), its minute,
    /// and the acquisition of its position it was given on.
    public struct PromptMark: Sendable, Hashable {
        public var slice: Int
        public var minute: Double?
        public var position: String
        public var repeatsOfPosition: Int
    }

    /// The last prompt of action `kind` while it still waits to be acted on: nil once its position
    /// has been acquired again (the technologist answered it; what that acquisition shows is news,
    /// not the same advice again), or when there was none.
    public func pendingPrompt(of kind: String, for slice: SliceFacts) -> PromptMark? {
        guard let mark = lastPromptByAction[kind] else { return nil }
        let answered = slice.context.position == mark.position && slice.context.repeatsOfPosition > mark.repeatsOfPosition
        return answered ? nil : mark
    }

    /// Arrhythmic acquisitions of this exam before the one `context` belongs to.
    public func arrhythmicAcquisitions(before context: SliceContext) -> Int {
        arrhythmicAcquisitions.count - (arrhythmicAcquisitions.contains(context.sliceKey) ? 1 : 0)
    }

    /// The lowest probability of `cause` over the images of `slice`'s acquisition seen before it
    /// and `slice` itself; nil when `slice` has no assessment or does not score the cause.
    public func acquisitionCause(_ cause: Cause, including slice: SliceFacts) -> Double? {
        guard let own = slice.assessment?.causes[cause] else { return nil }
        return min(own, acquisitionCauses[slice.context.sliceKey]?[cause] ?? own)
    }

    /// Adds an image's assessment to its acquisition's: the lowest probability of each cause
    /// (`acquisition.causes.*`), and how doubtful and how explained it is (`unexplained_doubt_run`).
    public mutating func noteAssessment(of slice: SliceFacts) {
        guard let assessment = slice.assessment else { return }
        let key = slice.context.sliceKey
        acquisitionCauses[key, default: [:]].merge(assessment.causes, uniquingKeysWith: min)
        if let last = acquisitionDoubts.indices.last(where: { acquisitionDoubts[$0].sliceKey == key }) {
            acquisitionDoubts[last].add(assessment)
        } else {
            acquisitionDoubts.append(AcquisitionDoubt(
                sliceKey: key, orientation: slice.context.orientation, highestLowCertainty: assessment.pLowCertainty,
                highestArtifact: assessment.highestArtifact))
        }
    }

    /// How many acquisitions of `slice`'s orientation in a row, counted back from `slice`'s own,
    /// are doubtful (`isDoubtful` on their least certain image's `p_low_certainty`) with no
    /// artifact that any of their images shows; 0 when `slice`'s acquisition is not. Acquisitions
    /// of other orientations in between are passed over: a long-axis view taken mid-stack does
    /// not break a short-axis run. So are acquisitions the classifier could not assess: they say
    /// nothing either way.
    public func unexplainedDoubtRun(for slice: SliceFacts, isDoubtful: (Double) -> Bool) -> Int {
        guard let assessment = slice.assessment else { return 0 }
        let key = slice.context.sliceKey
        var own = acquisitionDoubts.last { $0.sliceKey == key }
            ?? AcquisitionDoubt(sliceKey: key, orientation: slice.context.orientation, highestLowCertainty: 0, highestArtifact: 0)
        own.add(assessment)
        guard own.isUnexplainedDoubt(isDoubtful) else { return 0 }
        var run = 1
        for acquisition in acquisitionDoubts.prefix(while: { $0.sliceKey != key }).reversed()
        where acquisition.orientation == slice.context.orientation {
            guard acquisition.isUnexplainedDoubt(isDoubtful) else { break }
            run += 1
        }
        return run
    }

    /// Counts an image that was evaluated, and its recommendation if there was one.
    public mutating func record(_ decision: Decision, for slice: SliceFacts) {
        if lastSliceKey != slice.context.sliceKey {
            slicesSeen += 1
            lastSliceKey = slice.context.sliceKey
        }
        if slice.context.isArrhythmic == true { arrhythmicAcquisitions.insert(slice.context.sliceKey) }
        noteAssessment(of: slice)
        for (kind, _) in lastPromptByAction where pendingPrompt(of: kind, for: slice) == nil { lastPromptByAction[kind] = nil }
        guard let recommendation = decision.recommendation else { return }
        promptsSoFar += 1
        promptedRules.insert(recommendation.rule)
        promptsByPosition[slice.context.position, default: 0] += 1
        promptsBySlice[slice.context.sliceKey, default: 0] += 1
        lastPromptSlice = slicesSeen
        lastPromptMinute = slice.context.minutesSinceInjection
        lastPromptByAction[recommendation.action.kind] = PromptMark(
            slice: slicesSeen, minute: slice.context.minutesSinceInjection, position: slice.context.position,
            repeatsOfPosition: slice.context.repeatsOfPosition)
        extraSecondsUsed += recommendation.costSeconds
    }
}
