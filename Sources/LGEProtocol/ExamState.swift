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

    public init() {}

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

    /// Adds an image's cause probabilities to its acquisition's lowest ones (`acquisition.causes.*`).
    public mutating func noteCauses(of slice: SliceFacts) {
        if let causes = slice.assessment?.causes {
            acquisitionCauses[slice.context.sliceKey, default: [:]].merge(causes, uniquingKeysWith: min)
        }
    }

    /// Counts an image that was evaluated, and its recommendation if there was one.
    public mutating func record(_ decision: Decision, for slice: SliceFacts) {
        if lastSliceKey != slice.context.sliceKey {
            slicesSeen += 1
            lastSliceKey = slice.context.sliceKey
        }
        if slice.context.isArrhythmic == true { arrhythmicAcquisitions.insert(slice.context.sliceKey) }
        noteCauses(of: slice)
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
