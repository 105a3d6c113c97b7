import LGEDICOM
import LGEImageAnalysis

/// Turns one slice's raw values into the classifier's input: a square grid of fixed pixel
/// spacing and size, with vendor-independent intensities.
///
/// 1. Intensity normalisation (``IntensityNormalization``) from percentiles of the body on
///    the original grid, before any padding, so zero padding means "darkest body tissue"
///    (magnitude) or "zero signal" (PSIR) on every vendor.
/// 2. Resampling to ``targetPixelSpacing`` about the centre of the field of view: bilinear
///    when upsampling, an area (box) prefilter when downsampling, so noise does not alias.
/// 3. Centre-crop or zero-pad to ``outputSize`` — the FOV centre stays the output centre.
///    The heart is not assumed to be centred; at the defaults (2 mm, 128 px = 256 mm) a
///    typical 300–380 mm cardiac FOV loses only its outer margin of chest wall and air.
/// 4. Clipping to the normalisation's range.
///
/// Deterministic: the same input and configuration give bit-identical output.
public struct SlicePreprocessor: Sendable, Hashable, Codable {
    /// Output pixel spacing, mm (isotropic).
    public var targetPixelSpacing: Double
    /// Output rows and columns.
    public var outputSize: Int
    public var normalization: IntensityNormalization
    /// Whether column-encoded images are turned so phase encode runs along rows (``PhaseEncodeAlignment``).
    public var phaseEncodeAlignment: PhaseEncodeAlignment

    /// The field of view assumed when a header lacks PixelSpacing: 360 mm over the longer
    /// side, a typical cardiac FOV.
    public static let assumedFieldOfView = 360.0

    /// The classifier's input since model 0.2: 1.4 mm, 176 px (246 mm). 1.4 mm is a typical
    /// acquired LGE resolution, so motion ringing, thin ghosts and 4 mm spots reach the network
    /// unaveraged (a 2 mm grid box-averages them away); 246 mm still holds the heart with its
    /// surroundings wherever a technologist has placed it in a 300–380 mm cardiac FOV.
    public static let classifierInput = SlicePreprocessor(targetPixelSpacing: 1.4, outputSize: 176)

    public init(
        targetPixelSpacing: Double = 2.0, outputSize: Int = 128, normalization: IntensityNormalization = .init(),
        phaseEncodeAlignment: PhaseEncodeAlignment = .asAcquired
    ) {
        self.targetPixelSpacing = targetPixelSpacing
        self.outputSize = outputSize
        self.normalization = normalization
        self.phaseEncodeAlignment = phaseEncodeAlignment
    }

    private enum CodingKeys: String, CodingKey {
        case targetPixelSpacing, outputSize, normalization, phaseEncodeAlignment
    }

    /// Model files written before the alignment existed read as ``PhaseEncodeAlignment/asAcquired``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        targetPixelSpacing = try container.decode(Double.self, forKey: .targetPixelSpacing)
        outputSize = try container.decode(Int.self, forKey: .outputSize)
        normalization = try container.decode(IntensityNormalization.self, forKey: .normalization)
        phaseEncodeAlignment = try container.decodeIfPresent(PhaseEncodeAlignment.self, forKey: .phaseEncodeAlignment) ?? .asAcquired
    }

    /// Prepares one slice.
    /// - Parameters:
    ///   - image: pixel values in physical units (after Rescale Slope/Intercept).
    ///   - pixelSpacing: the header's PixelSpacing; nil assumes ``assumedFieldOfView``.
    ///   - isSigned: true for PSIR (or another real, signed reconstruction).
    ///   - phaseEncode: the header's InPlanePhaseEncodingDirection, for ``phaseEncodeAlignment``.
    public func prepare(
        _ image: PixelImage, pixelSpacing: PixelSpacing?, isSigned: Bool, phaseEncode: PhaseEncodeDirection?
    ) throws(PreprocessingError) -> PreprocessedSlice {
        let turn = phaseEncodeAlignment.turns(phaseEncode)
        let image = turn ? image.quarterTurnedClockwise() : image
        let pixelSpacing = turn ? pixelSpacing?.quarterTurned : pixelSpacing
        guard targetPixelSpacing > 0, targetPixelSpacing.isFinite else {
            throw .invalidConfiguration("target pixel spacing \(targetPixelSpacing) mm must be positive")
        }
        guard outputSize > 0 else { throw .invalidConfiguration("output size \(outputSize) must be positive") }
        let (rows, columns, values) = (image.rows, image.columns, image.values)
        try PreprocessingError.validate(values, rows: rows, columns: columns)
        guard values.contains(where: { $0 != values[0] }) else { throw .constantImage(value: values[0]) }

        let (spacing, assumed) = Self.effectiveSpacing(pixelSpacing, rows: rows, columns: columns)

        // Body for the percentiles, smoothed over ~4 mm so noise does not fragment it.
        let radius = max(1, Int((4 / min(spacing.betweenRows, spacing.betweenColumns)).rounded()))
        let mask = BodyMask.estimate(
            isSigned ? values.map(abs) : values, rows: rows, columns: columns, smoothingRadius: radius, enclosure: .filledHoles)
            ?? [Bool](repeating: true, count: values.count)
        var body = zip(values, mask).compactMap { $1 ? $0 : nil }
        if body.isEmpty { body = values }
        let scale = normalization.scale(body: body, image: values, isSigned: isSigned)
        let normalised = normalization.method == .none ? values : values.map(scale.apply)

        var output = Resampler.resample(
            normalised, rows: rows, columns: columns, spacing: (spacing.betweenRows, spacing.betweenColumns),
            outputRows: outputSize, outputColumns: outputSize, outputSpacing: targetPixelSpacing)
        if let clip = normalization.clip(isSigned: isSigned) {
            for i in output.indices { output[i] = min(max(output[i], clip.lowerBound), clip.upperBound) }
        }
        return PreprocessedSlice(
            size: outputSize, pixelSpacing: targetPixelSpacing, values: output, intensity: scale,
            sourcePixelSpacing: spacing, sourcePixelSpacingWasAssumed: assumed)
    }
}

