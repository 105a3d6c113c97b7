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
