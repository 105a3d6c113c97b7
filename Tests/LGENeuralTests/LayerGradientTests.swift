import LGERandom
import Testing
@testable import LGENeural

@Suite("Gradients against finite differences")
struct LayerGradientTests {
    @Test("Conv2D", arguments: [(3, 1), (3, 2), (1, 1), (1, 2)])
    func conv2D(kernel: Int, stride: Int) {
        var g = SeededGenerator(seed: 1)
        let conv = Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: kernel, stride: stride, bias: true,
                          generator: &g)
        let check = checkGradients(conv, input: randomTensor([2, 3, 7, 6], seed: 2))
        #expect(check.parameterErrors.count == 2)
        #expect(check.worst < 1e-2, "\(check)")
    }

    @Test("DepthwiseConv2D", arguments: [1, 2])
    func depthwise(stride: Int) {
        var g = SeededGenerator(seed: 3)
        let conv = DepthwiseConv2D(channels: 3, kernelSize: 3, stride: stride, bias: true, generator: &g)
        let check = checkGradients(conv, input: randomTensor([2, 3, 7, 6], seed: 4))
        #expect(check.parameterErrors.count == 2)
        #expect(check.worst < 1e-2, "\(check)")
    }

    @Test("BatchNorm2D in training mode")
    func batchNorm() {
        var bn = BatchNorm2D(channels: 3)
        randomizeBatchNorm(&bn, seed: 5)
        bn.weight = Tensor(shape: [3], values: [0.7, 1.3, 1.1])
        bn.bias = Tensor(shape: [3], values: [0.1, -0.2, 0.3])
        let check = checkGradients(bn, input: randomTensor([3, 3, 4, 4], seed: 6, scale: 2), epsilon: 1e-2)
        #expect(check.worst < 1e-2, "\(check)")
    }

    @Test("SiLU, Sigmoid and GlobalAveragePool")
    func elementwise() {
        let x = randomTensor([2, 3, 4, 5], seed: 7, scale: 2)
        for check in [checkGradients(SiLU(), input: x), checkGradients(Sigmoid(), input: x),
                      checkGradients(GlobalAveragePool(), input: x)] {
            #expect(check.inputError < 1e-2, "\(check)")
        }
    }

    @Test("Dense")
    func dense() {
        var g = SeededGenerator(seed: 8)
        let layer = Dense(inputFeatures: 5, outputFeatures: 3, generator: &g)
        let check = checkGradients(layer, input: randomTensor([4, 5], seed: 9))
        #expect(check.parameterErrors.keys.sorted() == ["bias", "weight"])
        #expect(check.worst < 1e-2, "\(check)")
    }

    @Test("SqueezeExcitation")
    func squeezeExcitation() {
        var g = SeededGenerator(seed: 10)
        let se = SqueezeExcitation(channels: 6, squeezedChannels: 2, generator: &g)
        let check = checkGradients(se, input: randomTensor([2, 6, 4, 3], seed: 11))
        #expect(check.parameterErrors.count == 4)
        #expect(check.worst < 1e-2, "\(check)")
    }

    @Test("FusedMBConv", arguments: [(1, 1, 4), (2, 2, 6), (2, 1, 4)])
    func fused(expansion: Int, stride: Int, outputs: Int) {
        var g = SeededGenerator(seed: 12)
        var block = FusedMBConv(inputChannels: 4, outputChannels: outputs, expansion: expansion, stride: stride,
                                stochasticDepthRate: 0, seed: 1, generator: &g)
        randomizeBatchNorm(&block, seed: 13)
        #expect(block.usesResidual == (stride == 1 && outputs == 4))
        let check = checkGradients(block, input: randomTensor([3, 4, 6, 5], seed: 14))
        #expect(check.worst < 1e-2, "\(check)")
    }

    @Test("MBConv", arguments: [(2, 1, 4, true), (3, 2, 6, true), (1, 1, 4, false)])
    func mbConv(expansion: Int, stride: Int, outputs: Int, se: Bool) {
        var g = SeededGenerator(seed: 15)
        var block = MBConv(inputChannels: 4, outputChannels: outputs, expansion: expansion, stride: stride,
                           squeezeExcitation: se, stochasticDepthRate: 0, seed: 1, generator: &g)
        randomizeBatchNorm(&block, seed: 16)
        let check = checkGradients(block, input: randomTensor([3, 4, 6, 5], seed: 17))
        #expect(check.parameterErrors.keys.contains("depthwise.conv.weight"))
        #expect(check.parameterErrors.keys.contains("se.reduce.weight") == se)
        #expect(check.worst < 1e-2, "\(check)")
    }

    @Test("Whole tiny network: input and a sample of parameters")
    func network() throws {
        var net = try Network(configuration: .tiny, seed: 21)
        randomizeBatchNorm(&net, seed: 22)
        var index = 0
        let check = checkGradients(net, input: randomTensor([3, 1, 8, 8], seed: 23), samples: 24) { _ in
            index += 1
            return index % 4 == 1  // every fourth parameter tensor, from stem to classifier
        }
        #expect(check.parameterErrors.count >= 8)
        #expect(check.worst < 1e-2, "\(check)")
    }

    @Test("Network with a lesion map read from an inner or the last stage", arguments: [1, 2])
    func lesionMapNetwork(stage: Int) throws {
        var net = try Network(configuration: .tiny, seed: 31)
        randomizeBatchNorm(&net, seed: 32)
        let mapped = LesionMapNetwork(network: net, stage: stage, seed: 33)
        // 12×12 input: stem to 6×6, stage 1 (stride 2) to 3×3, which stage 2 keeps.
        #expect(mapped.mapSize(inputSize: 12) == 3 && mapped.outputStride == 4)
        var index = 0
        let check = checkGradients(mapped, input: randomTensor([2, 1, 12, 12], seed: 34), samples: 24) { name in
            index += 1
            return name.hasPrefix("lesionMap") || name.hasPrefix("stem") || index % 5 == 1
        }
        #expect(check.parameterErrors.keys.contains("lesionMap.conv.weight"))
        #expect(check.parameterErrors.keys.contains("lesionMap.conv.bias"))
        #expect(check.worst < 1e-2, "\(check)")
    }

    @Test("Network with a lesion map and a myocardium map")
    func lesionAndMyocardiumMaps() throws {
        var net = try Network(configuration: .tiny, seed: 35)
        randomizeBatchNorm(&net, seed: 36)
        let mapped = LesionMapNetwork(network: net, stage: 2, channels: 2, seed: 37)
        #expect(mapped.channels == 2)
        // Two channels of 3×3 cells after the classifier's outputs.
        #expect(mapped.infer(randomTensor([2, 1, 12, 12], seed: 38)).shape == [2, net.configuration.outputs + 2 * 9])
        let check = checkGradients(mapped, input: randomTensor([2, 1, 12, 12], seed: 38), samples: 24) { name in
            name.hasPrefix("lesionMap") || name.hasPrefix("stem")
        }
        #expect(check.parameterErrors.keys.contains("lesionMap.conv.weight"))
        #expect(check.worst < 1e-2, "\(check)")
        // The lesion channel starts where a one-channel map starts: the second channel is added beside it.
        let single = LesionMapNetwork(network: net, stage: 2, seed: 37)
        #expect(single.channels == 1 && single.mapHead.bias!.values == [mapped.mapHead.bias!.values[0]])
    }

    @Test("The lesion map reads the last stride-16 stage of the shipped architecture")
    func lesionMapStage() throws {
        #expect(LesionMapNetwork.defaultStage(for: .lgeqaSmall) == 4)
        #expect(LesionMapNetwork.defaultStage(for: .tiny) == 2)
        // Finer maps read shallower stages; a stride no stage reaches has none.
        #expect(LesionMapNetwork.availableOutputStrides(in: .lgeqaSmall) == [2, 4, 8, 16, 32])
        #expect(LesionMapNetwork.stage(outputStride: 8, in: .lgeqaSmall) == 2)
        #expect(LesionMapNetwork.stage(outputStride: 32, in: .lgeqaSmall) == 5)
        #expect(LesionMapNetwork.stage(outputStride: 1, in: .lgeqaSmall) == nil)
        #expect(LesionMapNetwork(network: try Network(configuration: .lgeqaSmall, seed: 1), stage: 2, seed: 2).mapSize(inputSize: 176) == 22)
        let mapped = LesionMapNetwork(network: try Network(configuration: .lgeqaSmall, seed: 1), seed: 2)
        #expect(mapped.outputStride == 16 && mapped.mapSize(inputSize: 176) == 11)
        // Reading the map does not change the classifier's logits.
        var plain = try Network(configuration: .tiny, seed: 5), tapped = plain
        let input = randomTensor([2, 1, 12, 12], seed: 6)
        let logits = plain.forward(input, training: false)
        let (same, map) = tapped.forward(input, training: false, tappingStage: 1)
        #expect(same == logits)
        #expect(map?.shape == [2, 6, 3, 3])
    }

    @Test("A perturbed backward is caught (the check can fail)")
    func checkerDetectsErrors() {
        // SiLU's derivative replaced by σ(x) alone must not pass.
        struct WrongSiLU: Layer {
            var inner = SiLU()
            var cached: Tensor?
            func infer(_ input: Tensor) -> Tensor { inner.infer(input) }
            mutating func forward(_ input: Tensor, training: Bool) -> Tensor { cached = input; return infer(input) }
            mutating func backward(_ g: Tensor) -> Tensor {
                var out = g
                for i in out.values.indices { out.values[i] *= sigmoid(cached!.values[i]) }
                return out
            }
        }
        let check = checkGradients(WrongSiLU(), input: randomTensor([1, 2, 3, 3], seed: 24, scale: 2))
        #expect(check.inputError > 0.05)
    }
}
