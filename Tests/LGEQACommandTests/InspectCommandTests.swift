import Foundation
import LGEDICOM
import LGETestSupport
import Testing

/// `lgeqa inspect` end to end, through the built executable.
@Suite struct InspectCommandTests {
    let samples = TestEnvironment.dicomSamples.path

    @Test func mixedFolderListsBadFilesAndExitsOne() throws {
        let result = try runLGEQA(["inspect", samples])
        #expect(result.status == 1, "stderr: \(result.standardError)")
        for bad in ["MR_truncated.dcm", "MR_small_jp2klossless.dcm", "CT_small.dcm", "JPGExtended.dcm", "no_meta.dcm", "badVR.dcm"] {
            let lines = result.standardOutput.split(separator: "\n").filter { $0.contains(bad + ":") }
            #expect(lines.count == 1, "\(bad) should be listed exactly once")
        }
        #expect(result.standardOutput.contains("7 "), "the seven readable MR_small variants form one series")
        #expect(result.standardError.contains("skipped 8 of 15"))
    }

    @Test func jsonReportParsesAndCountsSlices() throws {
        let result = try runLGEQA(["inspect", "--format", "json", samples])
        #expect(result.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        let studies = try #require(object?["studies"] as? [[String: Any]])
        let series = try #require(studies.first?["series"] as? [[String: Any]])
        #expect(series.first?["slice_count"] as? Int == 7)
        #expect((object?["unreadable"] as? [Any])?.count == 8)
    }

    @Test func cleanInputExitsZeroAndBadInputExitsTwo() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DICOMWriter().write(TestSlices.slice(), context: TestSlices.context, to: directory.appendingPathComponent("a.dcm").path)
        let clean = try runLGEQA(["inspect", directory.path])
        #expect(clean.status == 0, "\(clean.standardError)")
        #expect(!clean.standardOutput.contains("Synthetic^Patient") && !clean.standardOutput.contains("SYN-0001"))

        let onlyBad = try runLGEQA(["inspect", TestEnvironment.dicomSamples.appendingPathComponent("CT_small.dcm").path])
        #expect(onlyBad.status == 2)
        let missing = try runLGEQA(["inspect", directory.appendingPathComponent("nowhere").path])
        #expect(missing.status == 2)
        #expect(missing.standardOutput.contains("no such file or directory"))
    }

    @Test func usageErrorsAndVersion() throws {
        #expect(try runLGEQA(["inspect"]).status == 64)
        #expect(try runLGEQA(["inspect", "--format", "xml", samples]).status == 64)
        let version = try runLGEQA(["--version"])
        #expect(version.status == 0)
        #expect(version.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == LGEQAVersion.current)
    }
}

/// Runs the `lgeqa` built next to the tests (`$LGEQA_BINARY` overrides).
func runLGEQA(_ arguments: [String], input: String? = nil) throws -> ProcessOutput {
    let binary = ProcessInfo.processInfo.environment["LGEQA_BINARY"]
        ?? TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug/lgeqa").path
    try #require(FileManager.default.isExecutableFile(atPath: binary), "build lgeqa first: \(binary)")
    return try runProcess(binary, arguments, input: input)
}
