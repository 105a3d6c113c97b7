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

/// `lgeqa model compare`: two recipes' out-of-fold predictions, paired slice by slice.
@Suite struct ModelCompareCommandTests {
    /// A predictions file as `model cross-validate --predictions` writes it: 12 patients of 4 slices.
    func write(_ name: String, in directory: URL, score: (Int, Int, Bool) -> String, drop: Int? = nil) throws -> String {
        var rows = ["fold,case,file,lge,p_lge"]
        for patient in 0..<12 {
            for slice in 0..<4 where patient * 4 + slice != drop {
                let lge = patient % 2 == 0 && slice > 0
                rows.append("\(patient % 3 + 1),Case_\(patient),Case_\(patient)_slice\(slice).png,\(lge ? 1 : 0),\(score(patient, slice, lge))")
            }
        }
        let url = directory.appendingPathComponent(name)
        try (rows.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func aBetterRecipeComesOutAhead() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try write("good.csv", in: directory) { _, slice, lge in String(format: "%.3f", (lge ? 0.6 : 0.3) + Double(slice) * 0.01) }
        // The weaker recipe has no prediction for one slice: it is left out of both.
        let weak = try write("weak.csv", in: directory) { patient, slice, lge in
            patient * 4 + slice == 5 ? "" : String(format: "%.3f", Double((patient * 7 + slice * 3) % 10) / 10)
        }
        let result = try runLGEQA(["model", "compare", good, weak, "--replicates", "200", "--format", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(report["slices"] as? Int == 47 && report["unscored"] as? Int == 1 && report["patients"] as? Int == 12)
        let rows = try #require(report["rows"] as? [[String: Any]])
        let pooled = try #require(rows.first { $0["statistic"] as? String == "ROC AUC, pooled" }?["comparison"] as? [String: Any])
        #expect(pooled["first"] as? Double == 1)
        let difference = try #require(pooled["difference"] as? [String: Double])
        #expect(difference["lower"]! > 0)
        #expect(rows.count == 3)
    }

    @Test func filesOnDifferentSlicesOrWithBadRowsAreRefused() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let full = try write("full.csv", in: directory) { _, _, lge in lge ? "0.7" : "0.2" }
        let short = try write("short.csv", in: directory, score: { _, _, lge in lge ? "0.7" : "0.2" }, drop: 9)
        var result = try runLGEQA(["model", "compare", full, short])
        #expect(result.status != 0)
        #expect(result.standardError.contains("1 slice(s) only in \(full) (Case_2_slice1.png)"), "\(result.standardError)")

        let bad = try write("bad.csv", in: directory) { patient, slice, lge in patient == 1 && slice == 2 ? "1.7" : (lge ? "0.7" : "0.2") }
        result = try runLGEQA(["model", "compare", full, bad])
        #expect(result.status != 0)
        #expect(result.standardError.contains("\(bad):8"), "\(result.standardError)")
        #expect(result.standardError.contains("p_lge must be a probability from 0 to 1, or empty (found '1.7')"))
    }

    /// One cross-validation's lesion map against its own head: the same file, two columns.
    @Test func oneFilesMapAgainstItsHead() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var rows = ["fold,case,file,lge,p_lge,p_lesion_map,p_combined"]
        for patient in 0..<12 {
            for slice in 0..<4 {
                let lge = patient % 2 == 0 && slice > 0
                let head = Double((patient * 7 + slice * 3) % 10) / 10, map = (lge ? 0.6 : 0.3) + Double(slice) * 0.01
                rows.append("1,Case_\(patient),Case_\(patient)_slice\(slice).png,\(lge ? 1 : 0),\(head),\(map),\((head + map) / 2)")
            }
        }
        let file = directory.appendingPathComponent("cv.csv")
        try (rows.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let result = try runLGEQA(["model", "compare", file.path, file.path, "--column", "p_lesion_map", "--second-column", "p_lge", "--replicates", "200"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("A: \(file.path) (p_lesion_map)") && result.standardOutput.contains("B: \(file.path) (p_lge)"))
        #expect(result.standardOutput.contains("ROC AUC, pooled         A 1.000"), "\(result.standardOutput)")
        let missing = try runLGEQA(["model", "compare", file.path, file.path, "--column", "p_map"])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("p_map"), "\(missing.standardError)")
    }
}

