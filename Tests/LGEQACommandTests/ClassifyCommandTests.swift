import Foundation
import LGEClassifier
import LGEDICOM
import LGENeural
import LGEPreprocessing
import LGETestSupport
import Testing

/// `lgeqa classify` through the built executable, with a small untrained model made here (the
/// shipped model's quality is measured by `lgeqa model train`, not by tests).
@Suite struct ClassifyCommandTests {
    @Test func recordsForGoodSlicesAndNoAssessmentForBadOnes() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        try DICOMWriter().write(TestSlices.slice(rows: 64, columns: 64), context: TestSlices.context, to: directory.appendingPathComponent("a.dcm").path)
        let ct = TestEnvironment.dicomSamples.appendingPathComponent("CT_small.dcm").path

        let result = try runLGEQA(["classify", "--format", "jsonl", "--model", model, directory.appendingPathComponent("a.dcm").path, ct])
        #expect(result.status == 1, "\(result.standardError)")
        let records = try result.standardOutput.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(records.count == 2)
        let good = try #require(records.first { $0["p_lge"] != nil })
        for key in ["path", "sop_instance_uid", "series", "instance", "p_lge", "p_low_certainty", "certainty", "causes", "qa", "ms"] {
            #expect(good[key] != nil, "missing \(key)")
        }
        #expect((0...1).contains(good["p_lge"] as! Double))
        #expect((good["causes"] as? [String: Double])?.count == 4)
        let bad = try #require(records.first { $0["no_assessment"] != nil })
        #expect(bad["p_lge"] == nil)
        #expect((bad["no_assessment"] as! String).contains("not an MR image"))

        let onlyGood = try runLGEQA(["classify", "--format", "csv", "--model", model, directory.appendingPathComponent("a.dcm").path])
        #expect(onlyGood.status == 0)
        #expect(onlyGood.standardOutput.hasPrefix("path,frame,sop_instance_uid,series,instance,p_lge"))
    }

    @Test func aDamagedModelIsAClearError() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        let data = try Data(contentsOf: URL(fileURLWithPath: model))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: model))
        let result = try runLGEQA(["classify", "--model", model, TestEnvironment.dicomSamples.appendingPathComponent("MR_small.dcm").path])
        #expect(result.status != 0)
        #expect(result.standardError.contains("damaged"), "\(result.standardError)")
    }
}

/// `lgeqa model evaluate` and `model info` on a one-exam simulated cohort and an untrained model.
@Suite struct ModelCommandTests {
    @Test func evaluateReportsThePapersMetricsPerHead() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        let cohort = directory.appendingPathComponent("cohort").path
        #expect(try runLGEQA(["simulate", "cohort", "--n", "1", "--seed", "4", "--out", cohort]).status == 0)
        let result = try runLGEQA(["model", "evaluate", "--cohort", cohort, "--model", model, "--format", "json", "--replicates", "50"])
        #expect(result.status == 0, "\(result.standardError)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let heads = Set(reports.compactMap { $0["head"] as? String })
        #expect(heads.isSuperset(of: ["p_lge", "p_low_certainty"]))
        let lge = try #require(reports.first { $0["head"] as? String == "p_lge" }?["report"] as? [String: Any])
        for key in ["accuracy", "confusion", "calibration", "cases", "patients"] { #expect(lge[key] != nil, "missing \(key)") }
        // The low-certainty head is also broken down by cause of doubt; every slice is in some group.
        let low = try #require(reports.first { $0["head"] as? String == "p_low_certainty" })
        let groups = try #require(low["byCause"] as? [[String: Any]])
        let lowCases = try #require((low["report"] as? [String: Any])?["cases"] as? Int)
        #expect(groups.reduce(0) { $0 + ($1["cases"] as? Int ?? 0) } >= lowCases)
        #expect(groups.contains { $0["group"] as? String == "no cause" })
        // Beside it, the reader-noise ceiling on the same slices; the other heads have none.
        let ceiling = try #require(low["ceiling"] as? [String: Any])
        #expect(ceiling["cases"] as? Int == lowCases)
        let ceilingGroups = try #require(low["ceilingByCause"] as? [[String: Any]])
        #expect(ceilingGroups.map { $0["group"] as? String } == groups.map { $0["group"] as? String })
        #expect(ceilingGroups.map { $0["cases"] as? Int } == groups.map { $0["cases"] as? Int })
        #expect(reports.filter { $0["head"] as? String != "p_low_certainty" }.allSatisfy { $0["ceiling"] == nil })
        let table = try runLGEQA(["model", "evaluate", "--cohort", cohort, "--model", model, "--replicates", "50"])
        #expect(table.standardOutput.contains("reader-noise ceiling*: ROC AUC"), "\(table.standardOutput)")

        let info = try runLGEQA(["model", "info", model])
        #expect(info.status == 0)
        #expect(info.standardOutput.contains("Not a diagnostic device"))
        #expect(info.standardOutput.contains("heads: p_lge, p_low_certainty, ti_nulling, ghosting, motion, focal_equivocal"))
        #expect(info.standardOutput.contains("calibration (sigmoid(logit / T + offset)): p_lge T"))
        #expect(info.standardOutput.contains("input: 32 × 32 pixels of 4.0 mm"), "\(info.standardOutput)")
        #expect(info.standardOutput.contains("images as acquired"))
    }

