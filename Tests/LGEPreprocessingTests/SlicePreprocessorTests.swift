import Foundation
import LGEDICOM
import LGERandom
import Testing

@testable import LGEPreprocessing

@Suite struct SlicePreprocessorTests {
    let geometryOnly = SlicePreprocessor(normalization: IntensityNormalization(method: .none))

    func dot(rows: Int, columns: Int, at points: [(Int, Int)]) -> PixelImage {
        var image = PixelImage(rows: rows, columns: columns, values: [Float](repeating: 0, count: rows * columns))
        for (r, c) in points { image[r, c] = 1 }
        return image
    }

    func centroid(_ values: [Float], size: Int) -> (row: Double, column: Double) {
        var (sum, r, c) = (0.0, 0.0, 0.0)
        for (i, v) in values.enumerated() {
            sum += Double(v); r += Double(v) * Double(i / size); c += Double(v) * Double(i % size)
        }
        return (r / sum, c / sum)
    }

    /// A chest-like magnitude image: an elliptical body of several tissue levels on Rayleigh noise.
    func chest(seed: UInt64, signed: Bool = false) -> PixelImage {
        var random = SeededGenerator(seed: seed)
        let size = 160
        let values = (0..<size * size).map { i -> Float in
            let (y, x) = (Double(i / size) - 80, Double(i % size) - 70)
            var signal = 0.0
            if (x / 60) * (x / 60) + (y / 45) * (y / 45) < 1 { signal = 300 }
            if (x - 20) * (x - 20) + y * y < 20 * 20 { signal = signed ? -150 : 40 }  // nulled myocardium / below null
            if (x - 20) * (x - 20) + y * y < 12 * 12 { signal = 900 }  // blood pool
            if x < -30 && abs(y) < 15 { signal = 600 }  // fat
            let (a, b) = (random.gaussian(), random.gaussian())
            return signed ? Float(signal + 20 * a) : Float(((signal + 20 * a) * (signal + 20 * a) + 400 * b * b).squareRoot())
        }
        return PixelImage(rows: size, columns: size, values: values)
    }

    @Test func theFieldOfViewCentreStaysTheOutputCentre() throws {
        // 256 × 1.4 mm = 358 mm, about 179 output pixels of 2 mm, cropped to 128.
        let spacing = PixelSpacing(betweenRows: 1.4, betweenColumns: 1.4)
        let centred = try geometryOnly.prepare(dot(rows: 256, columns: 256, at: [(127, 127), (127, 128), (128, 127), (128, 128)]), pixelSpacing: spacing, isSigned: false, phaseEncode: nil)
        #expect(centred.values.count == 128 * 128)
        let c = centroid(centred.values, size: 128)
        #expect(abs(c.row - 63.5) < 0.05 && abs(c.column - 63.5) < 0.05, "\(c)")

        // 40 px right (56 mm) and 20 px up (28 mm): 28 and 14 output pixels.
        let offset = try geometryOnly.prepare(dot(rows: 256, columns: 256, at: [(107, 167), (107, 168), (108, 167), (108, 168)]), pixelSpacing: spacing, isSigned: false, phaseEncode: nil)
        let o = centroid(offset.values, size: 128)
        #expect(abs(o.row - (63.5 - 14)) < 0.25 && abs(o.column - (63.5 + 28)) < 0.25, "\(o)")
        // Area resampling keeps the dot's integral (4 px of 1.4² mm² over 2² mm²).
        let integral: Float = offset.values.reduce(0, +)
        #expect(abs(integral - 1.96) < 0.01)
    }

    @Test func largeFieldsAreCroppedAndSmallOnesPaddedAboutTheCentre() throws {
        let spacing = PixelSpacing(betweenRows: 1.4, betweenColumns: 1.4)
        // Ones, with one dark corner pixel (a constant image is refused), far from what is checked.
        let ones = { (n: Int) in PixelImage(rows: n, columns: n, values: [0] + [Float](repeating: 1, count: n * n - 1)) }
        var large = try geometryOnly.prepare(ones(256), pixelSpacing: spacing, isSigned: false, phaseEncode: nil)
        #expect(large.values.allSatisfy { abs($0 - 1) < 1e-5 }, "358 mm covers the whole 256 mm output")
        large = try geometryOnly.prepare(ones(128), pixelSpacing: spacing, isSigned: false, phaseEncode: nil)
        // 179 mm → 89.6 px of content, centred: columns 19…108, zero beyond.
        let middleRow = Array(large.values[(64 * 128)..<(65 * 128)])
        let covered = middleRow.reduce(0, +)
        #expect(abs(covered - 89.6) < 0.05, "content width \(covered) px")
        let leftPadding = middleRow[0..<18].allSatisfy { $0 == 0 }, rightPadding = middleRow[110...].allSatisfy { $0 == 0 }
        #expect(leftPadding && rightPadding)
        let interior: Float = middleRow[20...40].reduce(0, +) / 21
        #expect(abs(interior - 1) < 1e-5)
        let first = middleRow.firstIndex { $0 > 0 }!, last = middleRow.lastIndex { $0 > 0 }!
        #expect(first + last == 127, "content symmetric about the centre: \(first)…\(last)")
    }

