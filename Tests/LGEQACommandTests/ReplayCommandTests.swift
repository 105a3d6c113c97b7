import Foundation
import LGEDICOM
import LGESimulator
import LGETestSupport
import Testing

/// One replayed session's events, parsed.
struct ReplayedSession {
    var events: [[String: Any]]

    var name: String { events.first?["name"] as? String ?? "?" }
    var summary: [String: Any] { events.last { $0["event"] as? String == "session_summary" } ?? [:] }
    func all(_ event: String) -> [[String: Any]] { events.filter { $0["event"] as? String == event } }

    /// Splits a JSON Lines log into sessions; every line must parse and carry the schema.
    static func parse(_ output: String) throws -> [ReplayedSession] {
        var sessions: [ReplayedSession] = []
        for line in output.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            try #require(object["schema"] as? String == "lgeqa.replay.v1", "no schema: \(line)")
            if object["event"] as? String == "session_started" { sessions.append(ReplayedSession(events: [])) }
            try #require(!sessions.isEmpty, "event before session_started: \(line)")
            sessions[sessions.count - 1].events.append(object)
        }
        return sessions
    }
}

/// `lgeqa replay` through the built executable: bad input, and a recorded session.
@Suite struct ReplayCommandTests {
    /// --ask reads a trainee's answers from standard input, shows each beside the expert's action
    /// and scores them; --images writes the images they look at first.
    @Test func askScoresATraineesAnswersAndImagesAreWritten() throws {
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-ask")
        defer { try? FileManager.default.removeItem(at: directory) }
        // ghosting-septum: the expert swaps phase encoding after SA 4 and SA 5. Answers: SA 1 swap,
        // SA 2 and SA 3 nothing, SA 4 swap, SA 5 a typo and then repeat; q on SA 6 stops the questions.
        let result = try runLGEQA(["replay", "ghosting-septum", "--ask", "--images", directory.path], input: "s\n\n\ns\nxyz\nr\nq\n")
        try #require(result.status == 0, "\(result.standardError)")
        let out = result.standardOutput
        #expect(out.components(separatedBy: "your action?").count - 1 == 7)
        #expect(out.contains("'xyz' is not one of the answers"))
        #expect(out.contains("you: swap phase encode ✗ the expert did nothing here"))
        #expect(out.contains("you: swap phase encode ✓"))
        #expect(out.contains("you: repeat ✗"))
        #expect(out.contains("you answered for 5 acquisitions"))
        #expect(out.contains("the expert acted after 2: you chose the same on 1"))
        #expect(out.contains("you asked for an action the expert did not take on 1"))

        // Agreement with the protocol, from its own event log: the first recommendation on slices 1-5.
        let log = try ReplayedSession.parse(try runLGEQA(["replay", "ghosting-septum", "--format", "jsonl"]).standardOutput)[0]
        let answers: [String?] = ["swap_phase_encode", nil, nil, "swap_phase_encode", "repeat"]
        let agreed = (1...5).filter { slice in
            log.all("recommendation").first { $0["slice"] as? Int == slice }?["action"] as? String == answers[slice - 1]
        }.count
        #expect(out.contains("you and the protocol agreed on \(agreed) of 5"))

        // One PNG per image, named by arrival, position and reconstruction, windowed (not flat).
        let expected = log.all("slice_arrived").reduce(0) { $0 + (($1["reconstructions"] as? [String])?.count ?? 0) }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".png") }
        #expect(files.count == expected)
        #expect(files.contains("004-SA_4-psir.png") && files.contains("004-SA_4-magnitude.png"))
        let image = try GrayscalePNG.read(directory.appendingPathComponent("004-SA_4-magnitude.png").path)
        #expect(image.values.min() == 0 && image.values.max() == 255)

        let jsonl = try runLGEQA(["replay", "--ask", "--format", "jsonl"])
        #expect(jsonl.status == 64 && jsonl.standardError.contains("--ask needs the text view"), "\(jsonl.standardError)")
    }

    @Test func badInputIsAClearErrorAndANonZeroExit() throws {
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-replay")
        defer { try? FileManager.default.removeItem(at: directory) }
        let badProtocol = directory.appendingPathComponent("bad.yaml")
        try "schema: 1\nname: t\nversion: \"1\"\nruls: []\n".write(to: badProtocol, atomically: true, encoding: .utf8)
        let result = try runLGEQA(["replay", "--protocol", badProtocol.path])
        #expect(result.status == 2)
        #expect(result.standardError.contains("bad.yaml:4:1: unknown key 'ruls'"), "\(result.standardError)")

        let badScenario = directory.appendingPathComponent("scenario.yaml")
        let normal = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("scenarios/normal.yaml"), encoding: .utf8)
        try normal.replacingOccurrences(of: "heart_rate: 65", with: "heart_rate: nine").write(to: badScenario, atomically: true, encoding: .utf8)
        let scenario = try runLGEQA(["replay", badScenario.path])
        #expect(scenario.status == 2)
        #expect(scenario.standardError.contains("scenario.yaml:5:"), "\(scenario.standardError)")

        let missing = try runLGEQA(["replay", "no-such-scenario"])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("no scenario file 'no-such-scenario'"), "\(missing.standardError)")

        let model = try runLGEQA(["replay", "--model", directory.appendingPathComponent("none.lgeqa").path])
        #expect(model.status == 2)
        #expect(model.standardError.contains("none.lgeqa"), "\(model.standardError)")

        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let noDICOM = try runLGEQA(["replay", empty.path])
        #expect(noDICOM.status == 2)
        #expect(noDICOM.standardError.contains("no readable DICOM MR image"), "\(noDICOM.standardError)")

        let speed = try runLGEQA(["replay", "--speed", "fast"])
        #expect(speed.status == 64)

        // The virtual readers exist only in the simulator, and replace the model: a simulated
        // recording is assessed from the truth written beside it; without that file it cannot be.
        let recorded = directory.appendingPathComponent("recorded")
        try #require(try runLGEQA(["simulate", "normal", "--out", recorded.path]).status == 0)
        let withTruth = try runLGEQA(["replay", recorded.appendingPathComponent("dicom").path, "--assessor", "virtual-readers", "--format", "jsonl"])
        #expect(withTruth.status == 0, "\(withTruth.standardError)")
        let assessed = try ReplayedSession.parse(withTruth.standardOutput).first?.all("assessment") ?? []
        #expect(!assessed.isEmpty && assessed.allSatisfy { ($0["p_lge"] as? Double) == 0 }, "normal has no scar")
        try FileManager.default.removeItem(at: recorded.appendingPathComponent("truth.json"))
        let noReaders = try runLGEQA(["replay", recorded.appendingPathComponent("dicom").path, "--assessor", "virtual-readers"])
        #expect(noReaders.status == 2)
        #expect(noReaders.standardError.contains("--assessor virtual-readers needs a scenario, or a simulated recording with its truth"), "\(noReaders.standardError)")
        let both = try runLGEQA(["replay", "--assessor", "virtual-readers", "--model", "models/lgeqa-default.lgeqa"])
        #expect(both.status == 64 && both.standardError.contains("exclude each other"), "\(both.standardError)")
    }

    /// `lgeqa simulate --follow-expert` records the expert's actions; the replay of that
    /// recording must find them and compare them with its own recommendations.
    @Test func aRecordedSessionReplaysAndReportsMatches() throws {
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-replay")
        defer { try? FileManager.default.removeItem(at: directory) }
        let exam = directory.appendingPathComponent("exam")
        let simulated = try runLGEQA(["simulate", "ghosting-septum", "--follow-expert", "--out", exam.path])
        try #require(simulated.status == 0, "\(simulated.standardError)")
        // A bad source in the batch is reported; the good one is still replayed (exit 1).
        let result = try runLGEQA(["replay", exam.appendingPathComponent("dicom").path, "no-such-scenario", "--format", "jsonl"])
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("no-such-scenario"))
        let session = try #require(try ReplayedSession.parse(result.standardOutput).first)
        #expect(session.events.first?["source"] as? String == "recording")
        #expect(session.events.first?["synthetic"] as? Bool == true)

        let truth = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: exam.appendingPathComponent("truth.json"))) as? [String: Any])
        let recordedActions = try #require(truth["acquisitions"] as? [[String: Any]]).filter { $0["action"] is String }
        #expect(recordedActions.count == 2)
        let arrivals = session.all("slice_arrived")
        let acquisitions = try #require(truth["acquisitions"] as? [[String: Any]])
        #expect(arrivals.count == acquisitions.count)
        let matches = session.all("recorded_action_match")
        // Each of the technologist's follow-ups is accounted for: it answered a prompt or came without one.
        let followUps = arrivals.filter { ($0["repeats_of_position"] as? Int ?? 0) > 0 }.compactMap { $0["slice"] as? Int }
        #expect(followUps.count == recordedActions.count)
        for slice in followUps {
            #expect(matches.contains { $0["recorded_slice"] as? Int == slice }, "recorded slice \(slice) not reported")
        }
        // Each prompt (message-only ones aside) is matched or reported as not done, once.
        for recommendation in session.all("recommendation") where recommendation["action"] as? String != "notify" {
            let slice = recommendation["slice"] as? Int
            let found = matches.filter { $0["slice"] as? Int == slice && ($0["status"] as? String).map { ["matched", "not_done"].contains($0) } == true }
            #expect(found.count == 1, "prompt on slice \(slice ?? -1): \(found.count) match events")
        }
        // The expert swapped phase encoding after SA 4 and SA 5; a prompt to do so there is matched.
        for position in ["SA 4", "SA 5"] {
            let prompted = arrivals.first { $0["position"] as? String == position }?["slice"] as? Int
            if session.all("recommendation").contains(where: { $0["slice"] as? Int == prompted && $0["action"] as? String == "swap_phase_encode" }) {
                #expect(matches.contains { $0["slice"] as? Int == prompted && $0["status"] as? String == "matched" }, "\(position)")
            }
        }
        let counts = try #require(session.summary["matches"] as? [String: Any])
        #expect((counts["matched"] as? Int ?? 0) >= 1, "no recommendation matched what the technologist did: \(counts)")
    }
}

