import Foundation
import LGEAudit
import LGETestSupport
import Testing

@Suite struct HistoryTests {
    func archive(_ outcomes: String, folders: [String]) throws -> URL {
        let root = try TestEnvironment.temporaryDirectory("lgeqa-history")
        for folder in folders {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("sessions/\(folder)"), withIntermediateDirectories: true)
        }
        try outcomes.write(to: root.appendingPathComponent("outcomes.csv"), atomically: true, encoding: .utf8)
        return root
    }

    @Test func joinsSessionsAndOutcomesAndReportsWhatIsMissing() throws {
        let root = try archive("""
            session_id,date,site,scanner,conclusive,recalled,reason_in_scope
            S1,2025-03-14,north,aera-1,yes,no,no
            S2,2025-03-14,north,aera-1,no,no,yes
            S3,2025-03-17,south,skyra-2,yes,yes,yes
            S4,2025-03-17,south,skyra-2,yes,yes,no
            S9,2025-04-01,south,skyra-2,1,0,0

            """, folders: ["S1", "S2", "S3", "S4", "S5"])
        defer { try? FileManager.default.removeItem(at: root) }
        let history = try HistoricalArchive(sessionsDirectory: root.appendingPathComponent("sessions"), outcomes: root.appendingPathComponent("outcomes.csv").path)
        #expect(history.sessions.map(\.outcome.session) == ["S1", "S2", "S3", "S4"])
        #expect(history.sessionsWithoutOutcome == ["S5"])
        #expect(history.outcomesWithoutSession == ["S9"])
        #expect(history.problems.isEmpty)
        // In scope: inconclusive for an in-scope reason (S2) and recalled for one (S3); S4's recall was out of scope.
        #expect(history.sessions.map(\.outcome.outcomeInScope) == [false, true, true, false])
        #expect(history.sessions[2].outcome.cluster(by: .scanner) == "south/skyra-2")
        #expect(history.sessions[2].outcome.cluster(by: .month) == "south/skyra-2/2025-03")
        let record = SessionReplayResult(history: history.sessions[1].outcome, clusterBy: .site, actions: [ActionCost(action: "repeat_ti", minutes: 0.5)])
        #expect(record.prompted && record.outcomeInScope && record.cluster == "north")
    }

    @Test func badRowsAreReportedWithTheirLine() throws {
        let root = try archive("""
            session_id,date,site,scanner,conclusive,recalled,reason_in_scope
            S1,2025-03-14,north,aera-1,yes,no,no
            S2,14/03/2025,north,aera-1,no,no,yes
            S3,2025-03-17,south,skyra-2,maybe,yes,yes
            S4,2025-03-17,south
            S1,2025-03-18,north,aera-1,yes,no,no

            """, folders: ["S1"])
        defer { try? FileManager.default.removeItem(at: root) }
        let (outcomes, problems) = try HistoricalArchive.readOutcomes(path: root.appendingPathComponent("outcomes.csv").path)
        #expect(outcomes.map(\.session) == ["S1"])
        let text = problems.map(\.description)
        #expect(text.count == 4)
        #expect(text[0].contains("outcomes.csv:3:") && text[0].contains("YYYY-MM-DD"))
        #expect(text[1].contains("outcomes.csv:4:") && text[1].contains("conclusive 'maybe'"))
        #expect(text[2].contains("outcomes.csv:5:") && text[2].contains("fields"))
        #expect(text[3].contains("outcomes.csv:6:") && text[3].contains("already has an outcome"))
    }

    @Test func aMissingColumnNamesWhatIsThere() throws {
        let root = try archive("session_id,date,site\nS1,2025-03-14,north\n", folders: [])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: (any Error).self) { try HistoricalArchive.readOutcomes(path: root.appendingPathComponent("outcomes.csv").path) }
        do {
            _ = try HistoricalArchive.readOutcomes(path: root.appendingPathComponent("outcomes.csv").path)
        } catch {
            #expect(error.description.contains("no column 'scanner'") && error.description.contains("session_id, date, site"))
        }
    }
}
