import Foundation
import LGEDICOM
import LGERandom
import LGETestSupport
import Testing

@testable import LGEDatasets
@testable import LGESimulator

@Suite struct EMIDECTests {
    let directory = TestEnvironment.sharedData.appendingPathComponent("data/emidec")

    @Test func loadsEverySliceWithItsLabelAndPatient() throws {
        let (slices, failures) = try EMIDECDataset.load(directory: directory)
        #expect(failures.isEmpty, "\(failures)")
        #expect(slices.count == 500)
        #expect(Set(slices.map(\.patient)).count == 70)
        #expect(slices.filter { $0.lge == true }.count == 294)
        let first = try #require(slices.first)
        #expect(first.pixels.rows == 256 && first.pixels.columns == 256)
        // Background sits at the zero level after the shift; tissue differs from it.
        #expect(first.pixels.values.contains { abs($0) < 2 })
        #expect(first.pixels.values.contains { $0 > 10 })
        // The resampling padding (grey 0) reads as no signal, not as −127: nothing is that negative.
        #expect(slices.allSatisfy { $0.pixels.values.min()! > -EMIDECDataset.zeroLevel })
        #expect(EMIDECDataset.signal(greyLevel: 0) == 0 && EMIDECDataset.signal(greyLevel: 1) == 1 - EMIDECDataset.zeroLevel)
        // The README's known defect: two byte-identical images under different names.
        let a = try #require(slices.first { $0.id == "Case_P059_slice000.png" })
        let b = try #require(slices.first { $0.id == "Case_P072_slice000.png" })
        #expect(a.pixels == b.pixels)
        // Every slice carries its infarct mask, on its grid, with infarct exactly where the manifest says LGE.
        #expect(slices.allSatisfy { $0.lesionMask != nil })
        #expect(slices.allSatisfy { $0.lesionMask!.values.contains(1) == $0.lge })
        let p001 = try #require(slices.first { $0.id == "Case_P001_slice003.png" })
        // The manifest counts 696 infarct + 419 MVO pixels on this slice.
        #expect(p001.lesionMask!.values.reduce(0, +) == 696 + 419)
        // The myocardium mask is the whole wall: healthy myocardium, infarct and MVO, as the manifest counts them.
        #expect(p001.myocardiumMask!.values.reduce(0, +) == 1.0 * Float(try manifestCount("Case_P001_slice003.png")))
        #expect(slices.allSatisfy { slice in
            zip(slice.lesionMask!.values, slice.myocardiumMask!.values).allSatisfy { lesion, wall in lesion <= wall }
        })
    }

    /// myocardium_px + infarct_px + mvo_px of one manifest row.
    private func manifestCount(_ file: String) throws -> Int {
        let table = try CSVTable(path: directory.appendingPathComponent("manifest.csv").path)
        let fileColumn = try table.column("file")
        let row = try #require(table.rows.first { $0.fields[fileColumn] == file }).fields
        var count = 0
        for column in ["myocardium_px", "infarct_px", "mvo_px"] { count += try #require(Int(row[try table.column(column)])) }
        return count
    }

    @Test func aMaskThatContradictsTheManifestIsReportedAndTheRestLoad() throws {
        let scratch = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for folder in ["images", "masks"] {
            try FileManager.default.createDirectory(at: scratch.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let (normal, infarct) = ("Case_N037_slice000.png", "Case_P001_slice003.png")
        for name in [normal, infarct] {
            try FileManager.default.copyItem(at: directory.appendingPathComponent("images/\(name)"), to: scratch.appendingPathComponent("images/\(name)"))
        }
        // The normal slice's mask is swapped for the infarct slice's; the infarct slice has no mask file.
        try FileManager.default.copyItem(at: directory.appendingPathComponent("masks/\(infarct)"), to: scratch.appendingPathComponent("masks/\(normal)"))
        try """
            case,slice,file,cavity_px,myocardium_px,infarct_px,mvo_px,lge
            Case_N037,0,\(normal),1,1,0,0,0
            Case_P001,3,\(infarct),1,1,1,1,1
            """.write(to: scratch.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        let (slices, failures) = try EMIDECDataset.load(directory: scratch)
        #expect(slices.map(\.id) == [infarct])
        #expect(slices.first?.lesionMask == nil)
        #expect(failures.map(\.description) == [
            "\(scratch.appendingPathComponent("masks/\(normal)").path): unusable lesion mask: mask has infarct pixels but manifest.csv says lge = 0"
        ])
    }

    @Test func brokenManifestRowsAreReportedWithTheirLine() throws {
        let scratch = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("images"), withIntermediateDirectories: true)
        let good = "Case_N037_slice000.png"
        try FileManager.default.copyItem(at: directory.appendingPathComponent("images/\(good)"), to: scratch.appendingPathComponent("images/\(good)"))
        try """
            case,slice,file,cavity_px,myocardium_px,infarct_px,mvo_px,lge
            Case_N037,0,\(good),1,1,0,0,0
            Case_N037,1,missing.png,1,1,0,0,0
            Case_N037,2,\(good),1,1,0,0,maybe
            """.write(to: scratch.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        let (slices, failures) = try EMIDECDataset.load(directory: scratch)
        #expect(slices.count == 1)
        #expect(failures.count == 2)
        #expect(failures.map(\.description).contains { $0.contains("missing.png") })
        #expect(failures.map(\.description).contains { $0.hasSuffix("manifest.csv:4: lge must be 0 or 1, found 'maybe'") })
    }

    @Test func splitsNeverSeparateAPatientAndAreReproducible() throws {
        let (slices, _) = try EMIDECDataset.load(directory: directory)
        let folds = try PatientSplit.folds(slices, k: 5, seed: 7)
        #expect(folds.count == 5)
        #expect(folds.reduce(0) { $0 + $1.count } == 70)
        for i in folds.indices { for j in folds.indices where i < j { #expect(folds[i].isDisjoint(with: folds[j])) } }
        let positives = Set(slices.filter { $0.lge == true }.map(\.patient))
        for fold in folds { #expect(fold.intersection(positives).count >= 9) }
        #expect(folds == (try PatientSplit.folds(slices, k: 5, seed: 7)))
        #expect(folds != (try PatientSplit.folds(slices, k: 5, seed: 8)))
        let split = try PatientSplit.trainValidationTest(slices, seed: 1)
        #expect(split.train.isDisjoint(with: split.test) && split.train.isDisjoint(with: split.validation))
        #expect(split.train.count + split.validation.count + split.test.count == 70)
        #expect((45...53).contains(split.train.count))
    }
}

@Suite struct SimulatedCohortDatasetTests {
    @Test func aWrittenCohortLoadsWithAllLabels() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try CohortWriter(generator: CohortGenerator(site: .internal, seed: 5)).write(0..<1, to: directory)
        let (slices, failures) = try SimulatedCohortDataset.load(directory: directory)
        #expect(failures.isEmpty, "\(failures)")
        #expect(!slices.isEmpty)
        #expect(slices.allSatisfy { $0.lge != nil && $0.lowCertainty != nil && $0.causes?.count == 4 })
        #expect(Set(slices.map(\.isSigned)) == [true, false])
        #expect(slices.allSatisfy { $0.pixelSpacing != nil })
        // The internal site encodes along rows, and the header says so (models may turn by it).
        #expect(slices.allSatisfy { $0.phaseEncodeDirection == .row })
        // Every image has its lesion mask: empty without LGE, not empty with it.
        #expect(slices.allSatisfy { $0.lesionMask != nil })
        #expect(slices.filter { $0.lge == false }.allSatisfy { $0.lesionMask!.values.allSatisfy { $0 == 0 } })
        #expect(slices.filter { $0.lge == true }.allSatisfy { $0.lesionMask!.values.contains { $0 > 0 } })
        // And its LV wall mask, which holds the scar (the most basal slice may lie above the LV base).
        #expect(slices.allSatisfy { $0.myocardiumMask != nil })
        #expect(slices.filter { $0.myocardiumMask!.values.contains { $0 > 0.3 } }.count >= slices.count * 4 / 5)
        #expect(slices.allSatisfy { slice in
            zip(slice.lesionMask!.values, slice.myocardiumMask!.values).allSatisfy { lesion, wall in lesion < 0.9 || wall > 0.5 }
        })
        // And the readers' mean score, which its low-certainty label thresholds.
        #expect(slices.allSatisfy { ($0.readerScore.map { (0...100).contains($0) }) == true })
        #expect(slices.filter { $0.lowCertainty == false }.allSatisfy { !(30...70).contains($0.readerScore!) })
        // And how well each image's myocardium is nulled, which the readers judged from.
        #expect(slices.allSatisfy { ($0.myocardialNulling.map { $0 >= 0 && $0.isFinite }) == true })
        #expect(Set(slices.map(\.myocardialNulling)).count > 1)
        // And the rest of the readers' evidence: no scar, nothing conspicuous.
        #expect(slices.allSatisfy { $0.readerEvidence != nil })
        #expect(slices.filter { $0.lge == false }.allSatisfy { $0.readerEvidence!.conspicuity == 0 && $0.readerEvidence!.scarArea == 0 })
    }

    @Test func truthSaysWhatTheReadersJudgedFrom() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Exam 3 of this seed has an infarct, so there is enhancement to be conspicuous.
        _ = try CohortWriter(generator: CohortGenerator(site: .internal, seed: 5)).write(3..<4, to: directory)
        let table = try CSVTable(path: directory.appendingPathComponent("truth.csv").path)
        let visible = try table.column("evidence_visible"), conspicuity = try table.column("conspicuity")
        let nulling = try table.column("myocardial_nulling"), ghost = try table.column("ghost_over_myocardium")
        let mimicry = try table.column("mimicry")
        #expect(!table.rows.isEmpty)
        for (line, fields) in table.rows {
            let values = [nulling, ghost, conspicuity, mimicry].compactMap { Double(fields[$0]) }
            #expect(values.count == 4 && values.allSatisfy { $0 >= 0 }, "line \(line)")
            #expect(Double(fields[mimicry])! <= 1.5, "line \(line)")
            // Readers see the enhancement exactly when it is conspicuous enough (4 noise units).
            #expect((fields[visible] == "1") == (Double(fields[conspicuity])! >= 4), "line \(line)")
        }
        #expect(table.rows.contains { Double($0.fields[conspicuity])! > 0 })
    }

    @Test func wallMasksAreOptionalButAMissingOneIsReported() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try CohortWriter(generator: CohortGenerator(site: .internal, seed: 5)).write(0..<1, to: directory)
        let truth = directory.appendingPathComponent("truth.csv")
        let original = try String(contentsOf: truth, encoding: .utf8)
        let lines = original.split(separator: "\n").map(String.init)
        let column = try #require(lines[0].split(separator: ",").firstIndex { $0 == "myocardium_mask" })
        let all = try SimulatedCohortDataset.load(directory: directory).slices

        // A cohort written before wall masks existed: no such column, and everything else loads.
        let older = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset != column }.map(\.element).joined(separator: ",") }
        try (older.joined(separator: "\n") + "\n").write(to: truth, atomically: true, encoding: .utf8)
        let (slices, failures) = try SimulatedCohortDataset.load(directory: directory)
        #expect(failures.isEmpty)
        #expect(slices.count == all.count)
        #expect(slices.allSatisfy { $0.myocardiumMask == nil && $0.lesionMask != nil })

        // A wall mask named but gone: the images of that acquisition are reported by file, the rest load.
        try original.write(to: truth, atomically: true, encoding: .utf8)
        let named = lines[1].split(separator: ",", omittingEmptySubsequences: false)[column]
        try FileManager.default.removeItem(at: directory.appendingPathComponent(String(named)))
        let (rest, missing) = try SimulatedCohortDataset.load(directory: directory)
        let sharing = lines.dropFirst().filter { $0.split(separator: ",", omittingEmptySubsequences: false)[column] == named }.count
        #expect(sharing >= 1 && missing.count == sharing)
        #expect(missing.allSatisfy { String(describing: $0).contains(String(named)) })
        #expect(rest.count == all.count - sharing)
    }

    @Test(arguments: zip(["mean_vas", "myocardial_nulling", "conspicuity", "mimicry"], ["140", "-0.2", "-3", "high"]))
    func aBadTruthValueIsReportedWithItsLineAndTheRestLoad(column name: String, value: String) throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try CohortWriter(generator: CohortGenerator(site: .internal, seed: 5)).write(0..<1, to: directory)
        let truth = directory.appendingPathComponent("truth.csv")
        var lines = try String(contentsOf: truth, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let column = try #require(lines[0].split(separator: ",").firstIndex { $0 == name })
        var fields = lines[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[column] = value
        lines[2] = fields.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: truth, atomically: true, encoding: .utf8)
        let (slices, failures) = try SimulatedCohortDataset.load(directory: directory)
        #expect(failures.count == 1)
        #expect(String(describing: failures[0]).contains("truth.csv:3:") && String(describing: failures[0]).contains(name))
        #expect(slices.count == lines.filter { !$0.isEmpty }.count - 2)
    }
}