/// The shipped scenarios under the default protocol and model, replayed once in one process
/// (and once more with --follow for the teaching scenarios): the default protocol must prompt
/// the expert's action after the expert's acquisition, prompt nothing on the clean scenarios,
/// and following its advice must leave fewer ambiguous slices over the teaching scenarios and
/// more in none. Not fewer in each: in amyloid no TI makes the myocardium null (the expert tries
/// one shorter TI, then notes it), and in arrhythmia the expert's repeat and swap act on slices
/// the readers were sure about, so neither can end with fewer.
///
/// The same matrix is also replayed with the virtual readers assessing (`--assessor
/// virtual-readers`): what the protocol does with a classifier as good as the readers allow. A
/// scenario missed there is missed by the protocol's own rules (or by the scenario); one missed
/// only with the model is the model's.
@Suite struct ReplayScenarioMatrixTests {
    /// Scenarios where the shipped model does not yet lead the default protocol to the expert's
    /// action (issue 5's requirement; it stays open while this list is not empty). They are still
    /// replayed and checked: their failures are recorded as known issues, and a listed scenario
    /// that starts to pass fails the test, so the list cannot go stale.
    static let knownMisses: [String: String] = [
        "focal-equivocal": "as rendered, the 5 mm spot grazes SA 6 (6 mm² of scar against bright blood): the virtual readers do not see it (VAS 0-22) and neither does the model (p_low_certainty about 0.01), so no focal rule fires",
        "small-subendocardial": "the thin subendocardial rim reads as certain (p_low_certainty 0.02-0.04 on SA 3-7) where the virtual readers are unsure, so the run of unexplained doubt that prompts the crosscut (with the readers assessing, on SA 5) never starts",
        "ti-drift-late": "the model calls SA 3, which lies above the LV base (no LV myocardium, readers sure), and SA 6 low certainty (TI); after the late-TI reminder on SA 1 and TI prompts on SA 3 and SA 6, repeat_ti's 2-slice cooldown silences SA 8 and the 4-prompt budget SA 11. The SA 3 call alone is not the miss: the readers doubt SA 5, 7 and 8, which the model reads as sure (p_low_certainty about 0.04) or calls a slice late",
    ]

