/// A protocol: what lgeqa should recommend to the technologist, slice by slice (schema v1,
/// `docs/protocols.md`). Read one with ``ProtocolLoader``; run it with ``ProtocolEngine``.
public struct QAProtocol: Sendable, Hashable {
    /// The schema version this lgeqa reads.
    public static let schemaVersion = 1

    public var name: String
    /// The protocol's own version, as its designer numbers it ("1.2", "2025-03").
    public var version: String
    public var author: String?
    public var description: String?
    public var certaintyBands: [CertaintyBand]
    public var rules: [Rule]
    public var limits: PromptLimits
    public var conflictPolicy: ConflictPolicy

    public init(
        name: String, version: String, author: String? = nil, description: String? = nil,
        certaintyBands: [CertaintyBand] = CertaintyBand.defaults, rules: [Rule], limits: PromptLimits = PromptLimits(),
        conflictPolicy: ConflictPolicy = .standard
    ) {
        self.name = name
        self.version = version
        self.author = author
        self.description = description
        self.certaintyBands = certaintyBands
        self.rules = rules
        self.limits = limits
        self.conflictPolicy = conflictPolicy
    }

    /// The band `pLowCertainty` falls in: its lower bound included, its upper bound excluded
    /// (1 included in a band that ends at 1); nil in a gap between bands.
    public func band(forLowCertainty p: Double) -> CertaintyBand? {
        certaintyBands.first { p >= $0.lower && (p < $0.upper || ($0.upper == 1 && p == 1)) }
    }

    /// The band of the highest `p_low_certainty`: where a reader is most likely unsure.
    public var leastCertainBand: CertaintyBand? { certaintyBands.max { $0.upper < $1.upper } }
}

/// A named range of `p_low_certainty` that rules can name (`certainty: low`).
public struct CertaintyBand: Sendable, Hashable {
    public var name: String
    public var lower: Double
    public var upper: Double

    public init(name: String, lower: Double, upper: Double) {
        self.name = name
        self.lower = lower
        self.upper = upper
    }

    /// The paper's two classes split at 0.5, used when a protocol declares no bands.
    public static let defaults = [
        CertaintyBand(name: "high", lower: 0, upper: 0.5), CertaintyBand(name: "low", lower: 0.5, upper: 1),
    ]
}

/// One rule: when its condition holds on a slice, it recommends its action.
public struct Rule: Sendable, Hashable {
    public var name: String
    /// Why the rule exists, for explanations.
    public var description: String?
    public var condition: Condition
    public var action: Action
    public var message: MessageTemplate?
    /// Higher wins when several rules fire.
    public var priority: Int
    /// Extra scanner seconds the action takes; nil = the protocol's cost for the action.
    public var cost: Double?
    /// Position in the file, from 0: the last tie-breaker.
    public var order: Int

    public init(
        name: String, description: String? = nil, condition: Condition, action: Action, message: MessageTemplate? = nil,
        priority: Int = 0, cost: Double? = nil, order: Int
    ) {
        self.name = name
        self.description = description
        self.condition = condition
        self.action = action
        self.message = message
        self.priority = priority
        self.cost = cost
        self.order = order
    }

    /// The number of comparisons in `when`.
    public var specificity: Int { condition.specificity }
}

/// How often and how much a protocol may prompt. Every prompt counts, `notify` included.
public struct PromptLimits: Sendable, Hashable {
    /// Prompts for one slice (one acquisition of one position, its PSIR and magnitude images together).
    public var perSlice: Int?
    /// Prompts for one position over all its acquisitions.
    public var perPosition: Int?
    public var perExam: Int?
    /// Slices that must pass after a prompt before the next one.
    public var cooldownSlices: Int?
    /// Seconds that must pass after a prompt (by `minutes_since_injection`) before the next one.
    public var cooldownSeconds: Double?
    /// Extra scanner minutes the recommendations may add in one exam.
    public var extraMinutes: Double?
    /// Seconds each action adds, by action name.
    public var actionCosts: [String: Double]
    /// By action name: how long after a prompt of that action the next prompt of the same action
    /// waits (other actions may still prompt), unless the prompted position is acquired again
    /// meanwhile (the technologist acted on it). A technologist given "raise TI" needs a breath-hold
    /// or two to act on it; saying it again on every slice meanwhile only spends the exam's prompts.
    public var actionCooldowns: [String: Cooldown]

    public init(
        perSlice: Int? = 1, perPosition: Int? = nil, perExam: Int? = nil, cooldownSlices: Int? = nil,
        cooldownSeconds: Double? = nil, extraMinutes: Double? = nil, actionCosts: [String: Double] = Action.defaultCosts,
        actionCooldowns: [String: Cooldown] = [:]
    ) {
        self.perSlice = perSlice
        self.perPosition = perPosition
        self.perExam = perExam
        self.cooldownSlices = cooldownSlices
        self.cooldownSeconds = cooldownSeconds
        self.extraMinutes = extraMinutes
        self.actionCosts = actionCosts
        self.actionCooldowns = actionCooldowns
    }

    /// A wait after a prompt, in acquisitions, in seconds (by `minutes_since_injection`), or both.
    public struct Cooldown: Sendable, Hashable {
        public var slices: Int?
        public var seconds: Double?

        public init(slices: Int? = nil, seconds: Double? = nil) {
            self.slices = slices
            self.seconds = seconds
        }
    }

    /// Seconds a rule's action costs.
    public func cost(of rule: Rule) -> Double { rule.cost ?? actionCosts[rule.action.kind] ?? 0 }
}

/// What decides between several rules that fire on one slice: each criterion in turn breaks
/// the ties the previous one left.
public struct ConflictPolicy: Sendable, Hashable, CustomStringConvertible {
    public enum Criterion: String, Sendable, Hashable, CaseIterable {
        /// The highest `priority`.
        case priority
        /// The most comparisons in `when`.
        case specificity
        /// The rule written first.
        case order
    }

    public var criteria: [Criterion]

    public init(_ criteria: [Criterion]) { self.criteria = criteria }

    /// Highest priority, then most specific, then file order.
    public static let standard = ConflictPolicy([.priority, .specificity, .order])

    /// Whether `a` beats `b`.
    public func prefers(_ a: Rule, over b: Rule) -> Bool {
        for criterion in criteria + [.order] {
            switch criterion {
            case .priority where a.priority != b.priority: return a.priority > b.priority
            case .specificity where a.specificity != b.specificity: return a.specificity > b.specificity
            case .order where a.order != b.order: return a.order < b.order
            default: continue
            }
        }
        return false
    }

    public var description: String {
        criteria.map {
            switch $0 {
            case .priority: "highest priority"
            case .specificity: "most specific (most conditions)"
            case .order: "first in the file"
            }
        }.joined(separator: ", then ")
    }
}

extension Rule {
    /// The facts among `facts` that this rule's condition tests, once each, in file order.
    public func testedFacts(among facts: Set<Fact>) -> [Fact] {
        var found: [Fact] = []
        for test in condition.tests where facts.contains(test.fact) && !found.contains(test.fact) { found.append(test.fact) }
        return found
    }
}
