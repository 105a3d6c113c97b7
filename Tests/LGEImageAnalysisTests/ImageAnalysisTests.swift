import LGEImageAnalysis
import Testing

/// A mask from rows of text: "#" is true.
private func mask(_ lines: [String]) -> (values: [Bool], rows: Int, columns: Int) {
    (lines.flatMap { $0.map { $0 == "#" } }, lines.count, lines[0].count)
}

@Suite struct BoxBlurTests {
    /// Reproducible values with structure at every scale.
    static func image(rows: Int, columns: Int) -> [Float] {
        var state: UInt64 = 12345
        return (0..<rows * columns).map { i in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 100 + Float(i % columns)
        }
    }

    /// The mean over the window clamped at the edges, summed directly.
    static func naive(_ values: [Float], rows: Int, columns: Int, radius: Int) -> [Float] {
        var output = [Float](repeating: 0, count: values.count)
        for r in 0..<rows {
            for c in 0..<columns {
                var (sum, count) = (0.0, 0)
                for rr in max(0, r - radius)...min(rows - 1, r + radius) {
                    for cc in max(0, c - radius)...min(columns - 1, c + radius) {
                        sum += Double(values[rr * columns + cc]); count += 1
                    }
                }
                output[r * columns + c] = Float(sum / Double(count))
            }
        }
        return output
    }

    @Test(arguments: [BoxBlurPrecision.single, .double], [1, 3, 40])
    func matchesTheNaiveMeanWithClampedEdges(precision: BoxBlurPrecision, radius: Int) {
        let (rows, columns) = (23, 31)
        let values = Self.image(rows: rows, columns: columns)
        let blurred = ImageFilters.boxBlur(values, rows: rows, columns: columns, radius: radius, precision: precision)
        let expected = Self.naive(values, rows: rows, columns: columns, radius: radius)
        for i in values.indices {
            #expect(abs(blurred[i] - expected[i]) <= 1e-4 * max(1, abs(expected[i])), "pixel \(i)")
        }
    }

    @Test func aConstantStaysConstantAndRadiusZeroChangesNothing() {
        let flat = [Float](repeating: 3, count: 12)
        #expect(ImageFilters.boxBlur(flat, rows: 3, columns: 4, radius: 2, precision: .double) == flat)
        let values = Self.image(rows: 3, columns: 4)
        #expect(ImageFilters.boxBlur(values, rows: 3, columns: 4, radius: 0, precision: .single) == values)
    }

    @Test func doubleSumsOfAMaskAreExactSoDilationIsSquare() {
        var m = [Bool](repeating: false, count: 400)
        m[10 * 20 + 10] = true
        let dilated = MaskMorphology.dilate(m, rows: 20, columns: 20, radius: 3)
        for r in 0..<20 {
            for c in 0..<20 { #expect(dilated[r * 20 + c] == ((7...13).contains(r) && (7...13).contains(c))) }
        }
    }
}

@Suite struct ImageStatisticsTests {
    @Test func percentilesInterpolateLikeNumPy() {
        #expect(ImageStatistics.percentiles([4, 1, 3, 2], [0, 25, 50, 100]) == [1, 1.75, 2.5, 4])
        #expect(ImageStatistics.percentile([7], 90) == 7)
        #expect(ImageStatistics.percentile([1, 2], 150) == 2)
    }

    @Test func moments() {
        let values: [Float] = [2, 4, 4, 4, 5, 5, 7, 9]
        #expect(ImageStatistics.mean(values) == 5)
        #expect(ImageStatistics.meanSquare([1, 3]) == 5)
        #expect(abs(ImageStatistics.standardDeviation(values) - (32.0 / 7).squareRoot()) < 1e-12)
        #expect(ImageStatistics.mean([]) == 0 && ImageStatistics.standardDeviation([1]) == 0)
    }

