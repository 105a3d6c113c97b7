/// Batch normalization over N, H, W per channel.
///
/// Training normalizes with the batch's mean and biased variance and updates the running statistics as
/// PyTorch does: running ← (1 − momentum)·running + momentum·batch, with the unbiased variance.
/// Inference uses the running statistics; `Conv2D.folding(_:)` removes the layer altogether.
public struct BatchNorm2D: Layer {
    /// Scale γ [channels].
    public var weight: Tensor
    public var weightGradient: Tensor
    /// Shift β [channels].
    public var bias: Tensor
    public var biasGradient: Tensor
    public var runningMean: Tensor
    public var runningVariance: Tensor
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    private var cache: (normalized: Tensor, inverseStd: [Float])?

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-3) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        weight = Tensor(repeating: 1, shape: [channels])
        weightGradient = Tensor(zeros: [channels])
        bias = Tensor(zeros: [channels])
        biasGradient = Tensor(zeros: [channels])
        runningMean = Tensor(zeros: [channels])
        runningVariance = Tensor(repeating: 1, shape: [channels])
    }

    /// Per-channel y = scale·x + shift equivalent to inference with the running statistics.
    public var affine: (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for ch in 0..<channels {
            scale[ch] = weight.values[ch] / (runningVariance.values[ch] + epsilon).squareRoot()
            shift[ch] = bias.values[ch] - runningMean.values[ch] * scale[ch]
        }
        return (scale, shift)
    }

    public func infer(_ input: Tensor) -> Tensor {
        var output = input
        applyInPlace(&output)
        return output
    }

    /// Inference normalization written over `tensor` (no extra allocation when uniquely referenced).
    public func applyInPlace(_ tensor: inout Tensor) {
        let (n, c, h, w) = tensor.nchw
        precondition(c == channels, "BatchNorm2D expects \(channels) channels, got \(c)")
        let (scale, shift) = affine
        let plane = h * w
        tensor.values.withUnsafeMutableBufferPointer { x in
            for p in 0..<(n * c) {
                let a = scale[p % c], b = shift[p % c]
                let row = x.baseAddress! + p * plane
                for i in 0..<plane { row[i] = row[i] * a + b }
            }
        }
    }

    public mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else {
            cache = nil
            return infer(input)
        }
        let (n, c, h, w) = input.nchw
        precondition(c == channels, "BatchNorm2D expects \(channels) channels, got \(c)")
        let plane = h * w, m = n * plane
        var normalized = input
        var output = input
        var inverseStd = [Float](repeating: 0, count: c)
        normalized.values.withUnsafeMutableBufferPointer { xh in
            output.values.withUnsafeMutableBufferPointer { y in
                for ch in 0..<c {
                    // Two passes in Double: exact enough for large planes, and deterministic.
                    var sum = 0.0
                    for s in 0..<n {
                        let row = xh.baseAddress! + (s * c + ch) * plane
                        for i in 0..<plane { sum += Double(row[i]) }
                    }
                    let mean = sum / Double(m)
                    var squares = 0.0
                    for s in 0..<n {
                        let row = xh.baseAddress! + (s * c + ch) * plane
                        for i in 0..<plane { let d = Double(row[i]) - mean; squares += d * d }
                    }
                    let variance = squares / Double(m)
                    let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
                    inverseStd[ch] = inv
                    let meanF = Float(mean), g = weight.values[ch], b = bias.values[ch]
                    for s in 0..<n {
                        let offset = (s * c + ch) * plane
                        let row = xh.baseAddress! + offset, out = y.baseAddress! + offset
                        for i in 0..<plane {
                            let v = (row[i] - meanF) * inv
                            row[i] = v
                            out[i] = v * g + b
                        }
                    }
                    let unbiased = m > 1 ? squares / Double(m - 1) : variance
                    runningMean.values[ch] = (1 - momentum) * runningMean.values[ch] + momentum * meanF
                    runningVariance.values[ch] = (1 - momentum) * runningVariance.values[ch] + momentum * Float(unbiased)
                }
            }
        }
        cache = (normalized, inverseStd)
        return output
    }

    public mutating func backward(_ outputGradient: Tensor) -> Tensor {
        let (normalized, inverseStd) = requireCache(cache, "BatchNorm2D")
        let (n, c, h, w) = normalized.nchw
        let plane = h * w, m = Double(n * plane)
        var inputGradient = outputGradient
        inputGradient.values.withUnsafeMutableBufferPointer { dx in
            normalized.values.withUnsafeBufferPointer { xh in
                for ch in 0..<c {
                    var sumDy = 0.0, sumDyXh = 0.0
                    for s in 0..<n {
                        let offset = (s * c + ch) * plane
                        for i in 0..<plane {
                            let g = Double(dx[offset + i])
                            sumDy += g
                            sumDyXh += g * Double(xh[offset + i])
                        }
                    }
                    weightGradient.values[ch] += Float(sumDyXh)
                    biasGradient.values[ch] += Float(sumDy)
                    // dx = γ·invStd/m · (m·dy − Σdy − x̂·Σ(dy·x̂))
                    let k = weight.values[ch] * inverseStd[ch]
                    let meanDy = Float(sumDy / m), meanDyXh = Float(sumDyXh / m)
                    for s in 0..<n {
                        let offset = (s * c + ch) * plane
                        for i in 0..<plane {
                            dx[offset + i] = k * (dx[offset + i] - meanDy - xh[offset + i] * meanDyXh)
                        }
                    }
                }
            }
        }
        return inputGradient
    }

    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {
        body("weight", &weight, &weightGradient)
        body("bias", &bias, &biasGradient)
    }

    public mutating func visitBuffers(_ body: (String, inout Tensor) -> Void) {
        body("running_mean", &runningMean)
        body("running_var", &runningVariance)
    }
}

