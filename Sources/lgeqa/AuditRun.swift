import ArgumentParser
import Foundation
import LGEAudit
import LGEClassifier
import LGEEvaluation
import LGENeural
import LGEProtocol
import LGEReplay
import LGESimulator

/// table, json or html.
enum AuditReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, html
}

/// `--shard i/N`: the sessions whose position in the archive (from 0) is i − 1 modulo N.
struct Shard: ExpressibleByArgument, Sendable, Hashable, CustomStringConvertible {
    var index: Int
    var count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(i) else { return nil }
        index = i
        count = n
    }

    func contains(position: Int) -> Bool { position % count == index - 1 }

    var description: String { "\(index)/\(count)" }
}

/// What `lgeqa audit` and `lgeqa tune` share: the protocol, the classifier, the archive.
enum AuditInputs {
    static func loadProtocol(_ name: String) throws -> QAProtocol {
        do { return try ProtocolFiles.load(name) } catch {
            printError("lgeqa: \(error.description)")
            throw ExitStatus.noUsableInput
        }
    }

    /// The classifier: an audit without one would prompt on nothing, so a missing model is an error.
    static func loadClassifier(_ model: String?) throws -> SliceClassifier {
        let path = model ?? ModelCommand.defaultModelPath
        do { return try SliceClassifier(modelPath: path) } catch {
            printError("lgeqa: \(path): \(error.description); an audit needs the classifier (give one with --model, or run `make model`)")
            throw ExitStatus.noUsableInput
        }
    }

    /// `DIR/sessions` and `DIR/outcomes.csv` (docs/history.md); every exclusion is printed.
    static func loadArchive(_ directory: String) throws -> (archive: HistoricalArchive, excluded: Exclusions) {
        let root = URL(fileURLWithPath: directory)
        let outcomes = root.appendingPathComponent("outcomes.csv").path
        let archive: HistoricalArchive
        do { archive = try HistoricalArchive(sessionsDirectory: root.appendingPathComponent("sessions"), outcomes: outcomes) } catch {
            throw CommandError("\(error.description) (a history folder holds sessions/ and outcomes.csv, see docs/history.md)")
        }
        archive.problems.forEach { printError("lgeqa: \($0)") }
        for id in archive.sessionsWithoutOutcome { printError("lgeqa: session folder '\(id)' has no row in \(outcomes): excluded") }
        for id in archive.outcomesWithoutSession { printError("lgeqa: \(outcomes) lists session '\(id)' but \(directory)/sessions has no such folder: excluded") }
        return (archive, Exclusions(
            badOutcomeRows: archive.problems.count, sessionsWithoutOutcome: archive.sessionsWithoutOutcome.count,
            outcomesWithoutSession: archive.outcomesWithoutSession.count, sessionsNotReplayed: 0))
    }
}

/// What an audit left out, with counts (each item is also listed on standard error).
struct Exclusions: Codable, Hashable {
    var badOutcomeRows: Int
    var sessionsWithoutOutcome: Int
    var outcomesWithoutSession: Int
    var sessionsNotReplayed: Int

    var total: Int { badOutcomeRows + sessionsWithoutOutcome + outcomesWithoutSession + sessionsNotReplayed }

    var description: String {
        "\(badOutcomeRows) bad outcome row(s), \(sessionsWithoutOutcome) session(s) without outcome, \(outcomesWithoutSession) outcome(s) without session, \(sessionsNotReplayed) session(s) that could not be replayed"
    }

    enum CodingKeys: String, CodingKey {
        case badOutcomeRows = "bad_outcome_rows", sessionsWithoutOutcome = "sessions_without_outcome"
        case outcomesWithoutSession = "outcomes_without_session", sessionsNotReplayed = "sessions_not_replayed"
    }
}

