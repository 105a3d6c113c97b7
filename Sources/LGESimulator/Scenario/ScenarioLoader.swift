import Foundation
import LGEYAML

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
        let (text, file) = try YAMLDocument.read(contentsOf: url)
        return try parseLocated(text, file: file)
    }

    private static func parseLocated(_ text: String, file: String) throws(ScenarioError) -> (exam: ExamCase, nameError: ScenarioError) {
        guard let root = try YAMLDocument.parse(text: text, file: file, documentName: "scenario") else {
            throw ScenarioError(.invalid, file: file, line: 1, column: 1, message: "empty scenario; expected at least version and title")
        }
        return try ScenarioDecoder(file: file).decodeScenario(root)
    }

    /// A file's path as messages show it (relative to the current directory when below it).
    static func displayName(_ url: URL) -> String { YAMLDocument.displayName(url) }
}
