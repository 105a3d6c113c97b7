import Foundation
import LGEDICOM
import LGEImageAnalysis

/// Measures ``SliceQuality`` on one slice, with no model and no masks: the body and the air
/// around it are found from the pixels (see the figures' documentation for definitions).
///
/// Works on images from any scanner in their physical units: magnitude (Rician noise, every
/// value ≥ 0) or signed phase-sensitive (PSIR, Gaussian noise). Deterministic.
public enum SliceQualityMetrics {
    /// The smallest image (per side) the statistics are computed on.
    public static let minimumSide = 16
    /// Air pixels needed outside the body before noise and ghosting are measured.
    public static let minimumBackgroundPixels = 64
    /// Air pixels needed in a band beside the body before its ghost level is reported.
    public static let minimumBandPixels = 32
    /// Pixel spacing assumed when the header has none: a 360 mm field of view over the
    /// longer side, a typical cardiac FOV.
    public static let assumedFieldOfView = 360.0

    /// Measures one slice.
    /// - Parameters:
    ///   - image: pixel values in physical units (after Rescale Slope/Intercept).
    ///   - pixelSpacing: the header's PixelSpacing; sets the smoothing and the margin kept
    ///     between the body and the air in millimetres rather than pixels.
    ///   - phaseEncode: the InPlanePhaseEncodingDirection; without it the phase-encode and
    ///     readout ghost figures (and their ratio) are nil, the row/column ones still reported.
    ///   - isSigned: true for PSIR (or another real, signed reconstruction).
    /// - Throws: ``SliceQualityError`` for images on which the figures would be meaningless.
    public static func measure(
        _ image: PixelImage, pixelSpacing: PixelSpacing?, phaseEncode: PhaseEncodeDirection?, isSigned: Bool
    ) throws(SliceQualityError) -> SliceQuality {
        let (rows, columns) = (image.rows, image.columns)
        let values = image.values
        guard rows >= minimumSide, columns >= minimumSide else {
            throw .imageTooSmall(rows: rows, columns: columns, minimum: minimumSide)
        }
        let nonFinite = values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        guard nonFinite == 0 else { throw .nonFiniteValues(count: nonFinite) }
        guard values.contains(where: { $0 != 0 }) else { throw .allZero }
        guard values.contains(where: { $0 != values[0] }) else { throw .uniform(value: values[0]) }

        // Smoothing of about 2.5 mm and a 7.5 mm margin between skin and "air": enough to
        // clear partial volume and ringing at the body edge at any in-plane resolution.
        let spacing = pixelSpacing.map { min($0.betweenRows, $0.betweenColumns) }
            .flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? assumedFieldOfView / Double(max(rows, columns))
        let radius = max(1, Int((2.5 / spacing).rounded()))
        let margin = max(2, Int((7.5 / spacing).rounded()))

        // The outermost pixels are left out of the air: wrap from anatomy cut at the opposite
        // edge and reconstruction-filter roll-off live there, not noise.
        let edge = 2
        let magnitude = values.map(abs)
        let segmentation = try BodySegmentation(
            magnitude: magnitude, rows: rows, columns: columns, smoothingRadius: radius, margin: margin)
        var foreground: [Float] = [], foregroundSigned: [Float] = [], background: [Float] = []
        // Air beside the body along each axis: |value| for the ghost levels, value for noise.
        var bandRows: [Float] = [], bandColumns: [Float] = []
        var bandRowsSigned: [Float] = [], bandColumnsSigned: [Float] = []
        for r in 0..<rows {
            for c in 0..<columns {
                let i = r * columns + c
                if segmentation.body[i] {
                    foreground.append(magnitude[i])
                    foregroundSigned.append(values[i])
                } else if segmentation.background[i] && r >= edge && r < rows - edge && c >= edge && c < columns - edge {
                    background.append(values[i])
                    // Bands: air the body's replica would land on if shifted along one axis only.
                    let inRows = segmentation.bodyRows.contains(r), inColumns = segmentation.bodyColumns.contains(c)
                    if inRows && !inColumns { bandRows.append(magnitude[i]); bandRowsSigned.append(values[i]) }
                    if inColumns && !inRows { bandColumns.append(magnitude[i]); bandColumnsSigned.append(values[i]) }
                }
            }
        }
        guard !foreground.isEmpty else { throw .noForeground }
        guard background.count >= minimumBackgroundPixels else {
            throw .noBackground(pixels: background.count, required: minimumBackgroundPixels)
        }

        // Noise from the air along readout when there is enough of it: motion ghosts, and the
        // ghosts and ringing of the shot-to-shot signal modulation of a segmented readout,
        // spread along phase encode only, so that air holds noise alone.
        let readoutAir: [Float] =
            switch phaseEncode {
            case .row: bandColumnsSigned
            case .column: bandRowsSigned
            case nil: []
            }
        let sigma = try noiseSigma(
            readoutAir.count >= minimumBackgroundPixels ? readoutAir : background, isSigned: isSigned)
        let foregroundMean = ImageStatistics.mean(foreground)

        // CNR on signed values for PSIR: its order (enhancement > blood > myocardium) is what
        // the image is for, and |value| would fold negative myocardium onto the bright side.
        let levels = ImageStatistics.percentiles(isSigned ? foregroundSigned : foreground, [50, 95])
        let cnr = (levels[1] - levels[0]) / sigma

        let fber = ImageStatistics.meanSquare(foreground) / ImageStatistics.meanSquare(background)

        // The mean of pure noise in a band (Rayleigh mean σ√(π/2) for magnitude, half-normal
        // mean σ√(2/π) for |signed|): what a band holds when there is no ghost at all.
        let noiseFloor = isSigned ? sigma * (2 / Double.pi).squareRoot() : sigma * (Double.pi / 2).squareRoot()
        func bandMean(_ band: [Float]) -> Double? {
            band.count >= minimumBandPixels ? ImageStatistics.mean(band) : nil
        }
        let (rowMean, columnMean) = (bandMean(bandRows), bandMean(bandColumns))
        func ghostToSignal(_ mean: Double?) -> Double? { mean.map { ($0 - noiseFloor) / foregroundMean } }
        let (phaseEncodeMean, readoutMean): (Double?, Double?) =
            switch phaseEncode {
            case .row: (rowMean, columnMean)
            case .column: (columnMean, rowMean)
            case nil: (nil, nil)
            }
        let ghostRatio: Double? =
            if let phaseEncodeMean, let readoutMean, readoutMean > 0 { phaseEncodeMean / readoutMean } else { nil }

        return SliceQuality(
            snr: foregroundMean / sigma, cnr: cnr, efc: entropyFocusCriterion(magnitude), fber: fber,
            ghostToSignalAlongPhaseEncode: ghostToSignal(phaseEncodeMean),
            ghostToSignalAlongReadout: ghostToSignal(readoutMean), ghostRatio: ghostRatio,
            ghostToSignalAlongRows: ghostToSignal(rowMean), ghostToSignalAlongColumns: ghostToSignal(columnMean),
            backgroundNoise: sigma, foregroundMean: foregroundMean,
            foregroundFraction: Double(foreground.count) / Double(values.count))
    }

