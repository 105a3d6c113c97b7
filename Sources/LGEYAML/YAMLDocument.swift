import Foundation
import Yams

/// Reading YAML text and files with every failure located as `file:line:column`, YAML syntax
/// errors included, so an author can fix the file from the message alone.
public enum YAMLDocument {
    /// Composes `text` into its root node, named `documentName` in messages about the top level;
    /// nil for a document with nothing in it (only comments, or empty). `file` is the name errors show.
    public static func parse(text: String, file: String, documentName: String = "document") throws(YAMLError) -> YAMLValue? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw syntaxError(error, file: file)
        }
        return root.map { YAMLValue(node: $0, path: "", file: file, documentName: documentName) }
    }

    /// Reads a UTF-8 file; returns its text and its name as errors show it (``displayName(_:)``).
    public static func read(contentsOf url: URL) throws(YAMLError) -> (text: String, file: String) {
        let file = displayName(url)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw YAMLError(.unreadable, file: file, line: 1, column: 1, message: "cannot read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw YAMLError(.unreadable, file: file, line: 1, column: 1, message: "not UTF-8 text")
        }
        return (text, file)
    }

    /// A file's path relative to the current directory when it lies below it (messages stay
    /// short and clickable), else the full path.
    public static func displayName(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let prefix = current.hasSuffix("/") ? current : current + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// Yams' errors carry a mark and a multi-line snippet; keep the mark and the one-line problem.
    static func syntaxError(_ error: any Error, file: String) -> YAMLError {
        func located(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> YAMLError {
            var message = "YAML syntax error: \(problem)"
            if let context { message += " (\(context.text) at \(context.mark.line):\(context.mark.column))" }
            return YAMLError(.syntax, file: file, line: mark.line, column: mark.column, message: message)
        }
        guard let yamlError = error as? YamlError else {
            return YAMLError(.syntax, file: file, line: 1, column: 1, message: "YAML syntax error: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return located(mark, problem, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return YAMLError(
                .invalid, file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(keys): a mapping names each key once (first use here)")
        case .reader(let problem, let offset, _, let yaml):
            let (line, column) = offset.map { lineAndColumn(ofOffset: $0, in: yaml) } ?? (1, 1)
            return YAMLError(.unreadable, file: file, line: line, column: column, message: "unreadable text: \(problem)")
        default:
            return YAMLError(.syntax, file: file, line: 1, column: 1, message: "YAML syntax error: \(yamlError)")
        }
    }

    /// 1-based line and column of a character offset.
    static func lineAndColumn(ofOffset offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}
