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

    @Test("The low-certainty probability given the evidence matches the readers' own draws",
          arguments: [(0.0, 0.0, 0.0), (15.0, 250.0, 0.0), (0.0, 0.0, 0.45), (30.0, 120.0, 0.6), (45.0, 300.0, 0.0)])
    func lowCertaintyProbabilityMatchesDraws(conspicuity: Double, area: Double, mimicry: Double) {
        let e = evidence(conspicuity: conspicuity, area: area, mimicry: mimicry)
        let exact = ReaderPanel.standard.lowCertaintyProbability(conspicuity: conspicuity, scarArea: area, mimicry: mimicry)
        let draws = 4000
        var low = 0
        for i in 0..<draws where CertaintyBand.standard.isLowCertainty(ReaderPanel.standard.scores(for: e, seed: 11, key: "\(i)").map(\.vas)) {
            low += 1
        }
        let frequency = Double(low) / Double(draws)
        // Four binomial standard errors at most (0.032 at p = 0.5), and the exact value is a probability.
        #expect(abs(exact - frequency) <= 4 * (max(exact * (1 - exact), 1e-4) / Double(draws)).squareRoot() + 0.002,
                "exact \(exact), drawn \(frequency)")
        #expect((0...1).contains(exact))
    }

    @Test func eachReadersScoreDistributionSumsToOneAroundTheirExpectedScore() {
        for reader in ReaderPanel.standard.readers {
            let distribution = reader.scoreDistribution(conspicuity: 12, scarArea: 150, mimicry: 0.3)
            #expect(distribution.count == 101 && distribution.allSatisfy { $0 >= 0 })
            #expect(abs(distribution.reduce(0, +) - 1) < 1e-9)
            let mean = distribution.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
            #expect(abs(mean - reader.expectedScore(conspicuity: 12, scarArea: 150, mimicry: 0.3)) < 0.5)
        }
        // A reader without noise gives their expected score, rounded, every time.
        let certain = VirtualReader(id: "r", bias: 0, noise: 0, susceptibility: 1)
        let expected = certain.expectedScore(conspicuity: 12, scarArea: 150, mimicry: 0.3)
        #expect(certain.scoreDistribution(conspicuity: 12, scarArea: 150, mimicry: 0.3)[Int(expected.rounded())] == 1)
    }
}
