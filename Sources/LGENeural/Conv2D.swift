import CLGEKernels
import LGERandom
/// A k×k convolution (groups = 1) with "same" padding: via im2col + OpenBLAS SGEMM for training, and via
/// lgeqa's own AVX-512 kernel (weights packed once, no im2col) once `packedForInference()` has run.
///
/// Padding is symmetric, k/2 on each side, for odd k: the output is ⌈H/stride⌉ × ⌈W/stride⌉, which equals
/// TensorFlow's "same" for stride 1 and for even sizes at stride 2, and exports to ONNX as explicit `pads`.
/// A 1×1 stride-1 convolution is one GEMM per sample. Weight: [out, in, k, k].
public struct Conv2D: Layer {
    public var weight: Tensor {
        didSet { packedWeight = nil }
    }
    public var weightGradient: Tensor
    /// Optional bias [out]; convolutions followed by BatchNorm have none until BN is folded in.
    public var bias: Tensor?
    public var biasGradient: Tensor?
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    private var cachedInput: Tensor?
    /// The weights packed for `lge_conv_gemm` (see `packedForInference()`); dropped whenever `weight` changes.
    private var packedWeight: [Float]?

    /// He-normal (fan-out, as torchvision's EfficientNet) initialization from `generator`.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, bias: Bool = false,
        generator: inout SeededGenerator
    ) {
        precondition(kernelSize % 2 == 1 && stride >= 1, "odd kernels and positive strides only")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        let shape = [outputChannels, inputChannels, kernelSize, kernelSize]
        let std = (2 / Float(outputChannels * kernelSize * kernelSize)).squareRoot()
        weight = .randomNormal(shape: shape, standardDeviation: std, generator: &generator)
        weightGradient = Tensor(zeros: shape)
        self.bias = bias ? Tensor(zeros: [outputChannels]) : nil
        biasGradient = bias ? Tensor(zeros: [outputChannels]) : nil
    }

    var padding: Int { kernelSize / 2 }
    var isPointwise: Bool { kernelSize == 1 && stride == 1 }
    /// Rows of the im2col matrix: in · k · k.
    var patchSize: Int { inputChannels * kernelSize * kernelSize }

    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padding - kernelSize) / stride + 1, (w + 2 * padding - kernelSize) / stride + 1)
    }

    public func infer(_ input: Tensor) -> Tensor { infer(input, activated: false) }

    /// This convolution with its weights packed for lgeqa's own inference kernel (`lge_conv_gemm`), which
    /// then replaces OpenBLAS in `infer` on processors with AVX-512. Same function, to rounding.
    public func packedForInference() -> Conv2D {
        var copy = self
        let count = lge_conv_gemm_packed_count(outputChannels, patchSize)
        copy.packedWeight = weight.values.withUnsafeBufferPointer { w in
            [Float](unsafeUninitializedCapacity: count) { packed, initialized in
                lge_conv_gemm_pack(w.baseAddress!, outputChannels, patchSize, packed.baseAddress!)
                initialized = count
            }
        }
        return copy
    }

    /// Whether `infer` runs lgeqa's own kernel rather than OpenBLAS.
    public var usesPackedKernel: Bool { packedWeight != nil && lge_conv_gemm_available() != 0 }

    /// Inference with the bias and, when `activated`, SiLU applied in one pass over each output after its
    /// GEMM (while it is still in cache): the fused conv + (folded BN) + SiLU of a `ConvUnit`. A `residual`
    /// of the output's shape is added last (after SiLU), in the same pass where the packed kernel runs.
    public func infer(_ input: Tensor, activated: Bool, residual: Tensor? = nil) -> Tensor {
        let (n, c, h, w) = input.nchw
        precondition(c == inputChannels, "Conv2D expects \(inputChannels) channels, got \(c)")
        let (oh, ow) = outputSize(h, w)
        if let residual {
            precondition(residual.shape == [n, outputChannels, oh, ow], "Conv2D residual shape mismatch")
        }
        if let packedWeight, lge_conv_gemm_available() != 0 {
            return inferPacked(input, packedWeight, activated: activated, residual: residual)
        }
        var result = inferBLAS(input, activated: activated)
        if let residual { result.add(residual) }
        return result
    }

    private func inferPacked(_ input: Tensor, _ packed: [Float], activated: Bool, residual: Tensor?) -> Tensor {
        let (n, c, h, w) = input.nchw
        let (oh, ow) = outputSize(h, w)
        let plane = oh * ow
        let outC = outputChannels, patch = patchSize
        // k×k convolutions read a zero-padded copy of the image (split by stride phase) in place of im2col.
        let scratchCount = isPointwise ? 0 : lge_conv_direct_scratch_count(c, h, w, kernelSize, stride)
        var scratch = [Float](unsafeUninitializedCapacity: scratchCount) { _, count in count = scratchCount }
        var offsets = [Int](unsafeUninitializedCapacity: patch) { _, count in count = patch }
        return Tensor(uninitializedShape: [n, outC, oh, ow]) { out in
            input.values.withUnsafeBufferPointer { x in
                packed.withUnsafeBufferPointer { wt in
                    scratch.withUnsafeMutableBufferPointer { buffer in
                        offsets.withUnsafeMutableBufferPointer { offsets in
                            withBias { bias in
                                withOptionalValues(residual) { res in
                                    for s in 0..<n {
                                        let xs = x.baseAddress! + s * c * h * w
                                        let ys = out.baseAddress! + s * outC * plane
                                        let rs = res.map { $0 + s * outC * plane }
                                        let silu: Int32 = activated ? 1 : 0
                                        if isPointwise {
                                            lge_conv_gemm(outC, plane, patch, wt.baseAddress!, xs, plane, bias, silu,
                                                          rs, ys, offsets.baseAddress!)
                                        } else {
                                            lge_conv_direct(xs, c, h, w, kernelSize, stride, outC, wt.baseAddress!,
                                                            bias, silu, rs, ys, buffer.baseAddress!,
                                                            offsets.baseAddress!)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private func inferBLAS(_ input: Tensor, activated: Bool) -> Tensor {
        let (n, c, h, w) = input.nchw
        let (oh, ow) = outputSize(h, w)
        let plane = oh * ow
        let outC = outputChannels, patch = patchSize
        // im2col writes every element (zeros included), so the buffer skips the zero fill: megabytes per call.
        var columns = isPointwise ? [] : [Float](unsafeUninitializedCapacity: patch * plane) { _, count in count = patch * plane }
        return Tensor(uninitializedShape: [n, outC, oh, ow]) { out in
            input.values.withUnsafeBufferPointer { x in
                weight.values.withUnsafeBufferPointer { wt in
                    columns.withUnsafeMutableBufferPointer { cols in
                        for s in 0..<n {
                            let xs = x.baseAddress! + s * c * h * w
                            let ys = out.baseAddress! + s * outC * plane
                            let b: UnsafePointer<Float>
                            if isPointwise {
                                b = xs
                            } else {
                                im2col(xs, h, w, oh, ow, cols.baseAddress!)
                                b = UnsafePointer(cols.baseAddress!)
                            }
                            BLAS.gemm(m: outC, n: plane, k: patch, a: wt.baseAddress!, lda: patch,
                                      b: b, ldb: plane, beta: 0, c: ys, ldc: plane)
                            if bias != nil || activated {
                                withBias { lge_bias_activation(ys, outC, outC, plane, $0, activated ? 1 : 0) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Calls `body` with the tensor's values, or nil when there is no tensor.
    @inline(__always)
    private func withOptionalValues(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> Void) {
        if let tensor { tensor.values.withUnsafeBufferPointer { body($0.baseAddress) } } else { body(nil) }
    }

    /// Calls `body` with the bias values, or nil when there is no bias.
    @inline(__always)
    private func withBias(_ body: (UnsafePointer<Float>?) -> Void) {
        withOptionalValues(bias, body)
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        cachedInput = training ? input : nil
        return infer(input)
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        let input = requireCache(cachedInput, "Conv2D")
        let (n, c, h, w) = input.nchw
        let (oh, ow) = outputSize(h, w)
        let plane = oh * ow, outC = outputChannels, patch = patchSize
        precondition(outputGradient.shape == [n, outC, oh, ow], "Conv2D gradient shape mismatch")
        var inputGradient = Tensor(zeros: input.shape)
        var columns = isPointwise ? [] : [Float](repeating: 0, count: patch * plane)
        var columnGradient = isPointwise ? [] : [Float](repeating: 0, count: patch * plane)
        if bias != nil {
            outputGradient.values.withUnsafeBufferPointer { dy in
                biasGradient!.values.withUnsafeMutableBufferPointer { db in
                    for s in 0..<n {
                        for o in 0..<outC {
                            let row = dy.baseAddress! + (s * outC + o) * plane
                            var sum: Float = 0
                            for i in 0..<plane { sum += row[i] }
                            db[o] += sum
                        }
                    }
                }
            }
        }
        // Moved out (not copied) so the closures below can also call im2col on self.
        var accumulated = weightGradient.values
        weightGradient.values = []
        defer { weightGradient.values = accumulated }
        input.values.withUnsafeBufferPointer { x in
            outputGradient.values.withUnsafeBufferPointer { dy in
                weight.values.withUnsafeBufferPointer { wt in
                    accumulated.withUnsafeMutableBufferPointer { dw in
                        inputGradient.values.withUnsafeMutableBufferPointer { dx in
                            columns.withUnsafeMutableBufferPointer { cols in
                                columnGradient.withUnsafeMutableBufferPointer { dcols in
                                    for s in 0..<n {
                                        let xs = x.baseAddress! + s * c * h * w
                                        let dys = dy.baseAddress! + s * outC * plane
                                        let dxs = dx.baseAddress! + s * c * h * w
                                        let b: UnsafePointer<Float>
                                        if isPointwise {
                                            b = xs
                                        } else {
                                            im2col(xs, h, w, oh, ow, cols.baseAddress!)
                                            b = UnsafePointer(cols.baseAddress!)
                                        }
                                        // dW += dY · colsᵀ
                                        BLAS.gemm(transposeB: true, m: outC, n: patch, k: plane,
                                                  a: dys, lda: plane, b: b, ldb: plane,
                                                  beta: 1, c: dw.baseAddress!, ldc: patch)
                                        // dCols = Wᵀ · dY, scattered back by col2im.
                                        if isPointwise {
                                            BLAS.gemm(transposeA: true, m: patch, n: plane, k: outC,
                                                      a: wt.baseAddress!, lda: patch, b: dys, ldb: plane,
                                                      beta: 0, c: dxs, ldc: plane)
                                        } else {
                                            BLAS.gemm(transposeA: true, m: patch, n: plane, k: outC,
                                                      a: wt.baseAddress!, lda: patch, b: dys, ldb: plane,
                                                      beta: 0, c: dcols.baseAddress!, ldc: plane)
                                            col2im(UnsafePointer(dcols.baseAddress!), h, w, oh, ow, dxs)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        // `weight` has an observer, so it cannot be borrowed alongside another stored property of self:
        // the gradient is moved out (not copied) for the call.
        var gradient = weightGradient
        weightGradient = Tensor(shape: [0], values: [])
        body("weight", &weight, &gradient)
        weightGradient = gradient
        if bias != nil { body("bias", &bias!, &biasGradient!) }
    }

    /// Unfolds one image [c, h, w] into columns [c·k·k, oh·ow]; zero where the window leaves the image.
    private func im2col(
        _ x: UnsafePointer<Float>, _ h: Int, _ w: Int, _ oh: Int, _ ow: Int, _ cols: UnsafeMutablePointer<Float>
    ) {
        let k = kernelSize, s = stride, p = padding, plane = oh * ow
        for ch in 0..<inputChannels {
            let xc = x + ch * h * w
            for ki in 0..<k {
                for kj in 0..<k {
                    let row = cols + ((ch * k + ki) * k + kj) * plane
                    let (lo, hi) = validOutputRange(offset: kj - p, stride: s, inputSize: w, outputSize: ow)
                    for oy in 0..<oh {
                        let iy = oy * s + ki - p
                        let dst = row + oy * ow
                        if iy < 0 || iy >= h {
                            dst.update(repeating: 0, count: ow)
                            continue
                        }
                        let src = xc + iy * w + kj - p
                        if lo > 0 { dst.update(repeating: 0, count: lo) }
                        if s == 1 {
                            (dst + lo).update(from: src + lo, count: hi - lo)
                        } else {
                            for ox in lo..<hi { dst[ox] = src[ox * s] }
                        }
                        if hi < ow { (dst + hi).update(repeating: 0, count: ow - hi) }
                    }
                }
            }
        }
    }

    /// Adds columns [c·k·k, oh·ow] back into an image gradient [c, h, w]: the adjoint of `im2col`.
    private func col2im(
        _ cols: UnsafePointer<Float>, _ h: Int, _ w: Int, _ oh: Int, _ ow: Int, _ dx: UnsafeMutablePointer<Float>
    ) {
        let k = kernelSize, s = stride, p = padding, plane = oh * ow
        for ch in 0..<inputChannels {
            let dxc = dx + ch * h * w
            for ki in 0..<k {
                for kj in 0..<k {
                    let row = cols + ((ch * k + ki) * k + kj) * plane
                    let (lo, hi) = validOutputRange(offset: kj - p, stride: s, inputSize: w, outputSize: ow)
                    for oy in 0..<oh {
                        let iy = oy * s + ki - p
                        if iy < 0 || iy >= h { continue }
                        let src = row + oy * ow
                        let dst = dxc + iy * w + kj - p
                        for ox in lo..<hi { dst[ox * s] += src[ox] }
                    }
                }
            }
        }
    }
}

/// The output positions o in [lo, hi) whose input position o·stride + offset lies inside [0, inputSize).
@inline(__always)
func validOutputRange(offset: Int, stride: Int, inputSize: Int, outputSize: Int) -> (Int, Int) {
    let lo = offset >= 0 ? 0 : min(outputSize, (-offset + stride - 1) / stride)
    let last = inputSize - 1 - offset
    let hi = last < 0 ? 0 : min(outputSize, last / stride + 1)
    return (lo, max(lo, hi))
}
