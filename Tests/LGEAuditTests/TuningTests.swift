import Foundation
import LGEAudit
import LGEProtocol
import LGEReplay
import LGESession
import LGETestSupport
import Testing

/// Sweep keys, the rules-only re-run and the Pareto front, on hand-made slice facts (no classifier).
@Suite struct TuningTests {
    func shippedDefault() throws -> QAProtocol {
        try ProtocolLoader.load(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("protocols/default.yaml"))
    }

    func ghostThreshold(_ p: QAProtocol) -> Double? {
        p.rules.first { $0.name == "ghost-swap" }?.condition.tests.compactMap { test -> Double? in
            if test.fact == .acquisitionCause(.ghosting), case .ge(let v) = test.comparison { return v }
            return nil
        }.first
    }

    @Test func keysNameYAMLValuesAndChangeTheParsedProtocol() throws {
        let base = try shippedDefault()
        let key = try ProtocolKey("rules.ghost-swap.when.acquisition.causes.ghosting.ge", in: base)
        #expect(key.current(in: base) == 0.8)
        let changed = try key.setting(0.6, in: base)
        #expect(ghostThreshold(changed) == 0.6)
        #expect(ghostThreshold(base) == 0.8)

        let band = try ProtocolKey("certainty_bands.low", in: base)
        let moved = try band.setting(0.6, in: base)
        #expect(moved.certaintyBands.first { $0.name == "low" }?.lower == 0.6)
        #expect(moved.certaintyBands.first { $0.name == "borderline" }?.upper == 0.6)

        let between = try ProtocolKey("rules.late-ti-reminder.when.causes.ti_nulling.between.1", in: base)
        #expect(between.current(in: base) == 0.5)
        #expect(try ProtocolKey("limits.prompts_per_exam", in: base).setting(2, in: base).limits.perExam == 2)
        #expect(throws: ProtocolKeyError.self) { try ProtocolKey("limits.prompts_per_exam", in: base).setting(2.5, in: base) }
    }

    @Test func anUnknownKeyNamesTheValidOnes() throws {
        let base = try shippedDefault()
        do {
            _ = try ProtocolKey("rules.ghost-swap.when.acquisition.causes.ghosting.gt", in: base)
            Issue.record("an operator the rule does not use must be refused")
        } catch {
            #expect(error.description.contains("no key 'rules.ghost-swap.when.acquisition.causes.ghosting.gt'"))
            #expect(error.description.contains("rules.ghost-swap.when.acquisition.causes.ghosting.ge"))
        }
        do {
            _ = try ParameterSweep("rules.no-such-rule.then.priority=1:3:1", in: base)
            Issue.record("an unknown rule must be refused")
        } catch {
            #expect(error.description.contains("certainty_bands.low"))
        }
        #expect(throws: ProtocolKeyError.self) { try ParameterSweep("limits.extra_minutes=3:1:1", in: base) }
    }

    /// Sessions whose slices carry ghosting probabilities from 0.5 to 0.95, some with in-scope outcomes.
    func sessions() -> [TuningSession] {
        (0..<12).map { n in
            let facts = (0..<4).map { i in
                let ghosting = 0.5 + 0.05 * Double((n + 3 * i) % 10)
                return SliceFacts(
                    assessment: Assessment(pLGE: 0.3, pLowCertainty: 0.4 + 0.05 * Double((n + i) % 10), causes: [.ghosting: ghosting]),
                    // Magnitude-only: the swept acquisition.causes.ghosting threshold alone decides the ghost rule.
                    context: SliceContext(index: i + 1, position: "SA \(i + 1)", orientation: .shortAxis, ring: .mid, reconstruction: .magnitude))
            }
            return TuningSession(session: "S\(n)", cluster: "site-\(n % 3)", outcomeInScope: n % 3 == 0, facts: facts)
        }
    }

