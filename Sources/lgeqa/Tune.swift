import ArgumentParser
import Foundation
import LGEAudit
import LGEEvaluation
import LGENeural
import LGEProtocol
import LGEReplay

/// `lgeqa tune --protocol P --cohort DIR --sweep KEY=START:STOP:STEP ...`: a protocol's trade-offs.
struct Tune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweep protocol thresholds over a cohort: prompts, ambiguous slices prompted, extra minutes and avoided recalls, with the Pareto front.",
        discussion: """
            Every slice of the cohort is classified once; each sweep point then re-runs only the rules engine on \
            the recorded facts (a recording carries nothing out, so the facts do not depend on the protocol). \
            KEY names a number the way the protocol's YAML spells it: rules.RULE.when.FACT.OP (OP lt, le, gt, ge, \
            between.0, between.1; e.g. rules.ghost-swap.when.acquisition.causes.ghosting.ge), rules.RULE.then.priority|cost, \
            certainty_bands.BAND (its lower bound; .lower/.upper), limits.prompts_per_exam, limits.extra_minutes, \
            limits.action_costs.ACTION, ... An unknown key's error lists the valid ones. Several --sweep options \
            give every combination.

            The cohort is a history folder (sessions/ and outcomes.csv, e.g. from `lgeqa simulate cohort --history`) \
            or a folder of session folders (then no avoided-recall figure). "Ambiguous" is the model's \
            p_low_certainty ≥ 0.5, fixed across sweep points; expected resolved = ambiguous slices prompted × θ.
            """
    )

    @Option(name: .customLong("protocol"), help: "A protocol file, or the name of a shipped one.") var protocolName: String
    @Option(help: "Cohort: a history folder (sessions/ + outcomes.csv) or a folder of session folders.") var cohort: String
    @Option(help: "KEY=START:STOP:STEP (repeatable).") var sweep: [String]
    @Option(help: "Model file (default: models/lgeqa-default.lgeqa).") var model: String?
    @Option(help: ArgumentHelp(
        "Who assesses each image: classifier (the model), or virtual-readers (a simulated cohort only: the readers' own odds from the truth beside each session).",
        valueName: "classifier|virtual-readers"))
    var assessor: AssessorChoice = .classifier
    @Option(help: "θ for the avoided-recall figure and the expected resolved count: a pilot 'k/m' or a probability (stated as an assumption).")
    var theta: ProbabilitySource = .assumed(0.5)
    @Option(help: "Cluster by site, scanner (site/scanner) or month.") var clusterBy: ClusterGrouping = .scanner
    @Option(help: "Monte Carlo draws per sweep point.") var draws = 10_000
    @Option(help: "Output format: table, json or html (html embeds the plot).") var format: AuditReportFormat = .table
    @Option(help: "Write the report here instead of standard output.") var out: String?
    @Option(help: "Also write the trade-off plot (SVG, Pareto front marked) here.") var plot: String?

    func validate() throws {
        guard !sweep.isEmpty else { throw ValidationError("give at least one --sweep KEY=START:STOP:STEP") }
        guard draws >= 1000 else { throw ValidationError("--draws must be at least 1000") }
        try assessor.validate(model: model)
    }

    func run() async throws {
        let qaProtocol = try AuditInputs.loadProtocol(protocolName)
        let sweeps: [ParameterSweep]
        do { sweeps = try sweep.map { text throws(ProtocolKeyError) in try ParameterSweep(text, in: qaProtocol) } } catch {
            printError("lgeqa: \(protocolName): \(error.description)")
            throw ExitCode.validationFailure
        }
        let classifier = assessor == .classifier ? try AuditInputs.loadClassifier(model) : nil
        BLAS.setThreadCount(1)
        let root = URL(fileURLWithPath: cohort)
        let hasOutcomes = FileManager.default.fileExists(atPath: root.appendingPathComponent("outcomes.csv").path)
        var excluded = 0
        let sessions: [HistoricalSession]
        if hasOutcomes {
            let (archive, exclusions) = try AuditInputs.loadArchive(cohort)
            sessions = archive.sessions
            excluded = exclusions.total
        } else {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { name in
                var folder: ObjCBool = false
                return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &folder) && folder.boolValue
            }.sorted()
            guard !names.isEmpty else { throw CommandError("\(cohort): no session folders (and no outcomes.csv)") }
            printError("lgeqa: \(cohort) has no outcomes.csv: no avoided-recall figure")
            sessions = names.map {
                HistoricalSession(outcome: HistoricalOutcome(session: $0, date: "", site: "", scanner: "", conclusive: true, recalled: false, reasonInScope: false),
                                  directory: root.appendingPathComponent($0))
            }
        }
        let progress = ProgressBar(total: sessions.count, label: "classify \(sessions.count) sessions")
        var engine = ReplayEngine(protocol: qaProtocol, classifier: classifier)
        engine.assessor = assessor.replayAssessor
        var replayer = HistoryReplayer(engine: engine, clusterBy: clusterBy, keepFacts: true)
        replayer.readsVirtualReaders = assessor == .virtualReaders
        var tuning: [TuningSession] = []
        var synthetic = true
        for result in replayer.replay(sessions, progress: { progress.advance() }) {
            switch result {
            case .success(let s):
                synthetic = synthetic && s.synthetic
                tuning.append(TuningSession(session: s.record.session, cluster: s.record.cluster, outcomeInScope: hasOutcomes ? s.record.outcomeInScope : nil, facts: s.facts))
            case .failure(let failure):
                printError("lgeqa: \(failure)")
                excluded += 1
            }
        }
        guard !tuning.isEmpty else { throw ExitStatus.noUsableInput }
        let tuner = ProtocolTuner(base: qaProtocol, sweeps: sweeps, configuration: AuditConfiguration(theta: theta, draws: draws))
        let rows: [TradeoffRow]
        do { rows = try tuner.run(tuning) } catch {
            printError("lgeqa: \(error.description)")
            throw ExitCode.validationFailure
        }
        let report = TuneReport(
            protocolName: qaProtocol.name, cohort: cohort, synthetic: synthetic, exams: tuning.count, theta: theta.description,
            assessedBy: classifier.map { "model \($0.card.modelVersion)" } ?? "the virtual readers' odds, SYNTHETIC",
            keys: sweeps.map(\.key.path), baseline: sweeps.map { $0.key.current(in: qaProtocol) }, rows: rows)
        let svg = TradeoffPlot.svg(rows, title: "Protocol '\(qaProtocol.name)': trade-offs", examsPer: 1000, watermark: synthetic ? "SYNTHETIC" : nil)
        if let plot { try svg.write(toFile: plot, atomically: true, encoding: .utf8) }
        try write(try report.render(format, svg: svg), to: out)
        if excluded > 0 {
            printError("lgeqa: \(excluded) item(s) excluded (listed above)")
            throw ExitStatus.partial
        }
    }
}