@Suite struct ExpertScoreTests {
    @Test func scoresBecomeLabelsAndBadRowsAreCounted() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("readers.csv").path
        try """
            sop_instance_uid,reader,vas
            1.2.1,reader1,90
            1.2.1,reader2,80
            1.2.2,reader1,60
            1.2.2,reader2,30
            1.2.3,reader1,10
            1.2.3,reader2,140
            1.2.3,reader2,5
            1.2.4,reader1,20
            1.2.4,reader2,abc
            1.2.4,reader1,25
            ,reader1,50

            """.write(toFile: path, atomically: true, encoding: .utf8)
        let scores = try ExpertScores(path: path)
        #expect(scores.imageColumn == "sop_instance_uid")
        #expect(scores.labels.map(\.image) == ["1.2.1", "1.2.2", "1.2.3", "1.2.4"])
        #expect(scores.labels.map(\.lowCertainty) == [false, true, false, false])
        #expect(scores.labels[0].meanVAS == 85 && scores.labels[0].lgeLikely)
        #expect(scores.labels[3].scores == ["reader1": 20])
        #expect(scores.rowsUsed == 7)
        let problems = scores.problems.map(\.description)
        #expect(problems.count == 4)
        #expect(problems[0].hasSuffix("readers.csv:7: vas '140' is not a number from 0 to 100"))
        #expect(problems[1].contains(":10: vas 'abc'"))
        #expect(problems[2].contains(":11: reader 'reader1' already scored"))
        #expect(problems[3].contains(":12: empty sop_instance_uid"))

