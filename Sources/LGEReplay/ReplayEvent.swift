import Foundation

/// One line of the replay's event log (JSON Lines, schema ``ReplayEvent/schema``; the
/// reference is docs/replay-events.md).
///
/// Every line carries `"schema": "lgeqa.replay.v1"` and `"event"`, then the event's own
/// fields. The log holds no wall-clock time, so the same source, protocol, model and seed give
/// the same log byte for byte.
public enum ReplayEvent: Sendable, Hashable {
    case sessionStarted(SessionStarted)
    case sliceArrived(SliceArrived)
    case assessment(AssessmentEvent)
    case noRecommendation(NoRecommendation)
    case ruleFired(RuleFiredEvent)
    case recommendation(RecommendationEvent)
    case actionTaken(ActionTaken)
    case ambiguityResolved(AmbiguityResolved)
    case recordedActionMatch(RecordedActionMatch)
    case expertAction(ExpertActionEvent)
    case sessionSummary(SessionSummary)

    /// The schema every line names; bumped when a field changes meaning or goes away.
    public static let schema = "lgeqa.replay.v1"

    /// The `event` field.
    public var name: String {
        switch self {
        case .sessionStarted: "session_started"
        case .sliceArrived: "slice_arrived"
        case .assessment: "assessment"
        case .noRecommendation: "no_recommendation"
        case .ruleFired: "rule_fired"
        case .recommendation: "recommendation"
        case .actionTaken: "action_taken"
        case .ambiguityResolved: "ambiguity_resolved"
        case .recordedActionMatch: "recorded_action_match"
        case .expertAction: "expert_action"
        case .sessionSummary: "session_summary"
        }
    }

    /// The event as one JSON line (no newline): `schema` and `event` first, then the fields
    /// in sorted order.
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload: Data
        do {
            switch self {
            case .sessionStarted(let e): payload = try encoder.encode(e)
            case .sliceArrived(let e): payload = try encoder.encode(e)
            case .assessment(let e): payload = try encoder.encode(e)
            case .noRecommendation(let e): payload = try encoder.encode(e)
            case .ruleFired(let e): payload = try encoder.encode(e)
            case .recommendation(let e): payload = try encoder.encode(e)
            case .actionTaken(let e): payload = try encoder.encode(e)
            case .ambiguityResolved(let e): payload = try encoder.encode(e)
            case .recordedActionMatch(let e): payload = try encoder.encode(e)
            case .expertAction(let e): payload = try encoder.encode(e)
            case .sessionSummary(let e): payload = try encoder.encode(e)
            }
        } catch {
            // Only finite numbers, strings and containers are encoded: this cannot happen.
            preconditionFailure("replay event could not be encoded: \(error)")
        }
        let body = String(decoding: payload, as: UTF8.self).dropFirst()
        return "{\"schema\":\"\(Self.schema)\",\"event\":\"\(name)\"" + (body == "}" ? "}" : "," + body)
    }
}

/// Probabilities and metrics as the log writes them: 4 decimals, enough to compare runs.
func rounded(_ value: Double, _ places: Double = 10_000) -> Double { (value * places).rounded() / places }

public struct SessionStarted: Sendable, Hashable, Encodable {
    /// `scenario` or `recording`.
    public var source: String
    public var name: String
    public var title: String?
    public var synthetic: Bool
    public var follow: Bool
    public var seed: UInt64?
    public var `protocol`: String
    public var protocolVersion: String
    /// The model's version; nil when the replay runs without one (every slice is then unassessed)
    /// or the virtual readers assess instead.
    public var model: String?
    /// Who assessed the images: `classifier` or `virtual_readers` (``ReplayAssessor``).
    public var assessor: String
    /// A teaching scenario's notes (absent otherwise).
    public var teachingSummary: String?
    public var lookFor: [String]?

    enum CodingKeys: String, CodingKey {
        case source, name, title, synthetic, follow, seed, `protocol`, protocolVersion = "protocol_version", model, assessor
        case teachingSummary = "teaching_summary", lookFor = "look_for"
    }
}

