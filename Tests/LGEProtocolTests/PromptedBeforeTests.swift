import Foundation
import LGEProtocol
import LGESession
import LGEYAML
import Testing

/// `prompted_before.RULE`: whether one of the protocol's rules has already prompted in this exam.
@Suite struct PromptedBeforeTests {
    let text = protocolText(limits: "{prompts_per_exam: 10}", rules: """
          - name: first-look
            when: {certainty: low, prompted_before.first-look: false}
            then: {action: notify, message: "first low-certainty slice"}
          - name: later
            when: {certainty: low, prompted_before.first-look: true}
            then: {action: notify, message: "another one"}
        """)

    @Test func aRuleSeesWhetherAnotherHasPromptedInThisExam() throws {
        var engine = ProtocolEngine(protocol: try ProtocolLoader.parse(text, file: "t.yaml"))
        #expect(engine.value(of: .promptedBefore(rule: "first-look"), on: slice(1), in: engine.exam) == .flag(false))
        #expect(engine.evaluate(slice(1)).recommendation?.rule == "first-look")
        #expect(engine.value(of: .promptedBefore(rule: "first-look"), on: slice(2), in: engine.exam) == .flag(true))
        #expect(engine.evaluate(slice(2)).recommendation?.rule == "later")
        #expect(engine.evaluate(slice(3)).recommendation?.rule == "later")
        // A new exam starts with no prompts.
        var next = ProtocolEngine(protocol: try ProtocolLoader.parse(text, file: "t.yaml"))
        #expect(next.evaluate(slice(4)).recommendation?.rule == "first-look")
    }

    @Test func aNameThatIsNoRuleIsAnErrorWithASuggestion() throws {
        let typo = text.replacingOccurrences(of: "prompted_before.first-look: true", with: "prompted_before.frist-look: true")
        do {
            _ = try ProtocolLoader.parse(typo, file: "p.yaml")
            Issue.record("expected an error")
        } catch {
            let lines = typo.split(separator: "\n", omittingEmptySubsequences: false)
            let line = try #require(lines.firstIndex { $0.contains("prompted_before.frist-look") }) + 1
            #expect(error.file == "p.yaml" && error.line == line, "\(error)")
            #expect(error.message.contains("names no rule of this protocol"))
            #expect(error.message.contains("did you mean 'prompted_before.first-look'?"))
        }
        #expect(Fact(name: "prompted_before.") == nil)
        #expect(Fact(name: "prompted_before.x")?.name == "prompted_before.x")
    }

    /// Amyloid: once ti-diffuse-uptake has asked for its one shorter TI, the default protocol's TI
    /// rules stand down ("stop repeating and note it") instead of asking for ever-different TIs.
    @Test func theDefaultProtocolStopsTIPromptsAfterSuspectingDiffuseUptake() throws {
        var engine = ProtocolEngine(protocol: try shipped("default"))
        let notNulling: [Cause: Double] = [.tiNulling: 0.99]
        let first = engine.evaluate(slice(1, pLow: 0.8, causes: notNulling, psir: true, reconstruction: .psir))
        #expect(first.recommendation?.rule == "ti-diffuse-uptake")
        for index in 2...4 {
            let next = engine.evaluate(slice(index, pLow: 0.8, causes: notNulling, psir: true, reconstruction: .psir))
            #expect(next.recommendation == nil, "slice \(index): \(String(describing: next.recommendation?.rule))")
        }
        // Without that suspicion the same slice gets the ordinary TI repeat.
        var fresh = ProtocolEngine(protocol: try shipped("default"))
        _ = fresh.evaluate(slice(1, pLow: 0.8, causes: [.ghosting: 0.9]))
        #expect(fresh.evaluate(slice(2, pLow: 0.8, causes: notNulling, psir: true, reconstruction: .psir)).recommendation?.rule == "ti-repeat")
    }

    /// A repeat that still ghosts gets the single-shot advice once; asking again after the
    /// single-shot acquisition would loop on a slice that no prompt fixes.
    @Test(arguments: ["default", "thorough"])
    func singleShotIsSuggestedOncePerPosition(_ name: String) throws {
        var engine = ProtocolEngine(protocol: try shipped(name))
        let ghosted: [Cause: Double] = [.ghosting: 0.95]
        #expect(engine.evaluate(slice(5, pLow: 0.9, causes: ghosted)).recommendation?.rule == "ghost-swap")
        #expect(engine.evaluate(slice(5, pLow: 0.9, causes: ghosted, repeats: 1)).recommendation?.rule == "ghost-single-shot")
        #expect(engine.evaluate(slice(5, pLow: 0.9, causes: ghosted, repeats: 2)).recommendation == nil)
    }

    @Test func explainAndSchemaSayIt() throws {
        let explained = ProtocolExplainer.explain(try ProtocolLoader.parse(text, file: "t.yaml"))
        #expect(explained.contains("rule 'first-look' has not prompted yet in this exam"))
        #expect(explained.contains("rule 'first-look' has already prompted in this exam"))
        #expect(ProtocolSchema.reference.contains("prompted_before.RULE"))
    }
}
