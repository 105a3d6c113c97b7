import Foundation
import LGEReplay
import LGESimulator

/// θ measured on SYNTHETIC cases: simulated exams replayed closed-loop (`follow`), counting how
/// often a followed prompt on an ambiguous slice (the model puts it in the protocol's `low`
/// band) gave a follow-up the model no longer calls ambiguous. A stand-in for a pilot when none
/// exists; the report says it came from synthetic cases, and the θ sweep shows what other
/// values would give.
public struct SimulatedTheta: Sendable, Hashable, Codable {
    /// One action's tally.
    public struct Tally: Sendable, Hashable, Codable {
        public var action: String
        /// Followed prompts on ambiguous slices.
        public var prompted: Int
        /// Of those, follow-ups no longer ambiguous.
        public var resolved: Int
    }

    /// The simulated exams replayed.
    public var cases: [String]
    public var tallies: [Tally]

    public var prompted: Int { tallies.reduce(0) { $0 + $1.prompted } }
    public var resolved: Int { tallies.reduce(0) { $0 + $1.resolved } }

    /// The pooled tally as a pilot: drawn from Beta(k + ½, m − k + ½).
    public var source: ProbabilitySource { .pilot(successes: resolved, trials: prompted) }

    /// Replays each exam with `follow` through `engine` and tallies resolutions per action.
    public static func measure(exams: [ExamCase], engine: ReplayEngine) throws(ReplayError) -> SimulatedTheta {
        var prompted: [String: Int] = [:], resolved: [String: Int] = [:]
        for exam in exams {
            var source = try ScenarioSource(exam: exam, follow: true)
            var ambiguous = Set<Int>(), followed: [Int: String] = [:], settled = Set<Int>()
            try engine.run(&source) { event in
                switch event {
                case .assessment(let a) where a.certainty == "low": ambiguous.insert(a.slice)
                case .actionTaken(let taken) where taken.by == "follow" && ambiguous.contains(taken.slice) && followed[taken.slice] == nil:
                    followed[taken.slice] = taken.action
                    prompted[taken.action, default: 0] += 1
                case .ambiguityResolved(let r):
                    if let action = followed[r.ambiguousSlice], settled.insert(r.ambiguousSlice).inserted { resolved[action, default: 0] += 1 }
                default: break
                }
            }
        }
        return SimulatedTheta(
            cases: exams.map(\.name),
            tallies: prompted.keys.sorted().map { Tally(action: $0, prompted: prompted[$0]!, resolved: resolved[$0, default: 0]) })
    }

    public var description: String {
        "SYNTHETIC: \(resolved) of \(prompted) followed prompts on ambiguous slices resolved in closed-loop replays of \(cases.count) simulated case(s) ("
            + tallies.map { "\($0.action) \($0.resolved)/\($0.prompted)" }.joined(separator: ", ") + ")"
    }
}