extension Conv2D {
    /// This convolution with `batchNorm` (inference statistics) folded in: W' = W·s, b' = (b − μ)·s + β.
    public func folding(_ batchNorm: BatchNorm2D) -> Conv2D {
        precondition(batchNorm.channels == outputChannels, "BatchNorm channels do not match the convolution")
        var folded = self
        let (scale, shift) = batchNorm.affine
        let perOutput = patchSize
        folded.weight.values.withUnsafeMutableBufferPointer { w in
            for o in 0..<outputChannels {
                for i in (o * perOutput)..<((o + 1) * perOutput) { w[i] *= scale[o] }
            }
        }
        var b = [Float](repeating: 0, count: outputChannels)
        for o in 0..<outputChannels { b[o] = (bias?.values[o] ?? 0) * scale[o] + shift[o] }
        folded.bias = Tensor(shape: [outputChannels], values: b)
        folded.biasGradient = Tensor(zeros: [outputChannels])
        return folded
    }
}

extension DepthwiseConv2D {
    /// This convolution with `batchNorm` (inference statistics) folded in.
    public func folding(_ batchNorm: BatchNorm2D) -> DepthwiseConv2D {
        precondition(batchNorm.channels == channels, "BatchNorm channels do not match the convolution")
        var folded = self
        let (scale, shift) = batchNorm.affine
        let taps = kernelSize * kernelSize
        folded.weight.values.withUnsafeMutableBufferPointer { w in
            for ch in 0..<channels {
                for i in (ch * taps)..<((ch + 1) * taps) { w[i] *= scale[ch] }
            }
        }
        var b = [Float](repeating: 0, count: channels)
        for ch in 0..<channels { b[ch] = (bias?.values[ch] ?? 0) * scale[ch] + shift[ch] }
        folded.bias = Tensor(shape: [channels], values: b)
        folded.biasGradient = Tensor(zeros: [channels])
        return folded
    }
}
