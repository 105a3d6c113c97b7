import Foundation
import LGETestSupport
import Testing

/// `lgeqa protocol` end to end, through the built executable.
@Suite struct ProtocolCommandTests {
    /// `$LGEQA_BINARY`, else the `lgeqa` built beside this test bundle (any scratch path), else `.build/debug`.
    func run(_ arguments: [String]) throws -> ProcessOutput {
        if ProcessInfo.processInfo.environment["LGEQA_BINARY"] == nil {
            var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("lgeqa")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    FileManager.default.isExecutableFile(atPath: candidate.path)
                {
                    return try runProcess(candidate.path, arguments)
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        return try runLGEQA(arguments)
    }

    var protocols: URL { TestEnvironment.repositoryRoot.appendingPathComponent("protocols") }

    @Test func shippedProtocolsCheckClean() throws {
        let paths = ["default", "conservative", "thorough"].map { protocols.appendingPathComponent("\($0).yaml").path }
        let result = try run(["protocol", "check"] + paths)
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.split(separator: "\n").filter { $0.contains(": ok, ") }.count == 3)
        // Shipped protocols are found by name too.
        #expect(try run(["protocol", "check", "default"]).status == 0)
    }

    @Test func invalidFilesAreListedOneLineEachAndExitOne() throws {
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-protocol")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.yaml")
        try "schema: 1\nname: t\nversion: \"1\"\nruls: []\n".write(to: bad, atomically: true, encoding: .utf8)
        let alsoBad = directory.appendingPathComponent("also-bad.yaml")
        try "schema: 1\nname: t\nversion: \"1\"\nrules:\n  - when: {qa.snrr: {lt: 4}}\n    then: {action: repeat}\n"
            .write(to: alsoBad, atomically: true, encoding: .utf8)
        let result = try run(["protocol", "check", bad.path, protocols.appendingPathComponent("default.yaml").path, alsoBad.path])
        #expect(result.status == 1)
        let lines = result.standardOutput.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("  note: ") }
        #expect(lines.count == 3)
        #expect(lines.contains { $0.hasSuffix("bad.yaml:4:1: unknown key 'ruls' in protocol; did you mean 'rules'?") })
        #expect(lines.contains { $0.hasSuffix("also-bad.yaml:5:12: unknown quality metric 'qa.snrr' in rules[1].when; did you mean 'qa.snr'?") })
        #expect(result.standardError.contains("2 of 3 protocol file(s) have problems"))
    }

    @Test func conditionsOnARegionTheClassifierDoesNotFlagAreNoted() throws {
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-protocol")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("region.yaml")
        try """
            schema: 1
            name: region
            version: "1"
            rules:
              - name: septal-spot
                when: {certainty: low, any: [{flagged_segment: {in: [2, 3]}}, {flagged_wall: septal}]}
                then: {action: {long_axis_crosscut: 4CH}}
              - name: plain
                when: {certainty: low}
                then: {action: repeat}
            """.write(to: file, atomically: true, encoding: .utf8)
        let check = try run(["protocol", "check", file.path])
        #expect(check.status == 0, "\(check.standardError)")
        let notes = check.standardOutput.split(separator: "\n").filter { $0.hasPrefix("  note: ") }
        #expect(notes.count == 1)
        #expect(notes.first?.contains("rule 'septal-spot' tests flagged_segment and flagged_wall") == true)
        #expect(notes.first?.contains("never met") == true)
        let explain = try run(["protocol", "explain", file.path])
        let lines = explain.standardOutput.split(separator: "\n")
        #expect(lines.first { $0.hasPrefix("- septal-spot") }?.contains("do not provide flagged_segment and flagged_wall yet") == true)
        #expect(lines.first { $0.hasPrefix("- plain") }?.contains("Note:") == false)
    }

    @Test func nothingReadableExitsTwo() throws {
        let result = try run(["protocol", "check", "/nonexistent/p.yaml", "no-such-protocol"])
        #expect(result.status == 2)
        #expect(result.standardOutput.split(separator: "\n").count == 2)
    }

    @Test func explainAndSchema() throws {
        let explain = try run(["protocol", "explain", "default"])
        #expect(explain.status == 0)
        #expect(explain.standardOutput.contains("- ghost-swap (priority 60"))
        #expect(explain.standardOutput.contains("at most twice per position"))
        #expect(try run(["protocol", "explain", "/nonexistent.yaml"]).status == 2)
        let schema = try run(["protocol", "schema"])
        #expect(schema.status == 0)
        #expect(schema.standardOutput.contains("causes.focal_equivocal") && schema.standardOutput.contains("long_axis_crosscut"))
        #expect(try run(["protocol", "frobnicate"]).status == 64)
    }
}
