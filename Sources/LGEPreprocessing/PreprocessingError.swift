/// Why a slice could not be prepared or augmented. Each case says what was wrong with the
/// input or the configuration, never substituting a guess.
public enum PreprocessingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The image has no pixels.
    case emptyImage(rows: Int, columns: Int)
    /// Some pixels are NaN or infinite (a broken reconstruction or a bad rescale).
    case nonFiniteValues(count: Int)
    /// Every pixel has the same value: there is nothing to normalise.
    case constantImage(value: Float)
    /// A configuration value is out of its meaningful range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .emptyImage(rows, columns):
            "image is \(rows)×\(columns): there are no pixels to prepare"
        case let .nonFiniteValues(count):
            "image has \(count) NaN or infinite pixel value(s); check the reconstruction and Rescale Slope/Intercept"
        case let .constantImage(value):
            "every pixel equals \(value): the image has no contrast to normalise"
        case let .invalidConfiguration(reason):
            "invalid configuration: \(reason)"
        }
    }

    /// Checks that an image has pixels, all of them finite.
    static func validate(_ values: [Float], rows: Int, columns: Int) throws(PreprocessingError) {
        guard rows > 0, columns > 0, !values.isEmpty else { throw .emptyImage(rows: rows, columns: columns) }
        let nonFinite = values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        guard nonFinite == 0 else { throw .nonFiniteValues(count: nonFinite) }
    }
}