        let agreement = InterReaderAgreement(labels: scores.labels, rule: .standard)
        #expect(agreement.readers == ["reader1", "reader2"])
        #expect(agreement.slices == 3)
        // Own classes: 1.2.1 high/high, 1.2.2 low/low, 1.2.3 high/high → all agree.
        #expect(agreement.classAgreement == 1)
        #expect(agreement.icc21 != nil)
    }

    @Test func theRuleIsTheSimulatorsBand() {
        var generator = LGERandom.SeededGenerator(seed: 4)
        for _ in 0..<500 {
            let scores = [Double(generator.next() % 101), Double(generator.next() % 101)]
            #expect(VASCertaintyRule.standard.isLowCertainty(scores) == CertaintyBand.standard.isLowCertainty(scores))
            #expect(VASCertaintyRule.standard.isLowCertainty(single: scores[0]) == CertaintyBand.standard.isLowCertainty(single: scores[0]))
        }
    }

    @Test func expertSplitKeepsPatientsTogether() throws {
        let labels = (0..<60).map { i in
            ExpertLabel(image: "img\(i)", scores: ["r": 50], meanVAS: 50, lowCertainty: i % 5 == 0, lgeLikely: false)
        }
        let split = try PatientSplit.trainValidationTest(labels: labels, patientOf: { "patient\(Int($0.dropFirst(3))! / 3)" }, seed: 3)
        #expect(split.train.count + split.validation.count + split.test.count == 20)
        #expect(split.train.isDisjoint(with: split.test) && split.train.isDisjoint(with: split.validation))
        #expect((13...15).contains(split.train.count))
        let again = try PatientSplit.trainValidationTest(labels: labels, patientOf: { "patient\(Int($0.dropFirst(3))! / 3)" }, seed: 3)
        #expect(again.test == split.test)
    }
}
