import Foundation
import LGEClassifier
import LGEDatasets
import LGENeural
import LGEONNX
import LGEPreprocessing
import LGERandom
import LGETestSupport
import Testing

/// The exported graph against ONNX Runtime (the Python test peer) on the same inputs: lgeqa's own
/// inference and ONNX Runtime's must agree within 1e-4, and `onnx.checker` must accept the model.
@Suite struct ONNXExportTests {
    let peer = ONNXRuntimePeer(
        python: TestEnvironment.python,
        script: TestEnvironment.repositoryRoot.appendingPathComponent("Tests/peers/onnx_runtime.py").path)

    /// A tiny network whose BatchNorm statistics and biases are far from their initial values, so that
    /// folding and every bias path are exercised.
    func trainedTinyModel() throws -> (ModelCard, Network) {
        var configuration = NetworkConfiguration.tiny
        configuration.outputs = 2
        var network = try Network(configuration: configuration, seed: 11)
        var generator = SeededGenerator(seed: 5, stream: "bn")
        for _ in 0..<4 {
            let batch = Tensor(shape: [4, 1, 16, 16], values: (0..<(4 * 256)).map { _ in generator.nextNormal() * 2 + 0.5 })
            _ = network.forward(batch, training: true)
        }
        network.classifier.bias.values = [0.3, -0.2]
        let card = ModelCard(
            modelVersion: "test", created: "2026-11-27", network: configuration,
            preprocessing: SlicePreprocessor(targetPixelSpacing: 4, outputSize: 16), heads: [.lge, .lowCertainty],
            temperatures: [1.7, 0.6],
            trainingData: [DatasetProvenance(name: "none", licence: "none", slices: 0, patients: 0, synthetic: true)],
            recipe: "untrained")
        var calibrated = card
        calibrated.calibrationOffsets = [0.4, -1.1]
        return (calibrated, network)
    }

    /// Exports, checks and runs in ONNX Runtime; compares both outputs with lgeqa's.
    func expectParity(card: ModelCard, network: Network, input: Tensor) throws {
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-onnx")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.onnx").path
        try ONNXExport.write(card: card, network: network, to: path)

        let report = try peer.check(model: path)
        #expect(report.ok)
        #expect(report.opset.contains { $0.domain == "" && $0.version == Int(ONNXExport.opset) })
        #expect(report.inputs == [ONNXExport.inputName])
        #expect(report.outputs == [ONNXExport.logitsName, ONNXExport.probabilitiesName])

        let outputs = try peer.run(model: path, input: input)
        let logits = network.foldedForInference().infer(input)
        let onnxLogits = try #require(outputs[ONNXExport.logitsName])
        let onnxProbabilities = try #require(outputs[ONNXExport.probabilitiesName])
        #expect(onnxLogits.shape == logits.shape)
        #expect(onnxProbabilities.shape == logits.shape)
        let heads = card.heads.count
        var worstLogit = 0.0, worstProbability = 0.0
        for (i, logit) in logits.values.enumerated() {
            worstLogit = max(worstLogit, abs(Double(logit) - onnxLogits.values[i]))
            let p = card.calibrations[i % heads].probability(logit: Double(logit))
            worstProbability = max(worstProbability, abs(p - onnxProbabilities.values[i]))
        }
        #expect(worstLogit <= 1e-4, "largest logit difference \(worstLogit)")
        #expect(worstProbability <= 1e-4, "largest probability difference \(worstProbability)")
        // A sanity check that the comparison is not vacuous: the logits differ between inputs.
        if input.shape[0] > 1 { #expect(logits.values[0] != logits.values[heads]) }
    }

    @Test func tinyNetworkMatchesONNXRuntime() throws {
        let (card, network) = try trainedTinyModel()
        var generator = SeededGenerator(seed: 9, stream: "input")
        // Odd sizes exercise the stride-2 padding on both kinds of borders.
        for (n, size) in [(3, 16), (1, 15)] {
            let input = Tensor(shape: [n, 1, size, size], values: (0..<(n * size * size)).map { _ in generator.nextNormal() })
            var sized = card
            sized.preprocessing.outputSize = size
            try expectParity(card: sized, network: network, input: input)
        }
    }