public struct SliceArrived: Sendable, Hashable, Encodable {
    /// Arrival number in this session, from 1; later events name the slice by it.
    public var slice: Int
    public var target: String
    public var position: String
    public var orientation: String
    public var ring: String?
    public var index: Int
    public var reconstructions: [String]
    public var inversionTime: Double?
    public var phaseEncode: String?
    public var minutesSinceInjection: Double?
    /// Seconds after the session's first acquisition, by the recorded or simulated clock.
    public var secondsFromStart: Double?
    public var repeatsOfPosition: Int
    /// The slice this acquisition follows up (closed loop), when the source knows.
    public var followsUp: Int?
    public var action: String?
    /// [shortest, longest] R-R interval recorded during the acquisition, ms; absent when unknown.
    public var rrRange: [Double]?
    public var truth: SimulatorTruth?

    enum CodingKeys: String, CodingKey {
        case slice, target, position, orientation, ring, index, reconstructions, inversionTime = "inversion_time"
        case phaseEncode = "phase_encode", minutesSinceInjection = "minutes_since_injection"
        case secondsFromStart = "seconds_from_start", repeatsOfPosition = "repeats_of_position"
        case followsUp = "follows_up", action, rrRange = "rr_range_ms", truth
    }
}

public struct AssessmentEvent: Sendable, Hashable, Encodable {
    public var slice: Int
    public var reconstruction: String
    public var pLGE: Double
    public var pLowCertainty: Double
    /// The protocol's band for `p_low_certainty` (`high`, `borderline`, `low` in the shipped ones).
    public var certainty: String?
    public var causes: [String: Double]
    public var topCause: String?
    /// Quality metrics by their protocol names (`snr`, `ghost_ratio`, ...).
    public var qa: [String: Double]

    enum CodingKeys: String, CodingKey {
        case slice, reconstruction, pLGE = "p_lge", pLowCertainty = "p_low_certainty", certainty, causes
        case topCause = "top_cause", qa
    }
}

public struct NoRecommendation: Sendable, Hashable, Encodable {
    public struct ImageReason: Sendable, Hashable, Encodable {
        public var reconstruction: String
        public var reason: String
    }

    public var slice: Int
    /// `unassessable` (no image could be assessed), `nothing_fired` or `suppressed` (a limit).
    public var kind: String
    public var reason: String
    /// Each image's reason.
    public var images: [ImageReason]
}

public struct RuleFiredEvent: Sendable, Hashable, Encodable {
    public var slice: Int
    public var reconstruction: String
    public var rule: String
    public var priority: Int
    /// `won`, `outranked` or `suppressed`.
    public var outcome: String
    /// The rule that outranked it, or the limit that kept it quiet.
    public var detail: String?
    /// Each comparison with the slice's value, e.g. `causes.ghosting = 0.81 ✓ (>= 0.5)`.
    public var evidence: [String]
}

/// An action's parameters; absent ones do not apply.
public struct ActionParameters: Sendable, Hashable, Encodable {
    public var deltaMS: Double?
    public var view: String?
    public var throughFlaggedRegion: Bool?
    public var psir: Bool?
    public var singleShot: Bool?
    public var coaching: Bool?

    enum CodingKeys: String, CodingKey {
        case deltaMS = "delta_ms", view, throughFlaggedRegion = "through_flagged_region", psir, singleShot = "single_shot", coaching
    }
}

public struct RecommendationEvent: Sendable, Hashable, Encodable {
    public var slice: Int
    public var reconstruction: String
    public var rule: String
    /// The protocol action: `repeat_ti`, `swap_phase_encode`, `long_axis_crosscut`, `repeat`, `notify`.
    public var action: String
    public var parameters: ActionParameters
    public var message: String
    public var priority: Int
    public var costSeconds: Double

    enum CodingKeys: String, CodingKey {
        case slice, reconstruction, rule, action, parameters, message, priority, costSeconds = "cost_seconds"
    }
}

public struct ActionTaken: Sendable, Hashable, Encodable {
    /// The slice whose recommendation was acted on.
    public var slice: Int
    /// `follow` (the simulator carried it out) or `recorded` (the technologist did it in the recording).
    public var by: String
    public var action: String
    /// The slice the action produced (a follow-up arrives next).
    public var newSlice: Int
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case slice, by, action, newSlice = "new_slice", note
    }
}

public struct AmbiguityResolved: Sendable, Hashable, Encodable {
    /// The follow-up slice that settled it.
    public var slice: Int
    public var position: String
    /// The earlier, ambiguous slice of that position.
    public var ambiguousSlice: Int
    public var action: String?

