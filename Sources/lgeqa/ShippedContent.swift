import Foundation
import LGESimulator

/// Finds what ships with lgeqa (scenarios/, protocols/, models/) without flags.
enum ShippedContent {
    /// The folder holding `scenarios/`: `$LGEQA_HOME`, else the first parent of the executable
    /// that has one (a build inside the checkout), else the working directory.
    static var root: URL {
        if let home = ProcessInfo.processInfo.environment["LGEQA_HOME"] { return URL(fileURLWithPath: home) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("scenarios").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    static var scenarios: URL { root.appendingPathComponent("scenarios") }

    /// A scenario by path, or by the name of a shipped one.
    static func loadScenario(_ nameOrPath: String) throws -> ExamCase {
        if FileManager.default.fileExists(atPath: nameOrPath) {
            return try ScenarioLoader.load(contentsOf: URL(fileURLWithPath: nameOrPath))
        }
        let shipped = scenarios.appendingPathComponent(nameOrPath.hasSuffix(".yaml") ? nameOrPath : nameOrPath + ".yaml")
        guard FileManager.default.fileExists(atPath: shipped.path) else {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: scenarios.path))?
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted() ?? []
            throw CommandError("no scenario file '\(nameOrPath)' and no shipped scenario of that name; shipped: \(names.joined(separator: ", "))")
        }
        return try ScenarioLoader.load(contentsOf: shipped)
    }
}

/// A command-level failure with a message for the user.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A one-line progress bar with ETA on a terminal; silent otherwise.
final class ProgressLine: @unchecked Sendable {
    private let total: Int
    private let label: String
    private var done = 0
    private let start = Date()
    private let enabled = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func advance() {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total) \(label)  ETA \(Int(eta.rounded()))s ".utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
