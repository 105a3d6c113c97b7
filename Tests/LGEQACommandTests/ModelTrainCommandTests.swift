import Foundation
import LGETestSupport
import Testing

/// Fine-tuning (`--initial-model`) guards in `lgeqa model train` and `model cross-validate`: they
/// fail before any data is loaded or any training starts.
@Suite struct ModelTrainCommandTests {
    @Test func crossValidationRefusesAStartingModelThatLearnedFromEMIDEC() throws {
        // The shipped model's card lists EMIDEC: fine-tuning every fold from it would score
        // patients it has already seen.
        let shipped = TestEnvironment.repositoryRoot.appendingPathComponent("models/lgeqa-default.lgeqa").path
        let emidec = TestEnvironment.sharedData.appendingPathComponent("data/emidec").path
        let result = try runLGEQA(["model", "cross-validate", "--emidec", emidec, "--initial-model", shipped, "--epochs", "1"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("learned from EMIDEC"))
        #expect(result.standardError.contains("pretrain without --emidec"))
        #expect(!result.standardOutput.contains("fold 1"))
    }

    @Test func fineTuningRefusesAModelOfAnotherArchitecture() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let tiny = try makeUntrainedModel(in: directory)
        let out = directory.appendingPathComponent("tuned.lgeqa").path
        let result = try runLGEQA(["model", "train", "--cohort", directory.path, "--initial-model", tiny, "--out", out])
        #expect(result.status != 0)
        #expect(result.standardError.contains(tiny))
        #expect(result.standardError.contains("network configuration differs"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(arguments: [["model", "train", "--epochs", "0"], ["model", "cross-validate", "--emidec", "unused", "--epochs", "0"]])
    func zeroEpochsIsRefusedBeforeAnythingLoads(arguments: [String]) throws {
        // Used to reach the cosine schedule with no steps and crash.
        let result = try runLGEQA(arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains("--epochs must be at least 1 (found 0)"))
    }

    @Test(arguments: [
        (["model", "train", "--lesion-map-weight=-1"], "--lesion-map-weight must be 0 or more (found -1.0)"),
        (["model", "cross-validate", "--emidec", "unused", "--lesion-map-weight", "nan"], "--lesion-map-weight must be 0 or more (found nan)"),
        (["model", "train", "--reader-score-weight=-0.5"], "--reader-score-weight must be 0 or more (found -0.5)"),
        (["model", "train", "--myocardium-map-weight=-1"], "--myocardium-map-weight must be 0 or more (found -1.0)"),
        (["model", "cross-validate", "--emidec", "unused", "--myocardium-map-weight", "3", "--lesion-map-weight", "0"],
         "--myocardium-map-weight needs the lesion map it sits beside (--lesion-map-weight is 0)"),
        (["model", "cross-validate", "--emidec", "unused", "--reader-score-weight", "inf"], "--reader-score-weight must be 0 or more (found inf)"),
        (["model", "train", "--learning-rate", "0"], "--learning-rate must be a positive number (found 0.0)"),
        (["model", "cross-validate", "--emidec", "unused", "--learning-rate=-0.001"], "--learning-rate must be a positive number (found -0.001)"),
    ])
    func impossibleTrainingSettingsAreRefusedWithTheValueFound(arguments: [String], message: String) throws {
        let result = try runLGEQA(arguments)
        #expect(result.status == 64)
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }
}
