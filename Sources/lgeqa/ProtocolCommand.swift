import ArgumentParser
import Foundation
import LGEProtocol
import LGEYAML

/// `lgeqa protocol`: check, explain and document the YAML protocols that turn each slice's
/// assessment into a recommendation for the technologist.
struct ProtocolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol",
        abstract: "Check, explain and document QA protocols (protocols/*.yaml).",
        discussion: """
            A protocol says, in rules a protocol designer writes, what lgeqa should recommend when a \
            slice is ambiguous: repeat with another TI, swap the phase-encode direction, acquire a \
            long-axis crosscut. FILE may be a path or the name of a shipped protocol (default, \
            conservative, thorough).
            """,
        subcommands: [Check.self, Explain.self, Schema.self]
    )

    /// Facts the schema defines that lgeqa's assessments never carry yet: its classifier says how likely
    /// LGE is and why a reader would doubt it, but not where (no flagged region), so a condition on these
    /// is never met. `check` and `explain` say so, rather than let a designer wait for a rule that cannot fire.
    static let factsNotProvided: Set<Fact> = [.flaggedSegment, .flaggedWall]

    /// `lgeqa protocol check FILE...`
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check protocol files; print each problem as file:line:column: message.",
            discussion: """
                Every file is checked. Exit status: 0 when all are valid, 1 when some are invalid, \
                2 when none could be read.
                """
        )

        @Argument(help: "Protocol files, or names of shipped protocols.")
        var files: [String]

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let logger = global.bootstrapLogging("lgeqa.protocol")
            var invalid = 0, unreadable = 0
            for file in files {
                do {
                    let loaded = try ProtocolFiles.load(file)
                    print("\(YAMLDocument.displayName(ProtocolFiles.url(for: file))): ok, \(loaded.rules.count) rule\(loaded.rules.count == 1 ? "" : "s")")
                    for rule in loaded.rules {
                        let missing = rule.testedFacts(among: ProtocolCommand.factsNotProvided)
                        guard !missing.isEmpty else { continue }
                        print("  note: rule '\(rule.name)' tests \(missing.map(\.name).joined(separator: " and ")), which lgeqa's classifier "
                            + "does not provide yet (it does not localise enhancement): that condition is never met")
                    }
                } catch {
                    print(error.description)
                    if error.kind == .unreadable { unreadable += 1 } else { invalid += 1 }
                }
            }
            logger.info("checked \(files.count) protocol file(s): \(invalid) invalid, \(unreadable) unreadable")
            if unreadable == files.count {
                printError("lgeqa: no protocol file could be read")
                throw ExitStatus.noUsableInput
            }
            if invalid + unreadable > 0 {
                printError("lgeqa: \(invalid + unreadable) of \(files.count) protocol file(s) have problems")
                throw ExitStatus.partial
            }
        }
    }

    /// `lgeqa protocol explain FILE`
    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say in plain English what a protocol will recommend, rule by rule."
        )

        @Argument(help: "A protocol file, or the name of a shipped protocol.")
        var file: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            _ = global.bootstrapLogging("lgeqa.protocol")
            do {
                print(ProtocolExplainer.explain(try ProtocolFiles.load(file), unavailable: ProtocolCommand.factsNotProvided), terminator: "")
            } catch {
                printError(error.description)
                throw error.kind == .unreadable ? ExitStatus.noUsableInput : ExitStatus.partial
            }
        }
    }

    /// `lgeqa protocol schema`
    struct Schema: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the protocol schema: keys, facts, actions, limits.")

        func run() async throws {
            print(ProtocolSchema.reference, terminator: "")
        }
    }
}

/// Protocols by path, or by the name of one shipped in `protocols/`.
enum ProtocolFiles {
    static var directory: URL { ShippedContent.root.appendingPathComponent("protocols") }

    /// The path itself when it exists, else the shipped protocol of that name (which may not exist).
    static func url(for nameOrPath: String) -> URL {
        if FileManager.default.fileExists(atPath: nameOrPath) { return URL(fileURLWithPath: nameOrPath) }
        if nameOrPath.contains("/") { return URL(fileURLWithPath: nameOrPath) }
        return directory.appendingPathComponent(nameOrPath.hasSuffix(".yaml") ? nameOrPath : nameOrPath + ".yaml")
    }

    static func load(_ nameOrPath: String) throws(YAMLError) -> QAProtocol {
        let url = url(for: nameOrPath)
        if !FileManager.default.fileExists(atPath: url.path) && !FileManager.default.fileExists(atPath: nameOrPath) {
            let shipped = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted() ?? []
            throw YAMLError(
                .unreadable, file: nameOrPath, line: 1, column: 1,
                message: "no such file, and no shipped protocol of that name; shipped: \(shipped.joined(separator: ", "))")
        }
        return try ProtocolLoader.load(contentsOf: url)
    }
}
