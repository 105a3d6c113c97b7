import Foundation
import LGEClassifier
import LGENeural
import LGEPreprocessing
import LGETestSupport
import Testing

/// `lgeqa model export-onnx` through the built executable: a good export and the bad-input errors.
@Suite struct ModelExportCommandTests {
    @Test func writesAnONNXFile() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        let out = directory.appendingPathComponent("model.onnx").path
        let result = try runLGEQA(["model", "export-onnx", "--model", model, "--out", out])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("[N, 1, 32, 32]"))
        let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int ?? 0
        #expect(size > 1000)
    }

    @Test func outputIntoAMissingFolderIsAClearError() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        let missing = directory.appendingPathComponent("no-such-folder").path
        let result = try runLGEQA(["model", "export-onnx", "--model", model, "--out", missing + "/model.onnx"])
        #expect(result.status != 0)
        #expect(result.standardError.contains(missing))
        #expect(result.standardError.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func missingOrCorruptModelFilesAreClearErrors() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("model.onnx").path
        let absent = directory.appendingPathComponent("absent.lgeqa").path
        let missing = try runLGEQA(["model", "export-onnx", "--model", absent, "--out", out])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains(absent))
        #expect(missing.standardError.contains("cannot read the model file"))

        let corrupt = directory.appendingPathComponent("corrupt.lgeqa").path
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: corrupt))
        let damaged = try runLGEQA(["model", "export-onnx", "--model", corrupt, "--out", out])
        #expect(damaged.status != 0)
        #expect(damaged.standardError.contains("not an lgeqa model file"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}

/// `lgeqa model bench --layers`: the per-block table, checked for its rows, not for its timings.
@Suite struct ModelBenchCommandTests {
    @Test func layersListEveryBlockBesideONNXRuntime() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        let result = try runLGEQA(["model", "bench", "--model", model, "--runs", "3", "--rounds", "1", "--batch", "2",
                                   "--batch-runs", "1", "--layers", "--python", TestEnvironment.python])
        #expect(result.status == 0, "\(result.standardError)")
        let table = try #require(result.standardOutput.components(separatedBy: "per block").last)
        let rows = table.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        let (_, network) = try ModelFile.read(model)
        var blocks = ["stem", "head"]
        for (s, stage) in network.stages.enumerated() { for b in stage.indices { blocks.append("stages.\(s).blocks.\(b)") } }
        for block in blocks {
            // name, lgeqa ms, ONNX Runtime ms, ratio (a tiny network's blocks may round to 0.000 ms).
            let row = try #require(rows.first { $0.first.map(String.init) == block }, "no row for \(block) in:\n\(table)")
            #expect(row.count == 4 && row.dropFirst(1).prefix(2).allSatisfy { (Double($0) ?? -1) >= 0 } && Double(row[3]) != nil, "\(row)")
        }
        #expect(rows.contains { $0.first == "sum" })
    }
}
