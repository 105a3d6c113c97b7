import Foundation
import LGEEvaluation
import LGERandom

/// A data-generating process for simulated audits with known truth (ADEMP, Morris et al. 2019):
/// exams clustered by site/scanner with between-cluster variation in the in-scope recall rate, a
/// protocol that prompts in a fraction of recalled and of other exams, and a pilot giving (k, m)
/// for θ.
public struct AuditScenario: Sendable, Hashable, Codable {
    public var name: String
    /// Site/scanner clusters in the audited archive.
    public var clusters: Int
    /// Exams per cluster, drawn uniformly.
    public var examsPerCluster: ClosedRange<Int>
    /// Mean in-scope recall/inconclusive rate over clusters (μ).
    public var outcomeRate: Double
    /// Concentration κ of the clusters' rates, Beta(μκ, (1 − μ)κ): smaller is more variation.
    public var outcomeRateConcentration: Double
    /// P(prompt | in-scope outcome).
    public var promptSensitivity: Double
    /// P(prompt | no in-scope outcome).
    public var falsePromptProbability: Double
    /// True θ, and the size m of the pilot that estimates it.
    public var theta: Double
    public var pilotTrials: Int
    /// φ, a stated assumption (fixed, known).
    public var phi: Double
    public var examsPer: Double

    public init(
        name: String, clusters: Int, examsPerCluster: ClosedRange<Int>, outcomeRate: Double, outcomeRateConcentration: Double,
        promptSensitivity: Double, falsePromptProbability: Double, theta: Double, pilotTrials: Int, phi: Double, examsPer: Double = 1000
    ) {
        self.name = name
        self.clusters = clusters
        self.examsPerCluster = examsPerCluster
        self.outcomeRate = outcomeRate
        self.outcomeRateConcentration = outcomeRateConcentration
        self.promptSensitivity = promptSensitivity
        self.falsePromptProbability = falsePromptProbability
        self.theta = theta
        self.pilotTrials = pilotTrials
        self.phi = phi
        self.examsPer = examsPer
    }

    /// 16 site/scanner clusters of 40–160 exams (≈ 1600 exams), 5% in-scope recalls varying
    /// between clusters (κ = 40: cluster rates mostly 0–12%), prompts in 70% of recalled and 12%
    /// of other exams, θ = 0.6 from a pilot of 30 prompted exams, φ = 0.01 assumed.
    public static let standard = AuditScenario(
        name: "standard", clusters: 16, examsPerCluster: 40...160, outcomeRate: 0.05, outcomeRateConcentration: 40,
        promptSensitivity: 0.7, falsePromptProbability: 0.12, theta: 0.6, pilotTrials: 30, phi: 0.01)

    /// A small audit: 10 clusters of 20–60 exams, 4% recalls, a pilot of 12.
    public static let smallCounts = AuditScenario(
        name: "small", clusters: 10, examsPerCluster: 20...60, outcomeRate: 0.04, outcomeRateConcentration: 40,
        promptSensitivity: 0.7, falsePromptProbability: 0.12, theta: 0.6, pilotTrials: 12, phi: 0.01)

    /// A large archive: 40 clusters of 200–600 exams (≈ 16,000), with θ from a pilot of 20, so
    /// θ's uncertainty dominates.
    public static let largeArchive = AuditScenario(
        name: "large", clusters: 40, examsPerCluster: 200...600, outcomeRate: 0.05, outcomeRateConcentration: 40,
        promptSensitivity: 0.7, falsePromptProbability: 0.12, theta: 0.6, pilotTrials: 20, phi: 0.01)

    public static let presets = [standard, smallCounts, largeArchive]

    /// The avoided count per M exams in a future population under the same process:
    /// M·(μ·sensitivity·θ − (1 − μ)·falsePrompt·φ), since cluster size does not depend on its rate.
    public var truth: Double {
        examsPer * (outcomeRate * promptSensitivity * theta - (1 - outcomeRate) * falsePromptProbability * phi)
    }

    /// One simulated audit: counts per cluster and the pilot.
    public func simulate(seed: UInt64) -> (clusters: [AuditCounts], pilot: ProbabilitySource) {
        var generator = SeededGenerator(seed: seed, stream: "audit-scenario")
        let a = outcomeRate * outcomeRateConcentration, b = (1 - outcomeRate) * outcomeRateConcentration
        var counts: [AuditCounts] = []
        for _ in 0..<clusters {
            let exams = Int(generator.next() % UInt64(examsPerCluster.count)) + examsPerCluster.lowerBound
            let rate = generator.beta(a, b)
            var c = AuditCounts()
            c.exams = exams
            c.outcomes = generator.binomial(trials: exams, probability: rate)
            c.promptedWithOutcome = generator.binomial(trials: c.outcomes, probability: promptSensitivity)
            c.promptedWithoutOutcome = generator.binomial(trials: exams - c.outcomes, probability: falsePromptProbability)
            counts.append(c)
        }
        let resolved = generator.binomial(trials: pilotTrials, probability: theta)
        return (counts, .pilot(successes: resolved, trials: pilotTrials))
    }