/// `lgeqa audit --history DIR --protocol P`: replay a historical archive and estimate.
struct AuditRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay a historical archive under a protocol and estimate the recalls and inconclusive reports it would have avoided.",
        discussion: """
            Reads HISTORY/sessions (one DICOM folder per exam) and HISTORY/outcomes.csv (docs/history.md), replays \
            every session as a recording through the classifier and the protocol (nothing is carried out), and \
            runs the estimator of `lgeqa audit estimate` on the per-session records: avoided recalls/inconclusive \
            reports per 1,000 exams with a 95% interval, prompts per exam, false prompts on conclusive exams, \
            extra scanner minutes, a per-action breakdown and a θ sweep. θ (a prompt resolves the ambiguity) is \
            not in the history: give it from a pilot (--theta-k K --theta-m M) or measure it on SYNTHETIC cases \
            (--theta-from-simulator; the report says so). Sessions are replayed on all cores, one at a time per \
            core, so memory does not grow with the archive. --shard i/N replays every N-th session and writes \
            its records; `lgeqa audit merge` or `lgeqa audit estimate --records` on all shards gives the \
            single-run result.
            """
    )

    @Option(help: "History folder: sessions/ and outcomes.csv (docs/history.md).") var history: String
    @Option(name: .customLong("protocol"), help: "A protocol file, or the name of a shipped one.") var protocolName: String
    @Option(help: "Model file (default: models/lgeqa-default.lgeqa).") var model: String?
    @Option(help: ArgumentHelp(
        "Who assesses each image: classifier (the model), or virtual-readers (a simulated archive only: the readers' own odds from the truth beside each session: what a classifier as good as the readers allow would give this protocol).",
        valueName: "classifier|virtual-readers"))
    var assessor: AssessorChoice = .classifier
    @Option(help: "θ from a pilot: prompts that resolved the ambiguity (k) ...") var thetaK: Int?
    @Option(help: "... of prompts in the pilot (m).") var thetaM: Int?
    @Flag(help: "Measure θ on SYNTHETIC cases: closed-loop replays of shipped scenarios.") var thetaFromSimulator = false
    @Option(parsing: .upToNextOption, help: "Scenarios for --theta-from-simulator (names or files).")
    var thetaCases: [String] = ["ghosting-septum", "ti-too-short-magnitude", "focal-equivocal", "motion-blur-2ch", "ti-drift-late"]
    @Option(help: "φ: harm of a false prompt, 'k/m' or a probability.") var phi: ProbabilitySource = .assumed(0)
    @Option(help: "Cluster by site, scanner (site/scanner) or month.") var clusterBy: ClusterGrouping = .scanner
    @Option(help: "Replay only shard i of N (every N-th session) and write its records (needs --records-out).") var shard: Shard?
    @Option(help: "Write the per-session records (JSON Lines) here.") var recordsOut: String?
    @Option(help: "Monte Carlo draws.") var draws = 10_000
    @Option(help: "Seed of the Monte Carlo draws.") var seed: UInt64 = 1
    @Option(help: "Sessions replayed at once (default: every core).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output format: table, json or html.") var format: AuditReportFormat = .table
    @Option(help: "Write the report here instead of standard output.") var out: String?

    func validate() throws {
        if (thetaK == nil) != (thetaM == nil) { throw ValidationError("give --theta-k and --theta-m together") }
        if let k = thetaK, let m = thetaM, !(m >= 1 && (0...m).contains(k)) { throw ValidationError("--theta-k must be between 0 and --theta-m (at least 1)") }
        if shard == nil, thetaK == nil, !thetaFromSimulator { throw ValidationError("θ is not in the history: give --theta-k K --theta-m M (a pilot) or --theta-from-simulator") }
        if thetaK != nil, thetaFromSimulator { throw ValidationError("give either --theta-k/--theta-m or --theta-from-simulator") }
        if shard != nil, recordsOut == nil { throw ValidationError("--shard writes records: give --records-out FILE") }
        guard draws >= 10_000 else { throw ValidationError("--draws must be at least 10000 for a reported figure") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        try assessor.validate(model: model)
    }

    func run() async throws {
        let qaProtocol = try AuditInputs.loadProtocol(protocolName)
        var (archive, excluded) = try AuditInputs.loadArchive(history)
        let sessions = archive.sessions.enumerated().filter { shard?.contains(position: $0.offset) ?? true }.map(\.element)
        let classifier = assessor == .classifier ? try AuditInputs.loadClassifier(model) : nil
        // Sessions run in parallel, so each classifier call keeps to one BLAS thread.
        BLAS.setThreadCount(1)
        var engine = ReplayEngine(protocol: qaProtocol, classifier: classifier)
        engine.assessor = assessor.replayAssessor
        var replayer = HistoryReplayer(engine: engine, clusterBy: clusterBy, threads: threads)
        replayer.readsVirtualReaders = assessor == .virtualReaders
        let assessedBy = classifier?.card.modelVersion ?? "none: the virtual readers' odds (SYNTHETIC; a classifier as good as the readers allow)"
        let progress = ProgressBar(total: sessions.count, label: "audit \(sessions.count) sessions")
        let replayed = replayer.replay(sessions) { progress.advance() }
        var records: [SessionReplayResult] = []
        var synthetic = true
        for result in replayed {
            switch result {
            case .success(let session):
                records.append(session.record)
                synthetic = synthetic && session.synthetic
            case .failure(let failure):
                printError("lgeqa: \(failure)")
                excluded.sessionsNotReplayed += 1
            }
        }
        if let recordsOut {
            try AuditRecords.encode(records).write(toFile: recordsOut, atomically: true, encoding: .utf8)
        }
        if let shard {
            printError("lgeqa: shard \(shard): \(records.count) session record(s) written to \(recordsOut!); merge all shards with `lgeqa audit merge` or `lgeqa audit estimate --records`")
            try finish(excluded, records: records)
            return
        }
        guard !records.isEmpty else {
            printError("lgeqa: no session could be audited")
            throw ExitStatus.noUsableInput
        }
        let theta: ProbabilitySource
        let thetaNote: String
        let thetaLabel: String?
        if let k = thetaK, let m = thetaM {
            theta = .pilot(successes: k, trials: m)
            thetaNote = "θ from a pilot: \(k) of \(m) prompts resolved the ambiguity"
            thetaLabel = nil
        } else {
            let exams = try thetaCases.map { try ShippedContent.loadScenario($0) }
            let measured = try SimulatedTheta.measure(exams: exams, engine: engine)
            guard measured.prompted > 0 else { throw CommandError("--theta-from-simulator: no followed prompt on an ambiguous slice in \(thetaCases.joined(separator: ", ")); name other --theta-cases") }
            theta = measured.source
            thetaNote = "θ from SYNTHETIC cases (not a clinical pilot): \(measured.description)"
            thetaLabel = "\(measured.resolved)/\(measured.prompted) from SYNTHETIC cases, Jeffreys Beta(\(measured.resolved)+½, \(measured.prompted - measured.resolved)+½)"
        }
        let estimate = AuditEstimator(configuration: AuditConfiguration(theta: theta, phi: phi, draws: draws, seed: seed)).estimate(records)
        let report = AuditReport(
            protocolName: qaProtocol.name, protocolVersion: qaProtocol.version, model: assessedBy,
            history: history, syntheticSessions: synthetic, theta: thetaNote, thetaLabel: thetaLabel, clusterBy: clusterBy.rawValue,
            excluded: excluded, estimate: estimate)
        try write(report.render(format), to: out)
        try finish(excluded, records: records)
    }

    func finish(_ excluded: Exclusions, records: [SessionReplayResult]) throws {
        if excluded.total > 0 {
            printError("lgeqa: excluded: \(excluded.description) (listed above)")
            throw ExitStatus.partial
        }
    }
}