    /// The same with the virtual readers assessing: what the default protocol misses by its own
    /// rules, or because the scenario does not render the doubt it teaches.
    static let knownProtocolMisses: [String: String] = [
        "focal-equivocal": "the scenario does not render its doubt: the 5 mm spot never fills a pixel of the 8 mm slice to 90%, so the virtual readers do not see it (VAS 0-22; docs/model.md)",
    ]

    static func shippedScenarios() throws -> [ExamCase] {
        let folder = TestEnvironment.repositoryRoot.appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        return try files.map { try ScenarioLoader.load(contentsOf: folder.appendingPathComponent($0)) }
    }

    /// Per scenario, where the replay's recommendations differ from the expert's actions (and,
    /// for a clean scenario, every prompt). Also checks the replay's own `expert_action` events.
    static func expertActionFailures(_ scenarios: [ExamCase], _ sessions: [ReplayedSession]) -> [String: [String]] {
        var failures: [String: [String]] = [:]
        for (scenario, session) in zip(scenarios, sessions) {
            let recommendations = session.all("recommendation")
            if scenario.expertActions.isEmpty {
                for r in recommendations {
                    failures[scenario.name, default: []].append("\(scenario.name) (clean): prompted \(r["action"] ?? "?") on slice \(r["slice"] ?? "?") (\(r["rule"] ?? "?"))")
                }
                continue
            }
            for expected in scenario.expertActions {
                let target = expected.after.description
                guard let slice = session.all("slice_arrived").first(where: { $0["target"] as? String == target })?["slice"] as? Int else {
                    failures[scenario.name, default: []].append("\(scenario.name): no acquisition \(target)")
                    continue
                }
                let here = recommendations.filter { $0["slice"] as? Int == slice }
                let fits = here.contains { r in
                    guard r["action"] as? String == expected.action.name else { return false }
                    // A TI change must go the expert's way (longer, or shorter as in amyloid).
                    if case .repeatWithInversionTime(.delta(let delta)) = expected.action {
                        let asked = (r["parameters"] as? [String: Any])?["delta_ms"] as? Double ?? 0
                        return asked * delta > 0
                    }
                    return true
                }
                // The replay's own comparison, which a trainee reads, must say the same.
                let told = session.all("expert_action").first { $0["slice"] as? Int == slice }
                #expect(told?["action"] as? String == expected.action.name, "\(scenario.name) \(target): no expert_action event")
                #expect(told?["protocol_agrees"] as? Bool == fits, "\(scenario.name) \(target): expert_action says protocol_agrees \(told?["protocol_agrees"] ?? "nil")")
                if !fits {
                    let said = here.map { "\($0["action"] ?? "?") (\($0["rule"] ?? "?"))" }.joined(separator: ", ")
                    let assessed = session.all("assessment").filter { $0["slice"] as? Int == slice }
                        .map { "\($0["reconstruction"] ?? "?") p_low \($0["p_low_certainty"] ?? "?") top \($0["top_cause"] ?? "-")" }
                    failures[scenario.name, default: []].append("\(scenario.name): after \(target) the expert would \(expected.action.name); the replay said \(said.isEmpty ? "nothing" : said) [\(assessed.joined(separator: "; "))]")
                }
            }
        }
        return failures
    }

