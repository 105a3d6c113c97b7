import Foundation
import Yams

/// Reads teaching scenarios (`scenarios/*.yaml`, schema in `docs/scenarios.md`) into `ExamCase`s.
///
/// Every problem comes back as a `ScenarioError` located at `file:line:column`, YAML syntax errors
/// included, so a scenario author can fix the file from the message alone.
public enum ScenarioLoader {
    /// The schema version this loader reads.
    public static let schemaVersion = 1

    /// Loads one scenario file. Errors name the file by its path relative to the current
    /// directory when it lies below it.
    public static func load(contentsOf url: URL) throws(ScenarioError) -> ExamCase {
        try loadLocated(contentsOf: url).exam
    }

    /// Parses scenario text. `file` is the name errors show, and the default scenario name (its
    /// last path component without the extension).
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> ExamCase {
        try parseLocated(text, file: file).exam
    }

    /// Loads every `*.yaml` / `*.yml` file in `directory`, in name order. A bad file is reported
    /// and skipped; the others still load. A scenario whose name repeats an earlier one's is
    /// reported too, since names identify scenarios.
    public static func loadAll(in directory: URL) -> (cases: [ExamCase], errors: [ScenarioError]) {
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { ["yaml", "yml"].contains($0.pathExtension.lowercased()) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            let message = "cannot list scenarios: \(error.localizedDescription)"
            return ([], [ScenarioError(.unreadable, file: displayName(directory), line: 1, column: 1, message: message)])
        }
        var cases: [ExamCase] = []
        var errors: [ScenarioError] = []
        var seen: [String: String] = [:]  // name → file that defined it
        for file in files {
            do {
                let (exam, nameError) = try loadLocated(contentsOf: file)
                if let earlier = seen[exam.name] {
                    var duplicate = nameError
                    duplicate.message = "scenario name '\(exam.name)' is already used by \(earlier)"
                    errors.append(duplicate)
                    continue
                }
                seen[exam.name] = file.lastPathComponent
                cases.append(exam)
            } catch {
                errors.append(error)
            }
        }
        return (cases, errors)
    }

    // MARK: - Internals

    /// The case and a ready-made error located at its name (for duplicate-name reports).
    private static func loadLocated(contentsOf url: URL) throws(ScenarioError) -> (exam: ExamCase, nameError: ScenarioError) {
        let file = displayName(url)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ScenarioError(.unreadable, file: file, line: 1, column: 1, message: "cannot read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError(.unreadable, file: file, line: 1, column: 1, message: "not UTF-8 text")
        }
        return try parseLocated(text, file: file)
    }

    private static func parseLocated(_ text: String, file: String) throws(ScenarioError) -> (exam: ExamCase, nameError: ScenarioError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw syntaxError(error, file: file)
        }
        guard let root else {
            throw ScenarioError(.invalid, file: file, line: 1, column: 1, message: "empty scenario; expected at least version and title")
        }
        let decoder = ScenarioDecoder(file: file)
        return try decoder.decodeScenario(ScenarioValue(node: root, path: "", file: file))
    }

    /// Yams' errors carry a mark and a multi-line snippet; keep the mark and the one-line problem.
    private static func syntaxError(_ error: any Error, file: String) -> ScenarioError {
        func located(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> ScenarioError {
            var message = "YAML syntax error: \(problem)"
            if let context { message += " (\(context.text) at \(context.mark.line):\(context.mark.column))" }
            return ScenarioError(.syntax, file: file, line: mark.line, column: mark.column, message: message)
        }
        guard let yamlError = error as? YamlError else {
            return ScenarioError(.syntax, file: file, line: 1, column: 1, message: "YAML syntax error: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return located(mark, problem, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ScenarioError(
                .invalid, file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(keys): a mapping names each key once (first use here)")
        case .reader(let problem, let offset, _, let yaml):
            let (line, column) = offset.map { lineAndColumn(ofOffset: $0, in: yaml) } ?? (1, 1)
            return ScenarioError(.unreadable, file: file, line: line, column: column, message: "unreadable text: \(problem)")
        default:
            return ScenarioError(.syntax, file: file, line: 1, column: 1, message: "YAML syntax error: \(yamlError)")
        }
    }

    /// 1-based line and column of a character offset.
    private static func lineAndColumn(ofOffset offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    /// A file's path relative to the current directory when it lies below it (messages stay
    /// short and clickable), else the full path.
    static func displayName(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let prefix = current.hasSuffix("/") ? current : current + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
