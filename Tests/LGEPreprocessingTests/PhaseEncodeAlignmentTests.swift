import Foundation
import LGEDICOM
import Testing

@testable import LGEPreprocessing

@Suite struct PhaseEncodeAlignmentTests {
    let geometryOnly = SlicePreprocessor(targetPixelSpacing: 1.4, outputSize: 64, normalization: IntensityNormalization(method: .none))

    /// A 3 × 2 image whose values say where they were: 10 × row + column.
    let labelled = PixelImage(rows: 3, columns: 2, values: [0, 1, 10, 11, 20, 21])

    @Test func aQuarterTurnClockwiseSendsTheLeftColumnToTheTopRow() {
        let turned = labelled.quarterTurnedClockwise()
        #expect(turned.rows == 2 && turned.columns == 3)
        // The left column, read bottom to top, is the new top row; the right column the bottom row.
        #expect(turned.values == [20, 10, 0, 21, 11, 1])
        var fourTimes = labelled
        for _ in 0..<4 { fourTimes = fourTimes.quarterTurnedClockwise() }
        #expect(fourTimes == labelled)
        let spacing = PixelSpacing(betweenRows: 1.6, betweenColumns: 1.2).quarterTurned
        #expect(spacing.betweenRows == 1.2 && spacing.betweenColumns == 1.6)
    }

    /// A 96 × 80 field (anisotropic pixels) holding one vertical line of ghost-like signal.
    func verticalStreak() -> PixelImage {
        var image = PixelImage(rows: 96, columns: 80, values: [Float](repeating: 0, count: 96 * 80))
        for row in 10..<86 { image[row, 30] = 1 }
        return image
    }

    /// Spread of the signal along rows (up–down) and along columns (left–right), in output pixels.
    func extent(_ values: [Float], size: Int) -> (vertical: Double, horizontal: Double) {
        var (sum, r, c, rr, cc) = (0.0, 0.0, 0.0, 0.0, 0.0)
        for (i, v) in values.enumerated() where v > 0 {
            let (y, x, w) = (Double(i / size), Double(i % size), Double(v))
            sum += w; r += w * y; c += w * x; rr += w * y * y; cc += w * x * x
        }
        return ((rr / sum - (r / sum) * (r / sum)).squareRoot(), (cc / sum - (c / sum) * (c / sum)).squareRoot())
    }

    @Test func alongRowsTurnsColumnEncodedImagesSoTheirGhostsRunLeftToRight() throws {
        let aligned = SlicePreprocessor(
            targetPixelSpacing: 1.4, outputSize: 64, normalization: IntensityNormalization(method: .none), phaseEncodeAlignment: .alongRows)
        let spacing = PixelSpacing(betweenRows: 1.2, betweenColumns: 1.6)
        // Phase encode along columns: the streak (a ghost's direction) runs up–down as acquired ...
        let acquired = try geometryOnly.prepare(verticalStreak(), pixelSpacing: spacing, isSigned: false, phaseEncode: .column)
        let a = extent(acquired.values, size: 64)
        #expect(a.vertical > 10 * a.horizontal, "\(a)")
        // ... and left–right once aligned, at the same physical length (76 rows of 1.2 mm, about 65 px of 1.4 mm).
        let turned = try aligned.prepare(verticalStreak(), pixelSpacing: spacing, isSigned: false, phaseEncode: .column)
        let t = extent(turned.values, size: 64)
        #expect(t.horizontal > 10 * t.vertical, "\(t)")
        #expect(abs(t.horizontal - a.vertical) < 0.5, "\(t) \(a)")
        // Exactly the preprocessing of the image turned by hand.
        let byHand = try geometryOnly.prepare(verticalStreak().quarterTurnedClockwise(), pixelSpacing: spacing.quarterTurned, isSigned: false, phaseEncode: nil)
        #expect(turned.values == byHand.values)
        // Row-encoded images, and images whose direction is unknown, are left as acquired.
        for direction in [PhaseEncodeDirection.row, nil] {
            let kept = try aligned.prepare(verticalStreak(), pixelSpacing: spacing, isSigned: false, phaseEncode: direction)
            #expect(kept.values == acquired.values)
        }
    }

    @Test func aLesionMapTurnsWithItsImage() throws {
        let aligned = SlicePreprocessor(
            targetPixelSpacing: 1.4, outputSize: 64, normalization: IntensityNormalization(method: .none), phaseEncodeAlignment: .alongRows)
        var spot = PixelImage(rows: 96, columns: 80, values: [Float](repeating: 0, count: 96 * 80))
        for row in 20..<24 { for column in 60..<64 { spot[row, column] = 1 } }
        let spacing = PixelSpacing(betweenRows: 1.4, betweenColumns: 1.4)
        let image = try aligned.prepare(spot, pixelSpacing: spacing, isSigned: false, phaseEncode: .column)
        let map = try aligned.prepareLabelMap(spot, pixelSpacing: spacing, phaseEncode: .column)
        #expect(map == image.values)
        #expect(map != (try geometryOnly.prepareLabelMap(spot, pixelSpacing: spacing, phaseEncode: .column)))
    }

    @Test func modelFilesWrittenBeforeTheAlignmentReadAsAcquired() throws {
        var legacy = try JSONSerialization.jsonObject(with: JSONEncoder().encode(SlicePreprocessor.classifierInput)) as! [String: Any]
        #expect(legacy["phaseEncodeAlignment"] as? String == "as-acquired")
        legacy["phaseEncodeAlignment"] = nil
        let read = try JSONDecoder().decode(SlicePreprocessor.self, from: JSONSerialization.data(withJSONObject: legacy))
        #expect(read == SlicePreprocessor.classifierInput && read.phaseEncodeAlignment == .asAcquired)
        var aligned = SlicePreprocessor.classifierInput
        aligned.phaseEncodeAlignment = .alongRows
        #expect(try JSONDecoder().decode(SlicePreprocessor.self, from: JSONEncoder().encode(aligned)) == aligned)
    }
}
