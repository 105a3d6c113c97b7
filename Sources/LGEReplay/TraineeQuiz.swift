import Foundation

/// What a technologist in training says they would do after an acquisition (`lgeqa replay --ask`).
public enum TraineeChoice: Sendable, Hashable, CustomStringConvertible {
    case nothing
    case longerInversionTime
    case shorterInversionTime
    case swapPhaseEncode
    case longAxisCrosscut
    case repeatAcquisition

    /// The question, with the answers it takes.
    public static let question =
        "your action? [Enter] nothing, t+ longer TI, t- shorter TI, s swap phase encode, c crosscut, r repeat, q stop asking: "

    /// Reads an answer (case and surrounding spaces ignored); nil when it is none of the choices.
    public init?(answer: String) {
        switch answer.trimmingCharacters(in: .whitespaces).lowercased() {
        case "", "n", "nothing", "-": self = .nothing
        case "t+", "ti+", "longer": self = .longerInversionTime
        case "t-", "ti-", "shorter": self = .shorterInversionTime
        case "s", "swap": self = .swapPhaseEncode
        case "c", "crosscut": self = .longAxisCrosscut
        case "r", "repeat": self = .repeatAcquisition
        default: return nil
        }
    }

    /// The protocol action it names, nil for nothing.
    public var action: String? {
        switch self {
        case .nothing: nil
        case .longerInversionTime, .shorterInversionTime: "repeat_ti"
        case .swapPhaseEncode: "swap_phase_encode"
        case .longAxisCrosscut: "long_axis_crosscut"
        case .repeatAcquisition: "repeat"
        }
    }

    public var description: String {
        switch self {
        case .nothing: "nothing"
        case .longerInversionTime: "repeat with a longer TI"
        case .shorterInversionTime: "repeat with a shorter TI"
        case .swapPhaseEncode: "swap phase encode"
        case .longAxisCrosscut: "long-axis crosscut"
        case .repeatAcquisition: "repeat"
        }
    }

    /// Whether this is the expert's action: the same action and, for a TI step, the same way.
    public func matches(_ expert: ExpertActionEvent) -> Bool {
        let step: Double? = self == .longerInversionTime ? 1 : self == .shorterInversionTime ? -1 : nil
        return ExpertAdvice.isSameAction(action, step: step, as: expert.action, expertStep: expert.deltaMS)
    }
}

/// A trainee's answers over a replay, against the expert's actions and the protocol's.
public struct TraineeScore: Sendable, Hashable {
    /// Acquisitions the trainee answered for.
    public private(set) var answered = 0
    public private(set) var expertActions = 0
    public private(set) var matchedExpert = 0
    /// Answered acquisitions where the expert did nothing and the trainee asked for an action.
    public private(set) var actionsTheExpertDidNotTake = 0
    /// Answered acquisitions where the trainee and the protocol asked for the same kind of action,
    /// or both for none.
    public private(set) var agreedWithProtocol = 0

    public init() {}

    /// Scores one answered acquisition; returns whether it matched the expert (nil: no expert action).
    @discardableResult
    public mutating func record(_ choice: TraineeChoice, expert: ExpertActionEvent?, protocolActions: [String]) -> Bool? {
        answered += 1
        if choice.action == protocolActions.first { agreedWithProtocol += 1 }
        guard let expert else {
            if choice != .nothing { actionsTheExpertDidNotTake += 1 }
            return nil
        }
        expertActions += 1
        let matched = choice.matches(expert)
        if matched { matchedExpert += 1 }
        return matched
    }

    /// The closing lines of the text view.
    public var lines: [String] {
        guard answered > 0 else { return ["  you answered for no acquisition"] }
        var lines = ["  you answered for \(answered) acquisition\(answered == 1 ? "" : "s")"]
        if expertActions > 0 {
            lines.append("    the expert acted after \(expertActions): you chose the same on \(matchedExpert)")
        }
        lines.append("    you asked for an action the expert did not take on \(actionsTheExpertDidNotTake)")
        lines.append("    you and the protocol agreed on \(agreedWithProtocol) of \(answered)")
        return lines
    }
}
