import CLGEKernels
import Foundation
import LGERandom
import Testing
@testable import LGENeural

@Suite("Forward paths")
struct ForwardTests {
    /// Direct six-loop convolution with symmetric k/2 zero padding.
    func naiveConvolution(_ x: Tensor, _ conv: Conv2D) -> Tensor {
        let (n, c, h, w) = x.nchw
        let k = conv.kernelSize, s = conv.stride, p = k / 2
        let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        var y = Tensor(zeros: [n, conv.outputChannels, oh, ow])
        for b in 0..<n {
            for o in 0..<conv.outputChannels {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = Double(conv.bias?.values[o] ?? 0)
                        for i in 0..<c {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    let iy = oy * s + ki - p, ix = ox * s + kj - p
                                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                    sum += Double(x.values[((b * c + i) * h + iy) * w + ix])
                                        * Double(conv.weight.values[((o * c + i) * k + ki) * k + kj])
                                }
                            }
                        }
                        y.values[((b * conv.outputChannels + o) * oh + oy) * ow + ox] = Float(sum)
                    }
                }
            }
        }
        return y
    }

    @Test("Conv2D matches a direct convolution", arguments: [(3, 1, 9, 7), (3, 2, 9, 7), (3, 2, 8, 8), (1, 1, 5, 4),
                                                             (1, 2, 5, 5), (5, 1, 6, 5), (3, 2, 1, 1)])
    func convolutionMatchesNaive(kernel: Int, stride: Int, height: Int, width: Int) {
        _ = blasSetUp
        var g = SeededGenerator(seed: 31)
        var conv = Conv2D(inputChannels: 3, outputChannels: 5, kernelSize: kernel, stride: stride, bias: true,
                          generator: &g)
        conv.bias = randomTensor([5], seed: 32)
        let x = randomTensor([2, 3, height, width], seed: 33)
        let y = conv.infer(x)
        let expected = naiveConvolution(x, conv)
        #expect(y.shape == expected.shape)
        #expect(y.shape[2] == (height + stride - 1) / stride && y.shape[3] == (width + stride - 1) / stride)
        let worst = zip(y.values, expected.values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4)
    }

    /// The packed kernel (AVX-512 where present, a plain loop elsewhere) against the six-loop reference, over
    /// shapes that exercise its tails: output channels not a multiple of 8 or 16, rows wider than one 48-pixel
    /// run and narrower than one vector, runs across rows (12 wide and more) and within them, strides 1 and 2
    /// on odd sizes, 1×1 and 5×5, with SiLU and a residual.
    @Test("Packed inference convolution matches a direct convolution",
          arguments: [(3, 1, 5, 9, 7), (3, 2, 24, 9, 7), (3, 2, 8, 67, 70), (3, 1, 17, 5, 70), (1, 1, 40, 8, 8),
                      (1, 1, 13, 3, 50), (1, 2, 9, 5, 5), (5, 1, 16, 6, 5), (3, 2, 8, 1, 1), (3, 1, 32, 4, 4),
                      (3, 1, 24, 16, 16), (3, 2, 16, 32, 32), (3, 1, 8, 3, 12)])
    func packedConvolutionMatchesNaive(kernel: Int, stride: Int, outputs: Int, height: Int, width: Int) {
        var g = SeededGenerator(seed: 41)
        var conv = Conv2D(inputChannels: 3, outputChannels: outputs, kernelSize: kernel, stride: stride, bias: true,
                          generator: &g)
        conv.bias = randomTensor([outputs], seed: 42)
        let packed = conv.packedForInference()
        let x = randomTensor([2, 3, height, width], seed: 43)
        let expected = naiveConvolution(x, conv)
        let residual = randomTensor(expected.shape, seed: 44)
        for activated in [false, true] {
            let y = packed.infer(x, activated: activated, residual: residual)
            #expect(y.shape == expected.shape)
            let reference = zip(expected.values, residual.values).map { value, r in
                (activated ? value / (1 + exp(-value)) : value) + r
            }
            let worst = zip(y.values, reference).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4, "activated \(activated): worst difference \(worst)")
        }
    }

    /// The SiLU the convolution kernels fuse (AVX-512 where present), through a 1×1 convolution whose only
    /// weight is 1: against x/(1 + e^−x) in double precision, from −88 (where e^−x nearly overflows) to 40.
    @Test("Fused SiLU: relative error within 5e-7 over the whole range")
    func fusedSiLUAccuracy() {
        let n = 20_000
        let x = (0..<n).map { Float(-88 + 128 * Double($0) / Double(n - 1)) } + [-87.99, -20.5, -1e-3, 0, 1e-3, 0.5, 3]
        var weights = [Float](repeating: 0, count: 8)
        weights[0] = 1
        var packed = [Float](repeating: 0, count: lge_conv_gemm_packed_count(8, 1))
        lge_conv_gemm_pack(weights, 8, 1, &packed)
        var offsets = [Int](repeating: 0, count: 1)
        var y = [Float](repeating: .nan, count: 8 * x.count)
        lge_conv_gemm(8, x.count, 1, packed, x, x.count, nil, 1, nil, &y, &offsets)
        var worst = 0.0
        for (i, value) in x.enumerated() {
            let exact = Double(value) / (1 + Foundation.exp(-Double(value)))
            let error = abs(Double(y[i]) - exact)
            worst = max(worst, exact == 0 ? error : error / abs(exact))
        }
        #expect(worst < 5e-7, "largest relative error \(worst)")
        #expect(y[8 * x.count - 1] == 0)  // a zero weight row stays 0: the product is not vacuous
    }

    /// What runs on processors without AVX-512 (the dispatchers pick it there), called directly so that it is
    /// checked on this machine too.
    @Test("Portable convolution loops match a direct convolution",
          arguments: [(3, 1, 5, 9, 7), (3, 2, 24, 9, 7), (1, 1, 13, 3, 50), (1, 2, 9, 5, 5), (5, 1, 16, 6, 5)])
    func portableConvolutionMatchesNaive(kernel: Int, stride: Int, outputs: Int, height: Int, width: Int) {
        var g = SeededGenerator(seed: 48)
        var conv = Conv2D(inputChannels: 3, outputChannels: outputs, kernelSize: kernel, stride: stride, bias: true,
                          generator: &g)
        conv.bias = randomTensor([outputs], seed: 49)
        let x = randomTensor([1, 3, height, width], seed: 50)
        let expected = naiveConvolution(x, conv)
        let residual = randomTensor(expected.shape, seed: 51)
        let (oh, ow) = (expected.shape[2], expected.shape[3])
        let patch = conv.patchSize
        var packed = [Float](repeating: 0, count: lge_conv_gemm_packed_count(outputs, patch))
        lge_conv_gemm_pack(conv.weight.values, outputs, patch, &packed)
        var scratch = [Float](repeating: .nan, count: lge_conv_direct_scratch_count(3, height, width, kernel, stride))
        var offsets = [Int](repeating: 0, count: patch)
        var y = [Float](repeating: .nan, count: expected.count)
        if kernel == 1 && stride == 1 {
            lge_conv_gemm_portable(outputs, oh * ow, patch, packed, x.values, oh * ow, conv.bias!.values, 1,
                                   residual.values, &y, &offsets)
        } else {
            lge_conv_direct_portable(x.values, 3, height, width, kernel, stride, outputs, packed, conv.bias!.values, 1,
                                     residual.values, &y, &scratch, &offsets)
        }
        let reference = zip(expected.values, residual.values).map { value, r in value / (1 + exp(-value)) + r }
        let worst = zip(y, reference).map { abs($0 - $1) }.max() ?? .nan
        #expect(worst < 1e-4, "worst difference \(worst)")
    }

    @Test("Portable depthwise loops match the generic path", arguments: [1, 2])
    func portableDepthwiseMatchesGeneric(stride: Int) {
        var g = SeededGenerator(seed: 52)
        var dw = DepthwiseConv2D(channels: 4, kernelSize: 3, stride: stride, bias: true, generator: &g)
        dw.bias = randomTensor([4], seed: 53)
        let x = randomTensor([2, 4, 9, 12], seed: 54)
        let (oh, ow) = dw.outputSize(9, 12)
        var reference = dw.inferGeneric(x, oh, ow)
        SiLU.applyInPlace(&reference)
        var scratch = [Float](repeating: .nan, count: lge_depthwise3x3_scratch_count(9, 12, stride))
        var y = [Float](repeating: .nan, count: reference.count)
        lge_depthwise3x3_portable(x.values, 8, 4, 9, 12, stride, dw.weight.values, dw.bias!.values, 1, &y, &scratch)
        let worst = zip(y, reference.values).map { abs($0 - $1) }.max() ?? .nan
        #expect(worst < 1e-5, "worst difference \(worst)")
    }

    @Test("Changing packed weights drops the packing")
    func packedWeightsFollowTheWeights() {
        var g = SeededGenerator(seed: 45)
        var conv = Conv2D(inputChannels: 2, outputChannels: 8, kernelSize: 3, generator: &g).packedForInference()
        conv.weight = randomTensor(conv.weight.shape, seed: 46)
        let x = randomTensor([1, 2, 6, 6], seed: 47)
        let worst = zip(conv.infer(x).values, naiveConvolution(x, conv).values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4)
        #expect(!conv.usesPackedKernel)
    }

    @Test("DepthwiseConv2D matches a per-channel direct convolution", arguments: [(3, 1), (3, 2), (5, 1), (5, 2)])
    func depthwiseMatchesNaive(kernel: Int, stride: Int) {
        var g = SeededGenerator(seed: 34)
        var dw = DepthwiseConv2D(channels: 3, kernelSize: kernel, stride: stride, bias: true, generator: &g)
        dw.bias = randomTensor([3], seed: 36)
        let taps = kernel * kernel
        let x = randomTensor([2, 3, 7, 8], seed: 35)
        let y = dw.infer(x)
        #expect(y.shape == [2, 3, (7 + stride - 1) / stride, (8 + stride - 1) / stride])
        for ch in 0..<3 {
            // A one-channel Conv2D with this channel's filter is the reference.
            var single = Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: kernel, stride: stride, bias: true,
                                generator: &g)
            single.weight = Tensor(shape: [1, 1, kernel, kernel],
                                   values: Array(dw.weight.values[(ch * taps)..<((ch + 1) * taps)]))
            single.bias = Tensor(shape: [1], values: [dw.bias!.values[ch]])
            for b in 0..<2 {
                let plane = Array(x.values[((b * 3 + ch) * 56)..<((b * 3 + ch) * 56 + 56)])
                let ref = naiveConvolution(Tensor(shape: [1, 1, 7, 8], values: plane), single)
                let planeSize = y.shape[2] * y.shape[3]
                let got = Array(y.values[((b * 3 + ch) * planeSize)..<((b * 3 + ch + 1) * planeSize)])
                #expect(zip(got, ref.values).allSatisfy { abs($0 - $1) < 1e-5 })
            }
        }
    }

    /// The 3×3 kernels pick a path by plane size and stride (direct masked loads up to 1,024 pixels at
    /// stride 1, a row permute up to 16 wide at stride 2, a two-vector permute up to 32 wide, the
    /// auto-vectorised loops beyond): each against the generic path (kernel 3 via `inferGeneric`), with SiLU.
    @Test("Depthwise 3×3 kernels match the generic path on every plane size",
          arguments: [(1, 7, 8), (2, 7, 8), (2, 16, 16), (2, 1, 1), (2, 9, 17), (2, 22, 22), (2, 5, 32), (2, 2, 31), (1, 40, 33), (2, 33, 40), (1, 1, 13)])
    func depthwise3x3Paths(stride: Int, height: Int, width: Int) {
        var g = SeededGenerator(seed: 37)
        var dw = DepthwiseConv2D(channels: 5, kernelSize: 3, stride: stride, bias: true, generator: &g)
        dw.bias = randomTensor([5], seed: 38)
        let x = randomTensor([2, 5, height, width], seed: 39)
        let (oh, ow) = dw.outputSize(height, width)
        var reference = dw.inferGeneric(x, oh, ow)
        SiLU.applyInPlace(&reference)
        let y = dw.infer(x, activated: true)
        #expect(y.shape == reference.shape)
        let worst = zip(y.values, reference.values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5, "worst difference \(worst)")
    }

    @Test("Folded-BN inference equals the unfolded inference forward")
    func foldedInference() throws {
        _ = blasSetUp
        var net = try Network(configuration: .tiny, seed: 41)
        randomizeBatchNorm(&net, seed: 42)
        // A few training-mode passes give the running statistics non-trivial values.
        for i in 0..<3 { _ = net.forward(randomTensor([4, 1, 16, 16], seed: 43 + UInt64(i), scale: 3), training: true) }
        let x = randomTensor([2, 1, 16, 16], seed: 50, scale: 3)
        let unfolded = net.forward(x, training: false)
        let folded = net.foldedForInference()
        #expect(folded.isFolded && !net.isFolded)
        var names: [String] = []
        var foldedCopy = folded
        foldedCopy.visitParameters { name, _, _ in names.append(name) }
        #expect(!names.contains { $0.contains(".bn.") })
        for result in [folded.infer(x), net.infer(x)] {
            let worst = zip(result.values, unfolded.values).map { abs($0 - $1) }.max() ?? 1
            #expect(worst < 1e-4)
        }
        // Different inputs give different outputs (the comparison is not vacuous).
        #expect(folded.infer(randomTensor([2, 1, 16, 16], seed: 51)) != folded.infer(x))
    }

    @Test("Dropout and StochasticDepth are identity at inference and act in training")
    func stochasticLayers() {
        let x = randomTensor([8, 4, 3, 3], seed: 60)
        var dropout = Dropout(rate: 0.5, seed: 1)
        var depth = StochasticDepth(rate: 0.5, seed: 2)
        #expect(dropout.forward(x, training: false) == x)
        #expect(depth.forward(x, training: false) == x)
        #expect(dropout.infer(x) == x && depth.infer(x) == x)
        let dropped = dropout.forward(x, training: true)
        let zeros = dropped.values.filter { $0 == 0 }.count
        #expect(zeros > x.count / 4 && zeros < 3 * x.count / 4)
        #expect(zip(dropped.values, x.values).allSatisfy { $0 == 0 || abs($0 - 2 * $1) < 1e-6 })
        let sd = depth.forward(x, training: true)
        let perSample = 36
        var droppedSamples = 0
        for s in 0..<8 {
            let slice = sd.values[(s * perSample)..<((s + 1) * perSample)]
            let original = x.values[(s * perSample)..<((s + 1) * perSample)]
            if slice.allSatisfy({ $0 == 0 }) { droppedSamples += 1 } else {
                #expect(zip(slice, original).allSatisfy { abs($0 - 2 * $1) < 1e-6 })
            }
        }
        #expect(droppedSamples > 0 && droppedSamples < 8)
    }

    @Test("Network shapes, names and the lgeqaSmall budget")
    func networkStructure() throws {
        _ = blasSetUp
        var small = try Network(configuration: .lgeqaSmall, seed: 1)
        #expect(small.parameterCount < 1_000_000 && small.parameterCount > 300_000)
        var names: [String] = []
        small.visitParameters { name, p, g in
            names.append(name)
            #expect(p.shape == g.shape)
        }
        #expect(Set(names).count == names.count)
        #expect(names.first == "stem.conv.weight" && names.last == "classifier.bias")
        #expect(names.contains("stages.1.blocks.0.expand.conv.weight"))
        #expect(names.contains("stages.3.blocks.1.se.reduce.weight"))
        let logits = small.infer(randomTensor([1, 1, 128, 128], seed: 2))
        #expect(logits.shape == [1, 6])
        #expect(logits.values.allSatisfy { $0.isFinite })
        #expect(throws: NetworkConfigurationError.self) {
            var bad = NetworkConfiguration.tiny
            bad.stages[0].stride = 3
            _ = try Network(configuration: bad, seed: 0)
        }
    }
}
