import LGEDICOM
import LGEPhysics

extension HeartPhantom {
    /// What ``sample(on:inPlaneSupersampling:throughPlaneSamples:)`` computes, written plainly and
    /// slowly: one ``PhantomLine/label(at:model:)`` per point, neighbours looked up one by one.
    /// Tests hold the fast version to it bit for bit.
    ///
    /// The definition, for every pixel:
    /// - Coarse labels: the label at the pixel centre, or with a slice thickness at the centres of
    ///   the two halves of the slab.
    /// - A pixel is pure when its coarse labels all agree and equal those of its eight neighbours
    ///   (at the plane's edge a missing neighbour counts as the pixel itself). A pure pixel is 1
    ///   for its label's tissue and 0 for the others.
    /// - Otherwise it is mixed: the `inPlaneSupersampling`² × (`throughPlaneSamples` or 1)
    ///   sub-samples are labelled and each tissue gets count × weight.
    ///
    /// Every point is classified on lines parallel to the rows, `start + t·columnStep` with t in
    /// columns, whose start is built with the same arithmetic as in `sample`, so the two agree
    /// exactly, not just up to rounding.
    func referenceSample(
        on plane: SliceGeometry, inPlaneSupersampling: Int = 2, throughPlaneSamples: Int = 3
    ) -> TissueFractions {
        let rows = max(plane.rows, 0)
        let columns = max(plane.columns, 0)
        let model = self.model
        let pattern = SubSamplePattern(plane: plane, inPlaneSupersampling: inPlaneSupersampling, throughPlaneSamples: throughPlaneSamples)
        let (alongRow, downColumn, across, coarseAcross, weight) =
            (pattern.alongRow, pattern.downColumn, pattern.across, pattern.coarseAcross, pattern.weight)
        func label(row: Int, down: Double, across: Double, t: Double) -> Label {
            let start = pattern.lineStart(row: row, down: down, across: across)
            return model.line(start: start, step: pattern.columnStep).label(at: t, model: model)
        }

        // nil: the pixel's own coarse labels disagree.
        var own = [[Label?]](repeating: [Label?](repeating: nil, count: columns), count: rows)
        for row in 0..<rows {
            for column in 0..<columns {
                let labels = coarseAcross.map { label(row: row, down: 0, across: $0, t: Double(column)) }
                own[row][column] = labels.allSatisfy { $0 == labels[0] } ? labels[0] : nil
            }
        }

        var maps = [[Float]](repeating: [Float](repeating: 0, count: rows * columns), count: Tissue.allCases.count)
        func mapIndex(_ label: Label) -> Int { Tissue.allCases.firstIndex(of: label.tissue)! }
        for row in 0..<rows {
            for column in 0..<columns {
                let pixel = row * columns + column
                var pure = own[row][column]
                for dr in -1...1 {
                    for dc in -1...1 {
                        let r = min(max(row + dr, 0), rows - 1)
                        let c = min(max(column + dc, 0), columns - 1)
                        if own[r][c] != pure { pure = nil }
                    }
                }
                if let pure {
                    maps[mapIndex(pure)][pixel] = 1
                    continue
                }
                var counts = [Label: Int]()
                for offset in across {
                    for down in downColumn {
                        for along in alongRow {
                            counts[label(row: row, down: down, across: offset, t: Double(column) + along), default: 0] += 1
                        }
                    }
                }
                for (label, count) in counts { maps[mapIndex(label)][pixel] = Float(count) * weight }
            }
        }
        return TissueFractions(rows: rows, columns: columns, maps: maps)
    }
}
