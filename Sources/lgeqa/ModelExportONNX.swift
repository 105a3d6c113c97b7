import ArgumentParser
import Foundation
import LGEClassifier
import LGEONNX

/// `lgeqa model export-onnx`: the network as an ONNX graph.
struct ModelExportONNX: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-onnx",
        abstract: "Write the model's network as an ONNX model (opset 17).",
        discussion: """
            Input `image`: float32 [N, 1, S, S], a slice after lgeqa's preprocessing (S is the model card's \
            output size, 176 for the shipped model). Outputs `logits` (raw, per head) and `probabilities` \
            (sigmoid(logit / T + offset) with the card's calibration, what `lgeqa classify` reports), both [N, heads]. \
            BatchNorm is folded into the convolutions. Preprocessing is not part of the graph.
            """
    )

    @Option(help: "Model file (default: the shipped model).") var model: String?
    @Option(help: "Where to write the ONNX model (its folder must exist).") var out: String

    func run() async throws {
        let path = model ?? ModelCommand.defaultModelPath
        let (card, network) = try ModelFile.read(path)
        try ONNXExport.write(card: card, network: network, to: out)
        let size = card.preprocessing.outputSize
        print("wrote \(out): input image [N, \(network.configuration.inputChannels), \(size), \(size)], outputs logits and probabilities [N, \(card.heads.count)] (\(card.heads.map(\.rawValue).joined(separator: ", ")))")
    }
}
