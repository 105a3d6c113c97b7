import Foundation
import LGEEvaluation
import LGERandom

/// Where a probability the history cannot show comes from: θ (a prompt resolves the ambiguity
/// in-session) or φ (a false prompt causes harm).
public enum ProbabilitySource: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A pilot: `successes` of `trials`; drawn from the Jeffreys posterior Beta(k + ½, m − k + ½).
    case pilot(successes: Int, trials: Int)
    /// A stated assumption, used as a fixed value (no uncertainty is claimed for it).
    case assumed(Double)

    /// The point value (k/m for a pilot).
    public var point: Double {
        switch self {
        case .pilot(let k, let m): m == 0 ? 0.5 : Double(k) / Double(m)
        case .assumed(let value): value
        }
    }

    func draw(_ generator: inout SeededGenerator) -> Double {
        switch self {
        case .pilot(let k, let m): generator.beta(Double(k) + 0.5, Double(m - k) + 0.5)
        case .assumed(let value): value
        }
    }

    public var description: String {
        switch self {
        case .pilot(let k, let m): "pilot \(k)/\(m), Jeffreys Beta(\(k)+½, \(m - k)+½)"
        case .assumed(let value): "assumed \(value)"
        }
    }
}

/// The interval methods the validation compares; ``full`` is the one the audit reports.
public enum IntervalMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Resample clusters, then Jeffreys draws for p11 and p01 and a Beta draw for θ (BRIEF §7).
    case full
    /// Wald normal interval by the delta method (cluster-robust variances for p11/p01, binomial for θ).
    case wald
    /// As ``full`` but θ fixed at its pilot point value.
    case fixedTheta = "fixed_theta"
    /// As ``full`` but exams treated as independent (no cluster resampling).
    case ignoreClustering = "ignore_clustering"
}

/// Settings of one estimate.
public struct AuditConfiguration: Sendable, Hashable, Codable {
    /// θ: probability a prompt resolves the ambiguity in-session.
    public var theta: ProbabilitySource
    /// φ: probability a false prompt causes a recall or an inconclusive report (harm); 0 by default.
    public var phi: ProbabilitySource
    /// Figures are per this many future exams (M).
    public var examsPer: Double
    /// Monte Carlo draws (at least 10⁴ for a reported figure).
    public var draws: Int
    public var seed: UInt64
    /// Resample clusters (site/scanner) before the Jeffreys draws; off only for the validation's naive variant.
    public var resampleClusters: Bool
    /// θ values of the sensitivity sweep.
    public var thetaSweep: [Double]

    public init(
        theta: ProbabilitySource, phi: ProbabilitySource = .assumed(0), examsPer: Double = 1000, draws: Int = 10_000,
        seed: UInt64 = 1, resampleClusters: Bool = true, thetaSweep: [Double] = stride(from: 0.25, through: 1.0001, by: 0.125).map { $0 }
    ) {
        self.theta = theta
        self.phi = phi
        self.examsPer = examsPer
        self.draws = draws
        self.seed = seed
        self.resampleClusters = resampleClusters
        self.thetaSweep = thetaSweep
    }
}

/// One point of the θ sweep.
public struct ThetaSweepPoint: Sendable, Hashable, Codable {
    public var theta: Double
    public var avoided: Estimate
}

/// One action's share of the cost.
public struct ActionSummary: Sendable, Hashable, Codable {
    public var action: String
    /// Times the protocol asked for it.
    public var count: Int
    /// Per M exams.
    public var perExams: Double
    /// Extra scanner minutes per exam it accounts for.
    public var minutesPerExam: Double
}

/// An audit's answer: avoided recalls/inconclusive reports per M exams with a 95% interval, the
/// θ sweep, and what it would have cost.
public struct AuditEstimate: Sendable, Hashable, Codable {
    public var configuration: AuditConfiguration
    public var counts: AuditCounts
    public var clusters: Int
    /// A = M·(p11·θ − p01·φ): median and 2.5/97.5 percentiles of the Monte Carlo draws.
    public var avoided: Estimate
    public var thetaSweep: [ThetaSweepPoint]
    /// Sessions with at least one prompt, per exam.
    public var promptedExamsPerExam: Estimate?
    /// Prompted exams among those without an in-scope outcome (false prompts on conclusive exams).
    public var falsePromptRate: Estimate?
    /// Extra scanner minutes per exam; its interval comes from cluster resampling only.
    public var extraMinutesPerExam: Estimate?
    public var actions: [ActionSummary]
}

/// The avoided-recall estimator of BRIEF §7, deterministic for a seed.
public struct AuditEstimator: Sendable {
    public var configuration: AuditConfiguration

    public init(configuration: AuditConfiguration) {
        self.configuration = configuration
    }

    /// Estimates from per-session replay results (all shards merged).
    public func estimate(_ results: [SessionReplayResult]) -> AuditEstimate {
        let byCluster = Dictionary(grouping: results, by: \.cluster)
        let clusterCounts = byCluster.keys.sorted().map { AuditCounts(byCluster[$0]!) }
        var estimate = estimate(clusters: clusterCounts)
        var actions: [String: (count: Int, minutes: Double)] = [:]
        for action in results.flatMap(\.actions) {
            actions[action.action, default: (0, 0)].count += 1
            actions[action.action, default: (0, 0)].minutes += action.minutes
        }
        let n = Double(max(results.count, 1))
        estimate.actions = actions.keys.sorted().map { name in
            ActionSummary(action: name, count: actions[name]!.count, perExams: Double(actions[name]!.count) / n * configuration.examsPer,
                          minutesPerExam: actions[name]!.minutes / n)
        }
        return estimate
    }