/// Writes `text` to a file, or to standard output.
func write(_ text: String, to path: String?) throws {
    if let path {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    } else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
    }
}

/// An audit's report in every format.
struct AuditReport: Encodable {
    var protocolName: String
    var protocolVersion: String
    var model: String
    var history: String
    var syntheticSessions: Bool
    var theta: String
    /// Set when θ was measured on SYNTHETIC cases, so every line that names θ says so.
    var thetaLabel: String?
    var clusterBy: String
    var excluded: Exclusions
    var estimate: LGEAudit.AuditEstimate
    var note = "Research and training tool, not a diagnostic device. Median and 2.5/97.5 percentiles of the Monte Carlo draws."

    enum CodingKeys: String, CodingKey {
        case protocolName = "protocol", protocolVersion = "protocol_version", model, history, syntheticSessions = "synthetic_sessions"
        case theta, thetaLabel = "theta_label", clusterBy = "cluster_by", excluded, estimate, note
    }

    func render(_ format: AuditReportFormat) throws -> String {
        switch format {
        case .json:
            return try prettyJSON(self)
        case .table:
            var lines = ["Audit of \(history) under protocol '\(protocolName)' \(protocolVersion), model \(model)"]
            if syntheticSessions { lines.append("SYNTHETIC sessions (the lgeqa simulator's): the figures describe simulated exams, not patients.") }
            lines.append(theta)
            lines.append(AuditText.describe(estimate, thetaLabel: thetaLabel))
            if excluded.total > 0 { lines.append("excluded: \(excluded.description)") }
            lines.append("lgeqa is a research and training tool, not a diagnostic device.")
            return lines.joined(separator: "\n")
        case .html:
            return html()
        }
    }

