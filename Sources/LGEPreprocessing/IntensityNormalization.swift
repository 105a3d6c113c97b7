import LGEImageAnalysis

/// How raw scanner values become network input values, comparable across vendors.
///
/// Scanners scale pixel values arbitrarily (receiver gain, Rescale Slope/Intercept, vendor
/// conventions), so only relative levels within one image carry meaning. The reference
/// levels are percentiles of the body (air excluded), which makes the result independent
/// of how much air is in the field of view.
public struct IntensityNormalization: Sendable, Hashable, Codable {
    public enum Method: String, Sendable, Hashable, Codable {
        /// Percentile-based, chosen by reconstruction:
        /// - magnitude: (v − p_lower) / (p_upper − p_lower), so the darkest body tissue (lung,
        ///   nulled myocardium) sits near 0 and bright blood, fat and enhancement near 1;
        ///   invariant to any positive linear rescaling a vendor applies.
        /// - signed (PSIR): v / p_upper(|v|), keeping the sign and zero, so enhancement and
        ///   blood are positive, nulled myocardium near 0, and below-null tissue negative on
        ///   every vendor; invariant to a positive rescaling.
        case robust
        /// Values pass through unchanged (already normalised data, or tests of geometry).
        case none
    }

    public var method: Method
    /// Lower reference percentile of the body for magnitude images.
    public var lowerPercentile: Double
    /// Upper reference percentile of the body: high enough to be bright tissue, low enough
    /// that a few hot pixels (flow artefact, a coil element) do not set the scale.
    public var upperPercentile: Double
    /// Output range for magnitude images: a little below 0 keeps the noise floor's spread,
    /// and above 1 the brightest 0.5 % of tissue, before they are clipped.
    public var magnitudeClip: ClosedRange<Float>
    /// Output range for signed images.
    public var signedClip: ClosedRange<Float>

    public init(
        method: Method = .robust, lowerPercentile: Double = 1, upperPercentile: Double = 99.5,
        magnitudeClip: ClosedRange<Float> = -0.5...1.5, signedClip: ClosedRange<Float> = -1.5...1.5
    ) {
        self.method = method
        self.lowerPercentile = lowerPercentile
        self.upperPercentile = upperPercentile
        self.magnitudeClip = magnitudeClip
        self.signedClip = signedClip
    }

    /// The linear map for one image.
    /// - Parameter body: the pixels the percentiles are taken from (non-empty).
    func scale(body: [Float], image: [Float], isSigned: Bool) -> IntensityScale {
        switch method {
        case .none:
            return IntensityScale(offset: 0, divisor: 1, isSigned: isSigned)
        case .robust where isSigned:
            var divisor = ImageStatistics.percentile(body.map(abs), upperPercentile)
            // A body with almost no signal above zero: fall back to the largest |value|,
            // which is positive because the image is not constant.
            if !(divisor > 0) { divisor = Double(image.lazy.map(abs).max() ?? 1) }
            return IntensityScale(offset: 0, divisor: divisor, isSigned: true)
        case .robust:
            let levels = ImageStatistics.percentiles(body, [lowerPercentile, upperPercentile])
            var (low, high) = (levels[0], levels[1])
            // A body of (nearly) one value, e.g. a binary phantom: use the image's range.
            if !(high > low) { (low, high) = (Double(image.min()!), Double(image.max()!)) }
            return IntensityScale(offset: low, divisor: high - low, isSigned: false)
        }
    }

    func clip(isSigned: Bool) -> ClosedRange<Float>? {
        method == .none ? nil : (isSigned ? signedClip : magnitudeClip)
    }
}

/// The linear map applied to one image: output = (value − offset) / divisor.
public struct IntensityScale: Sendable, Hashable, Codable {
    /// Raw value mapped to 0 (p_lower of the body for magnitude; 0 for signed images).
    public var offset: Double
    /// Raw value span mapped to 1 (p_upper − p_lower, or p_upper of |value| for signed images).
    public var divisor: Double
    /// Whether the sign of the raw values was kept (PSIR).
    public var isSigned: Bool

    public init(offset: Double, divisor: Double, isSigned: Bool) {
        self.offset = offset
        self.divisor = divisor
        self.isSigned = isSigned
    }

    public func apply(_ value: Float) -> Float { Float((Double(value) - offset) / divisor) }

    /// Back to raw scanner units.
    public func invert(_ value: Float) -> Float { Float(Double(value) * divisor + offset) }
}
