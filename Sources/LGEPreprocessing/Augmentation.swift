import Foundation
import LGEDICOM
import LGERandom

/// Random, MR-plausible changes to a normalised training image, so a classifier learns what
/// varies between scanners, patients and planning rather than memorising one look.
///
/// Geometry (flips, rotation, isotropic scale, translation) is one bilinear warp about the
/// image centre; then intensity: a gamma on |value| keeping the sign (so PSIR's signed
/// contrast survives), a smooth multiplicative bias field (coil sensitivity, B1
/// inhomogeneity), and additive Gaussian noise. Expects normalised values
/// (``SlicePreprocessor`` output: about 0…1, or −1…1 for PSIR); noise is in those units.
///
/// Every draw comes from the generator passed in, so one seed reproduces an augmentation
/// exactly (use `SeededGenerator` from LGERandom for a stream that is stable across platforms).
public struct Augmentation: Sendable, Hashable, Codable {
    /// Chance of a left–right mirror. Mirroring swaps the RV to the other side, which never
    /// happens on a scanner, but the quality cues (ghosts, nulling, blur) do not depend on
    /// handedness, and vendors differ in display orientation anyway.
    public var horizontalFlipProbability: Double
    /// Chance of an up–down mirror (same reasoning).
    public var verticalFlipProbability: Double
    /// Largest rotation either way, degrees. 30° covers how differently planners and vendors
    /// orient the short axis in the image; ±180° would also be defensible for quality cues,
    /// but keeps fewer images looking like anything a reader sees.
    public var maximumRotation: Double
    /// Isotropic zoom range: 0.85–1.15 covers heart size and FOV differences left after
    /// resampling to a fixed pixel spacing.
    public var scaleRange: ClosedRange<Double>
    /// Largest shift either way along each axis, as a fraction of the field of view: 20 %
    /// teaches the network that the heart need not be centred.
    public var maximumTranslation: Double
    /// Gamma range, drawn log-uniformly (so 0.7 and 1.4 are equally likely departures from 1).
    public var gammaRange: ClosedRange<Double>
    /// Largest departure of the bias field from 1 (0.2 = ±20 %): a second-order polynomial
    /// over the image, like surface-coil shading without intensity correction.
    public var maximumBiasField: Double
    /// Range of the additive noise standard deviation, in normalised units.
    public var noiseStandardDeviation: ClosedRange<Double>
    /// Value for pixels the warp brings in from outside the image (0 = the padding of
    /// ``SlicePreprocessor``).
    public var fillValue: Float
    /// Chance that the warp keeps to whole pixels: flips and a shift rounded to pixels, no
    /// rotation or zoom. Interpolation is a low-pass filter (bilinear at a half-pixel offset
    /// erases a pattern alternating pixel by pixel), and the finest artefacts — the ringing of
    /// motion during the shots, thin ghosts, a 4 mm spot — live at the highest spatial
    /// frequencies; at inference the network sees them unblurred, so it must in training too.
    public var wholePixelWarpProbability: Double

    public init(
        horizontalFlipProbability: Double = 0.5, verticalFlipProbability: Double = 0.5, maximumRotation: Double = 30,
        scaleRange: ClosedRange<Double> = 0.85...1.15, maximumTranslation: Double = 0.2,
        gammaRange: ClosedRange<Double> = 0.7...1.4, maximumBiasField: Double = 0.2,
        noiseStandardDeviation: ClosedRange<Double> = 0...0.03, fillValue: Float = 0,
        wholePixelWarpProbability: Double = 0.5
    ) {
        self.horizontalFlipProbability = horizontalFlipProbability
        self.verticalFlipProbability = verticalFlipProbability
        self.maximumRotation = maximumRotation
        self.scaleRange = scaleRange
        self.maximumTranslation = maximumTranslation
        self.gammaRange = gammaRange
        self.maximumBiasField = maximumBiasField
        self.noiseStandardDeviation = noiseStandardDeviation
        self.fillValue = fillValue
        self.wholePixelWarpProbability = wholePixelWarpProbability
    }

    /// Changes nothing: every draw is the identity.
    public static let identity = Augmentation(
        horizontalFlipProbability: 0, verticalFlipProbability: 0, maximumRotation: 0, scaleRange: 1...1,
        maximumTranslation: 0, gammaRange: 1...1, maximumBiasField: 0, noiseStandardDeviation: 0...0,
        wholePixelWarpProbability: 0)

    /// Checks the ranges.
    public func validate() throws(PreprocessingError) {
        for (name, p) in [
            ("horizontal flip", horizontalFlipProbability), ("vertical flip", verticalFlipProbability),
            ("whole-pixel warp", wholePixelWarpProbability),
        ]
        where !(0...1).contains(p) {
            throw .invalidConfiguration("\(name) probability \(p) must lie in 0…1")
        }
        guard maximumRotation >= 0, maximumTranslation >= 0, maximumBiasField >= 0, maximumBiasField < 1 else {
            throw .invalidConfiguration("rotation, translation and bias field limits must be ≥ 0 (bias < 1)")
        }
        guard scaleRange.lowerBound > 0, gammaRange.lowerBound > 0, noiseStandardDeviation.lowerBound >= 0 else {
            throw .invalidConfiguration("scale and gamma must be positive and noise non-negative")
        }
    }