    enum CodingKeys: String, CodingKey {
        case slice, position, ambiguousSlice = "ambiguous_slice", action
    }
}

public struct RecordedActionMatch: Sendable, Hashable, Encodable {
    /// `matched`, `not_done` or `done_without_prompt`.
    public var status: String
    /// The prompted slice (absent for `done_without_prompt`).
    public var slice: Int?
    public var rule: String?
    public var action: String
    /// The recorded slice that did it (absent for `not_done`).
    public var recordedSlice: Int?
    public var detail: String

    enum CodingKeys: String, CodingKey {
        case status, slice, rule, action, recordedSlice = "recorded_slice", detail
    }
}

/// A teaching scenario's expert action after an acquisition, beside what the protocol recommended
/// there: what a technologist in training compares their own choice with.
public struct ExpertActionEvent: Sendable, Hashable, Encodable {
    /// The acquisition the expert acted after.
    public var slice: Int
    /// `repeat_ti`, `swap_phase_encode`, `long_axis_crosscut` or `repeat`.
    public var action: String
    /// The action as a technologist says it: "repeat with TI +25 ms".
    public var description: String
    /// The TI step, ms, when the expert changed TI by a given step.
    public var deltaMS: Double?
    public var why: String
    /// Whether one of the protocol's recommendations on this slice is the expert's action (for a
    /// TI step, the same way).
    public var protocolAgrees: Bool
    /// The protocol's recommendations on this slice, in order (empty when it said nothing).
    public var protocolActions: [String]

    enum CodingKeys: String, CodingKey {
        case slice, action, description, deltaMS = "delta_ms", why, protocolAgrees = "protocol_agrees"
        case protocolActions = "protocol_actions"
    }
}

public struct SessionSummary: Sendable, Hashable, Encodable {
    /// How often the protocol recommended what the teaching scenario's expert did.
    public struct ExpertAgreement: Sendable, Hashable, Encodable {
        public var actions = 0
        public var protocolAgreed = 0

        enum CodingKeys: String, CodingKey {
            case actions, protocolAgreed = "protocol_agreed"
        }
    }

    public struct Matches: Sendable, Hashable, Encodable {
        public var matched = 0
        public var notDone = 0
        public var doneWithoutPrompt = 0

        enum CodingKeys: String, CodingKey {
            case matched, notDone = "not_done", doneWithoutPrompt = "done_without_prompt"
        }
    }

    public var slices: Int
    public var images: Int
    public var unassessedImages: Int
    /// Recommendations made (message-only ones included).
    public var prompts: Int
    public var promptsByAction: [String: Int]
    public var actionsTaken: Int
    /// Scanner minutes the recommendations add, by the protocol's action costs.
    public var extraMinutes: Double
    public var positions: Int
    /// Positions whose latest acquisition (or follow-up) the model still puts in the protocol's
    /// `low` certainty band.
    public var ambiguousPositionsLeft: [String]
    public var ambiguousLeft: Int
    /// Positions the simulator's virtual readers are still unsure about (simulated sources only).
    public var readersUnsurePositionsLeft: [String]?
    /// `high` when no position is left ambiguous, else `low`.
    public var predictedReportCertainty: String
    public var worstPosition: String?
    public var worstPLowCertainty: Double?
    /// Recommendations compared with the recording (recorded sources only).
    public var matches: Matches?
    /// The expert's actions and the protocol's agreement with them (teaching scenarios only).
    public var expertActions: ExpertAgreement?

    enum CodingKeys: String, CodingKey {
        case slices, images, unassessedImages = "unassessed_images", prompts, promptsByAction = "prompts_by_action"
        case actionsTaken = "actions_taken", extraMinutes = "extra_minutes", positions
        case ambiguousPositionsLeft = "ambiguous_positions_left", ambiguousLeft = "ambiguous_left"
        case readersUnsurePositionsLeft = "readers_unsure_positions_left"
        case predictedReportCertainty = "predicted_report_certainty", worstPosition = "worst_position"
        case worstPLowCertainty = "worst_p_low_certainty", matches, expertActions = "expert_actions"
    }
}

/// Numbers as messages print them.
enum ReplayFormat {
    /// Integers without a decimal point, others with one decimal.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String((value * 10).rounded() / 10)
    }
}
