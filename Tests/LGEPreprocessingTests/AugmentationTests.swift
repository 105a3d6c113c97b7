import Foundation
import LGEDICOM
import LGERandom
import Testing

@testable import LGEPreprocessing

@Suite struct AugmentationTests {
    /// A normalised-looking image with structure everywhere (so any change shows).
    var image: PixelImage {
        var random = SeededGenerator(seed: 11)
        return PixelImage(rows: 64, columns: 64, values: (0..<4096).map { _ in Float(random.uniform(0...1) * 2 - 0.5) })
    }

    func dotImage(row: Int, column: Int) -> PixelImage {
        var dot = PixelImage(rows: 64, columns: 64, values: [Float](repeating: 0, count: 4096))
        dot[row, column] = 1
        return dot
    }

    @Test func aSeedReproducesAnAugmentationExactly() throws {
        var g1 = SeededGenerator(seed: 42), g2 = SeededGenerator(seed: 42), g3 = SeededGenerator(seed: 43)
        let a = try Augmentation().apply(to: image, using: &g1)
        let b = try Augmentation().apply(to: image, using: &g2)
        let c = try Augmentation().apply(to: image, using: &g3)
        #expect(a == b)
        #expect(a != c)
        #expect(a != image)
    }

    @Test func wholePixelWarpsKeepAPixelByPixelPatternIntact() throws {
        // Motion ringing alternates pixel by pixel; an interpolating warp averages it away.
        let checkerboard = PixelImage(rows: 64, columns: 64, values: (0..<4096).map { ($0 / 64 + $0 % 64) % 2 == 0 ? 1 : -1 })
        var wholePixel = Augmentation(gammaRange: 1...1, maximumBiasField: 0, noiseStandardDeviation: 0...0)
        wholePixel.wholePixelWarpProbability = 1
        var interpolated = wholePixel
        interpolated.wholePixelWarpProbability = 0
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<20 {
            let drawn = wholePixel.sample(rows: 64, columns: 64, using: &generator)
            #expect(drawn.rotation == 0 && drawn.scale == 1)
            #expect(drawn.translationRows == drawn.translationRows.rounded() && drawn.translationColumns == drawn.translationColumns.rounded())
            // Every pixel is still ±1 (or the 0 fill brought in from outside).
            #expect(try drawn.apply(to: checkerboard).values.allSatisfy { $0 == 1 || $0 == -1 || $0 == 0 })
        }
        let blurred = try interpolated.apply(to: checkerboard, using: &generator)
        #expect(blurred.values.contains { $0 != 1 && $0 != -1 && $0 != 0 })
        var invalid = Augmentation()
        invalid.wholePixelWarpProbability = 1.5
        #expect(throws: PreprocessingError.self) { try invalid.validate() }
    }

    @Test func aLabelMapFollowsItsImageThroughTheWarpAndKeepsItsValues() throws {
        // A bright square on a dark image, and its mask.
        var mask = PixelImage(rows: 64, columns: 64, values: [Float](repeating: 0, count: 4096))
        for r in 20..<30 { for c in 36..<46 { mask[r, c] = 1 } }
        let image = PixelImage(rows: 64, columns: 64, values: mask.values.map { 0.1 + 2 * $0 })
        var random = SeededGenerator(seed: 5)
        for _ in 0..<20 {
            let drawn = Augmentation().sample(rows: 64, columns: 64, using: &random)
            let geometry = drawn.geometryOnly
            #expect(geometry.gamma == 1 && geometry.noiseStandardDeviation == 0 && geometry.biasField.amplitude == 0)
            #expect(geometry.rotation == drawn.rotation && geometry.scale == drawn.scale && geometry.flipVertical == drawn.flipVertical)
            let warpedImage = try drawn.apply(to: image), warpedMask = try geometry.apply(to: mask)
            // Fractions stay fractions, and the square's centre of mass lands in the same place in both.
            #expect(warpedMask.values.allSatisfy { (0...1.0001).contains($0) })
            func centre(_ weights: [Float]) -> (Double, Double) {
                var (sum, r, c) = (0.0, 0.0, 0.0)
                for (i, w) in weights.enumerated() where w > 0 { sum += Double(w); r += Double(w) * Double(i / 64); c += Double(w) * Double(i % 64) }
                return (r / sum, c / sum)
            }
            let bright = warpedImage.values.map { $0 > 1 ? Float(1) : 0 }
            let (a, b) = (centre(bright), centre(warpedMask.values))
            #expect(abs(a.0 - b.0) < 1 && abs(a.1 - b.1) < 1, "image square at \(a), mask at \(b)")
        }
    }

