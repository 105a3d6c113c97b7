import ArgumentParser
import Foundation
import LGEAudit
import LGEEvaluation

/// `lgeqa audit`: avoided recalls and inconclusive reports with honest intervals.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Estimate recalls and inconclusive reports a protocol would have avoided, and validate the estimator.",
        subcommands: [AuditRun.self, AuditMerge.self, AuditEstimateCommand.self, AuditValidate.self, AuditCheckHistory.self],
        defaultSubcommand: AuditRun.self
    )
}

/// θ or φ on the command line: `k/m` (a pilot) or a number (an assumption).
extension ProbabilitySource: ExpressibleByArgument {
    public init?(argument: String) {
        let parts = argument.split(separator: "/")
        if parts.count == 2, let k = Int(parts[0]), let m = Int(parts[1]), m > 0, (0...m).contains(k) {
            self = .pilot(successes: k, trials: m)
        } else if let value = Double(argument), (0...1).contains(value) {
            self = .assumed(value)
        } else {
            return nil
        }
    }
}

/// `lgeqa audit estimate --records FILE... --theta k/m`: the estimator on replay records
/// (one file per shard; they are merged first, so shards give the single-run answer).
struct AuditEstimateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Avoided recalls/inconclusive reports per 1,000 exams from per-session replay records (JSON Lines).",
        discussion: """
            A = M·(p11·θ − p01·φ), p ~ Jeffreys Beta(n + ½, N − n + ½), θ ~ Beta(k + ½, m − k + ½) from a pilot \
            (k resolved of m prompted) or a stated assumption; clusters (site/scanner) are resampled before the \
            draws. Reports the median and 2.5/97.5 percentiles, a θ sweep from 0.25 to 1, and the cost.
            """
    )

    @Option(name: .customLong("records"), parsing: .upToNextOption, help: "JSON Lines files of session records (one per shard).")
    var records: [String]
    @Option(help: "θ: a pilot 'k/m' (resolved/prompted) or an assumed probability.") var theta: ProbabilitySource
    @Option(help: "φ: harm of a false prompt, 'k/m' or a probability.") var phi: ProbabilitySource = .assumed(0)
    @Option(help: "Figures per this many exams.") var per: Double = 1000
    @Option(help: "Monte Carlo draws (at least 10000).") var draws = 10_000
    @Option(help: "Seed of the Monte Carlo draws.") var seed: UInt64 = 1
    @Option(help: "Output format: table or json.") var format: ReportFormat = .table

    func validate() throws {
        guard draws >= 10_000 else { throw ValidationError("--draws must be at least 10000 for a reported figure") }
    }

    func run() async throws {
        let (shards, bad) = readRecordShards(records)
        let results: [SessionReplayResult]
        switch AuditRecords.merge(shards) {
        case .success(let merged): results = merged
        case .failure(let problem): throw CommandError(problem.description)
        }
        guard !results.isEmpty else { throw ExitStatus.noUsableInput }
        let estimate = AuditEstimator(configuration: AuditConfiguration(theta: theta, phi: phi, examsPer: per, draws: draws, seed: seed)).estimate(results)
        switch format {
        case .json:
            print(try prettyJSON(estimate))
        case .table:
            print(AuditText.describe(estimate))
        }
        if bad > 0 {
            printError("lgeqa: \(bad) record line(s) excluded (listed above)")
            throw ExitStatus.partial
        }
    }
}

/// Plain-text rendering of an estimate.
enum AuditText {
    /// `thetaLabel` says where θ came from when it is not a clinical pilot (SYNTHETIC cases).
    static func describe(_ e: LGEAudit.AuditEstimate, thetaLabel: String? = nil) -> String {
        let theta = thetaLabel ?? e.configuration.theta.description
        let m = Int(e.configuration.examsPer)
        func f(_ x: Estimate?, _ digits: Int = 1) -> String {
            guard let x else { return "-" }
            return String(format: "%.\(digits)f (95%% interval %.\(digits)f to %.\(digits)f)", x.value, x.lower, x.upper)
        }
        var lines = [
            "\(e.counts.exams) exams in \(e.clusters) cluster(s): \(e.counts.outcomes) recalled/inconclusive in scope, "
                + "\(e.counts.promptedWithOutcome) of them prompted (n11); \(e.counts.promptedWithoutOutcome) prompts on other exams (n01)",
            "θ: \(theta)   φ: \(e.configuration.phi)",
            "avoided per \(m) exams: \(f(e.avoided))",
            "  θ sweep: " + e.thetaSweep.map { String(format: "θ=%.2f %.1f [%.1f, %.1f]", $0.theta, $0.avoided.value, $0.avoided.lower, $0.avoided.upper) }.joined(separator: "; "),
            "prompted exams per exam: \(f(e.promptedExamsPerExam, 3))",
            "false prompts on conclusive exams (rate): \(f(e.falsePromptRate, 3))",
            "extra scanner minutes per exam: \(f(e.extraMinutesPerExam, 2))",
        ]
        for a in e.actions {
            lines.append("  \(a.action): \(a.count) times, " + String(format: "%.1f per %d exams, %.2f min per exam", a.perExams, m, a.minutesPerExam))
        }
        lines.append("Median and 2.5/97.5 percentiles of \(e.configuration.draws) Monte Carlo draws (seed \(e.configuration.seed)), clusters resampled. θ is not observable in history: it is \(theta).")
        return lines.joined(separator: "\n")
    }
}

