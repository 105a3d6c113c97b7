import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@testable import LGEEvaluation

@Suite struct AgreementTests {
    /// Shrout & Fleiss (1979), Table 2: 6 targets × 4 judges; their ICC(2,1) is 0.29.
    @Test func icc21MatchesShroutAndFleiss() throws {
        let ratings: [[Double]] = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
        let icc = try #require(ReaderAgreement.icc21(ratings))
        #expect(abs(icc - 0.2898) < 0.001)
        // Perfect agreement is 1; a constant offset between raters lowers absolute agreement.
        #expect(abs(ReaderAgreement.icc21([[1, 1], [5, 5], [9, 9]])! - 1) < 1e-12)
        #expect(ReaderAgreement.icc21([[1, 11], [5, 15], [9, 19]])! < 0.6)
        #expect(ReaderAgreement.icc21([[1, 1]]) == nil)
    }

    /// The textbook table: 20 both yes, 5 A-only, 10 B-only, 15 both no → κ = 0.4.
    @Test func kappaMatchesTheTextbookTable() throws {
        let a = Array(repeating: true, count: 25) + Array(repeating: false, count: 25)
        let b = Array(repeating: true, count: 20) + Array(repeating: false, count: 5) + Array(repeating: true, count: 10) + Array(repeating: false, count: 15)
        #expect(abs(try #require(ReaderAgreement.cohenKappa(a, b)) - 0.4) < 1e-12)
        #expect(ReaderAgreement.cohenKappa([true, true], [true, true]) == nil)
    }

    @Test func percentilesInterpolate() {
        #expect(Percentile.of(sorted: [1, 2, 3, 4], 0.5) == 2.5)
        #expect(Percentile.of(sorted: [1, 2, 3, 4], 0) == 1)
        #expect(Percentile.of(sorted: [1, 2, 3, 4], 1) == 4)
        let e = Percentile.interval((0...1000).map(Double.init).reversed())
        #expect(e.value == 500 && e.lower == 25 && e.upper == 975)
    }

    @Test func figuresAreWellFormedSVGWithTheirWatermark() throws {
        let cases = (0..<60).map { (i: Int) -> ScoredCase in
            let positive = i % 3 == 0
            let probability: Double = Double(i % 10) / 10 + (positive ? 0.05 : 0)
            return ScoredCase(truth: positive, probability: probability, patient: "p\(i % 7)")
        }
        let figures = [
            SVGPlot.rocCurve(cases, threshold: 0.5, title: "ROC <test>", watermark: "SYNTHETIC"),
            SVGPlot.reliability(CalibrationReport(cases: cases), title: "Reliability", watermark: "SYNTHETIC"),
            SVGPlot.scoreHistogram(cases, threshold: 0.5, title: "Scores", positiveLabel: "low & unsure", negativeLabel: "high", watermark: "SYNTHETIC"),
        ]
        for svg in figures {
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
            #expect(svg.contains(">SYNTHETIC</text>"))
        }
        #expect(figures[0].contains("ROC &lt;test&gt;"))
        #expect(figures[0].contains("AUC 0."))
        #expect(!SVGPlot.rocCurve(cases, threshold: 0.5, title: "x").contains("SYNTHETIC"))
    }
}
