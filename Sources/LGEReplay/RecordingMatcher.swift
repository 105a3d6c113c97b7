import LGEDICOM
import LGEProtocol
import LGESession

/// Compares recommendations with what the technologist did later in a recording.
///
/// A recommendation on slice *n* is `matched` by a later acquisition that carries it out:
/// - `repeat_ti`: the same position again with a TI at least ``minimumTIChange`` ms different;
/// - `swap_phase_encode`: the same position with the other phase-encode direction;
/// - `repeat`: the same position again;
/// - `long_axis_crosscut`: a later long-axis acquisition beyond the planned views: an extra
///   plane (a second plane of a view, or one that is none of the standard views) or a repeat
///   of a long-axis view.
/// Recommendations still open at the end were `not_done`; repeats and extra long-axis planes
/// that answer no recommendation were `done_without_prompt`. Message-only ones are not tracked.
public struct RecordingMatcher: Sendable {
    /// TI changes smaller than this are a plain repeat, ms.
    public static let minimumTIChange = 5.0

    struct Open: Sendable {
        var slice: Int
        var recommendation: Recommendation
        var position: String
        var inversionTime: Double?
        var phaseEncode: PhaseEncodeDirection?
    }

    private var open: [Open] = []
    private var seenViews: Set<ViewOrientation> = []
    /// The latest TI and phase-encode direction of each position.
    private var latest: [String: (inversionTime: Double?, phaseEncode: PhaseEncodeDirection?)] = [:]

    public init() {}

    /// Remembers a recommendation made on `slice` (arrival `number`).
    public mutating func prompted(_ recommendation: Recommendation, on slice: ArrivingSlice, number: Int) {
        if case .notify = recommendation.action { return }
        open.append(Open(
            slice: number, recommendation: recommendation, position: slice.position, inversionTime: slice.inversionTime,
            phaseEncode: slice.phaseEncodeDirection))
    }

    /// What the arriving slice (arrival `number`, `repeats` earlier acquisitions of its position)
    /// says about the open recommendations: at most one is matched.
    public mutating func observe(_ slice: ArrivingSlice, number: Int, repeats: Int) -> RecordedActionMatch? {
        let isLongAxis = slice.orientation != .shortAxis && slice.orientation != .unknown
        let extraPlane = isLongAxis && repeats == 0 && (seenViews.contains(slice.orientation) || slice.orientation == .other)
        if isLongAxis { seenViews.insert(slice.orientation) }
        let before = latest[slice.position]
        latest[slice.position] = (slice.inversionTime, slice.phaseEncodeDirection)
        if let found = open.firstIndex(where: { satisfies($0, slice, longAxisFollowUp: isLongAxis && (extraPlane || repeats > 0)) }) {
            let prompt = open.remove(at: found)
            return RecordedActionMatch(
                status: "matched", slice: prompt.slice, rule: prompt.recommendation.rule, action: prompt.recommendation.action.kind,
                recordedSlice: number, detail: change(from: prompt, to: slice))
        }
        guard repeats > 0 || extraPlane else { return nil }
        if extraPlane {
            return RecordedActionMatch(
                status: "done_without_prompt", slice: nil, rule: nil, action: "long_axis_crosscut", recordedSlice: number,
                detail: "an extra \(slice.orientation.rawValue) long-axis plane")
        }
        var action = "repeat", detail = "\(slice.position) acquired again"
        if let ti = slice.inversionTime, let old = before?.inversionTime ?? nil, abs(ti - old) >= Self.minimumTIChange {
            action = "repeat_ti"
            detail = "\(slice.position) again with TI \(ReplayFormat.number(old)) -> \(ReplayFormat.number(ti)) ms"
        } else if let pe = slice.phaseEncodeDirection, let old = before?.phaseEncode ?? nil, pe != old {
            action = "swap_phase_encode"
            detail = "\(slice.position) again with phase encode \(old.rawValue) -> \(pe.rawValue)"
        }
        return RecordedActionMatch(status: "done_without_prompt", slice: nil, rule: nil, action: action, recordedSlice: number, detail: detail)
    }

    /// Recommendations nobody carried out, in order.
    public mutating func finish() -> [RecordedActionMatch] {
        defer { open = [] }
        return open.map {
            RecordedActionMatch(
                status: "not_done", slice: $0.slice, rule: $0.recommendation.rule, action: $0.recommendation.action.kind,
                recordedSlice: nil, detail: "nothing later in the recording carries it out")
        }
    }

    private func satisfies(_ prompt: Open, _ slice: ArrivingSlice, longAxisFollowUp: Bool) -> Bool {
        let samePosition = slice.position == prompt.position
        switch prompt.recommendation.action {
        case .repeatTI:
            guard samePosition, let before = prompt.inversionTime, let now = slice.inversionTime else { return false }
            return abs(now - before) >= Self.minimumTIChange
        case .swapPhaseEncode:
            return samePosition && prompt.phaseEncode != nil && slice.phaseEncodeDirection != nil
                && slice.phaseEncodeDirection != prompt.phaseEncode
        case .repeatAcquisition:
            return samePosition
        case .longAxisCrosscut:
            return longAxisFollowUp
        case .notify:
            return false
        }
    }

    private func change(from prompt: Open, to slice: ArrivingSlice) -> String {
        switch prompt.recommendation.action {
        case .repeatTI(let change):
            let asked = if case .delta(let d) = change { " (asked \(d >= 0 ? "+" : "")\(ReplayFormat.number(d)) ms)" } else { "" }
            return "TI \(prompt.inversionTime.map(ReplayFormat.number) ?? "?") -> \(slice.inversionTime.map(ReplayFormat.number) ?? "?") ms" + asked
        case .swapPhaseEncode:
            return "phase encode \(prompt.phaseEncode?.rawValue ?? "?") -> \(slice.phaseEncodeDirection?.rawValue ?? "?")"
        case .repeatAcquisition: return "\(slice.position) acquired again"
        case .longAxisCrosscut: return "\(slice.target) acquired"
        case .notify: return ""
        }
    }
}