extension SlicePreprocessor {
    /// The header's spacing when usable, else the spacing of ``assumedFieldOfView`` over the larger side.
    static func effectiveSpacing(_ given: PixelSpacing?, rows: Int, columns: Int) -> (PixelSpacing, assumed: Bool) {
        if let given, given.betweenRows > 0, given.betweenColumns > 0, given.betweenRows.isFinite, given.betweenColumns.isFinite {
            return (given, false)
        }
        let side = SlicePreprocessor.assumedFieldOfView / Double(max(rows, columns))
        return (PixelSpacing(betweenRows: side, betweenColumns: side), true)
    }

    /// A label map on the source image's grid (a lesion mask, 0…1) brought onto the classifier's grid by
    /// the same turn, resampling, crop and padding as ``prepare(_:pixelSpacing:isSigned:phaseEncode:)`` gives the
    /// image, so each output value is the fraction of that output pixel the label covers. No intensity step applies.
    public func prepareLabelMap(_ map: PixelImage, pixelSpacing: PixelSpacing?, phaseEncode: PhaseEncodeDirection?) throws(PreprocessingError) -> [Float] {
        let turn = phaseEncodeAlignment.turns(phaseEncode)
        let map = turn ? map.quarterTurnedClockwise() : map
        let pixelSpacing = turn ? pixelSpacing?.quarterTurned : pixelSpacing
        guard targetPixelSpacing > 0, targetPixelSpacing.isFinite, outputSize > 0 else {
            throw .invalidConfiguration("target pixel spacing \(targetPixelSpacing) mm and output size \(outputSize) must be positive")
        }
        try PreprocessingError.validate(map.values, rows: map.rows, columns: map.columns)
        let (spacing, _) = Self.effectiveSpacing(pixelSpacing, rows: map.rows, columns: map.columns)
        return Resampler.resample(
            map.values, rows: map.rows, columns: map.columns, spacing: (spacing.betweenRows, spacing.betweenColumns),
            outputRows: outputSize, outputColumns: outputSize, outputSpacing: targetPixelSpacing)
    }
}

/// A slice ready for the classifier.
public struct PreprocessedSlice: Sendable, Hashable, Codable {
    /// Rows and columns (square).
    public var size: Int
    /// Pixel spacing of `values`, mm.
    public var pixelSpacing: Double
    /// size × size values, row-major, normalised.
    public var values: [Float]
    /// The intensity map that was applied (to report, or to go back to scanner units).
    public var intensity: IntensityScale
    /// The source spacing used, mm.
    public var sourcePixelSpacing: PixelSpacing
    /// True when the header had no usable PixelSpacing and the FOV was assumed.
    public var sourcePixelSpacingWasAssumed: Bool

    public init(
        size: Int, pixelSpacing: Double, values: [Float], intensity: IntensityScale, sourcePixelSpacing: PixelSpacing,
        sourcePixelSpacingWasAssumed: Bool
    ) {
        self.size = size
        self.pixelSpacing = pixelSpacing
        self.values = values
        self.intensity = intensity
        self.sourcePixelSpacing = sourcePixelSpacing
        self.sourcePixelSpacingWasAssumed = sourcePixelSpacingWasAssumed
    }

    /// The values as an image (for augmentation).
    public var image: PixelImage { PixelImage(rows: size, columns: size, values: values) }
}
