import Foundation
import LGEDICOM
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
        // The README's known defect: two byte-identical images under different names.
        let a = try #require(slices.first { $0.id == "Case_P059_slice000.png" })
        let b = try #require(slices.first { $0.id == "Case_P072_slice000.png" })
        #expect(a.pixels == b.pixels)
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
    }
}
