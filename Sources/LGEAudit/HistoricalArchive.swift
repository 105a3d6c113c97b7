import Foundation
import LGEDatasets

/// One historical exam's known outcome (a row of `outcomes.csv`, see docs/history.md).
public struct HistoricalOutcome: Sendable, Hashable, Codable {
    public var session: String
    /// ISO date, YYYY-MM-DD.
    public var date: String
    public var site: String
    public var scanner: String
    /// The report reached a conclusion about LGE.
    public var conclusive: Bool
    /// The patient was called back for a repeat or further imaging.
    public var recalled: Bool
    /// The reason for the recall or the inconclusive report was LGE ambiguity (what a prompt could fix).
    public var reasonInScope: Bool

    public init(session: String, date: String, site: String, scanner: String, conclusive: Bool, recalled: Bool, reasonInScope: Bool) {
        self.session = session
        self.date = date
        self.site = site
        self.scanner = scanner
        self.conclusive = conclusive
        self.recalled = recalled
        self.reasonInScope = reasonInScope
    }

    /// R: recalled or inconclusive, for an in-scope reason.
    public var outcomeInScope: Bool { (recalled || !conclusive) && reasonInScope }

    /// The cluster the estimator resamples.
    public func cluster(by grouping: ClusterGrouping) -> String {
        switch grouping {
        case .site: site
        case .scanner: "\(site)/\(scanner)"
        case .month: "\(site)/\(scanner)/\(date.prefix(7))"
        }
    }
}

/// What historical exams cluster by.
public enum ClusterGrouping: String, Sendable, Hashable, Codable, CaseIterable {
    case site, scanner, month
}

/// A historical session ready to replay: its DICOM folder and its outcome.
public struct HistoricalSession: Sendable, Hashable {
    public var outcome: HistoricalOutcome
    public var directory: URL

    public init(outcome: HistoricalOutcome, directory: URL) {
        self.outcome = outcome
        self.directory = directory
    }
}

/// Sessions (one DICOM folder each, named by session id) joined with `outcomes.csv`. Sessions
/// without an outcome and outcomes without a session are reported and excluded, with counts.
public struct HistoricalArchive: Sendable {
    public var sessions: [HistoricalSession]
    /// Bad outcome rows, each with its line.
    public var problems: [DatasetError]
    /// Session folders with no outcome row (excluded).
    public var sessionsWithoutOutcome: [String]
    /// Outcome rows whose session folder is missing (excluded).
    public var outcomesWithoutSession: [String]

    /// Reads `sessionsDirectory` (one sub-folder per session) and the outcomes CSV.
    public init(sessionsDirectory: URL, outcomes path: String) throws(DatasetError) {
        let outcomes = try Self.readOutcomes(path: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: sessionsDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingFile(path: sessionsDirectory.path)
        }
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: sessionsDirectory.path)) ?? []).filter { name in
            var folder: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: sessionsDirectory.appendingPathComponent(name).path, isDirectory: &folder) && folder.boolValue
        }.sorted()
        let byID = Dictionary(outcomes.outcomes.map { ($0.session, $0) }, uniquingKeysWith: { first, _ in first })
        sessions = folders.compactMap { name in byID[name].map { HistoricalSession(outcome: $0, directory: sessionsDirectory.appendingPathComponent(name)) } }
        sessionsWithoutOutcome = folders.filter { byID[$0] == nil }
        outcomesWithoutSession = outcomes.outcomes.map(\.session).filter { !Set(folders).contains($0) }
        problems = outcomes.problems
    }

    /// Parses an outcomes CSV: bad rows come back in `problems` with their line; the rest load.
    public static func readOutcomes(path: String) throws(DatasetError) -> (outcomes: [HistoricalOutcome], problems: [DatasetError]) {
        let table = try CSVTable(path: path)
        let columns = ["session_id", "date", "site", "scanner", "conclusive", "recalled", "reason_in_scope"]
        var index: [String: Int] = [:]
        for name in columns { index[name] = try table.column(name) }
        var outcomes: [HistoricalOutcome] = [], problems: [DatasetError] = []
        var seen = Set<String>()
        rows: for (line, fields) in table.rows {
            guard fields.count == table.header.count else {
                problems.append(.badTable(path: path, line: line, reason: "expected \(table.header.count) fields, found \(fields.count)"))
                continue
            }
            func field(_ name: String) -> String { fields[index[name]!].trimmingCharacters(in: .whitespaces) }
            var flags: [String: Bool] = [:]
            for name in ["conclusive", "recalled", "reason_in_scope"] {
                guard let flag = parseFlag(field(name)) else {
                    problems.append(.badTable(path: path, line: line, reason: "\(name) '\(field(name))' must be yes/no, true/false or 1/0"))
                    continue rows
                }
                flags[name] = flag
            }
            let session = field("session_id"), date = field("date")
            guard !session.isEmpty else {
                problems.append(.badTable(path: path, line: line, reason: "empty session_id"))
                continue
            }
            guard isISODate(date) else {
                problems.append(.badTable(path: path, line: line, reason: "date '\(date)' must be YYYY-MM-DD"))
                continue
            }
            guard seen.insert(session).inserted else {
                problems.append(.badTable(path: path, line: line, reason: "session_id '\(session)' already has an outcome; the first row is kept"))
                continue
            }
            outcomes.append(HistoricalOutcome(
                session: session, date: date, site: field("site"), scanner: field("scanner"),
                conclusive: flags["conclusive"]!, recalled: flags["recalled"]!, reasonInScope: flags["reason_in_scope"]!))
        }
        return (outcomes, problems)
    }

    static func parseFlag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "yes", "y", "true": true
        case "0", "no", "n", "false": false
        default: nil
        }
    }

    static func isISODate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let month = Int(parts[1]), let day = Int(parts[2]), Int(parts[0]) != nil else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }
}

extension SessionReplayResult {
    /// The record for a historical session once the replay has said whether (and how) the
    /// protocol would have prompted: what `lgeqa audit` will build per session.
    public init(history: HistoricalOutcome, clusterBy grouping: ClusterGrouping, actions: [ActionCost]) {
        self.init(session: history.session, cluster: history.cluster(by: grouping), outcomeInScope: history.outcomeInScope,
                  prompted: !actions.isEmpty, actions: actions)
    }
}