    @Test func otsuSplitsABimodalHistogramBetweenItsModes() {
        // Two clusters: 300 values about 20, 100 about 70, on 0…100.
        let dark = (0..<300).map { Float(15 + $0 % 11) }
        let bright = (0..<100).map { Float(66 + $0 % 9) }
        let threshold = ImageStatistics.otsuThreshold(dark + bright, range: 0...100)
        #expect(threshold > 25 && threshold < 66, "\(threshold)")
        #expect(ImageStatistics.otsuThreshold([1, 1], range: 1...1) == 1)
    }
}

@Suite struct MaskMorphologyTests {
    @Test func largestComponentIsFourConnected() {
        let m = mask([
            "##....",
            "##..#.",
            "...#..",
            "...##.",
            "#.....",
        ])
        let largest = MaskMorphology.largestComponent(m.values, rows: m.rows, columns: m.columns)
        // The diagonal neighbour (1, 4) is not 4-connected to the three at the bottom right.
        #expect(largest == mask(["##....", "##....", "......", "......", "......"]).values)
        #expect(MaskMorphology.largestComponent([false, false], rows: 1, columns: 2) == nil)
    }

    @Test func convexHullOfAnLShapeFillsTheCorner() {
        let l = mask([
            "..........",
            ".##.......",
            ".##.......",
            ".##.......",
            ".##.......",
            ".##.......",
            ".##.......",
            ".########.",
            ".########.",
            "..........",
        ])
        let hull = MaskMorphology.convexHull(of: l.values, rows: l.rows, columns: l.columns)
        // The hull's slanted edge runs from (row 0.5, column 2.5) to (row 6.5, column 8.5):
        // column ≤ row + 2, pixel centres on it included.
        let expected = mask([
            "..........",
            ".###......",
            ".####.....",
            ".#####....",
            ".######...",
            ".#######..",
            ".########.",
            ".########.",
            ".########.",
            "..........",
        ])
        #expect(hull == expected.values)
    }

    @Test func monotoneChainDropsInteriorAndCollinearPoints() {
        let points: [SIMD2<Double>] = [[0, 0], [1, 0], [2, 0], [2, 2], [0, 2], [1, 1], [0, 1]]
        #expect(MaskMorphology.convexHull(of: points) == [[0, 0], [2, 0], [2, 2], [0, 2]])
    }

    @Test func holesAreFilledOnlyWhenEnclosed() {
        let ring = mask([
            "......",
            ".####.",
            ".#..#.",
            ".####.",
            "......",
        ])
        #expect(MaskMorphology.fillingHoles(ring.values, rows: ring.rows, columns: ring.columns)
            == mask(["......", ".####.", ".####.", ".####.", "......"]).values)
        let open = mask([
            ".####.",
            ".#..#.",
            ".#..#.",
        ])
        #expect(MaskMorphology.fillingHoles(open.values, rows: open.rows, columns: open.columns) == open.values)
    }
}

@Suite struct BodyMaskTests {
    /// A bright disc with a dark hole in it and a dark notch open to the right edge.
    static func body() -> [Float] {
        (0..<64 * 64).map { i in
            let (y, x) = (Double(i / 64) - 32, Double(i % 64) - 32)
            let inDisc = x * x + y * y < 28 * 28
            let inHole = (x + 8) * (x + 8) + y * y < 6 * 6
            let inNotch = x > 12 && abs(y) < 4
            return inDisc && !inHole && !inNotch ? 100 : 2
        }
    }

    @Test func theEnclosureDecidesWhatDarkTissueIsBody() throws {
        let values = Self.body()
        let filled = try #require(BodyMask.estimate(values, rows: 64, columns: 64, smoothingRadius: 1, enclosure: .filledHoles))
        let hull = try #require(BodyMask.estimate(values, rows: 64, columns: 64, smoothingRadius: 1, enclosure: .convexHull))
        #expect(filled[32 * 64 + 24] && hull[32 * 64 + 24])  // the enclosed hole
        #expect(!filled[32 * 64 + 2] && !hull[32 * 64 + 2])  // air
        // The notch opens onto the air outside the disc, so filling leaves it out; the hull does not.
        #expect(!filled[32 * 64 + 50] && hull[32 * 64 + 50])
        // Scaling the values does not change the mask.
        #expect(BodyMask.estimate(values.map { $0 * 7 }, rows: 64, columns: 64, smoothingRadius: 1, enclosure: .filledHoles) == filled)
    }

    @Test func aFlatImageHasNoBody() {
        #expect(BodyMask.estimate([Float](repeating: 5, count: 16), rows: 4, columns: 4, smoothingRadius: 1, enclosure: .convexHull) == nil)
    }
}
