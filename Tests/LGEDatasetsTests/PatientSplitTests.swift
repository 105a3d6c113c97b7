import LGEDICOM
import Testing

@testable import LGEDatasets

/// The per-source split behind `lgeqa model train`: what pretraining put in train, validation
/// or test stays there when a fine-tuning stage adds EMIDEC or another cohort.
@Suite struct PerSourcePatientSplitTests {
    /// `patients` patients of `slicesEach` slices; every third patient has LGE in its first slice.
    static func source(_ name: String, patientPrefix: String, patients: Int, slicesEach: Int = 3) -> SplitSource {
        let slices = (0..<patients).flatMap { p in
            (0..<slicesEach).map { k in
                LabeledSlice(
                    id: "\(name)/\(p)/\(k)", patient: "\(patientPrefix)-\(p)", pixels: PixelImage(rows: 1, columns: 1, values: [0]),
                    pixelSpacing: nil, isSigned: false, lge: p % 3 == 0 && k == 0, lowCertainty: false, causes: nil, source: name)
            }
        }
        return SplitSource(name: name, slices: slices)
    }

    enum Part: Hashable { case train, validation, test }

    /// The part of every slice, by slice id (ids are unique across the test's sources).
    static func parts(_ split: (train: [LabeledSlice], validation: [LabeledSlice], test: [LabeledSlice])) -> [String: Part] {
        var part: [String: Part] = [:]
        for (slices, name) in [(split.train, Part.train), (split.validation, .validation), (split.test, .test)] {
            for slice in slices {
                #expect(part[slice.id] == nil, "slice \(slice.id) is in two parts")
                part[slice.id] = name
            }
        }
        return part
    }

    // Two cohorts with the same exam names (as `simulate cohort` writes them: internal-00000, ...)
    // and an EMIDEC-like source.
    let internalCohort = source("internal", patientPrefix: "internal", patients: 40)
    let enrichedCohort = source("enriched", patientPrefix: "internal", patients: 20, slicesEach: 2)
    let emidec = source("emidec", patientPrefix: "Case", patients: 30, slicesEach: 7)

    @Test func aPatientKeepsItsPartWhenAnotherSourceIsAdded() throws {
        let alone = Self.parts(try PatientSplit.trainValidationTest(sources: [internalCohort], seed: 1))
        let withEMIDEC = Self.parts(try PatientSplit.trainValidationTest(sources: [internalCohort, emidec], seed: 1))
        let allThree = Self.parts(try PatientSplit.trainValidationTest(sources: [emidec, enrichedCohort, internalCohort], seed: 1))
        for slice in internalCohort.slices {
            #expect(withEMIDEC[slice.id] == alone[slice.id], "\(slice.patient) moved when EMIDEC was added")
            #expect(allThree[slice.id] == alone[slice.id], "\(slice.patient) moved when two sources were added")
        }
        let emidecAlone = Self.parts(try PatientSplit.trainValidationTest(sources: [emidec], seed: 1))
        for slice in emidec.slices { #expect(allThree[slice.id] == emidecAlone[slice.id]) }
        // Every slice is placed exactly once and each part gets some of each source.
        #expect(allThree.count == internalCohort.slices.count + enrichedCohort.slices.count + emidec.slices.count)
        for source in [internalCohort, enrichedCohort, emidec] {
            #expect(Set(source.slices.compactMap { allThree[$0.id] }) == [.train, .validation, .test])
        }
        // Reproducible from the seed, and the seed matters.
        #expect(Self.parts(try PatientSplit.trainValidationTest(sources: [emidec, enrichedCohort, internalCohort], seed: 1)) == allThree)
        #expect(Self.parts(try PatientSplit.trainValidationTest(sources: [emidec, enrichedCohort, internalCohort], seed: 2)) != allThree)
    }

    @Test func noPatientIsSplitAcrossParts() throws {
        for seed: UInt64 in [1, 7, 42] {
            let parts = Self.parts(try PatientSplit.trainValidationTest(sources: [internalCohort, enrichedCohort, emidec], seed: seed))
            for source in [internalCohort, enrichedCohort, emidec] {
                let byPatient = Dictionary(grouping: source.slices, by: \.patient)
                for (patient, slices) in byPatient {
                    #expect(Set(slices.compactMap { parts[$0.id] }).count == 1, "\(source.name) \(patient) is split (seed \(seed))")
                }
                // Roughly 70:15:15 of the source's own patients.
                let trainPatients = Set(source.slices.filter { parts[$0.id] == .train }.map(\.patient)).count
                #expect(abs(Double(trainPatients) / Double(byPatient.count) - 0.70) < 0.1)
            }
        }
    }

    @Test func aSourceTooSmallToSplitIsNamed() {
        let tiny = Self.source("cohorts/tiny", patientPrefix: "x", patients: 2)
        #expect {
            try PatientSplit.trainValidationTest(sources: [internalCohort, tiny], seed: 1)
        } throws: { error in
            (error as? DatasetError)?.description.contains("cohorts/tiny") == true
        }
    }
}