    func html() -> String {
        let e = estimate
        let m = Int(e.configuration.examsPer)
        func cell(_ x: Estimate?, _ digits: Int = 1) -> String {
            guard let x else { return "–" }
            return String(format: "%.\(digits)f <span class=\"note\">(%.\(digits)f to %.\(digits)f)</span>", x.value, x.lower, x.upper)
        }
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>lgeqa audit\(syntheticSessions ? " (SYNTHETIC)" : "")</title>
            <style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#212529}
            table{border-collapse:collapse;margin:.6em 0} th,td{padding:.25em .7em;border-bottom:1px solid #e9ecef;text-align:right}
            th:first-child,td:first-child{text-align:left} .banner{background:#fff4e6;border:1px solid #d9480f;color:#a33a0a;padding:.5em 1em;font-weight:bold} .note{color:#6c757d;font-size:.9em}</style>
            </head><body><h1>lgeqa audit: avoided recalls and inconclusive reports</h1>
            <p class="note">Research and training tool, not a diagnostic device. History \(SVGPlot.escape(history)), protocol \(SVGPlot.escape(protocolName)) \(SVGPlot.escape(protocolVersion)), model \(SVGPlot.escape(model)), clusters by \(clusterBy).</p>

            """
        if syntheticSessions { page += "<p class=\"banner\">SYNTHETIC sessions: the figures describe simulated exams, not patients.</p>\n" }
        page += "<p>\(SVGPlot.escape(theta))</p>\n<table><tr><th>Figure</th><th>Value (95% interval)</th></tr>\n"
        page += "<tr><td>Exams / clusters</td><td>\(e.counts.exams) / \(e.clusters)</td></tr>"
        page += "<tr><td>Recalled or inconclusive, in scope (prompted: n11)</td><td>\(e.counts.outcomes) (\(e.counts.promptedWithOutcome))</td></tr>"
        page += "<tr><td>Avoided per \(m) exams</td><td>\(cell(e.avoided))</td></tr>"
        page += "<tr><td>Prompted exams per exam</td><td>\(cell(e.promptedExamsPerExam, 3))</td></tr>"
        page += "<tr><td>False prompts on conclusive exams (rate)</td><td>\(cell(e.falsePromptRate, 3))</td></tr>"
        page += "<tr><td>Extra scanner minutes per exam</td><td>\(cell(e.extraMinutesPerExam, 2))</td></tr></table>\n"
        page += "<h2>Actions</h2><table><tr><th>Action</th><th>Times</th><th>Per \(m) exams</th><th>Minutes per exam</th></tr>"
        for a in e.actions { page += "<tr><td>\(SVGPlot.escape(a.action))</td><td>\(a.count)</td>" + String(format: "<td>%.1f</td><td>%.2f</td></tr>", a.perExams, a.minutesPerExam) }
        page += "</table>\n<h2>θ sweep</h2><table><tr><th>θ</th><th>Avoided per \(m) exams</th></tr>"
        for point in e.thetaSweep { page += String(format: "<tr><td>%.3f</td>", point.theta) + "<td>\(cell(point.avoided))</td></tr>" }
        page += "</table>\n"
        if excluded.total > 0 { page += "<p>Excluded: \(SVGPlot.escape(excluded.description)).</p>\n" }
        return page + "</body></html>\n"
    }
}

/// `lgeqa audit merge --records FILE... --out FILE`: shards' records as one file.
struct AuditMerge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the per-session records of audit shards into one JSON Lines file (a session in two shards is an error)."
    )

    @Option(name: .customLong("records"), parsing: .upToNextOption, help: "JSON Lines files of session records (one per shard).")
    var records: [String]
    @Option(help: "The merged records file.") var out: String

    func run() async throws {
        let (shards, bad) = readRecordShards(records)
        switch AuditRecords.merge(shards) {
        case .success(let merged):
            try AuditRecords.encode(merged).write(toFile: out, atomically: true, encoding: .utf8)
            print("\(merged.count) session record(s) from \(records.count) shard(s) written to \(out)")
            if merged.isEmpty { throw ExitStatus.noUsableInput }
        case .failure(let problem):
            throw CommandError(problem.description)
        }
        if bad > 0 {
            printError("lgeqa: \(bad) record line(s) excluded (listed above)")
            throw ExitStatus.partial
        }
    }
}