    @Test func missingSpacingAssumesA360MillimetreField() throws {
        let prepared = try SlicePreprocessor().prepare(chest(seed: 1), pixelSpacing: nil, isSigned: false, phaseEncode: nil)
        #expect(prepared.sourcePixelSpacingWasAssumed)
        #expect(abs(prepared.sourcePixelSpacing.betweenRows - 360.0 / 160) < 1e-12)
    }

    @Test func magnitudeNormalisationIgnoresVendorScaling() throws {
        let image = chest(seed: 3)
        var vendor = image
        vendor.values = image.values.map { $0 * 3 + 100 }
        let spacing = PixelSpacing(betweenRows: 2.2, betweenColumns: 2.2)
        let a = try SlicePreprocessor().prepare(image, pixelSpacing: spacing, isSigned: false, phaseEncode: nil)
        let b = try SlicePreprocessor().prepare(vendor, pixelSpacing: spacing, isSigned: false, phaseEncode: nil)
        let difference = zip(a.values, b.values).map { abs($0 - $1) }.max()!
        #expect(difference < 0.02, "max |Δ| \(difference)")
        // Tissue lands on a common scale: blood near 1, the body's dark end near 0.
        #expect(a.values.max()! <= 1.5 && a.values.min()! >= -0.5)
        #expect(a.intensity.divisor > 0 && abs(b.intensity.divisor / a.intensity.divisor - 3) < 0.05)
    }

    @Test func psirNormalisationKeepsTheSignAndIgnoresGain() throws {
        let image = chest(seed: 5, signed: true)
        var vendor = image
        vendor.values = image.values.map { $0 * 3 }
        let spacing = PixelSpacing(betweenRows: 2, betweenColumns: 2)
        let a = try SlicePreprocessor().prepare(image, pixelSpacing: spacing, isSigned: true, phaseEncode: nil)
        let b = try SlicePreprocessor().prepare(vendor, pixelSpacing: spacing, isSigned: true, phaseEncode: nil)
        #expect(zip(a.values, b.values).map { abs($0 - $1) }.max()! < 0.02)
        #expect(a.intensity.offset == 0 && a.intensity.isSigned)
        // Same grid (2 mm, 160 → 128 cropped by 16 each side): signs follow the input.
        for r in stride(from: 0, to: 128, by: 3) {
            for c in stride(from: 0, to: 128, by: 3) {
                let raw = image[r + 16, c + 16]
                if abs(raw) > 100 { #expect((raw > 0) == (a.values[r * 128 + c] > 0)) }
            }
        }
        #expect(a.values.min()! < -0.1 && a.values.max()! > 0.5)
    }

    @Test func preparationIsDeterministic() throws {
        let image = chest(seed: 9)
        let spacing = PixelSpacing(betweenRows: 1.7, betweenColumns: 1.9)
        #expect(try SlicePreprocessor().prepare(image, pixelSpacing: spacing, isSigned: false, phaseEncode: nil) == SlicePreprocessor().prepare(image, pixelSpacing: spacing, isSigned: false, phaseEncode: nil))
    }

    @Test func degenerateInputsAreRefused() {
        func error(_ image: PixelImage, _ preprocessor: SlicePreprocessor = SlicePreprocessor()) -> PreprocessingError? {
            do { _ = try preprocessor.prepare(image, pixelSpacing: nil, isSigned: false, phaseEncode: nil); return nil } catch { return error }
        }
        #expect(error(PixelImage(rows: 0, columns: 0, values: [])) == .emptyImage(rows: 0, columns: 0))
        #expect(error(PixelImage(rows: 2, columns: 2, values: [1, .nan, 3, 4])) == .nonFiniteValues(count: 1))
        #expect(error(PixelImage(rows: 2, columns: 2, values: [7, 7, 7, 7])) == .constantImage(value: 7))
        #expect(error(chest(seed: 1), SlicePreprocessor(targetPixelSpacing: 0)) != nil)
        #expect(error(chest(seed: 1), SlicePreprocessor(outputSize: 0)) != nil)
        #expect(PreprocessingError.constantImage(value: 7).description.contains("no contrast"))
    }

    @Test func configurationRoundTripsThroughJSON() throws {
        let preprocessor = SlicePreprocessor(targetPixelSpacing: 1.5, outputSize: 160)
        let data = try JSONEncoder().encode(preprocessor)
        #expect(try JSONDecoder().decode(SlicePreprocessor.self, from: data) == preprocessor)
    }
}
