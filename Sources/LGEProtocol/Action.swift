import LGESession

/// How a `repeat_ti` changes the inversion time.
public enum TIChange: Sendable, Hashable {
    /// By a fixed number of ms (positive = longer).
    case delta(Double)
    /// Up to where the myocardial null has drifted: `rate` ms per minute since the TI was last
    /// set (≈ 2.6 ms/min at 0.15 mmol/kg), clamped to `minimum`...`maximum` ms.
    case followNullDrift(rate: Double, minimum: Double, maximum: Double)

    public static let defaultDriftRate = 2.6
    public static let defaultDriftRange = 10.0...60.0
    /// Minutes assumed since the TI was set when the session cannot tell (the BRIEF's "every 5 minutes").
    public static let assumedMinutesSinceTISet = 5.0
}

/// Where a long-axis crosscut goes.
public enum CrosscutTarget: Sendable, Hashable {
    /// A standard view (2CH, 3CH or 4CH).
    case view(ViewOrientation)
    /// The long-axis plane that best cuts the flagged region, through it.
    case throughFlaggedRegion
}

/// Settings of a plain `repeat`.
public struct RepeatOptions: Sendable, Hashable {
    /// Acquire the repeat as PSIR (when the series was magnitude only).
    public var psir = false
    /// Switch to single-shot imaging (when ghosts keep coming back).
    public var singleShot = false
    /// Coach the breath-hold first (motion).
    public var coaching = false

    public init(psir: Bool = false, singleShot: Bool = false, coaching: Bool = false) {
        self.psir = psir
        self.singleShot = singleShot
        self.coaching = coaching
    }
}

/// What a rule recommends.
public enum Action: Sendable, Hashable {
    case repeatTI(TIChange)
    case swapPhaseEncode
    case longAxisCrosscut(CrosscutTarget)
    case repeatAcquisition(RepeatOptions)
    /// A message only: nothing is acquired.
    case notify

    /// The action's name in protocols, and the key of its cost in `limits.action_costs`.
    public var kind: String {
        switch self {
        case .repeatTI: "repeat_ti"
        case .swapPhaseEncode: "swap_phase_encode"
        case .longAxisCrosscut: "long_axis_crosscut"
        case .repeatAcquisition: "repeat"
        case .notify: "notify"
        }
    }

    public static let kinds = ["repeat_ti", "swap_phase_encode", "long_axis_crosscut", "repeat", "notify"]

    /// Seconds each action adds to the exam unless the protocol says otherwise: one breath-hold
    /// and its pause (BRIEF §5: ~20–30 s), a little more for a crosscut that must be planned.
    public static let defaultCosts: [String: Double] = [
        "repeat_ti": 25, "swap_phase_encode": 25, "long_axis_crosscut": 30, "repeat": 25, "notify": 0,
    ]

    /// Imperative plain English, for default messages: "repeat the slice with TI +20 ms".
    public var phrase: String {
        switch self {
        case .notify: "see the message"
        default: "\(verb) \(object)"
        }
    }

    /// Gerund plain English, for explanations: "repeating it with TI +20 ms".
    public var gerund: String {
        switch self {
        case .notify: "telling the technologist"
        default: "\(verb == "repeat" ? "repeating" : "acquiring") \(object == "the slice" || object.hasPrefix("the slice ") ? "it" + object.dropFirst("the slice".count) : object)"
        }
    }

    private var verb: String {
        if case .longAxisCrosscut = self { return "acquire" }
        return "repeat"
    }

    private var object: String {
        switch self {
        case .repeatTI(.delta(let delta)):
            "the slice with TI \(delta >= 0 ? "+" : "")\(FactValue.format(delta)) ms"
        case .repeatTI(.followNullDrift(let rate, let minimum, let maximum)):
            "the slice with TI raised to follow the drifting null (\(FactValue.format(rate)) ms per minute since TI was set, "
                + "\(FactValue.format(minimum))-\(FactValue.format(maximum)) ms)"
        case .swapPhaseEncode: "the slice with the phase-encode direction swapped"
        case .longAxisCrosscut(.view(let view)): "a \(view.rawValue) long-axis crosscut"
        case .longAxisCrosscut(.throughFlaggedRegion): "a long-axis crosscut through the flagged region"
        case .repeatAcquisition(let options):
            "the slice" + (options.psir ? " as PSIR" : "") + (options.singleShot ? " single-shot" : "")
                + (options.coaching ? " after coaching the breath-hold" : "")
        case .notify: ""
        }
    }
}