    @Test func evaluateAgainstABaselinePairsTheSameSlices() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        let cohort = directory.appendingPathComponent("cohort").path
        #expect(try runLGEQA(["simulate", "cohort", "--n", "2", "--seed", "4", "--out", cohort]).status == 0)
        // A model against itself: every head's difference is exactly nothing, and its own figure
        // is the report's.
        let result = try runLGEQA(["model", "evaluate", "--cohort", cohort, "--model", model, "--baseline", model, "--format", "json", "--replicates", "50"])
        #expect(result.status == 0, "\(result.standardError)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let compared = reports.compactMap { report -> (Double?, [String: Any])? in
            guard let against = report["againstBaseline"] as? [String: Any] else { return nil }
            let auc = ((report["report"] as? [String: Any])?["rocAUC"] as? [String: Any])?["value"] as? Double
            return (auc, against)
        }
        #expect(compared.count >= 2)
        for (auc, against) in compared {
            let difference = try #require((against["rocAUC"] as? [String: Any])?["difference"] as? [String: Double])
            #expect(difference == ["value": 0, "lower": 0, "upper": 0])
            #expect((against["rocAUC"] as? [String: Any])?["first"] as? Double == auc)
            #expect(against["baseline"] as? String == "test" && against["unpaired"] as? Int == 0)
        }
        let table = try runLGEQA(["model", "evaluate", "--cohort", cohort, "--model", model, "--baseline", model, "--replicates", "50"])
        #expect(table.standardOutput.contains("against baseline test: ROC AUC"), "\(table.standardOutput)")

        let missing = directory.appendingPathComponent("nope.lgeqa").path
        let refused = try runLGEQA(["model", "evaluate", "--cohort", cohort, "--model", model, "--baseline", missing])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains(missing))
    }

    @Test func evaluateScoresEMIDECFormatFoldersForLGEOnly() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        // Four patients of the shared set, in its own format (manifest, images, masks).
        let shared = TestEnvironment.sharedData.appendingPathComponent("data/emidec")
        let subset = directory.appendingPathComponent("emidec")
        let manifest = try String(contentsOf: shared.appendingPathComponent("manifest.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        let header = try #require(manifest.first).split(separator: ",").map(String.init)
        let (caseColumn, fileColumn) = (try #require(header.firstIndex(of: "case")), try #require(header.firstIndex(of: "file")))
        let patients = ["Case_N006", "Case_N014", "Case_P001", "Case_P002"]
        let rows = manifest.dropFirst().filter { patients.contains(String($0.split(separator: ",")[caseColumn])) }
        try #require(rows.count >= 8, "expected the slices of \(patients) in \(shared.path)")
        for folder in ["images", "masks"] {
            try FileManager.default.createDirectory(at: subset.appendingPathComponent(folder), withIntermediateDirectories: true)
            for row in rows {
                let file = String(row.split(separator: ",")[fileColumn])
                try FileManager.default.copyItem(at: shared.appendingPathComponent(folder).appendingPathComponent(file),
                                                 to: subset.appendingPathComponent(folder).appendingPathComponent(file))
            }
        }
        try ([manifest[0]] + rows).joined(separator: "\n").write(to: subset.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)

        let result = try runLGEQA(["model", "evaluate", "--emidec", subset.path, "--model", model, "--format", "json", "--replicates", "20"])
        #expect(result.status == 0, "\(result.standardError)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        // Real images carry LGE labels only: one report, for p_lge, on every slice of the four patients.
        #expect(reports.compactMap { $0["head"] as? String } == ["p_lge"])
        let lge = try #require(reports.first?["report"] as? [String: Any])
        #expect(lge["cases"] as? Int == rows.count && lge["patients"] as? Int == 4)
        #expect(!result.standardError.contains("learned from EMIDEC"), "an untrained model learned nothing from it")
        let table = try runLGEQA(["model", "evaluate", "--emidec", subset.path, "--model", model, "--replicates", "20"])
        #expect(table.standardOutput.contains("EMIDEC's are real images"), "\(table.standardOutput)")

        let nothing = try runLGEQA(["model", "evaluate", "--model", model])
        #expect(nothing.status == 64 && nothing.standardError.contains("at least one --cohort or an --emidec folder"), "\(nothing.standardError)")
    }

    @Test func calibrateWritesARecalibratedCopyThatListsItsData() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = try makeUntrainedModel(in: directory)
        let cohort = directory.appendingPathComponent("cohort").path
        #expect(try runLGEQA(["simulate", "cohort", "--n", "2", "--seed", "4", "--out", cohort]).status == 0)
        let out = directory.appendingPathComponent("calibrated.lgeqa").path
        let result = try runLGEQA(["model", "calibrate", "--cohort", cohort, "--model", model, "--out", out,
                                   "--minimum-per-class", "3", "--format", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        #expect(reports.count == 6)
        // p_lge has both classes on two exams, so it is refitted; a head with too few of a class is kept and says why.
        let lge = try #require(reports.first { $0["head"] as? String == "p_lge" })
        #expect(lge["keptBecause"] == nil && (lge["logLossAfter"] as? Double ?? 1) <= (lge["logLossBefore"] as? Double ?? 0))
        #expect(reports.contains { ($0["keptBecause"] as? String)?.contains("at least 3 of each") == true })
        let info = try runLGEQA(["model", "info", out])
        #expect(info.standardOutput.contains("version test-cal"), "\(info.standardOutput)")
        #expect(info.standardOutput.contains("cohort (calibration only)"))
        // A centre's own scored images work too (the cohort's readers.csv is in `lgeqa evaluate`'s format).
        let fromScores = directory.appendingPathComponent("from-scores.lgeqa").path
        let scored = try runLGEQA(["model", "calibrate", "--images", cohort, "--scores", cohort + "/readers.csv", "--model", model,
                                   "--out", fromScores, "--minimum-per-class", "3"])
        #expect(scored.status == 0, "\(scored.standardError)")
        #expect(scored.standardOutput.contains("p_low_certainty"))
        #expect(try runLGEQA(["model", "info", fromScores]).standardOutput.contains("expert-scored images cohort (calibration only)"))
        // Without exams there is nothing to calibrate on, and scores need their images: usage errors.
        #expect(try runLGEQA(["model", "calibrate", "--model", model, "--out", out]).status == 64)
        #expect(try runLGEQA(["model", "calibrate", "--images", cohort, "--model", model, "--out", out]).status == 64)
    }
}