    /// Records each scenario's failures: as known issues for a listed scenario (and an issue when a
    /// listed one passes, so the list cannot go stale), as plain issues otherwise.
    static func record(_ failures: [String: [String]], for scenarios: [ExamCase], knownMisses: [String: String]) {
        for scenario in scenarios {
            let found = failures[scenario.name] ?? []
            if let reason = knownMisses[scenario.name] {
                if found.isEmpty {
                    Issue.record("\(scenario.name) now passes: remove it from the known misses")
                } else {
                    withKnownIssue(Comment(rawValue: reason)) {
                        for failure in found { Issue.record(Comment(rawValue: failure)) }
                    }
                }
            } else {
                for failure in found { Issue.record(Comment(rawValue: failure)) }
            }
        }
    }

    @Test func theDefaultProtocolPromptsWhatTheExpertWouldAndFollowingItHelps() throws {
        let scenarios = try Self.shippedScenarios()
        let teaching = scenarios.filter { !$0.expertActions.isEmpty }
        try #require(!teaching.isEmpty && teaching.count < scenarios.count)
        for name in Self.knownMisses.keys { try #require(scenarios.contains { $0.name == name }, "no scenario \(name)") }

        // Both replays at once (two processes, two cores).
        nonisolated(unsafe) var followed: Result<ProcessOutput, Error>?
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            followed = Result { try runLGEQA(["replay", "--follow", "--format", "jsonl"] + teaching.map(\.name)) }
            group.leave()
        }
        let planned = try runLGEQA(["replay", "--format", "jsonl"] + scenarios.map(\.name))
        group.wait()
        let follow = try #require(followed).get()
        try #require(planned.status == 0, "\(planned.standardError)")
        try #require(follow.status == 0, "\(follow.standardError)")
        let plannedSessions = try ReplayedSession.parse(planned.standardOutput)
        let followSessions = try ReplayedSession.parse(follow.standardOutput)
        try #require(plannedSessions.map(\.name) == scenarios.map(\.name))
        try #require(followSessions.map(\.name) == teaching.map(\.name))

        var failures = Self.expertActionFailures(scenarios, plannedSessions)
        // Following the advice must leave fewer ambiguous positions over the teaching scenarios,
        // and never more in any one of them.
        var totalWith = 0, totalWithout = 0
        for (scenario, session) in zip(teaching, followSessions) {
            let without = plannedSessions.first { $0.name == scenario.name }!.summary["ambiguous_left"] as? Int ?? -1
            let with = session.summary["ambiguous_left"] as? Int ?? -1
            totalWith += with
            totalWithout += without
            if with > without {
                failures[scenario.name, default: []].append("\(scenario.name): --follow leaves \(with) ambiguous position(s), without it \(without)")
            }
        }
        #expect(totalWith < totalWithout, "--follow leaves \(totalWith) ambiguous positions over the teaching scenarios, without it \(totalWithout)")
        Self.record(failures, for: scenarios, knownMisses: Self.knownMisses)
    }

