import Foundation
import LGETestSupport
import Testing

/// `lgeqa simulate cohort --history`, `lgeqa audit` (single run, shards, merge) and `lgeqa tune`
/// on a tiny simulated history (4 exams of 2 short-axis slices, small matrix) with a tiny untrained model.
@Suite struct AuditRunCommandTests {
    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func auditsATinySimulatedHistoryInOneRunAndInShards() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        let history = directory.appendingPathComponent("history")
        let simulated = try runLGEQA(["simulate", "cohort", "--n", "4", "--seed", "7", "--history", "--slices", "2", "--matrix", "96",
                                      "--no-long-axis", "--out", history.path])
        try #require(simulated.status == 0, "\(simulated.standardError)")
        #expect(simulated.standardOutput.contains("SYNTHETIC outcomes"))
        let outcomesURL = history.appendingPathComponent("outcomes.csv")
        let outcomes = try String(contentsOf: outcomesURL, encoding: .utf8).split(separator: "\n")
        #expect(outcomes.count == 5)
        #expect(outcomes[0].hasPrefix("session_id,date,site,scanner,conclusive,recalled,reason_in_scope"))
        let sessions = try FileManager.default.contentsOfDirectory(atPath: history.appendingPathComponent("sessions").path).filter { !$0.hasSuffix(".csv") }
        #expect(sessions.count == 4)

        // One run, records kept; then the same archive in two shards, merged.
        let common = ["audit", "--history", history.path, "--protocol", "default", "--model", model]
        let single = directory.appendingPathComponent("all.jsonl").path
        let run = try runLGEQA(common + ["--theta-k", "6", "--theta-m", "10", "--format", "json", "--records-out", single])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try json(run.standardOutput)
        #expect(report["synthetic_sessions"] as? Bool == true)
        #expect((report["theta"] as? String)?.contains("pilot: 6 of 10") == true)
        let estimate = try #require(report["estimate"] as? [String: Any])
        let counts = try #require(estimate["counts"] as? [String: Any])
        #expect(counts["exams"] as? Int == 4)
        let inScope = outcomes.dropFirst().filter { $0.split(separator: ",")[6] == "yes" }.count
        #expect(counts["outcomes"] as? Int == inScope)
        let avoided = try #require(estimate["avoided"] as? [String: Double])
        #expect(avoided["lower"]! <= avoided["value"]! && avoided["value"]! <= avoided["upper"]!)
        #expect(avoided["lower"]! >= 0 && avoided["upper"]! <= 1000)
        #expect((estimate["thetaSweep"] as? [Any])?.count == 7)

        var shardFiles: [String] = []
        for i in 1...2 {
            let file = directory.appendingPathComponent("shard\(i).jsonl").path
            let shard = try runLGEQA(common + ["--shard", "\(i)/2", "--records-out", file])
            #expect(shard.status == 0, "\(shard.standardError)")
            shardFiles.append(file)
        }
        let merged = directory.appendingPathComponent("merged.jsonl").path
        let merge = try runLGEQA(["audit", "merge", "--records"] + shardFiles + ["--out", merged])
        #expect(merge.status == 0, "\(merge.standardError)")
        #expect(try String(contentsOfFile: merged, encoding: .utf8) == (try String(contentsOfFile: single, encoding: .utf8)))
        let fromShards = try runLGEQA(["audit", "estimate", "--records"] + shardFiles + ["--theta", "6/10", "--format", "json"])
        #expect(fromShards.status == 0, "\(fromShards.standardError)")
        let shardEstimate = try json(fromShards.standardOutput)
        #expect(shardEstimate["avoided"] as? [String: Double] == avoided)
        #expect(NSDictionary(dictionary: shardEstimate["counts"] as! [String: Any]).isEqual(to: counts))

        // The rules-only re-run of tune, at the protocol's own threshold, prompts as often as the replay did.
        let records = try String(contentsOfFile: single, encoding: .utf8).split(separator: "\n").map { try json(String($0)) }
        let replayedPrompts = records.reduce(0) { $0 + (($1["actions"] as? [Any])?.count ?? 0) }
        let tune = try runLGEQA(["tune", "--protocol", "default", "--cohort", history.path, "--model", model, "--theta", "6/10",
                                 "--sweep", "rules.ghost-swap.when.acquisition.causes.ghosting.ge=0.4:0.8:0.4", "--format", "json", "--draws", "1000",
                                 "--plot", directory.appendingPathComponent("tune.svg").path])
        #expect(tune.status == 0, "\(tune.standardError)")
        let rows = try #require(try json(tune.standardOutput)["rows"] as? [[String: Any]])
        #expect(rows.count == 2)
        let atBase = try #require(rows.first { ($0["settings"] as? [String: Double])?.values.first == 0.8 })
        #expect(abs((atBase["prompts_per_exam"] as? Double ?? -1) * 4 - Double(replayedPrompts)) < 1e-9)
        #expect(rows.contains { $0["pareto"] as? Bool == true })
        #expect(try String(contentsOf: directory.appendingPathComponent("tune.svg"), encoding: .utf8).contains("SYNTHETIC"))

