/// The body and the air around it, estimated from the pixels alone (no masks come with
/// clinical images).
///
/// 1. Smooth the values with a box filter applied twice (close to a Gaussian), so noise in
///    the air does not fragment the threshold.
/// 2. Otsu's threshold on the smoothed image, over the range from its minimum up to its 99.5th
///    percentile so a few very bright pixels (fat, a flow artefact) do not squeeze the
///    histogram.
/// 3. Keep the largest 4-connected bright region (the body; disconnected ghost blobs in the
///    air are dropped).
/// 4. Close it over the dark tissue inside (lungs, nulled myocardium) as ``Enclosure`` says.
///
/// Every step is invariant to a positive linear rescaling of the values, so two vendors'
/// scalings of one image give the same mask.
public enum BodyMask {
    /// How the largest bright region is closed over the dark tissue it encloses.
    public enum Enclosure: Sendable, Hashable {
        /// Fill the holes: whatever the region encloses. A lung that reaches the image edge
        /// (the field of view cutting through the chest) stays outside. Enough to take
        /// intensity percentiles of the patient rather than of the air.
        case filledHoles
        /// The region's convex hull (``MaskMorphology/convexHull(of:rows:columns:)``): also
        /// covers lung open to the image edge, at worst giving up some air (between an arm and
        /// the chest) — the safer side when the air outside is measured as noise.
        case convexHull
    }

    /// The body, or nil when the image has no foreground (flat after smoothing, or nothing
    /// above the threshold).
    /// - Parameters:
    ///   - values: `rows × columns` magnitudes, row-major (|value| for signed images).
    ///   - smoothingRadius: the box filter's half-width, pixels.
    public static func estimate(
        _ values: [Float], rows: Int, columns: Int, smoothingRadius: Int, enclosure: Enclosure
    ) -> [Bool]? {
        var smoothed = ImageFilters.boxBlur(values, rows: rows, columns: columns, radius: smoothingRadius, precision: .double)
        smoothed = ImageFilters.boxBlur(smoothed, rows: rows, columns: columns, radius: smoothingRadius, precision: .double)
        guard !smoothed.isEmpty else { return nil }
        let (low, high) = (Double(smoothed.min() ?? 0), ImageStatistics.percentile(smoothed, 99.5))
        guard high > low else { return nil }
        let threshold = Float(ImageStatistics.otsuThreshold(smoothed, range: low...high))
        let bright = smoothed.map { $0 > threshold }
        guard let largest = MaskMorphology.largestComponent(bright, rows: rows, columns: columns) else { return nil }
        switch enclosure {
        case .filledHoles: return MaskMorphology.fillingHoles(largest, rows: rows, columns: columns)
        case .convexHull: return MaskMorphology.convexHull(of: largest, rows: rows, columns: columns)
        }
    }
}
