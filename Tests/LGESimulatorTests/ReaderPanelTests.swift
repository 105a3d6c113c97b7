import Testing

@testable import LGESimulator

/// The virtual readers: what raises and lowers their scores, and that a seed fixes them.
@Suite struct ReaderPanelTests {
    func evidence(conspicuity: Double, area: Double, mimicry: Double = 0) -> ImageEvidence {
        ImageEvidence(
            reconstruction: .psir, scarToMyocardiumCNR: area > 0 ? conspicuity : nil, scarToBloodCNR: nil,
            myocardialNulling: 0.05, ghostOverMyocardium: 0, ghostOverlapsMyocardium: false, scarArea: area, causes: [],
            conspicuity: conspicuity, mimicry: mimicry, evidenceVisible: conspicuity >= ImageEvidence.visibilityThreshold)
    }

    func meanScore(_ e: ImageEvidence, draws: Int = 400) -> Double {
        let panel = ReaderPanel.standard
        var total = 0.0
        for i in 0..<draws { total += panel.scores(for: e, seed: 9, key: "\(i)").map(\.vas).reduce(0, +) / 2 }
        return total / Double(draws)
    }

    @Test func clearScarScoresHighAndNormalScoresLow() {
        #expect(meanScore(evidence(conspicuity: 45, area: 300)) > 80)
        #expect(meanScore(evidence(conspicuity: 0, area: 0)) < 15)
    }

    @Test func smallOrFaintScarAndConfoundersAreUncertain() {
        let faint = meanScore(evidence(conspicuity: 15, area: 250))
        #expect((30...70).contains(faint))
        #expect(meanScore(evidence(conspicuity: 45, area: 20)) < meanScore(evidence(conspicuity: 45, area: 300)))
        let mimic = meanScore(evidence(conspicuity: 0, area: 0, mimicry: 1))
        #expect((30...70).contains(mimic), "a convincing mimic should leave readers near equipoise, got \(mimic)")
    }

    @Test func scoresAreReproducibleAndBounded() {
        let e = evidence(conspicuity: 12, area: 150, mimicry: 0.3)
        let a = ReaderPanel.standard.scores(for: e, seed: 4, key: "x")
        #expect(a == ReaderPanel.standard.scores(for: e, seed: 4, key: "x"))
        #expect(a.map(\.reader) == ["reader1", "reader2"])
        for i in 0..<200 {
            for score in ReaderPanel.standard.scores(for: e, seed: UInt64(i), key: "y") { #expect((0...100).contains(score.vas)) }
        }
    }

    @Test func certaintyBandFollowsThePaper() {
        let band = CertaintyBand.standard
        #expect(band.isLowCertainty([40, 60]))
        #expect(band.isLowCertainty([45, 55]))
        #expect(band.isLowCertainty([20, 80]))  // opposite sides of 50
        #expect(!band.isLowCertainty([5, 15]))
        #expect(!band.isLowCertainty([85, 95]))
    }
}
