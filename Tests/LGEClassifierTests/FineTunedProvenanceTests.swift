import LGENeural
import LGEPreprocessing
import Testing

@testable import LGEClassifier

/// What the card of a fine-tuned model (`lgeqa model train --initial-model`) says about its
/// data: both stages, and the licence of whatever either stage learned from.
@Suite struct FineTunedProvenanceTests {
    static let cohort = DatasetProvenance(name: "lgeqa simulator cohort internal", licence: "same as lgeqa", slices: 3166, patients: 160, synthetic: true)
    static let emidec = DatasetProvenance(name: "EMIDEC development split", licence: "CC BY-NC-SA 4.0", slices: 500, patients: 70, synthetic: false)

    func card(_ version: String, _ data: [DatasetProvenance]) -> ModelCard {
        ModelCard(
            modelVersion: version, created: "2026-11-27T08:00:00Z", network: ClassifierTests.network, preprocessing: SlicePreprocessor(),
            trainingData: data, recipe: "test")
    }

    @Test func aModelFineTunedWithEMIDECListsBothStagesAndCarriesEMIDECsLicence() throws {
        let pretrained = card("pre", [Self.cohort])
        #expect(pretrained.licence == "same as lgeqa")
        let tuned = card("tuned", pretrained.trainingDataAsEarlierStage + [Self.cohort, Self.emidec])
        #expect(tuned.trainingData.count == 3)
        #expect(tuned.trainingData[0].name == "lgeqa simulator cohort internal (earlier stage: model pre of 2026-11-27T08:00:00Z)")
        #expect(tuned.trainingData[0].synthetic && tuned.trainingData[0].slices == 3166)
        #expect(tuned.trainingData[1...].map(\.name) == [Self.cohort.name, Self.emidec.name])
        #expect(tuned.licence.hasPrefix("CC BY-NC-SA 4.0"))
        // The card survives the model file.
        let data = try ModelFile.encode(card: tuned, network: try Network(configuration: ClassifierTests.network, seed: 1))
        #expect(try ModelFile.decode(data, path: "tuned").card == tuned)
    }

    @Test func emidecLearnedInAnEarlierStageKeepsItsLicence() {
        let pretrained = card("pre", [Self.cohort, Self.emidec])
        let tuned = card("tuned", pretrained.trainingDataAsEarlierStage + [Self.cohort])
        #expect(tuned.licence.hasPrefix("CC BY-NC-SA 4.0"))
        #expect(tuned.trainingData.contains { !$0.synthetic && $0.name.hasPrefix("EMIDEC") && $0.name.contains("earlier stage: model pre") })
    }
}