/// `lgeqa tune`'s report.
struct TuneReport: Encodable {
    var protocolName: String
    var cohort: String
    var synthetic: Bool
    var exams: Int
    var theta: String
    /// Who assessed the slices: the model's version, or the virtual readers.
    var assessedBy: String
    var keys: [String]
    /// The protocol's own values of the keys (nil: unset).
    var baseline: [Double?]
    var rows: [TradeoffRow]

    enum CodingKeys: String, CodingKey {
        case protocolName = "protocol", cohort, synthetic, exams, theta, assessedBy = "assessed_by", keys, baseline, rows
    }

    func render(_ format: AuditReportFormat, svg: String) throws -> String {
        switch format {
        case .json:
            return try prettyJSON(self)
        case .table:
            var lines = ["Tuning '\(protocolName)' on \(exams) exam(s) of \(cohort)\(synthetic ? " (SYNTHETIC)" : ""); θ \(theta)"]
            lines.append("protocol's values: " + zip(keys, baseline).map { "\($0)=\($1.map { String($0) } ?? "unset")" }.joined(separator: ", "))
            let header = keys.map { $0.split(separator: ".").suffix(2).joined(separator: ".") }
            lines.append((header + ["prompts/exam", "ambig. prompted", "resolved (exp.)", "extra min/exam", "avoided/1000 (95% interval)", "Pareto"]).joined(separator: " | "))
            for r in rows {
                var cells = keys.map { String(r.settings[$0]!) }
                cells.append(String(format: "%.2f", r.promptsPerExam))
                cells.append("\(r.ambiguousPrompted)/\(r.ambiguousSlices)")
                cells.append(String(format: "%.1f", r.ambiguousResolvedExpected))
                cells.append(String(format: "%.2f", r.extraMinutesPerExam))
                cells.append(r.avoided.map { String(format: "%.1f (%.1f to %.1f)", $0.value, $0.lower, $0.upper) } ?? "-")
                cells.append(r.pareto ? "*" : "")
                lines.append(cells.joined(separator: " | "))
            }
            lines.append("* on the Pareto front: no other point has fewer or equal prompts and minutes with at least as many ambiguous slices prompted and avoided recalls.")
            lines.append("Ambiguous: p_low_certainty ≥ 0.5 (assessed by \(assessedBy)). lgeqa is a research and training tool, not a diagnostic device.")
            return lines.joined(separator: "\n")
        case .html:
            var page = """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>lgeqa tune\(synthetic ? " (SYNTHETIC)" : "")</title>
                <style>body{font-family:system-ui,sans-serif;max-width:1040px;margin:2em auto;padding:0 1em;color:#212529}
                table{border-collapse:collapse;margin:.6em 0} th,td{padding:.25em .7em;border-bottom:1px solid #e9ecef;text-align:right}
                .banner{background:#fff4e6;border:1px solid #d9480f;color:#a33a0a;padding:.5em 1em;font-weight:bold} tr.pareto{background:#fff4e6}</style>
                </head><body><h1>lgeqa tune: protocol '\(SVGPlot.escape(protocolName))'</h1>
                <p>\(exams) exam(s) of \(SVGPlot.escape(cohort)); θ \(SVGPlot.escape(theta)). Research and training tool, not a diagnostic device.</p>

                """
            if synthetic { page += "<p class=\"banner\">SYNTHETIC cohort: the figures describe simulated exams, not patients.</p>\n" }
            page += svg + "\n<table><tr>" + keys.map { "<th>\(SVGPlot.escape($0))</th>" }.joined()
            page += "<th>Prompts/exam</th><th>Ambiguous prompted</th><th>Resolved (expected)</th><th>Extra min/exam</th><th>Avoided per 1000 (95% interval)</th><th>Pareto</th></tr>\n"
            for r in rows {
                page += "<tr\(r.pareto ? " class=\"pareto\"" : "")>" + keys.map { "<td>\(r.settings[$0]!)</td>" }.joined()
                page += String(format: "<td>%.2f</td><td>%d/%d</td><td>%.1f</td><td>%.2f</td>", r.promptsPerExam, r.ambiguousPrompted, r.ambiguousSlices, r.ambiguousResolvedExpected, r.extraMinutesPerExam)
                page += "<td>" + (r.avoided.map { String(format: "%.1f (%.1f to %.1f)", $0.value, $0.lower, $0.upper) } ?? "–") + "</td><td>\(r.pareto ? "★" : "")</td></tr>\n"
            }
            return page + "</table></body></html>\n"
        }
    }
}
