import LGERandom
import Testing

@testable import LGEEvaluation

@Suite struct PairedComparisonTests {
    /// 60 patients of 5 slices; each slice has a hard-to-read part both models share, and the
    /// first model adds a little of the truth on top.
    func sharedNoiseCases(edge: Double) -> [PairedCase] {
        var generator = SeededGenerator(seed: 7)
        var cases: [PairedCase] = []
        for patient in 0..<60 {
            for _ in 0..<5 {
                let truth = generator.next() % 2 == 0
                let shared = Double(generator.next() % 1000) / 1000
                let base = (truth ? 0.1 : 0) + shared * 0.8
                cases.append(PairedCase(truth: truth, patient: "p\(patient)", first: base + (truth ? edge : 0), second: base))
            }
        }
        return cases
    }

    @Test func identicalPredictionsDifferByNothing() throws {
        let cases = sharedNoiseCases(edge: 0).map { PairedCase(truth: $0.truth, patient: $0.patient, first: $0.second, second: $0.second) }
        let result = try #require(PatientBootstrap(replicates: 200, seed: 1).difference(cases, statistic: rocAUC))
        #expect(result.first == result.second)
        #expect(result.difference == Estimate(value: 0, lower: 0, upper: 0))
        #expect(result.shareNotBetter == 1)
    }

    @Test func pairingFindsADifferenceThatSeparateIntervalsHide() throws {
        let cases = sharedNoiseCases(edge: 0.06)
        let bootstrap = PatientBootstrap(replicates: 400, seed: 1)
        let paired = try #require(bootstrap.difference(cases, statistic: rocAUC))
        #expect(paired.first > paired.second)
        #expect(abs(paired.difference.value - (paired.first - paired.second)) < 1e-12)
        #expect(paired.difference.lower > 0, "\(paired.difference)")
        #expect(paired.shareNotBetter < 0.025)
        // Each model's own interval overlaps the other's: compared apart, they look the same.
        let first = try #require(bootstrap.estimate(cases.map { ScoredCase(truth: $0.truth, probability: $0.first, patient: $0.patient) }, statistic: rocAUC))
        let second = try #require(bootstrap.estimate(cases.map { ScoredCase(truth: $0.truth, probability: $0.second, patient: $0.patient) }, statistic: rocAUC))
        #expect(first.lower < second.upper)
        // And the same seed gives the same answer; swapping the models negates it.
        #expect(bootstrap.difference(cases, statistic: rocAUC) == paired)
        let swapped = try #require(bootstrap.difference(
            cases.map { PairedCase(truth: $0.truth, patient: $0.patient, first: $0.second, second: $0.first) }, statistic: rocAUC))
        #expect(abs(swapped.difference.value + paired.difference.value) < 1e-12)
        #expect(swapped.difference.upper < 0)
    }

    @Test func anUndefinedStatisticGivesNothing() {
        let oneLabel = [PairedCase(truth: true, patient: "a", first: 0.9, second: 0.1)]
        #expect(PatientBootstrap(replicates: 10, seed: 1).difference(oneLabel, statistic: rocAUC) == nil)
    }
}