    /// Draws one augmentation's parameters for an image of the given size.
    public func sample(rows: Int, columns: Int, using generator: inout some RandomNumberGenerator) -> AugmentationParameters {
        // A fixed number of draws in a fixed order, whatever the ranges, so changing one
        // range does not reshuffle the others.
        func unit() -> Double { Double(generator.next() >> 11) * 0x1p-53 }
        func uniform(_ range: ClosedRange<Double>) -> Double { range.lowerBound + (range.upperBound - range.lowerBound) * unit() }
        let flipHorizontal = unit() < horizontalFlipProbability
        let flipVertical = unit() < verticalFlipProbability
        var rotation = uniform(-maximumRotation...maximumRotation)
        var scale = uniform(scaleRange)
        var translationRows = uniform(-maximumTranslation...maximumTranslation) * Double(rows)
        var translationColumns = uniform(-maximumTranslation...maximumTranslation) * Double(columns)
        let gamma = exp(uniform(log(gammaRange.lowerBound)...log(gammaRange.upperBound)))
        let shape = (0..<BiasField.termCount).map { _ in uniform(-1...1) }
        let bias = BiasField(shape: shape, amplitude: uniform(0...maximumBiasField))
        let noise = uniform(noiseStandardDeviation)
        let noiseSeed = generator.next()
        if unit() < wholePixelWarpProbability {
            (rotation, scale) = (0, 1)
            // Toward zero, so a shift stays within maximumTranslation.
            (translationRows, translationColumns) = (translationRows.rounded(.towardZero), translationColumns.rounded(.towardZero))
        }
        return AugmentationParameters(
            flipHorizontal: flipHorizontal, flipVertical: flipVertical, rotation: rotation, scale: scale,
            translationRows: translationRows, translationColumns: translationColumns, gamma: gamma,
            biasField: bias, noiseStandardDeviation: noise, noiseSeed: noiseSeed, fillValue: fillValue)
    }

    /// Draws parameters and applies them.
    public func apply(
        to image: PixelImage, using generator: inout some RandomNumberGenerator
    ) throws(PreprocessingError) -> PixelImage {
        try validate()
        return try sample(rows: image.rows, columns: image.columns, using: &generator).apply(to: image)
    }
}

/// One drawn augmentation: everything needed to redo it exactly, or to log what was done.
public struct AugmentationParameters: Sendable, Hashable, Codable {
    public var flipHorizontal: Bool
    public var flipVertical: Bool
    /// Degrees, counter-clockwise as displayed (rows running down).
    public var rotation: Double
    /// Isotropic zoom: > 1 enlarges the anatomy.
    public var scale: Double
    /// Shift of the content, pixels: + moves it down.
    public var translationRows: Double
    /// Shift of the content, pixels: + moves it right.
    public var translationColumns: Double
    /// Exponent on |value|, sign kept.
    public var gamma: Double
    public var biasField: BiasField
    /// Additive Gaussian noise, normalised units.
    public var noiseStandardDeviation: Double
    /// Seeds the noise pattern.
    public var noiseSeed: UInt64
    public var fillValue: Float

    public init(
        flipHorizontal: Bool = false, flipVertical: Bool = false, rotation: Double = 0, scale: Double = 1,
        translationRows: Double = 0, translationColumns: Double = 0, gamma: Double = 1, biasField: BiasField = .flat,
        noiseStandardDeviation: Double = 0, noiseSeed: UInt64 = 0, fillValue: Float = 0
    ) {
        self.flipHorizontal = flipHorizontal
        self.flipVertical = flipVertical
        self.rotation = rotation
        self.scale = scale
        self.translationRows = translationRows
        self.translationColumns = translationColumns
        self.gamma = gamma
        self.biasField = biasField
        self.noiseStandardDeviation = noiseStandardDeviation
        self.noiseSeed = noiseSeed
        self.fillValue = fillValue
    }

    /// No change at all.
    public static let identity = AugmentationParameters()

    /// The same warp with no intensity change, noise or fill: what a label map (a lesion mask) must
    /// undergo so that it stays on the augmented image's anatomy.
    public var geometryOnly: AugmentationParameters {
        AugmentationParameters(
            flipHorizontal: flipHorizontal, flipVertical: flipVertical, rotation: rotation, scale: scale,
            translationRows: translationRows, translationColumns: translationColumns)
    }

    /// Whether the warp leaves every pixel where it is.
    public var isGeometricIdentity: Bool {
        !flipHorizontal && !flipVertical && rotation == 0 && scale == 1 && translationRows == 0 && translationColumns == 0
    }