    @Test func theIdentityConfigurationChangesNothing() throws {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<3 { #expect(try Augmentation.identity.apply(to: image, using: &generator) == image) }
        // The warp itself is exact when it does nothing.
        #expect(AugmentationParameters.identity.warp(image) == image)
    }

    @Test func translationMovesContentByWholePixels() throws {
        let moved = try AugmentationParameters(translationRows: -4, translationColumns: 10).apply(to: dotImage(row: 20, column: 30))
        #expect(moved[16, 40] == 1)
        #expect(moved.values.reduce(0, +) == 1)
    }

    @Test func flipsAreExactMirrors() throws {
        let source = image
        let horizontal = try AugmentationParameters(flipHorizontal: true).apply(to: source)
        let vertical = try AugmentationParameters(flipVertical: true).apply(to: source)
        for r in 0..<64 {
            for c in 0..<64 {
                #expect(horizontal[r, c] == source[r, 63 - c])
                #expect(vertical[r, c] == source[63 - r, c])
            }
        }
    }

    @Test func rotationTurnsCounterClockwiseAsDisplayed() throws {
        // 90° CCW about the centre (31.5, 31.5): a dot right of centre goes above it.
        let turned = try AugmentationParameters(rotation: 90).apply(to: dotImage(row: 31, column: 45))
        let peak = turned.values.indices.max { turned.values[$0] < turned.values[$1] }!
        #expect(peak / 64 == 18 && peak % 64 == 31, "dot at \(peak / 64), \(peak % 64)")
        #expect(abs(turned.values.reduce(0, +) - 1) < 1e-4)
    }

    @Test func zoomAboutTheCentre() throws {
        let zoomed = try AugmentationParameters(scale: 2).apply(to: dotImage(row: 31, column: 41))
        // 9.5 px right of the centre becomes 19 px.
        let centroid = zoomed.values.enumerated().reduce(0.0) { $0 + Double($1.element) * Double($1.offset % 64) }
            / Double(zoomed.values.reduce(0, +))
        #expect(abs(centroid - (31.5 + 19)) < 0.6)
    }

    @Test func gammaActsOnMagnitudeAndKeepsTheSign() throws {
        let signed = PixelImage(rows: 1, columns: 4, values: [-0.5, -0.25, 0.25, 0.5])
        let out = try AugmentationParameters(gamma: 2).apply(to: signed)
        #expect(out.values == [-0.25, -0.0625, 0.0625, 0.25])
    }

    @Test func biasFieldStaysWithinItsAmplitude() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<20 {
            let parameters = Augmentation().sample(rows: 64, columns: 64, using: &generator)
            let field = parameters.biasField.values(rows: 64, columns: 64)
            let amplitude = Float(parameters.biasField.amplitude)
            #expect(amplitude <= 0.2)
            let departure = field.map { abs($0 - 1) }.max()!
            #expect(abs(departure - amplitude) < 1e-5, "extreme departure \(departure) vs amplitude \(amplitude)")
        }
    }

    @Test func noiseHasTheDrawnStandardDeviation() throws {
        let flat = PixelImage(rows: 128, columns: 128, values: [Float](repeating: 0.5, count: 16384))
        let noisy = try AugmentationParameters(noiseStandardDeviation: 0.03, noiseSeed: 5).apply(to: flat)
        let deviations = noisy.values.map { Double($0) - 0.5 }
        let std = (deviations.reduce(0) { $0 + $1 * $1 } / Double(deviations.count)).squareRoot()
        #expect(abs(std / 0.03 - 1) < 0.05)
    }

    @Test func defaultDrawsStayInTheirRanges() {
        var generator = SeededGenerator(seed: 3)
        let augmentation = Augmentation()
        var flips = 0
        for _ in 0..<200 {
            let p = augmentation.sample(rows: 128, columns: 128, using: &generator)
            #expect(abs(p.rotation) <= 30 && (0.85...1.15).contains(p.scale) && (0.7...1.4).contains(p.gamma))
            #expect(abs(p.translationRows) <= 25.6 && abs(p.translationColumns) <= 25.6)
            #expect((0...0.03).contains(p.noiseStandardDeviation))
            if p.flipHorizontal { flips += 1 }
        }
        #expect(flips > 70 && flips < 130)
    }

    @Test func badInputsAndConfigurationsAreRefused() {
        var generator = SeededGenerator(seed: 1)
        let broken = PixelImage(rows: 2, columns: 2, values: [0, .nan, 1, 2])
        #expect(throws: PreprocessingError.nonFiniteValues(count: 1)) { try Augmentation().apply(to: broken, using: &generator) }
        #expect(throws: PreprocessingError.emptyImage(rows: 0, columns: 0)) {
            try Augmentation().apply(to: PixelImage(rows: 0, columns: 0, values: []), using: &generator)
        }
        var bad = Augmentation()
        bad.scaleRange = 0...1
        #expect(throws: PreprocessingError.self) { try bad.apply(to: image, using: &generator) }
        bad = Augmentation()
        bad.horizontalFlipProbability = 1.5
        #expect(throws: PreprocessingError.self) { try bad.apply(to: image, using: &generator) }
    }

    @Test func configurationAndParametersRoundTripThroughJSON() throws {
        let augmentation = Augmentation()
        #expect(try JSONDecoder().decode(Augmentation.self, from: JSONEncoder().encode(augmentation)) == augmentation)
        var generator = SeededGenerator(seed: 9)
        let parameters = augmentation.sample(rows: 64, columns: 64, using: &generator)
        let decoded = try JSONDecoder().decode(AugmentationParameters.self, from: JSONEncoder().encode(parameters))
        #expect(try decoded.apply(to: image) == parameters.apply(to: image))
    }
}
