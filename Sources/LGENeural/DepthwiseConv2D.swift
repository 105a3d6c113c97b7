import CLGEKernels
import LGERandom
/// A depthwise k×k convolution (one filter per channel) with "same" padding (k/2 each side), by direct loops.
///
/// Memory-bound, so no im2col: each output row is accumulated tap by tap with a contiguous (stride 1)
/// inner loop that the compiler vectorizes, and every input row is touched k times while still in cache.
/// Weight: [channels, 1, k, k].
public struct DepthwiseConv2D: Layer {
    public var weight: Tensor
    public var weightGradient: Tensor
    /// Optional bias [channels]; present after BatchNorm folding.
    public var bias: Tensor?
    public var biasGradient: Tensor?
    public let channels: Int
    public let kernelSize: Int
    public let stride: Int
    private var cachedInput: Tensor?

    /// He-normal initialization with the per-group fan-out k·k.
    public init(channels: Int, kernelSize: Int = 3, stride: Int = 1, bias: Bool = false, generator: inout SeededGenerator) {
        precondition(kernelSize % 2 == 1 && stride >= 1, "odd kernels and positive strides only")
        self.channels = channels
        self.kernelSize = kernelSize
        self.stride = stride
        let shape = [channels, 1, kernelSize, kernelSize]
        weight = .randomNormal(shape: shape, standardDeviation: (2 / Float(kernelSize * kernelSize)).squareRoot(),
                               generator: &generator)
        weightGradient = Tensor(zeros: shape)
        self.bias = bias ? Tensor(zeros: [channels]) : nil
        biasGradient = bias ? Tensor(zeros: [channels]) : nil
    }

    var padding: Int { kernelSize / 2 }

    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padding - kernelSize) / stride + 1, (w + 2 * padding - kernelSize) / stride + 1)
    }

    public func infer(_ input: Tensor) -> Tensor { infer(input, activated: false) }

    /// Inference, with SiLU fused into the output pass when `activated` (the folded MBConv path).
    public func infer(_ input: Tensor, activated: Bool) -> Tensor {
        let (_, c, h, w) = input.nchw
        precondition(c == channels, "DepthwiseConv2D expects \(channels) channels, got \(c)")
        let (oh, ow) = outputSize(h, w)
        if kernelSize == 3 { return infer3x3(input, oh, ow, activated: activated) }
        var output = inferGeneric(input, oh, ow)
        if activated { SiLU.applyInPlace(&output) }
        return output
    }

    func inferGeneric(_ input: Tensor, _ oh: Int, _ ow: Int) -> Tensor {
        let (n, c, h, w) = input.nchw
        let k = kernelSize, s = stride, p = padding
        return Tensor(uninitializedShape: [n, c, oh, ow]) { out in
            input.values.withUnsafeBufferPointer { x in
                weight.values.withUnsafeBufferPointer { wt in
                    for plane in 0..<(n * c) {
                        let ch = plane % c
                        let xp = x.baseAddress! + plane * h * w
                        let yp = out.baseAddress! + plane * oh * ow
                        let wp = wt.baseAddress! + ch * k * k
                        let b = bias?.values[ch] ?? 0
                        for oy in 0..<oh {
                            let yr = yp + oy * ow
                            yr.update(repeating: b, count: ow)
                            for ki in 0..<k {
                                let iy = oy * s + ki - p
                                if iy < 0 || iy >= h { continue }
                                let xr = xp + iy * w
                                for kj in 0..<k {
                                    let wv = wp[ki * k + kj]
                                    let (lo, hi) = validOutputRange(offset: kj - p, stride: s, inputSize: w, outputSize: ow)
                                    let src = xr + kj - p
                                    if s == 1 {
                                        for ox in lo..<hi { yr[ox] += wv * src[ox] }
                                    } else {
                                        for ox in lo..<hi { yr[ox] += wv * src[ox * s] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The 3×3 case (CLGEKernels, AVX2 where the CPU has it) through a zero-bordered copy of each plane: no
    /// bounds logic in the inner loop, all nine taps in registers, one pass over each output row (small 8×8
    /// planes made a generic path overhead-bound).
    private func infer3x3(_ input: Tensor, _ oh: Int, _ ow: Int, activated: Bool) -> Tensor {
        let (n, c, h, w) = input.nchw
        // Every path writes the scratch it reads, so it is not zero-filled.
        let scratchCount = lge_depthwise3x3_scratch_count(h, w, stride)
        var padded = [Float](unsafeUninitializedCapacity: scratchCount) { _, count in count = scratchCount }
        return Tensor(uninitializedShape: [n, c, oh, ow]) { out in
            input.values.withUnsafeBufferPointer { x in
                weight.values.withUnsafeBufferPointer { wt in
                    padded.withUnsafeMutableBufferPointer { pad in
                        func run(_ b: UnsafePointer<Float>?) {
                            lge_depthwise3x3(x.baseAddress!, n * c, c, h, w, stride, wt.baseAddress!, b, activated ? 1 : 0,
                                             out.baseAddress!, pad.baseAddress!)
                        }
                        if let bias { bias.values.withUnsafeBufferPointer { run($0.baseAddress) } } else { run(nil) }
                    }
                }
            }
        }
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        cachedInput = training ? input : nil
        return infer(input)
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        let input = requireCache(cachedInput, "DepthwiseConv2D")
        let (n, c, h, w) = input.nchw
        let (oh, ow) = outputSize(h, w)
        let k = kernelSize, s = stride, p = padding
        precondition(outputGradient.shape == [n, c, oh, ow], "DepthwiseConv2D gradient shape mismatch")
        var inputGradient = Tensor(zeros: input.shape)
        var biasSums = [Float](repeating: 0, count: c)
        input.values.withUnsafeBufferPointer { x in
            outputGradient.values.withUnsafeBufferPointer { dy in
                weight.values.withUnsafeBufferPointer { wt in
                    weightGradient.values.withUnsafeMutableBufferPointer { dw in
                        inputGradient.values.withUnsafeMutableBufferPointer { dx in
                            for plane in 0..<(n * c) {
                                let ch = plane % c
                                let xp = x.baseAddress! + plane * h * w
                                let dxp = dx.baseAddress! + plane * h * w
                                let dyp = dy.baseAddress! + plane * oh * ow
                                let wp = wt.baseAddress! + ch * k * k
                                let dwp = dw.baseAddress! + ch * k * k
                                var planeSum: Float = 0
                                for i in 0..<(oh * ow) { planeSum += dyp[i] }
                                biasSums[ch] += planeSum
                                for oy in 0..<oh {
                                    let gr = dyp + oy * ow
                                    for ki in 0..<k {
                                        let iy = oy * s + ki - p
                                        if iy < 0 || iy >= h { continue }
                                        for kj in 0..<k {
                                            let wv = wp[ki * k + kj]
                                            let (lo, hi) = validOutputRange(
                                                offset: kj - p, stride: s, inputSize: w, outputSize: ow)
                                            let src = xp + iy * w + kj - p
                                            let dst = dxp + iy * w + kj - p
                                            var acc: Float = 0
                                            for ox in lo..<hi {
                                                acc += gr[ox] * src[ox * s]
                                                dst[ox * s] += wv * gr[ox]
                                            }
                                            dwp[ki * k + kj] += acc
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if bias != nil {
            for ch in 0..<c { biasGradient!.values[ch] += biasSums[ch] }
        }
        return inputGradient
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        body("weight", &weight, &weightGradient)
        if bias != nil { body("bias", &bias!, &biasGradient!) }
    }
}
