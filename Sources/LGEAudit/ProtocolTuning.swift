import Foundation
import LGEEvaluation
import LGEProtocol

/// A session ready for tuning: its recorded facts (classified once) and, when known, its outcome.
public struct TuningSession: Sendable {
    public var session: String
    public var cluster: String
    /// Nil when the cohort has no outcomes (then no avoided-recall figure).
    public var outcomeInScope: Bool?
    public var facts: [SliceFacts]

    public init(session: String, cluster: String, outcomeInScope: Bool?, facts: [SliceFacts]) {
        self.session = session
        self.cluster = cluster
        self.outcomeInScope = outcomeInScope
        self.facts = facts
    }
}

/// One point of a sweep and what the protocol would cost and gain there.
public struct TradeoffRow: Sendable, Hashable, Codable {
    /// The swept keys' values, by key.
    public var settings: [String: Double]
    public var exams: Int
    /// Recommendations per exam (message-only ones included).
    public var promptsPerExam: Double
    /// Slices the model calls ambiguous (p_low_certainty ≥ 0.5), and how many got a prompt.
    public var ambiguousSlices: Int
    public var ambiguousPrompted: Int
    /// Expected resolved: ambiguous slices prompted × θ (point value).
    public var ambiguousResolvedExpected: Double
    public var extraMinutesPerExam: Double
    /// Avoided recalls/inconclusive reports per M exams with a 95% interval; nil without outcomes.
    public var avoided: Estimate?
    /// Not dominated by another row (fewer or equal prompts and minutes, at least as many
    /// ambiguous slices prompted and avoided recalls, one of them strictly better).
    public var pareto = false

    enum CodingKeys: String, CodingKey {
        case settings, exams, promptsPerExam = "prompts_per_exam", ambiguousSlices = "ambiguous_slices", ambiguousPrompted = "ambiguous_prompted"
        case ambiguousResolvedExpected = "ambiguous_resolved_expected", extraMinutesPerExam = "extra_minutes_per_exam", avoided, pareto
    }

    /// Share of ambiguous slices prompted.
    public var ambiguousPromptedShare: Double { ambiguousSlices == 0 ? 0 : Double(ambiguousPrompted) / Double(ambiguousSlices) }
}

/// Re-runs the rules engine over classified sessions for every point of a sweep.
public struct ProtocolTuner: Sendable {
    public var base: QAProtocol
    public var sweeps: [ParameterSweep]
    public var configuration: AuditConfiguration

    /// Largest number of sweep points (the product of the sweeps' value counts).
    public static let maximumPoints = 2000

    public init(base: QAProtocol, sweeps: [ParameterSweep], configuration: AuditConfiguration) {
        self.base = base
        self.sweeps = sweeps
        self.configuration = configuration
    }

    /// Every combination of the sweeps' values, the first sweep varying slowest.
    public var points: [[Double]] {
        sweeps.reduce([[]]) { partial, sweep in partial.flatMap { prefix in sweep.values.map { prefix + [$0] } } }
    }

    /// The trade-off table, Pareto front marked; `progress` after each point.
    public func run(_ sessions: [TuningSession], progress: @Sendable () -> Void = {}) throws(ProtocolKeyError) -> [TradeoffRow] {
        let points = points
        guard points.count <= Self.maximumPoints else {
            throw .badSweep(sweeps.map(\.key.path).joined(separator: " × "), reason: "\(points.count) combinations; at most \(Self.maximumPoints)")
        }
        var variants: [QAProtocol] = []
        for point in points {
            var p = base
            for (sweep, value) in zip(sweeps, point) { p = try sweep.key.setting(value, in: p) }
            variants.append(p)
        }
        let protocols = variants
        let slots = Slots<TradeoffRow>(count: points.count)
        DispatchQueue.concurrentPerform(iterations: min(ProcessInfo.processInfo.activeProcessorCount, max(points.count, 1))) { _ in
            while let index = slots.claim() {
                slots.set(index, row(protocols[index], settings: Dictionary(uniqueKeysWithValues: zip(sweeps.map(\.key.path), points[index])), sessions: sessions))
                progress()
            }
        }
        return Self.markPareto(slots.values())
    }

    func row(_ qaProtocol: QAProtocol, settings: [String: Double], sessions: [TuningSession]) -> TradeoffRow {
        var prompts = 0, ambiguous = 0, ambiguousPrompted = 0, minutes = 0.0
        var records: [SessionReplayResult] = []
        for session in sessions {
            let outcome = ProtocolOutcome.evaluate(session.facts, protocol: qaProtocol)
            prompts += outcome.actions.count
            minutes += outcome.actions.reduce(0) { $0 + $1.minutes }
            ambiguous += outcome.ambiguousSlices
            ambiguousPrompted += outcome.ambiguousPrompted
            if let inScope = session.outcomeInScope {
                records.append(SessionReplayResult(session: session.session, cluster: session.cluster, outcomeInScope: inScope, prompted: !outcome.actions.isEmpty, actions: outcome.actions))
            }
        }
        let n = Double(max(sessions.count, 1))
        var configuration = configuration
        configuration.thetaSweep = []
        let avoided = records.isEmpty ? nil : AuditEstimator(configuration: configuration).estimate(clusters: Self.clusterCounts(records)).avoided
        return TradeoffRow(
            settings: settings, exams: sessions.count, promptsPerExam: Double(prompts) / n, ambiguousSlices: ambiguous,
            ambiguousPrompted: ambiguousPrompted, ambiguousResolvedExpected: Double(ambiguousPrompted) * configuration.theta.point,
            extraMinutesPerExam: minutes / n, avoided: avoided)
    }

