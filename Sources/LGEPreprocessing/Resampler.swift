/// Separable resampling of an image onto a grid of another pixel spacing and size, sharing
/// the physical centre of the field of view (DICOM's FOV centre, the point halfway between
/// the first and last pixel centres).
///
/// Upsampling (or equal spacing) interpolates bilinearly; downsampling averages the input
/// over each output pixel's footprint (an area / box prefilter), so fine noise and sharp
/// edges do not alias into the coarser grid. Outside the input field of view the output is
/// zero: the field of view is padded, never stretched.
struct Resampler {
    /// One output sample along one axis: the input indices that feed it and their weights.
    typealias Taps = [(index: Int, weight: Float)]

    /// Taps along one axis.
    /// - Parameters:
    ///   - inputCount, inputSpacing: the source axis (pixels, mm).
    ///   - outputCount, outputSpacing: the target axis.
    static func taps(inputCount: Int, inputSpacing: Double, outputCount: Int, outputSpacing: Double) -> [Taps] {
        let ratio = outputSpacing / inputSpacing  // input pixels per output pixel
        let inputCentre = Double(inputCount - 1) / 2, outputCentre = Double(outputCount - 1) / 2
        return (0..<outputCount).map { u in
            let x = inputCentre + (Double(u) - outputCentre) * ratio
            var taps: Taps = []
            if ratio <= 1 {
                let k = Int(x.rounded(.down))
                let w = x - Double(k)
                if k >= 0 && k < inputCount { taps.append((k, Float(1 - w))) }
                if w > 0 && k + 1 >= 0 && k + 1 < inputCount { taps.append((k + 1, Float(w))) }
            } else {
                // Box of width `ratio` centred on x; input pixel k covers [k − ½, k + ½].
                let (low, high) = (x - ratio / 2, x + ratio / 2)
                let first = max(0, Int((low + 0.5).rounded(.down))), last = min(inputCount - 1, Int((high + 0.5).rounded(.up)))
                if first <= last {
                    for k in first...last {
                        let overlap = min(high, Double(k) + 0.5) - max(low, Double(k) - 0.5)
                        if overlap > 0 { taps.append((k, Float(overlap / ratio))) }
                    }
                }
            }
            return taps
        }
    }

    /// Resamples a row-major image.
    static func resample(
        _ values: [Float], rows: Int, columns: Int, spacing: (rows: Double, columns: Double),
        outputRows: Int, outputColumns: Int, outputSpacing: Double
    ) -> [Float] {
        let columnTaps = taps(
            inputCount: columns, inputSpacing: spacing.columns, outputCount: outputColumns, outputSpacing: outputSpacing)
        let rowTaps = taps(inputCount: rows, inputSpacing: spacing.rows, outputCount: outputRows, outputSpacing: outputSpacing)
        // Along rows first (input rows × output columns), then down the columns.
        var horizontal = [Float](repeating: 0, count: rows * outputColumns)
        for r in 0..<rows {
            let base = r * columns
            for (u, taps) in columnTaps.enumerated() {
                var sum: Float = 0
                for tap in taps { sum += values[base + tap.index] * tap.weight }
                horizontal[r * outputColumns + u] = sum
            }
        }
        var output = [Float](repeating: 0, count: outputRows * outputColumns)
        for (v, taps) in rowTaps.enumerated() {
            for tap in taps {
                let source = tap.index * outputColumns, target = v * outputColumns
                for u in 0..<outputColumns { output[target + u] += horizontal[source + u] * tap.weight }
            }
        }
        return output
    }
}
