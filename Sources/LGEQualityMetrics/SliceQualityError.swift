/// Why a slice's quality could not be measured. Every case names what was wrong with the
/// input; the metrics never fall back to a made-up number.
public enum SliceQualityError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The image is smaller than the smallest grid on which the statistics mean anything.
    case imageTooSmall(rows: Int, columns: Int, minimum: Int)
    /// Some pixels are NaN or infinite (a broken reconstruction or a bad rescale).
    case nonFiniteValues(count: Int)
    /// Every pixel is zero: an empty frame, not an image.
    case allZero
    /// Every pixel has the same value, so there is no object to tell from the background.
    case uniform(value: Float)
    /// No body could be separated from the air around it.
    case noForeground
    /// Too little air outside the body to measure noise and ghosts in (the body fills the
    /// field of view, or the image was cropped to the anatomy).
    case noBackground(pixels: Int, required: Int)
    /// The air around the body is exactly constant: the scanner (or an export step) masked
    /// the background, so the noise level, and with it SNR and CNR, cannot be known.
    case backgroundWithoutNoise(value: Float)

    public var description: String {
        switch self {
        case let .imageTooSmall(rows, columns, minimum):
            "image is \(rows)×\(columns) pixels; quality metrics need at least \(minimum)×\(minimum)"
        case let .nonFiniteValues(count):
            "image has \(count) NaN or infinite pixel value(s); check the reconstruction and Rescale Slope/Intercept"
        case .allZero:
            "every pixel is zero: there is no image to measure"
        case let .uniform(value):
            "every pixel equals \(value): no body can be told from the background"
        case .noForeground:
            "no body could be separated from the background (no connected bright region)"
        case let .noBackground(pixels, required):
            "only \(pixels) background (air) pixel(s) outside the body, \(required) needed: "
                + "the body fills the field of view, so noise and ghosting cannot be measured"
        case let .backgroundWithoutNoise(value):
            "the background is exactly \(value) everywhere: it was masked by the scanner or an export step, "
                + "so the noise level (and SNR, CNR) cannot be measured"
        }
    }
}