    /// The realised avoided count per M exams in a large future population of `clusters` new
    /// clusters (a check that ``truth`` is what the process produces).
    public func realisedTruth(clusters future: Int, seed: UInt64) -> Double {
        var scenario = self
        scenario.clusters = future
        var generator = SeededGenerator(seed: seed, stream: "future-population")
        let total = scenario.simulate(seed: seed).clusters.reduce(AuditCounts(), +)
        let resolved = generator.binomial(trials: total.promptedWithOutcome, probability: theta)
        let harmed = generator.binomial(trials: total.promptedWithoutOutcome, probability: phi)
        return examsPer * Double(resolved - harmed) / Double(total.exams)
    }
}

/// How one interval method did over many simulated audits.
public struct MethodPerformance: Sendable, Hashable, Codable {
    public var method: IntervalMethod
    /// Share of 95% intervals that contain the truth.
    public var coverage: Double
    /// Monte Carlo standard error of the coverage, √(c(1 − c)/audits).
    public var coverageStandardError: Double
    /// Mean point estimate minus the truth, per M exams.
    public var bias: Double
    /// Mean interval width, per M exams.
    public var meanWidth: Double
}

/// The validation's result for one scenario.
public struct ValidationReport: Sendable, Hashable, Codable {
    public var scenario: AuditScenario
    public var truth: Double
    public var audits: Int
    public var draws: Int
    public var seed: UInt64
    public var methods: [MethodPerformance]

    public func performance(_ method: IntervalMethod) -> MethodPerformance? { methods.first { $0.method == method } }
}

/// Runs many simulated audits with known truth and measures each interval method's coverage,
/// bias and width. Audit i uses a seed derived from (seed, i), so results do not depend on how
/// many threads run them.
public struct EstimatorValidation: Sendable {
    public var scenario: AuditScenario
    public var audits: Int
    public var draws: Int
    public var seed: UInt64
    public var methods: [IntervalMethod]

    public init(scenario: AuditScenario, audits: Int = 1000, draws: Int = 10_000, seed: UInt64 = 1, methods: [IntervalMethod] = IntervalMethod.allCases) {
        self.scenario = scenario
        self.audits = audits
        self.draws = draws
        self.seed = seed
        self.methods = methods
    }

    /// Runs the audits on all cores; `progress` is called (from any thread) after each audit.
    public func run(progress: @Sendable () -> Void = {}) -> ValidationReport {
        let results = ResultsBuffer(count: audits)
        DispatchQueue.concurrentPerform(iterations: audits) { index in
            results.set(index, intervals(audit: index))
            progress()
        }
        let truth = scenario.truth
        let all = results.values()
        let performance = methods.enumerated().map { position, method in
            let intervals = all.map { $0[position] }
            let n = Double(intervals.count)
            let coverage = Double(intervals.filter { $0.lower <= truth && truth <= $0.upper }.count) / n
            return MethodPerformance(
                method: method, coverage: coverage, coverageStandardError: (coverage * (1 - coverage) / n).squareRoot(),
                bias: intervals.reduce(0) { $0 + $1.value } / n - truth,
                meanWidth: intervals.reduce(0) { $0 + $1.upper - $1.lower } / n)
        }
        return ValidationReport(scenario: scenario, truth: truth, audits: audits, draws: draws, seed: seed, methods: performance)
    }

    /// Every method's interval for simulated audit `index`.
    public func intervals(audit index: Int) -> [Estimate] {
        let auditSeed = SeededGenerator.derivedSeed(seed, stream: UInt64(index))
        let (clusters, pilot) = scenario.simulate(seed: auditSeed)
        let configuration = AuditConfiguration(
            theta: pilot, phi: .assumed(scenario.phi), examsPer: scenario.examsPer, draws: draws, seed: auditSeed, thetaSweep: [])
        let estimator = AuditEstimator(configuration: configuration)
        return methods.map { estimator.interval(clusters: clusters, method: $0) }
    }
}

/// Per-audit results written from many threads, each index once.
private final class ResultsBuffer: @unchecked Sendable {
    private var storage: [[Estimate]]
    private let lock = NSLock()

    init(count: Int) { storage = Array(repeating: [], count: count) }

    func set(_ index: Int, _ value: [Estimate]) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    func values() -> [[Estimate]] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
