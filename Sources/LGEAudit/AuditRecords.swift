import Foundation

/// Per-session replay results on disk, one JSON object per line (JSON Lines): what an audit
/// shard writes and what the merge reads. Merging is a union of records, so estimating on the
/// merge gives exactly the single-run result.
public enum AuditRecords {
    /// Why records could not be read or merged.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case badLine(path: String, line: Int, reason: String)
        case duplicateSession(String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "\(path): \(reason)"
            case .badLine(let path, let line, let reason): "\(path):\(line): \(reason)"
            case .duplicateSession(let id): "session '\(id)' appears in more than one record (shards must not overlap)"
            }
        }
    }

    /// JSON Lines text for `results`.
    public static func encode(_ results: [SessionReplayResult]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return results.map { String(decoding: (try? encoder.encode($0)) ?? Data(), as: UTF8.self) + "\n" }.joined()
    }

    /// Reads a JSON Lines file; a bad line is reported with its number, and the rest still load.
    public static func read(path: String) -> (results: [SessionReplayResult], problems: [Problem]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return ([], [.unreadable(path: path, reason: "cannot read the file as UTF-8 text")])
        }
        var results: [SessionReplayResult] = [], problems: [Problem] = []
        let decoder = JSONDecoder()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                results.append(try decoder.decode(SessionReplayResult.self, from: Data(line.utf8)))
            } catch {
                problems.append(.badLine(path: path, line: index + 1, reason: "not a session record (session, cluster, outcome_in_scope, prompted, actions): \(error)"))
            }
        }
        return (results, problems)
    }

    /// The union of shards, in session order; a session in two shards is an error.
    public static func merge(_ shards: [[SessionReplayResult]]) -> Result<[SessionReplayResult], Problem> {
        var seen = Set<String>()
        var all: [SessionReplayResult] = []
        for result in shards.joined() {
            guard seen.insert(result.session).inserted else { return .failure(.duplicateSession(result.session)) }
            all.append(result)
        }
        return .success(all.sorted { $0.session < $1.session })
    }
}