    /// σ per real channel from the air, by robust order statistics under the same noise
    /// models as std/0.655 (magnitude: Rayleigh) and the plain std (signed: Gaussian):
    /// - magnitude: median / √(2 ln 2), the median of a Rayleigh distribution being 1.1774σ;
    /// - signed: 1.4826 × the median absolute deviation from the median.
    ///
    /// Why not the std itself: air in real and simulated images holds ghosts, Gibbs ringing
    /// from the chest wall and wrap from anatomy cut at the FOV edge, all heavy-tailed. On the
    /// simulator's still slices std/0.655 overestimated σ by 25–110 %, the median by ~12 %.
    static func noiseSigma(_ background: [Float], isSigned: Bool) throws(SliceQualityError) -> Double {
        let median = ImageStatistics.percentile(background, 50)
        let sigma: Double
        if isSigned {
            let mad = ImageStatistics.percentile(background.map { abs($0 - Float(median)) }, 50)
            sigma = 1.4826 * mad
        } else {
            sigma = median / (2 * log(2.0)).squareRoot()
        }
        guard sigma > 0 else { throw .backgroundWithoutNoise(value: Float(median)) }
        return sigma
    }

    /// EFC = Σ (xⱼ/B) ln(xⱼ/B) with B = √Σxⱼ² (the image energy), divided by its value for
    /// the same energy spread evenly over all N pixels, √N · ln(1/√N): 0 = all energy in one
    /// pixel, 1 = perfectly uniform.
    static func entropyFocusCriterion(_ magnitude: [Float]) -> Double {
        let energy = magnitude.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard energy > 0 else { return 0 }
        var entropy = 0.0
        for x in magnitude where x > 0 {
            let share = Double(x) / energy
            entropy += share * log(share)
        }
        let n = Double(magnitude.count)
        let uniform = n.squareRoot() * log(1 / n.squareRoot())
        return entropy / uniform
    }
}