        // Orphans and a bad row: reported with counts and excluded, the rest audited.
        try FileManager.default.removeItem(at: history.appendingPathComponent("sessions/\(outcomes[1].split(separator: ",")[0])"))
        try (outcomes.joined(separator: "\n") + "\nghost-session,2025-02-01,internal,1.5T-a,yes,no,no,0\nbad-row,2025-02-31x,internal,1.5T-a,yes,no,no,0\n")
            .write(to: outcomesURL, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: history.appendingPathComponent("sessions/no-outcome"), withIntermediateDirectories: true)
        let partial = try runLGEQA(common + ["--theta-k", "6", "--theta-m", "10", "--format", "json"])
        #expect(partial.status == 1, "\(partial.standardError)")
        #expect(partial.standardError.contains("outcomes.csv:7: date"), "\(partial.standardError)")
        #expect(partial.standardError.contains("'ghost-session'"))
        #expect(partial.standardError.contains("'no-outcome' has no row"))
        let excluded = try #require(try json(partial.standardOutput)["excluded"] as? [String: Int])
        #expect(excluded == ["bad_outcome_rows": 1, "sessions_without_outcome": 1, "outcomes_without_session": 2, "sessions_not_replayed": 0])
        #expect(((try json(partial.standardOutput)["estimate"] as? [String: Any])?["counts"] as? [String: Any])?["exams"] as? Int == 3)
    }

    /// With the virtual readers assessing, audit and tune need no model: each session is assessed
    /// from the simulator's truth beside it, and a session without one is reported and excluded.
    @Test func theVirtualReadersAuditASimulatedHistoryWithoutAModel() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let history = directory.appendingPathComponent("history")
        let simulated = try runLGEQA(["simulate", "cohort", "--n", "4", "--seed", "7", "--history", "--slices", "2", "--matrix", "96",
                                      "--no-long-axis", "--out", history.path])
        try #require(simulated.status == 0, "\(simulated.standardError)")
        let common = ["audit", "--history", history.path, "--protocol", "default", "--assessor", "virtual-readers", "--theta-k", "6", "--theta-m", "10"]
        let run = try runLGEQA(common + ["--format", "json"])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try json(run.standardOutput)
        #expect((report["model"] as? String)?.contains("virtual readers") == true)
        #expect(((report["estimate"] as? [String: Any])?["counts"] as? [String: Any])?["exams"] as? Int == 4)
        let tune = try runLGEQA(["tune", "--protocol", "default", "--cohort", history.path, "--assessor", "virtual-readers", "--theta", "6/10",
                                 "--sweep", "limits.prompts_per_exam=2:4:2", "--format", "json", "--draws", "1000"])
        #expect(tune.status == 0, "\(tune.standardError)")
        #expect((try json(tune.standardOutput)["assessed_by"] as? String)?.contains("virtual readers") == true)

        // One session without its truth: excluded, with the reason; the other three audited.
        let sessions = history.appendingPathComponent("sessions")
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: sessions.path).filter { !$0.hasSuffix(".csv") }.sorted().first)
        try FileManager.default.removeItem(at: sessions.appendingPathComponent("\(first)/truth.json"))
        for table in ["truth.csv"] { try? FileManager.default.removeItem(at: sessions.appendingPathComponent(table)) }
        let partial = try runLGEQA(common + ["--format", "json"])
        #expect(partial.status == 1, "\(partial.standardError)")
        #expect(partial.standardError.contains("session '\(first)': no simulator truth beside it"), "\(partial.standardError)")
        #expect(((try json(partial.standardOutput)["estimate"] as? [String: Any])?["counts"] as? [String: Any])?["exams"] as? Int == 3)

        let both = try runLGEQA(common + ["--model", "models/lgeqa-default.lgeqa"])
        #expect(both.status == 64 && both.standardError.contains("exclude each other"), "\(both.standardError)")
    }

    @Test func badSweepKeysAndMissingThetaAreRefusedBeforeAnyWork() throws {
        let tune = try runLGEQA(["tune", "--protocol", "default", "--cohort", "/nonexistent", "--sweep", "rules.ghost-swap.when.acquisition.causes.ghost.ge=0.5:0.9:0.1"])
        #expect(tune.status == 64, "\(tune.standardError)")
        #expect(tune.standardError.contains("no key 'rules.ghost-swap.when.acquisition.causes.ghost.ge'"))
        #expect(tune.standardError.contains("rules.ghost-swap.when.acquisition.causes.ghosting.ge"))
        let audit = try runLGEQA(["audit", "--history", "/nonexistent", "--protocol", "default"])
        #expect(audit.status == 64)
        #expect(audit.standardError.contains("--theta-k"))
    }
}
