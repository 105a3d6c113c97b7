import LGEImageAnalysis

/// The body and the air around it, estimated from the pixels alone (no masks come with
/// clinical images).
///
/// The body is LGEImageAnalysis' ``BodyMask`` closed by its convex hull: lungs and nulled
/// myocardium are dark but belong to the body, and where the field of view cuts through the
/// chest a lung reaches the image edge, so filling enclosed holes is not enough; a torso's
/// cross-section is close to convex, and the hull at worst gives up some air (between an arm
/// and the chest) rather than counting lung as air.
///
/// Background = air at least `margin` pixels from the body, so partial volume and Gibbs
/// ringing at the skin do not count as noise.
struct BodySegmentation {
    let rows: Int
    let columns: Int
    /// Inside the body (the convex hull of the largest bright region).
    let body: [Bool]
    /// Air at least `margin` pixels from the body.
    let background: [Bool]
    /// Rows and columns the body spans (its bounding box).
    let bodyRows: ClosedRange<Int>
    let bodyColumns: ClosedRange<Int>

    init(magnitude: [Float], rows: Int, columns: Int, smoothingRadius: Int, margin: Int) throws(SliceQualityError) {
        self.rows = rows
        self.columns = columns
        guard let body = BodyMask.estimate(
            magnitude, rows: rows, columns: columns, smoothingRadius: smoothingRadius, enclosure: .convexHull)
        else { throw .noForeground }
        self.body = body
        let near = MaskMorphology.dilate(body, rows: rows, columns: columns, radius: margin)
        background = near.map { !$0 }

        var (rowLow, rowHigh, columnLow, columnHigh) = (rows, -1, columns, -1)
        for r in 0..<rows {
            for c in 0..<columns where body[r * columns + c] {
                rowLow = min(rowLow, r); rowHigh = max(rowHigh, r)
                columnLow = min(columnLow, c); columnHigh = max(columnHigh, c)
            }
        }
        guard rowHigh >= 0 else { throw .noForeground }
        bodyRows = rowLow...rowHigh
        bodyColumns = columnLow...columnHigh
    }
}
