import Foundation
import LGEDICOM
import LGETestSupport
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `lgeqa evaluate` and `lgeqa audit` through the built executable.
@Suite struct EvaluateCommandTests {
    @Test func evaluatesASimulatedCohortAgainstItsReaders() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        let cohort = directory.appendingPathComponent("cohort")
        let simulated = try runLGEQA(["simulate", "cohort", "--n", "1", "--site", "internal", "--seed", "5", "--out", cohort.path])
        try #require(simulated.status == 0, "\(simulated.standardError)")
        // A bad score row is reported with its line and excluded; the rest still evaluate.
        let scores = cohort.appendingPathComponent("readers.csv")
        try (try String(contentsOf: scores, encoding: .utf8) + "1.2.3.4,reader1,101\n").write(to: scores, atomically: true, encoding: .utf8)
        let lines = try String(contentsOf: scores, encoding: .utf8).split(separator: "\n").count

        let json = try runLGEQA(["evaluate", "--images", cohort.path, "--scores", scores.path, "--model", model, "--format", "json", "--replicates", "50"])
        #expect(json.status == 1, "\(json.standardError)")
        #expect(json.standardError.contains("readers.csv:\(lines): vas '101'"), "\(json.standardError)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        let report = try #require(reports.first)
        #expect(report["synthetic"] as? Bool == true)
        #expect(report["score_rows_excluded"] as? Int == 1)
        let low = try #require(report["low_certainty"] as? [String: Any])
        let cases = try #require(low["cases"] as? Int)
        #expect(cases > 10)
        #expect(cases == report["slices_read"] as? Int)
        #expect(low["patients"] as? Int == 1)
        let agreement = try #require(report["inter_reader"] as? [String: Any])
        #expect((0...1).contains(try #require(agreement["class_agreement"] as? Double)))

        let html = directory.appendingPathComponent("report.html")
        let page = try runLGEQA(["evaluate", "--images", cohort.path, "--scores", scores.path, "--external-images", cohort.path,
                                 "--external-scores", scores.path, "--model", model, "--format", "html", "--out", html.path, "--replicates", "50"])
        #expect(page.status == 1)
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains("SYNTHETIC"))
        #expect(text.contains("External test set"))
        let svgs = text.components(separatedBy: "<svg ").dropFirst().map { "<svg " + $0.components(separatedBy: "</svg>")[0] + "</svg>" }
        #expect(svgs.count == 6)
        for svg in svgs {
            #expect(XMLParser(data: Data(svg.utf8)).parse())
            #expect(svg.contains(">SYNTHETIC</text>"))
        }
        // No identifiers: the cohort's patient ids and study UIDs never appear.
        let file = try #require(FileManager.default.enumerator(atPath: cohort.path)?.compactMap { $0 as? String }.first { $0.hasSuffix(".dcm") })
        let header = try #require(try DICOMReader(options: .init(includePatientIdentity: true)).read(path: cohort.appendingPathComponent(file).path).first).header
        let patient = try #require(header.patient?.id)
        #expect(!patient.isEmpty)
        for output in [text, json.standardOutput, json.standardError] {
            #expect(!output.contains(patient) && !output.contains(header.studyInstanceUID))
        }
    }

    @Test func auditEstimateMergesShardsAndValidateRuns() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var shards: [String] = []
        for shard in 0..<2 {
            var text = ""
            for i in 0..<150 where i % 2 == shard {
                let outcome = i % 15 == 0, prompted = outcome ? i % 2 == 0 : i % 9 == 0
                let actions = prompted ? "[{\"action\":\"repeat_ti\",\"minutes\":0.5}]" : "[]"
                text += "{\"session\":\"s\(i)\",\"cluster\":\"site\(i % 4)\",\"outcome_in_scope\":\(outcome),\"prompted\":\(prompted),\"actions\":\(actions)}\n"
            }
            if shard == 1 { text += "{not json}\n" }
            let path = directory.appendingPathComponent("shard\(shard).jsonl").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            shards.append(path)
        }
        let result = try runLGEQA(["audit", "estimate", "--records"] + shards + ["--theta", "12/20", "--format", "json"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("shard1.jsonl:76:"), "\(result.standardError)")
        let estimate = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let counts = try #require(estimate["counts"] as? [String: Any])
        #expect(counts["exams"] as? Int == 150)
        #expect(estimate["clusters"] as? Int == 4)
        let reversed = try runLGEQA(["audit", "estimate", "--records", shards[1], shards[0], "--theta", "12/20", "--format", "json"])
        #expect(reversed.standardOutput == result.standardOutput)

        let validate = try runLGEQA(["audit", "validate", "--audits", "20", "--draws", "300", "--scenario", "small"])
        #expect(validate.status == 0, "\(validate.standardError)")
        for method in ["full", "wald", "fixed_theta", "ignore_clustering"] { #expect(validate.standardOutput.contains(method)) }
        #expect(validate.standardOutput.contains("SYNTHETIC"))
    }

    @Test func checkHistoryListsWhatIsExcluded() throws {
        let root = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["S1", "S2", "S3"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("sessions/\(folder)"), withIntermediateDirectories: true)
        }
        let outcomes = root.appendingPathComponent("outcomes.csv")
        try """
            session_id,date,site,scanner,conclusive,recalled,reason_in_scope
            S1,2025-03-14,north,aera-1,yes,no,no
            S2,2025-03-14,north,aera-1,no,no,yes
            S4,2025-03-17,south,skyra-2,yes,yes,yes
            S5,2025-13-17,south,skyra-2,yes,yes,yes

            """.write(to: outcomes, atomically: true, encoding: .utf8)
        let result = try runLGEQA(["audit", "check-history", "--sessions", root.appendingPathComponent("sessions").path, "--outcomes", outcomes.path])
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("2 sessions with outcomes in 1 cluster(s)"))
        #expect(result.standardOutput.contains("north/aera-1: 2 exams, 1 recalled/inconclusive in scope"))
        #expect(result.standardError.contains("outcomes.csv:5: date '2025-13-17'"))
        #expect(result.standardError.contains("session folder 'S3' has no row"))
        #expect(result.standardError.contains("lists session 'S4'"))
    }
}