    /// Applies warp, gamma, bias field and noise, in that order.
    public func apply(to image: PixelImage) throws(PreprocessingError) -> PixelImage {
        try PreprocessingError.validate(image.values, rows: image.rows, columns: image.columns)
        guard scale > 0, scale.isFinite, gamma > 0, gamma.isFinite else {
            throw .invalidConfiguration("scale \(scale) and gamma \(gamma) must be positive")
        }
        var output = isGeometricIdentity ? image : warp(image)
        if gamma != 1 {
            let g = Float(gamma)
            for i in output.values.indices {
                let v = output.values[i]
                output.values[i] = v < 0 ? -powf(-v, g) : powf(v, g)
            }
        }
        if biasField.amplitude != 0 { biasField.apply(to: &output) }
        if noiseStandardDeviation > 0 {
            var noise = SeededGenerator(seed: noiseSeed)
            for i in output.values.indices { output.values[i] += Float(noise.gaussian() * noiseStandardDeviation) }
        }
        return output
    }

    /// One bilinear resampling for flips, rotation, zoom and shift together: each output
    /// pixel looks up where it came from through the inverse map, about the image centre.
    func warp(_ image: PixelImage) -> PixelImage {
        let (rows, columns) = (image.rows, image.columns)
        let (centreRow, centreColumn) = (Double(rows - 1) / 2, Double(columns - 1) / 2)
        let angle = rotation * .pi / 180
        // Exact at 0° so flips and shifts land on whole pixels.
        let (c, s) = rotation == 0 ? (1.0, 0.0) : (cos(angle), sin(angle))
        let (flipX, flipY) = (flipHorizontal ? -1.0 : 1.0, flipVertical ? -1.0 : 1.0)
        var output = PixelImage(rows: rows, columns: columns, values: [Float](repeating: fillValue, count: rows * columns))
        image.values.withUnsafeBufferPointer { input in
            output.values.withUnsafeMutableBufferPointer { out in
                func at(_ r: Int, _ c: Int) -> Float {
                    r >= 0 && r < rows && c >= 0 && c < columns ? input[r * columns + c] : fillValue
                }
                for r in 0..<rows {
                    for col in 0..<columns {
                        // Output offset from the centre, shift undone.
                        let x = Double(col) - centreColumn - translationColumns
                        let y = Double(r) - centreRow - translationRows
                        // Forward map is flip, then zoom, then a counter-clockwise (as displayed)
                        // rotation (x' = x cos + y sin, y' = −x sin + y cos with y down); undo in reverse.
                        let rx = (x * c - y * s) / scale, ry = (x * s + y * c) / scale
                        let sourceColumn = centreColumn + rx * flipX, sourceRow = centreRow + ry * flipY
                        let (r0, c0) = (Int(sourceRow.rounded(.down)), Int(sourceColumn.rounded(.down)))
                        let (fr, fc) = (Float(sourceRow - Double(r0)), Float(sourceColumn - Double(c0)))
                        if r0 < -1 || r0 >= rows || c0 < -1 || c0 >= columns { continue }
                        var v = at(r0, c0) * (1 - fr) * (1 - fc)
                        if fc > 0 { v += at(r0, c0 + 1) * (1 - fr) * fc }
                        if fr > 0 { v += at(r0 + 1, c0) * fr * (1 - fc) }
                        if fr > 0 && fc > 0 { v += at(r0 + 1, c0 + 1) * fr * fc }
                        out[r * columns + col] = v
                    }
                }
            }
        }
        return output
    }
}

/// A smooth multiplicative shading: 1 + amplitude · p(x, y) / max|p|, with p a second-order
/// polynomial (x, y, x², xy, y²) over the image scaled to [−1, 1]² — so the field departs
/// from 1 by exactly `amplitude` at its extreme and varies slowly, like coil sensitivity.
public struct BiasField: Sendable, Hashable, Codable {
    static let termCount = 5
    /// Coefficients of x, y, x², xy, y² (any scale; normalised when applied).
    public var shape: [Double]
    /// Largest departure from 1, e.g. 0.2 for ±20 %.
    public var amplitude: Double

    public init(shape: [Double], amplitude: Double) {
        self.shape = shape
        self.amplitude = amplitude
    }

    public static let flat = BiasField(shape: [Double](repeating: 0, count: termCount), amplitude: 0)

    func polynomial(_ x: Double, _ y: Double) -> Double {
        let terms = [x, y, x * x, x * y, y * y]
        return zip(shape, terms).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The field's values on an image grid.
    public func values(rows: Int, columns: Int) -> [Float] {
        func coordinate(_ i: Int, _ n: Int) -> Double { n > 1 ? 2 * Double(i) / Double(n - 1) - 1 : 0 }
        var p = [Double](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns { p[r * columns + c] = polynomial(coordinate(c, columns), coordinate(r, rows)) }
        }
        let peak = p.lazy.map(abs).max() ?? 0
        guard peak > 0 else { return [Float](repeating: 1, count: p.count) }
        return p.map { Float(1 + amplitude * $0 / peak) }
    }

    func apply(to image: inout PixelImage) {
        let field = values(rows: image.rows, columns: image.columns)
        for i in image.values.indices { image.values[i] *= field[i] }
    }
}