    /// The protocol's own part: with the virtual readers' odds in place of the model, the default
    /// protocol must prompt the expert's action on every teaching scenario whose doubt the readers
    /// share and the protocol has a rule for, and nothing on the clean ones.
    @Test func withTheVirtualReadersAssessingTheDefaultProtocolDoesWhatTheExpertWould() throws {
        let scenarios = try Self.shippedScenarios()
        for name in Self.knownProtocolMisses.keys { try #require(scenarios.contains { $0.name == name }, "no scenario \(name)") }
        let replay = try runLGEQA(["replay", "--assessor", "virtual-readers", "--format", "jsonl"] + scenarios.map(\.name))
        try #require(replay.status == 0, "\(replay.standardError)")
        let sessions = try ReplayedSession.parse(replay.standardOutput)
        try #require(sessions.map(\.name) == scenarios.map(\.name))
        for session in sessions {
            let started = try #require(session.events.first)
            #expect(started["assessor"] as? String == "virtual_readers")
            #expect(started["model"] == nil, "no model is used, so none is named")
            // The readers' odds are a probability, and they are assessed on every image.
            let assessments = session.all("assessment")
            #expect(assessments.count == session.all("slice_arrived").reduce(0) { $0 + (($1["reconstructions"] as? [String])?.count ?? 0) })
            #expect(assessments.allSatisfy { ($0["p_low_certainty"] as? Double).map { (0...1).contains($0) } == true })
        }
        Self.record(Self.expertActionFailures(scenarios, sessions), for: scenarios, knownMisses: Self.knownProtocolMisses)
    }

    /// Every shipped protocol, given assessments as good as the readers allow, leaves the clean
    /// scenarios alone: a prompt there comes from the protocol's own rules (as the thorough
    /// protocol's air-based ghost trigger did, 6 swaps on clear-infarct), not from the model.
    @Test(arguments: ["conservative", "thorough"])
    func withTheVirtualReadersNoShippedProtocolPromptsOnACleanScenario(protocol name: String) throws {
        let clean = try Self.shippedScenarios().filter { $0.expertActions.isEmpty }
        try #require(clean.count >= 3)
        let replay = try runLGEQA(["replay", "--assessor", "virtual-readers", "--protocol", name, "--format", "jsonl"] + clean.map(\.name))
        try #require(replay.status == 0, "\(replay.standardError)")
        let sessions = try ReplayedSession.parse(replay.standardOutput)
        try #require(sessions.map(\.name) == clean.map(\.name))
        for session in sessions {
            #expect(session.events.first?["protocol"] as? String == name)
            for r in session.all("recommendation") {
                Issue.record("\(name) on clean \(session.name): prompted \(r["action"] ?? "?") on slice \(r["slice"] ?? "?") (\(r["rule"] ?? "?"))")
            }
        }
    }
}