    /// Estimates from counts per cluster (what the validation simulates directly).
    public func estimate(clusters: [AuditCounts]) -> AuditEstimate {
        estimate(clusters: clusters, costs: true)
    }

    func estimate(clusters: [AuditCounts], costs: Bool) -> AuditEstimate {
        let draws = MonteCarloDraws(clusters: clusters, configuration: configuration, costs: costs)
        let m = configuration.examsPer
        let phi = draws.phi
        let avoided = Percentile.interval(zip(zip(draws.p11, draws.p01), zip(draws.theta, phi)).map { p, tf in m * (p.0 * tf.0 - p.1 * tf.1) })
        let sweep = configuration.thetaSweep.map { theta in
            ThetaSweepPoint(theta: theta, avoided: Percentile.interval(zip(zip(draws.p11, draws.p01), phi).map { p, f in m * (p.0 * theta - p.1 * f) }))
        }
        let total = clusters.reduce(AuditCounts(), +)
        return AuditEstimate(
            configuration: configuration, counts: total, clusters: clusters.count, avoided: avoided, thetaSweep: sweep,
            promptedExamsPerExam: costs ? Percentile.interval(draws.promptRate) : nil,
            falsePromptRate: costs ? Percentile.interval(draws.falsePromptRate) : nil,
            extraMinutesPerExam: costs ? Percentile.interval(draws.minutesPerExam) : nil, actions: [])
    }

    /// The 95% interval of A by `method` (the validation compares them); the full method is
    /// what ``estimate(clusters:)`` reports.
    public func interval(clusters: [AuditCounts], method: IntervalMethod) -> Estimate {
        let m = configuration.examsPer
        switch method {
        case .full:
            return estimate(clusters: clusters, costs: false).avoided
        case .fixedTheta:
            var configuration = configuration
            configuration.theta = .assumed(configuration.theta.point)
            configuration.phi = .assumed(configuration.phi.point)
            return AuditEstimator(configuration: configuration).estimate(clusters: clusters, costs: false).avoided
        case .ignoreClustering:
            var configuration = configuration
            configuration.resampleClusters = false
            return AuditEstimator(configuration: configuration).estimate(clusters: clusters, costs: false).avoided
        case .wald:
            let total = clusters.reduce(AuditCounts(), +)
            let n = Double(max(total.exams, 1))
            let p11 = Double(total.promptedWithOutcome) / n, p01 = Double(total.promptedWithoutOutcome) / n
            let theta = configuration.theta.point, phi = configuration.phi.point
            func probabilityVariance(_ source: ProbabilitySource) -> Double {
                guard case .pilot(_, let trials) = source, trials > 0 else { return 0 }
                return source.point * (1 - source.point) / Double(trials)
            }
            // Cluster-robust (ratio estimator) variance of p11·θ − p01·φ's count part.
            let k = Double(clusters.count)
            var residual = 0.0
            for c in clusters {
                let r = (Double(c.promptedWithOutcome) * theta - Double(c.promptedWithoutOutcome) * phi) - (p11 * theta - p01 * phi) * Double(c.exams)
                residual += r * r
            }
            let countVariance = k > 1 ? k / (k - 1) * residual / (n * n) : (p11 * (1 - p11) * theta * theta + p01 * (1 - p01) * phi * phi) / n
            let variance = countVariance + p11 * p11 * probabilityVariance(configuration.theta) + p01 * p01 * probabilityVariance(configuration.phi)
            let value = m * (p11 * theta - p01 * phi), half = 1.959964 * m * variance.squareRoot()
            return Estimate(value: value, lower: value - half, upper: value + half)
        }
    }
}

/// The Monte Carlo draws behind an estimate.
struct MonteCarloDraws {
    var p11: [Double] = []
    var p01: [Double] = []
    var theta: [Double] = []
    var phi: [Double] = []
    var promptRate: [Double] = []
    var falsePromptRate: [Double] = []
    var minutesPerExam: [Double] = []

    /// `costs` false skips the prompt and minute figures (the validation needs only A).
    init(clusters: [AuditCounts], configuration: AuditConfiguration, costs: Bool = true) {
        var generator = SeededGenerator(seed: configuration.seed, stream: "audit-monte-carlo")
        let count = configuration.draws
        for array in [\MonteCarloDraws.p11, \.p01, \.theta, \.phi, \.promptRate, \.falsePromptRate, \.minutesPerExam] {
            self[keyPath: array].reserveCapacity(count)
        }
        let resample = configuration.resampleClusters && clusters.count > 1
        let total = clusters.reduce(AuditCounts(), +)
        for _ in 0..<count {
            var sample = total
            if resample {
                sample = AuditCounts()
                for _ in clusters.indices { sample = sample + clusters[Int(generator.next() % UInt64(clusters.count))] }
            }
            let n = Double(sample.exams)
            let n11 = Double(sample.promptedWithOutcome), n01 = Double(sample.promptedWithoutOutcome)
            p11.append(generator.beta(n11 + 0.5, n - n11 + 0.5))
            p01.append(generator.beta(n01 + 0.5, n - n01 + 0.5))
            theta.append(configuration.theta.draw(&generator))
            phi.append(configuration.phi.draw(&generator))
            guard costs else { continue }
            let prompts = Double(sample.prompts)
            promptRate.append(generator.beta(prompts + 0.5, n - prompts + 0.5))
            let unaffected = Double(sample.exams - sample.outcomes)
            falsePromptRate.append(generator.beta(n01 + 0.5, unaffected - n01 + 0.5))
            minutesPerExam.append(n > 0 ? sample.minutes / n : 0)
        }
    }
}