    @Test func aSweepGivesOneRowPerPointAndANonDominatedFront() throws {
        let base = try shippedDefault()
        let sweeps = [
            try ParameterSweep("rules.ghost-swap.when.acquisition.causes.ghosting.ge=0.5:0.95:0.05", in: base),
            try ParameterSweep("limits.prompts_per_exam=1:3:1", in: base),
            // A dearer swap buys nothing: those points must fall off the front.
            try ParameterSweep("limits.action_costs.swap_phase_encode=25:50:25", in: base),
        ]
        let tuner = ProtocolTuner(base: base, sweeps: sweeps, configuration: AuditConfiguration(theta: .pilot(successes: 6, trials: 10), draws: 2000))
        let rows = try tuner.run(sessions())
        #expect(rows.count == 10 * 3 * 2)
        // A higher threshold never prompts more (at the same prompt limit).
        for limit in [1.0, 2.0, 3.0] {
            let prompts = rows.filter { $0.settings["limits.prompts_per_exam"] == limit && $0.settings["limits.action_costs.swap_phase_encode"] == 25 }
                .sorted { $0.settings["rules.ghost-swap.when.acquisition.causes.ghosting.ge"]! < $1.settings["rules.ghost-swap.when.acquisition.causes.ghosting.ge"]! }
                .map(\.promptsPerExam)
            #expect(zip(prompts, prompts.dropFirst()).allSatisfy { $0 >= $1 })
            #expect(prompts.first! > prompts.last!)
        }
        #expect(rows.allSatisfy { $0.avoided != nil && $0.exams == 12 && $0.ambiguousPrompted <= $0.ambiguousSlices })
        let front = rows.filter(\.pareto)
        #expect(!front.isEmpty && front.count < rows.count)
        #expect(front.allSatisfy { $0.settings["limits.action_costs.swap_phase_encode"] == 25 || $0.promptsPerExam == 0 })
        for row in front { #expect(!rows.contains { ProtocolTuner.dominates($0, row) }) }
        for row in rows where !row.pareto { #expect(rows.contains { ProtocolTuner.dominates($0, row) }) }
        let svg = TradeoffPlot.svg(rows, title: "test", examsPer: 1000)
        #expect(svg.components(separatedBy: "class=\"pareto\"").count - 1 == front.count)
        #expect(svg.contains("pareto-front") == (front.count > 1))
    }

    @Test func theRulesOnlyRerunMatchesAFreshEngine() throws {
        let base = try shippedDefault()
        for session in sessions() {
            let outcome = ProtocolOutcome.evaluate(session.facts, protocol: base)
            var engine = ProtocolEngine(protocol: base)
            let expected = session.facts.compactMap { engine.evaluate($0).recommendation?.action.kind }
            #expect(outcome.actions.map(\.action) == expected)
            #expect(outcome.ambiguousSlices == session.facts.filter { $0.assessment!.pLowCertainty >= 0.5 }.count)
        }
    }

    /// The rules-only rerun decides each breath-hold on its PSIR and magnitude images together, as
    /// the replay does: motion only the PSIR image shows does not prompt the default protocol.
    @Test func theRulesOnlyRerunDecidesEachAcquisitionWhole() throws {
        let base = try shippedDefault()
        func image(_ index: Int, _ reconstruction: Reconstruction, motion: Double) -> SliceFacts {
            SliceFacts(
                assessment: Assessment(pLGE: 0.3, pLowCertainty: 0.6, causes: [.motion: motion]),
                context: SliceContext(index: index, ring: .mid, reconstruction: reconstruction, seriesHasPSIR: true))
        }
        let facts = [image(4, .psir, motion: 0.95), image(4, .magnitude, motion: 0.2),
                     image(5, .psir, motion: 0.9), image(5, .magnitude, motion: 0.85)]
        let outcome = ProtocolOutcome.evaluate(facts, protocol: base)
        #expect(outcome.actions.map(\.action) == ["repeat"], "only SA 5 shows motion on both images")
        #expect(outcome.ambiguousSlices == 2 && outcome.ambiguousPrompted == 1)
        var oneByOne = ProtocolEngine(protocol: base)
        #expect(facts.compactMap { oneByOne.evaluate($0).recommendation }.count == 2, "image by image, SA 4's PSIR image prompts too")
    }

    @Test func qualityMetricsAreMeasuredOnlyWhenTheProtocolNamesThem() throws {
        let plain = HistoryReplayer(engine: ReplayEngine(protocol: try shippedDefault(), classifier: nil))
        #expect(plain.engine.measuresQuality == false)
        let withQA = try ProtocolLoader.parse("""
            schema: 1
            name: qa-test
            version: "1"
            rules:
              - name: low-snr
                when:
                  qa.snr: {lt: 5}
                then:
                  action: notify
                  message: "Low SNR on slice {index}"
            """, file: "qa-test.yaml")
        #expect(HistoryReplayer(engine: ReplayEngine(protocol: withQA, classifier: nil)).engine.measuresQuality == true)
    }
}