/// `lgeqa audit validate`: coverage, bias and width of the interval over simulated audits.
struct AuditValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the estimator by simulation: 95% interval coverage, bias and width over many audits with known truth.",
        discussion: """
            ADEMP (Morris et al. 2019). Each simulated audit draws site/scanner clusters with between-cluster \
            variation in the in-scope recall rate, a protocol that prompts in a fraction of recalled and other \
            exams, and a pilot (k of m) for θ; the truth is the avoided count per 1,000 exams in a future \
            population under the same process. The full method must cover 93–97%; the naive variants (Wald, \
            fixed θ, ignoring clusters) are shown beside it. Audits run on all cores with per-audit seeds, so \
            results do not depend on the number of threads. All figures are from SYNTHETIC audits.
            """
    )

    enum Scenario: String, ExpressibleByArgument, CaseIterable { case standard, small, large, all }

    @Option(help: "Simulated audits per scenario (at least 1000 for a reported figure).") var audits = 1000
    @Option(help: "Monte Carlo draws per interval.") var draws = 10_000
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Scenario: standard, small, large or all.") var scenario: Scenario = .all
    @Option(help: "Output format: table or json.") var format: ReportFormat = .table

    func run() async throws {
        let scenarios: [AuditScenario] = switch scenario {
        case .standard: [.standard]
        case .small: [.smallCounts]
        case .large: [.largeArchive]
        case .all: AuditScenario.presets
        }
        var reports: [ValidationReport] = []
        let started = Date()
        for s in scenarios {
            let progress = ProgressBar(total: audits, label: "validate \(s.name)")
            reports.append(EstimatorValidation(scenario: s, audits: audits, draws: draws, seed: seed).run { progress.advance() })
        }
        let seconds = Date().timeIntervalSince(started)
        switch format {
        case .json:
            print(try prettyJSON(reports))
        case .table:
            for r in reports {
                let s = r.scenario
                print("SYNTHETIC scenario '\(s.name)': \(s.clusters) clusters × \(s.examsPerCluster.lowerBound)–\(s.examsPerCluster.upperBound) exams, "
                    + "recall rate \(s.outcomeRate) (κ \(s.outcomeRateConcentration)), prompts \(s.promptSensitivity)/\(s.falsePromptProbability), "
                    + "θ \(s.theta) from a pilot of \(s.pilotTrials), φ \(s.phi)")
                print(String(format: "  truth %.2f avoided per %.0f exams; %d audits × %d draws, seed %llu", r.truth, s.examsPer, r.audits, r.draws, r.seed))
                print("  METHOD             COVERAGE        BIAS   MEAN WIDTH")
                for p in r.methods {
                    print("  " + p.method.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
                        + String(format: "  %5.1f%% ± %.1f  %+7.2f  %9.2f", 100 * p.coverage, 100 * p.coverageStandardError, p.bias, p.meanWidth))
                }
            }
            print(String(format: "\n%.0f s. Coverage ± its Monte Carlo standard error; the full method's target is 93–97%%.", seconds))
        }
        let outside = reports.filter { ($0.performance(.full)).map { !(0.93...0.97).contains($0.coverage) } ?? false }
        if audits >= 1000, !outside.isEmpty {
            for r in outside { printError("lgeqa: scenario '\(r.scenario.name)': the full method's coverage is outside 93–97%") }
            throw ExitStatus.partial
        }
    }
}

extension ClusterGrouping: ExpressibleByArgument {}

/// `lgeqa audit check-history`: reads a historical archive (docs/history.md) without replaying it.
struct AuditCheckHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-history",
        abstract: "Check a historical archive (session folders + outcomes.csv, see docs/history.md) before an audit.",
        discussion: "Lists bad outcome rows with their line, sessions without outcomes and outcomes without sessions (all excluded), and counts in-scope outcomes per cluster."
    )

    @Option(help: "Folder with one sub-folder of DICOM files per session.") var sessions: String
    @Option(help: "The outcomes CSV.") var outcomes: String
    @Option(help: "Cluster by site, scanner (site/scanner) or month (site/scanner/YYYY-MM).") var clusterBy: ClusterGrouping = .scanner

    func run() async throws {
        let archive = try HistoricalArchive(sessionsDirectory: URL(fileURLWithPath: sessions), outcomes: outcomes)
        archive.problems.forEach { printError("lgeqa: \($0)") }
        for id in archive.sessionsWithoutOutcome { printError("lgeqa: session folder '\(id)' has no row in \(outcomes): excluded") }
        for id in archive.outcomesWithoutSession { printError("lgeqa: \(outcomes) lists session '\(id)' but \(sessions) has no such folder: excluded") }
        let byCluster = Dictionary(grouping: archive.sessions) { $0.outcome.cluster(by: clusterBy) }
        print("\(archive.sessions.count) sessions with outcomes in \(byCluster.count) cluster(s) (by \(clusterBy.rawValue))")
        for cluster in byCluster.keys.sorted() {
            let members = byCluster[cluster]!
            print("  \(cluster): \(members.count) exams, \(members.filter(\.outcome.outcomeInScope).count) recalled/inconclusive in scope")
        }
        let excluded = archive.problems.count + archive.sessionsWithoutOutcome.count + archive.outcomesWithoutSession.count
        if excluded > 0 {
            print("excluded: \(archive.problems.count) bad outcome row(s), \(archive.sessionsWithoutOutcome.count) session(s) without outcome, \(archive.outcomesWithoutSession.count) outcome(s) without session")
        }
        if archive.sessions.isEmpty { throw ExitStatus.noUsableInput }
        if excluded > 0 { throw ExitStatus.partial }
    }
}

/// Every shard's session records, each bad line reported on stderr; also how many lines were bad.
func readRecordShards(_ paths: [String]) -> (shards: [[SessionReplayResult]], bad: Int) {
    var shards: [[SessionReplayResult]] = []
    var bad = 0
    for path in paths {
        let (results, problems) = AuditRecords.read(path: path)
        problems.forEach { printError("lgeqa: \($0)") }
        bad += problems.count
        shards.append(results)
    }
    return (shards, bad)
}
