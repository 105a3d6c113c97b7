/// A limit that kept a rule from prompting.
public enum LimitReason: Sendable, Hashable, CustomStringConvertible {
    case promptsPerSlice(Int)
    case promptsPerPosition(Int)
    case promptsPerExam(Int)
    /// Slices since the last prompt, and the cooldown.
    case cooldownSlices(since: Int, required: Int)
    case cooldownSeconds(since: Double, required: Double)
    /// The same for an action's own cooldown (`action_cooldowns`).
    case actionCooldownSlices(action: String, since: Int, required: Int)
    case actionCooldownSeconds(action: String, since: Double, required: Double)
    /// Seconds the action needs, and seconds left of the budget.
    case budget(needed: Double, left: Double)

    public var description: String {
        switch self {
        case .promptsPerSlice(let n): "prompts_per_slice (\(n)) reached for this slice"
        case .promptsPerPosition(let n): "prompts_per_position (\(n)) reached for this position"
        case .promptsPerExam(let n): "prompts_per_exam (\(n)) reached"
        case .cooldownSlices(let since, let required): "cooldown: \(since) of \(required) slices since the last prompt"
        case .cooldownSeconds(let since, let required):
            "cooldown: \(FactValue.format(since)) of \(FactValue.format(required)) s since the last prompt"
        case .actionCooldownSlices(let action, let since, let required):
            "action_cooldowns: \(since) of \(required) slices since the last \(action) prompt"
        case .actionCooldownSeconds(let action, let since, let required):
            "action_cooldowns: \(FactValue.format(since)) of \(FactValue.format(required)) s since the last \(action) prompt"
        case .budget(let needed, let left):
            "extra_minutes budget: needs \(FactValue.format(needed)) s, \(FactValue.format(max(0, left))) s left"
        }
    }
}

/// One comparison of a rule and what the slice gave it: the "why" of a firing.
public struct Evidence: Sendable, Hashable, CustomStringConvertible {
    public var fact: Fact
    public var comparison: Comparison
    /// nil when the slice does not have the fact.
    public var value: FactValue?
    public var holds: Bool

    public var description: String {
        "\(fact.name) = \(value?.description ?? "unknown") \(holds ? "✓" : "✗") (\(comparison.symbol))"
    }
}

/// A rule whose condition held on the slice, and what became of it.
public struct FiredRule: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Its recommendation is the decision's.
        case won
        /// Another rule won the conflict (named).
        case outranked(by: String)
        /// It would have won, but a limit kept it from prompting.
        case suppressed(LimitReason)
        /// It won on its image, but a rule on another image of the same acquisition (named)
        /// ranks higher or came first (``ProtocolEngine/evaluate(acquisition:)``).
        case outrankedOnAnotherImage(by: String)
    }

    public var rule: String
    public var priority: Int
    public var specificity: Int
    /// Each comparison in `when` with the slice's value.
    public var evidence: [Evidence]
    public var outcome: Outcome
}

/// What lgeqa recommends the technologist do next.
public struct Recommendation: Sendable, Hashable {
    public var rule: String
    /// The action with its parameters resolved for this slice (a drift-following TI change
    /// becomes a `delta` in ms).
    public var action: Action
    /// The rule's message, filled in for this slice.
    public var message: String
    public var priority: Int
    public var costSeconds: Double
}

/// The engine's answer for one slice.
public struct Decision: Sendable, Hashable {
    /// Why there is no recommendation.
    public enum Silence: Sendable, Hashable, CustomStringConvertible {
        /// The slice had no assessment (the reason given with it).
        case noAssessment(String)
        case nothingFired
        /// Every rule that fired was kept quiet by a limit; the best one's is given.
        case suppressed(rule: String, by: LimitReason)
        /// The acquisition's recommendation (its rule named) came from another of its images.
        case decidedOnAnotherImage(rule: String)

        public var description: String {
            switch self {
            case .noAssessment(let reason): "no assessment: \(reason)"
            case .nothingFired: "no rule fired"
            case .suppressed(let rule, let limit): "rule '\(rule)' suppressed by \(limit)"
            case .decidedOnAnotherImage(let rule): "the acquisition's recommendation ('\(rule)') came from another of its images"
            }
        }
    }

    /// Rules whose condition held, in file order.
    public var fired: [FiredRule]
    public var recommendation: Recommendation?
    /// Set exactly when `recommendation` is nil.
    public var silence: Silence?
}
