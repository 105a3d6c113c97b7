import Foundation
import LGEAudit
import LGEEvaluation
import LGERandom
import Testing

@Suite struct DistributionTests {
    @Test(arguments: [0.5, 2.5, 12.0])
    func gammaHasItsMeanAndVariance(shape: Double) {
        var generator = SeededGenerator(seed: 7)
        let n = 40_000
        let draws = (0..<n).map { _ in generator.gamma(shape: shape) }
        let mean = draws.reduce(0, +) / Double(n)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        // Gamma(a, 1): mean a, variance a. Tolerances are ~4 standard errors.
        #expect(abs(mean - shape) < 4 * (shape / Double(n)).squareRoot())
        #expect(abs(variance - shape) / shape < 0.05)
        #expect(draws.allSatisfy { $0 > 0 })
    }

    @Test func betaHasItsMean() {
        var generator = SeededGenerator(seed: 3)
        let (a, b) = (3.5, 40.5)
        let draws = (0..<20_000).map { _ in generator.beta(a, b) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        #expect(abs(mean - a / (a + b)) < 0.002)
    }

    @Test func binomialHasItsMean() {
        var generator = SeededGenerator(seed: 5)
        let draws = (0..<5000).map { _ in generator.binomial(trials: 40, probability: 0.3) }
        #expect(abs(Double(draws.reduce(0, +)) / 5000 - 12) < 0.2)
        #expect(draws.allSatisfy { (0...40).contains($0) })
    }
}

@Suite struct EstimatorTests {
    /// 3 clusters; in cluster "b" the protocol prompts in every recalled exam.
    func results() -> [SessionReplayResult] {
        var results: [SessionReplayResult] = []
        for (cluster, exams, recalled, promptedRecalled, falsePrompts) in [("a", 120, 8, 5, 10), ("b", 80, 3, 3, 6), ("c", 200, 12, 7, 20)] {
            for i in 0..<exams {
                let outcome = i < recalled
                let prompted = outcome ? i < promptedRecalled : i - recalled < falsePrompts
                results.append(SessionReplayResult(
                    session: "\(cluster)\(i)", cluster: cluster, outcomeInScope: outcome, prompted: prompted,
                    actions: prompted ? [ActionCost(action: i % 2 == 0 ? "repeat_ti" : "long_axis_crosscut", minutes: i % 2 == 0 ? 0.5 : 1.5)] : []))
            }
        }
        return results
    }

    @Test func countsAreTheTwoByTwoTable() {
        let counts = AuditCounts(results())
        #expect(counts.exams == 400)
        #expect(counts.outcomes == 23)
        #expect(counts.promptedWithOutcome == 15)
        #expect(counts.promptedWithoutOutcome == 36)
    }

    @Test func theEstimateSitsOnTheCountsAndIsDeterministic() {
        let configuration = AuditConfiguration(theta: .pilot(successes: 18, trials: 30), phi: .assumed(0.01), seed: 11)
        let a = AuditEstimator(configuration: configuration).estimate(results())
        let b = AuditEstimator(configuration: configuration).estimate(results())
        #expect(a == b)
        // Point value M·(p11·θ − p01·φ) = 1000·(15/400·0.6 − 36/400·0.01) = 21.6.
        #expect(abs(a.avoided.value - 21.6) < 2.5)
        #expect(a.avoided.lower < 21.6 && 21.6 < a.avoided.upper)
        #expect(a.clusters == 3)
        // The sweep rises with θ, and θ = 1 is above the pilot's 0.6.
        let medians = a.thetaSweep.map(\.avoided.value)
        #expect(medians == medians.sorted())
        #expect(a.thetaSweep.first!.theta == 0.25 && a.thetaSweep.last!.theta == 1)
        // Costs: 51 prompted exams; minutes = 26 × 0.5 + 25 × 1.5 split by parity.
        #expect(abs(a.promptedExamsPerExam!.value - 51.0 / 400) < 0.01)
        let minutes = results().flatMap(\.actions).reduce(0) { $0 + $1.minutes } / 400
        #expect(abs(a.extraMinutesPerExam!.value - minutes) < 0.02)
        #expect(Set(a.actions.map(\.action)) == ["repeat_ti", "long_axis_crosscut"])
        #expect(abs(a.actions.reduce(0) { $0 + $1.minutesPerExam } - minutes) < 1e-9)
        let other = AuditEstimator(configuration: AuditConfiguration(theta: .pilot(successes: 18, trials: 30), phi: .assumed(0.01), seed: 12)).estimate(results())
        #expect(other.avoided != a.avoided)
    }

    @Test func shardsMergeToTheSingleRunResult() throws {
        let configuration = AuditConfiguration(theta: .pilot(successes: 10, trials: 20), draws: 4000, seed: 2)
        let all = results()
        let shards = (0..<3).map { shard in all.enumerated().filter { $0.offset % 3 == shard }.map(\.element) }
        let merged = AuditRecords.merge(shards.reversed())
        #expect(try merged.get().count == all.count)
        let single = AuditEstimator(configuration: configuration).estimate(all)
        let fromShards = AuditEstimator(configuration: configuration).estimate(try merged.get())
        #expect(single == fromShards)
        // A session in two shards is an error, not a double count.
        if case .success = AuditRecords.merge([Array(all.prefix(3)), Array(all.prefix(1))]) { Issue.record("duplicate accepted") }
    }

    @Test func waldIsTheDeltaMethod() {
        var single = AuditCounts()
        single.exams = 1000
        single.outcomes = 50
        single.promptedWithOutcome = 40
        let configuration = AuditConfiguration(theta: .pilot(successes: 15, trials: 25), examsPer: 1000)
        let wald = AuditEstimator(configuration: configuration).interval(clusters: [single], method: .wald)
        let p = 0.04, theta = 0.6
        let sd = (p * (1 - p) / 1000 * theta * theta + p * p * theta * (1 - theta) / 25).squareRoot()
        #expect(abs(wald.value - 24) < 1e-9)
        #expect(abs(wald.upper - (24 + 1000 * 1.959964 * sd)) < 1e-6)
    }
}

@Suite struct ValidationTests {
    @Test func theScenarioTruthIsWhatALargePopulationRealises() {
        let scenario = AuditScenario.standard
        let realised = scenario.realisedTruth(clusters: 3000, seed: 4)
        #expect(abs(realised - scenario.truth) / scenario.truth < 0.04, "\(realised) vs \(scenario.truth)")
    }

    @Test func auditsDoNotDependOnOrder() {
        let validation = EstimatorValidation(scenario: .smallCounts, audits: 10, draws: 500, seed: 9)
        #expect(validation.intervals(audit: 7) == validation.intervals(audit: 7))
        #expect(validation.intervals(audit: 7) != validation.intervals(audit: 8))
    }

    /// A small version of `lgeqa audit validate` (which runs ≥ 1000 audits × 10⁴ draws): the
    /// full method covers near 95%, and ignoring clustering covers clearly less.
    @Test func theFullMethodCoversAndTheNaiveOneDoesNot() {
        let report = EstimatorValidation(scenario: .standard, audits: 120, draws: 1500, seed: 21, methods: [.full, .ignoreClustering]).run()
        let full = report.performance(.full)!, naive = report.performance(.ignoreClustering)!
        #expect((0.87...1.0).contains(full.coverage), "full coverage \(full.coverage)")
        #expect(naive.coverage < full.coverage - 0.05, "naive \(naive.coverage) vs full \(full.coverage)")
        #expect(naive.meanWidth < full.meanWidth)
        #expect(abs(full.bias) < 0.15 * report.truth)
    }
}
