import ArgumentParser
import Foundation
import Logging

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Log detail on standard error: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    /// Starts logging to standard error at the chosen level; call once per process, at the
    /// start of a command. Logs never carry patient identifiers.
    func bootstrapLogging(_ label: String) -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { name in
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// lgeqa's documented exit codes (see `lgeqa --help`).
enum ExitStatus {
    /// Finished, but some inputs were skipped.
    static let partial = ExitCode(1)
    /// No input could be used.
    static let noUsableInput = ExitCode(2)
    /// Internal error.
    static let internalError = ExitCode(70)
}

/// Output formats shared by commands that report.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
}

/// Writes text to standard error (for per-file problems and summaries).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A report as the JSON every `--format json` prints: pretty, keys sorted, so that output diffs cleanly.
func prettyJSON<Report: Encodable>(_ report: Report) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(report), as: UTF8.self)
}