    @Test func shippedModelMatchesONNXRuntimeOnARealSlice() throws {
        let (card, network) = try ModelFile.read(TestEnvironment.repositoryRoot.appendingPathComponent("models/lgeqa-default.lgeqa").path)
        let emidec = TestEnvironment.sharedData.appendingPathComponent("data/emidec")
        let (slices, _) = try EMIDECDataset.load(directory: emidec)
        let slice = try #require(slices.first { $0.lge == true }, "no EMIDEC slice with LGE in \(emidec.path)")
        let prepared = try card.preprocessing.prepare(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: slice.isSigned, phaseEncode: slice.phaseEncodeDirection)
        var generator = SeededGenerator(seed: 4, stream: "random-slice")
        let random = (0..<prepared.values.count).map { _ in generator.nextNormal() }
        let size = card.preprocessing.outputSize
        let input = Tensor(shape: [2, 1, size, size], values: prepared.values + random)
        try expectParity(card: card, network: network, input: input)
    }

    @Test func onnxRuntimesProfileFallsIntoLgeqasBlocks() throws {
        let (card, network) = try trainedTinyModel()
        let directory = try TestEnvironment.temporaryDirectory("lgeqa-onnx")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.onnx").path
        try ONNXExport.write(card: card, network: network, to: path)
        let input = Tensor(shape: [1, 1, 16, 16], values: (0..<256).map { Float($0 % 17) / 8 - 1 })
        let report = try peer.profile(model: path, input: input, threads: 1, runs: 3, warmup: 1)
        #expect(!report.nodes.isEmpty && report.nodes.allSatisfy { $0.microseconds >= 0 && !$0.operator.isEmpty })
        let blocks = report.millisecondsByBlock()
        // Every block of the network has nodes in the profile, and nothing else is invented.
        var expected: Set<String> = ["stem", "head", "pool + classifier"]
        for (s, stage) in network.stages.enumerated() { for b in stage.indices { expected.insert("stages.\(s).blocks.\(b)") } }
        #expect(expected.isSubset(of: Set(blocks.keys)))
        #expect(Set(blocks.keys).subtracting(expected).isSubset(of: [ONNXRuntimePeer.ProfileReport.layoutChanges]))
    }

    @Test func nodesMapToTheBlockTheirNameStartsWith() {
        typealias Report = ONNXRuntimePeer.ProfileReport
        #expect(Report.block(ofNode: "stages.4.blocks.1.se.scale/Mul", operator: "Mul") == "stages.4.blocks.1")
        #expect(Report.block(ofNode: "stages.10.blocks.12.project.conv.conv_nchwc", operator: "Conv") == "stages.10.blocks.12")
        #expect(Report.block(ofNode: "stem.silu/Mul/QuickGeluFusion/", operator: "QuickGelu") == "stem")
        #expect(Report.block(ofNode: "head.conv.conv_nchwc", operator: "Conv") == "head")
        #expect(Report.block(ofNode: "ReorderOutput_token_117", operator: "ReorderOutput") == Report.layoutChanges)
        #expect(Report.block(ofNode: "classifier/Gemm", operator: "Gemm") == "pool + classifier")
    }

    @Test func missingOutputFolderIsAClearError() throws {
        let (card, network) = try trainedTinyModel()
        let path = "/nonexistent-lgeqa-folder/sub/model.onnx"
        #expect {
            try ONNXExport.write(card: card, network: network, to: path)
        } throws: { error in
            guard let error = error as? ONNXExportError, case .missingDirectory = error else { return false }
            return error.description.contains("/nonexistent-lgeqa-folder/sub") && error.description.contains("does not exist")
        }
    }

    @Test func convolutionCostScalesWithThePixelCount() throws {
        let network = try Network(configuration: .lgeqaSmall, seed: 1)
        let small = network.inferenceCost(height: 64, width: 64), large = network.inferenceCost(height: 128, width: 128)
        #expect(large.spatialConvolution == 4 * small.spatialConvolution)
        #expect(large.pointwiseConvolution == 4 * small.pointwiseConvolution)
        #expect(large.depthwiseConvolution == 4 * small.depthwiseConvolution)
        #expect(large.dense == small.dense)
        // The stem alone: 16 outputs × 9 taps × 64×64 positions at 128×128.
        #expect(large.spatialConvolution > 16 * 9 * 64 * 64)
        #expect(large.flops == 2 * large.multiplyAccumulates)
    }
}
