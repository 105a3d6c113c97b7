/// What replaying one historical session under a protocol produced, as the audit needs it.
/// The replay engine makes one per session; shards of an audit carry these records only, so
/// merging shards and then estimating gives exactly the single-run result.
public struct SessionReplayResult: Sendable, Hashable, Codable {
    /// The session (an opaque id, never a patient identifier).
    public var session: String
    /// What exams cluster by (site/scanner, month): the unit the estimator resamples.
    public var cluster: String
    /// R: the exam was recalled, or its report inconclusive, for an in-scope reason (LGE ambiguity).
    public var outcomeInScope: Bool
    /// F: the protocol would have prompted at least once during the session.
    public var prompted: Bool
    /// Every action the protocol would have asked for, with its scanner time.
    public var actions: [ActionCost]

    public init(session: String, cluster: String, outcomeInScope: Bool, prompted: Bool, actions: [ActionCost] = []) {
        self.session = session
        self.cluster = cluster
        self.outcomeInScope = outcomeInScope
        self.prompted = prompted
        self.actions = actions
    }

    enum CodingKeys: String, CodingKey {
        case session, cluster, outcomeInScope = "outcome_in_scope", prompted, actions
    }
}

/// One recommended action and the extra scanner minutes it costs.
public struct ActionCost: Sendable, Hashable, Codable {
    /// The protocol's action name (e.g. `repeat_ti`, `swap_phase_encode`, `long_axis_crosscut`).
    public var action: String
    public var minutes: Double

    public init(action: String, minutes: Double) {
        self.action = action
        self.minutes = minutes
    }
}

/// The 2×2 counts of one cluster (or of everything): exams, outcome R, prompt F, minutes.
public struct AuditCounts: Sendable, Hashable, Codable {
    public var exams = 0
    /// R = 1: recalled or inconclusive for an in-scope reason.
    public var outcomes = 0
    /// n11: R = 1 and F = 1, the exams a resolving prompt could have saved.
    public var promptedWithOutcome = 0
    /// n01: R = 0 and F = 1, false prompts.
    public var promptedWithoutOutcome = 0
    /// Σ extra scanner minutes.
    public var minutes = 0.0

    public init() {}

    public init(_ results: some Sequence<SessionReplayResult>) {
        for result in results { add(result) }
    }

    public mutating func add(_ result: SessionReplayResult) {
        exams += 1
        if result.outcomeInScope { outcomes += 1 }
        if result.prompted { if result.outcomeInScope { promptedWithOutcome += 1 } else { promptedWithoutOutcome += 1 } }
        minutes += result.actions.reduce(0) { $0 + $1.minutes }
    }

    public static func + (a: AuditCounts, b: AuditCounts) -> AuditCounts {
        var sum = a
        sum.exams += b.exams
        sum.outcomes += b.outcomes
        sum.promptedWithOutcome += b.promptedWithOutcome
        sum.promptedWithoutOutcome += b.promptedWithoutOutcome
        sum.minutes += b.minutes
        return sum
    }

    public var prompts: Int { promptedWithOutcome + promptedWithoutOutcome }
}