    static func clusterCounts(_ records: [SessionReplayResult]) -> [AuditCounts] {
        let byCluster = Dictionary(grouping: records, by: \.cluster)
        return byCluster.keys.sorted().map { AuditCounts(byCluster[$0]!) }
    }

    /// Whether `a` dominates `b`: no worse on every objective, better on one.
    public static func dominates(_ a: TradeoffRow, _ b: TradeoffRow) -> Bool {
        let costs = [(a.promptsPerExam, b.promptsPerExam), (a.extraMinutesPerExam, b.extraMinutesPerExam)]
        var gains = [(Double(a.ambiguousPrompted), Double(b.ambiguousPrompted))]
        if let x = a.avoided, let y = b.avoided { gains.append((x.value, y.value)) }
        let noWorse = costs.allSatisfy { $0.0 <= $0.1 + 1e-12 } && gains.allSatisfy { $0.0 >= $0.1 - 1e-12 }
        let better = costs.contains { $0.0 < $0.1 - 1e-12 } || gains.contains { $0.0 > $0.1 + 1e-12 }
        return noWorse && better
    }

    /// Marks the rows no other row dominates.
    public static func markPareto(_ rows: [TradeoffRow]) -> [TradeoffRow] {
        rows.map { row in
            var marked = row
            marked.pareto = !rows.contains { dominates($0, row) }
            return marked
        }
    }
}

/// The trade-off plot: prompts per exam against the benefit (avoided recalls per M exams when
/// outcomes are known, else ambiguous slices prompted), the Pareto front joined and ringed.
public enum TradeoffPlot {
    public static func svg(_ rows: [TradeoffRow], title: String, examsPer: Double, watermark: String? = "SYNTHETIC") -> String {
        let width = 560.0, height = 400.0, left = 64.0, right = 20.0, top = 30.0, bottom = 48.0
        let useAvoided = rows.allSatisfy { $0.avoided != nil } && !rows.isEmpty
        func benefit(_ r: TradeoffRow) -> Double { useAvoided ? r.avoided!.value : Double(r.ambiguousPrompted) }
        let xs = rows.map(\.promptsPerExam)
        let ys = rows.map(benefit) + (useAvoided ? rows.flatMap { [$0.avoided!.lower, $0.avoided!.upper] } : [])
        let (x0, x1) = span(xs), (y0, y1) = span(ys)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let yLabel = useAvoided ? "avoided recalls/inconclusive per \(Int(examsPer)) exams (95% interval)" : "ambiguous slices prompted"
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" role=\"img\" aria-label=\"\(SVGPlot.escape(title))\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        svg += "<text x=\"\(f(width / 2))\" y=\"18\" font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\">\(SVGPlot.escape(title))</text>"
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(width - left - right))\" height=\"\(f(height - top - bottom))\" fill=\"none\" stroke=\"#333\"/>"
        for i in 0...4 {
            let tx = x0 + Double(i) / 4 * (x1 - x0), ty = y0 + Double(i) / 4 * (y1 - y0)
            svg += "<text x=\"\(f(px(tx)))\" y=\"\(f(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(String(format: "%.2f", tx))</text>"
            svg += "<text x=\"\(f(left - 4))\" y=\"\(f(py(ty) + 3))\" font-size=\"10\" text-anchor=\"end\">\(String(format: "%.1f", ty))</text>"
        }
        if let watermark {
            svg += "<text x=\"\(f(width / 2))\" y=\"\(f(height / 2))\" font-size=\"30\" fill=\"#d9480f\" fill-opacity=\"0.18\" text-anchor=\"middle\" transform=\"rotate(-30 \(f(width / 2)) \(f(height / 2)))\">\(SVGPlot.escape(watermark))</text>"
        }
        if useAvoided {
            for r in rows { svg += "<line x1=\"\(f(px(r.promptsPerExam)))\" y1=\"\(f(py(r.avoided!.lower)))\" x2=\"\(f(px(r.promptsPerExam)))\" y2=\"\(f(py(r.avoided!.upper)))\" stroke=\"#bbb\"/>" }
        }
        let front = rows.filter(\.pareto).sorted { ($0.promptsPerExam, benefit($0)) < ($1.promptsPerExam, benefit($1)) }
        if front.count > 1 {
            svg += "<polyline class=\"pareto-front\" points=\"" + front.map { "\(f(px($0.promptsPerExam))),\(f(py(benefit($0))))" }.joined(separator: " ") + "\" fill=\"none\" stroke=\"#d9480f\" stroke-width=\"1.5\"/>"
        }
        for r in rows {
            let tip = r.settings.keys.sorted().map { "\($0)=\(r.settings[$0]!)" }.joined(separator: ", ")
            svg += "<circle class=\"\(r.pareto ? "pareto" : "point")\" cx=\"\(f(px(r.promptsPerExam)))\" cy=\"\(f(py(benefit(r))))\" r=\"\(r.pareto ? 5 : 3.5)\" fill=\"\(r.pareto ? "#d9480f" : "#1f5fa8")\" fill-opacity=\"0.8\"><title>\(SVGPlot.escape(tip))</title></circle>"
        }
        svg += "<text x=\"\(f(left + (width - left - right) / 2))\" y=\"\(f(height - 8))\" font-size=\"11\" text-anchor=\"middle\">prompts per exam (orange: Pareto front)</text>"
        svg += "<text x=\"14\" y=\"\(f((top + height - bottom) / 2))\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f((top + height - bottom) / 2)))\">\(SVGPlot.escape(yLabel))</text>"
        return svg + "</svg>"
    }

    static func span(_ values: [Double]) -> (Double, Double) {
        guard let lo = values.min(), let hi = values.max() else { return (0, 1) }
        if hi - lo < 1e-9 { return (lo - 0.5, hi + 0.5) }
        let pad = 0.05 * (hi - lo)
        return (lo - pad, hi + pad)
    }
}
