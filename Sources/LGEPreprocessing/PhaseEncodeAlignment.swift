import LGEDICOM

/// How the classifier's input is turned with respect to the acquisition's phase-encode direction.
///
/// Respiratory ghosts, ghosts from irregular beats and motion ringing all run along phase encode.
/// A network trained on centres that encode along rows learns them running left–right, and then
/// misses them at a centre that encodes along columns, where they run up–down. Turning every
/// column-encoded image a quarter turn puts those artifacts the way the network learned them; the
/// heart then lies on its side, which training must also show (column-encoded training exams,
/// `lgeqa simulate cohort --phase-encode mixed`).
public enum PhaseEncodeAlignment: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every image as acquired (the only choice before model 0.4).
    case asAcquired = "as-acquired"
    /// An image phase-encoded along columns is turned a quarter turn clockwise, so phase encode runs
    /// left–right in every input. Images whose direction is unknown (no header, EMIDEC) stay as they are.
    case alongRows = "along-rows"

    /// Whether an image encoded along `direction` is turned.
    public func turns(_ direction: PhaseEncodeDirection?) -> Bool {
        self == .alongRows && direction == .column
    }
}

extension PixelImage {
    /// The image turned a quarter turn clockwise: its first column becomes its first row, read bottom to top.
    public func quarterTurnedClockwise() -> PixelImage {
        var turned = [Float](repeating: 0, count: values.count)
        for row in 0..<rows {
            for column in 0..<columns {
                turned[column * rows + (rows - 1 - row)] = values[row * columns + column]
            }
        }
        return PixelImage(rows: columns, columns: rows, values: turned)
    }
}

extension PixelSpacing {
    /// The spacing of the image turned a quarter turn: rows and columns trade places.
    public var quarterTurned: PixelSpacing { PixelSpacing(betweenRows: betweenColumns, betweenColumns: betweenRows) }
}
