import Foundation
import LGEClassifier
import LGENeural
import LGEPreprocessing

/// A small untrained model file for command tests: they check what the commands do with a model,
/// not how good it is (the shipped model's quality is measured by `lgeqa model evaluate`).
func makeUntrainedModel(in directory: URL) throws -> String {
    var configuration = NetworkConfiguration.tiny
    configuration.outputs = ClassifierHead.allCases.count
    let card = ModelCard(
        modelVersion: "test", created: "2026-11-26", network: configuration,
        preprocessing: SlicePreprocessor(targetPixelSpacing: 4, outputSize: 32),
        trainingData: [DatasetProvenance(name: "none", licence: "none", slices: 0, patients: 0, synthetic: true)], recipe: "untrained")
    let path = directory.appendingPathComponent("test.lgeqa").path
    try ModelFile.write(card: card, network: try Network(configuration: configuration, seed: 1), to: path)
    return path
}
