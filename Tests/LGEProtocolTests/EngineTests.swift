import Foundation
import LGEProtocol
import LGESession
import Testing

@Suite struct EngineTests {
    func engine(_ name: String = "default") throws -> ProtocolEngine { ProtocolEngine(protocol: try shipped(name)) }

    func custom(limits: String = "{}", conflict: String = "[priority, specificity, order]", rules: String) throws -> ProtocolEngine {
        ProtocolEngine(protocol: try ProtocolLoader.parse(protocolText(limits: limits, conflict: conflict, rules: rules), file: "t.yaml"))
    }

    // MARK: Actions

    @Test func tiRepeatRendersItsMessageAndEvidence() throws {
        var engine = try engine()
        let decision = engine.evaluate(slice(3, causes: [.tiNulling: 0.8]))
        let recommendation = try #require(decision.recommendation)
        #expect(recommendation.rule == "ti-repeat")
        #expect(recommendation.action == .repeatTI(.delta(20)))
        #expect(recommendation.message == "TI looks short on slice 3: repeat with TI 300 ms")
        #expect(recommendation.priority == 50 && recommendation.costSeconds == 25)
        let fired = try #require(decision.fired.first { $0.rule == "ti-repeat" })
        #expect(fired.outcome == .won)
        #expect(fired.evidence.contains { $0.fact == .cause(.tiNulling) && $0.value == .number(0.8) && $0.holds })
        #expect(fired.evidence.contains { $0.fact == .certainty && $0.value == .word("low") })
        #expect(fired.evidence.map(\.description).contains("causes.ti_nulling = 0.8 ✓ (≥ 0.5)"))
        #expect(engine.exam.promptsSoFar == 1 && engine.exam.extraSecondsUsed == 25)
    }

    @Test func afterTwoTIRepeatsPSIROrCrosscut() throws {
        var magnitude = try engine()
        let psir = try #require(magnitude.evaluate(slice(3, causes: [.tiNulling: 0.8], repeats: 2)).recommendation)
        #expect(psir.action == .repeatAcquisition(RepeatOptions(psir: true)))
        var withPSIR = try engine()
        let crosscut = try #require(withPSIR.evaluate(slice(3, causes: [.tiNulling: 0.8], repeats: 2, psir: true)).recommendation)
        #expect(crosscut.action == .longAxisCrosscut(.throughFlaggedRegion))
        #expect(crosscut.costSeconds == 30)
    }

    @Test func lateDriftFollowsTheNull() throws {
        var engine = try engine()
        let decision = engine.evaluate(slice(9, ring: .apical, causes: [.tiNulling: 0.8], minutes: 25, tiSetMinutesAgo: 10))
        let recommendation = try #require(decision.recommendation)
        #expect(recommendation.rule == "ti-follow-drift")
        #expect(recommendation.action == .repeatTI(.delta(26)), "2.6 ms/min × 10 min")
        #expect(recommendation.message.contains("repeat with TI +26 ms"))
        // Unknown time since TI was set: 5 minutes assumed, clamped to the 10 ms minimum → 13 ms.
        var other = try self.engine()
        #expect(other.evaluate(slice(9, ring: .apical, causes: [.tiNulling: 0.8], minutes: 25)).recommendation?.action == .repeatTI(.delta(13)))
    }

    @Test func ghostingSwapsThenSingleShot() throws {
        var engine = try engine()
        // Ghosting outranks a TI problem on the same slice (priority 60 over 50).
        let decision = engine.evaluate(slice(4, causes: [.ghosting: 0.9, .tiNulling: 0.7]))
        #expect(decision.recommendation?.action == .swapPhaseEncode)
        #expect(decision.fired.first { $0.rule == "ti-repeat" }?.outcome == .outranked(by: "ghost-swap"))
        let again = engine.evaluate(slice(4, causes: [.ghosting: 0.9], repeats: 1))
        #expect(again.recommendation?.action == .repeatAcquisition(RepeatOptions(singleShot: true)))
    }

    @Test func focalSpotsAreCrosscut() throws {
        var engine = try engine()
        let inferior = engine.evaluate(slice(6, ring: .mid, causes: [.focalEquivocal: 0.8], segment: 10))
        #expect(inferior.recommendation?.action == .longAxisCrosscut(.view(.twoChamber)))
        #expect(inferior.fired.first { $0.rule == "focal-crosscut" }?.outcome == .outranked(by: "focal-inferior-2ch"))
        let anterior = engine.evaluate(slice(2, ring: .basal, causes: [.focalEquivocal: 0.8], segment: 1))
        #expect(anterior.recommendation?.action == .longAxisCrosscut(.throughFlaggedRegion))
    }

    @Test func motionAndNotify() throws {
        var engine = try engine()
        let motion = engine.evaluate(slice(1, ring: nil, orientation: .twoChamber, causes: [.motion: 0.8]))
        #expect(motion.recommendation?.action == .repeatAcquisition(RepeatOptions(coaching: true)))
        #expect(motion.recommendation?.message == "Blurred borders on 2CH slice 1: coach the breath-hold and repeat")
        // A readable slice (the default protocol's high-certainty band) with mild TI doubt, late on.
        let reminder = engine.evaluate(slice(7, ring: .mid, pLow: 0.03, causes: [.tiNulling: 0.4], minutes: 22))
        #expect(reminder.recommendation?.action == .notify)
        #expect(reminder.recommendation?.message == "22 min after injection: raise TI by 10-15 ms every 5 minutes")
        #expect(reminder.recommendation?.costSeconds == 0)
    }

    @Test func qualityMetricsAndMissingFacts() throws {
        var engine = try custom(rules: "  - name: noisy\n    when: {qa.snr: {lt: 4}}\n    then: {action: notify, message: \"SNR {qa.snr} on {index}, TI {inversion_time} cnr {qa.cnr}\"}")
        #expect(engine.evaluate(slice(2, quality: ["snr": 3.25])).recommendation?.message == "SNR 3.25 on 2, TI 280 cnr ?")
        // Milliseconds print whole, as the scanner takes them; other numbers keep their decimals.
        var timing = try custom(rules: "  - name: ti\n    when: {qa.snr: {lt: 4}}\n    then: {action: notify, message: \"TI {inversion_time} or {inversion_time+20.4} ms, SNR {qa.snr}\"}")
        var late = slice(4, quality: ["snr": 3.25])
        late.context.inversionTime = 243.67
        #expect(timing.evaluate(late).recommendation?.message == "TI 244 or 264 ms, SNR 3.25")
        // No SNR measured: the comparison fails rather than guessing.
        #expect(engine.evaluate(slice(3)).silence == .nothingFired)
    }

    // MARK: No assessment, nothing fired

    @Test func noAssessmentIsAnExplicitSilence() throws {
        var engine = try engine()
        let facts = SliceFacts(assessment: nil, unassessedReason: "image too small", context: SliceContext(index: 2))
        let decision = engine.evaluate(facts)
        #expect(decision.recommendation == nil && decision.fired.isEmpty)
        #expect(decision.silence == .noAssessment("image too small"))
        #expect(decision.silence?.description == "no assessment: image too small")
        #expect(engine.exam.slicesSeen == 1 && engine.exam.promptsSoFar == 0)
    }

    // MARK: Limits

    @Test func promptsPerExam() throws {
        var engine = try engine()
        // Every third slice: repeat_ti's cooldown (2 slices) is not what stops the fifth.
        for index in [1, 4, 7, 10] {
            #expect(engine.evaluate(slice(index, causes: [.tiNulling: 0.8])).recommendation != nil)
            for quiet in 1...2 { _ = engine.evaluate(slice(index + quiet, causes: [:])) }
        }
        let fifth = engine.evaluate(slice(13, ring: .mid, causes: [.tiNulling: 0.8]))
        #expect(fifth.recommendation == nil)
        #expect(fifth.silence == .suppressed(rule: "ti-repeat", by: .promptsPerExam(4)))
        #expect(fifth.fired.first?.outcome == .suppressed(.promptsPerExam(4)))
    }

    @Test func promptsPerSliceCoversPSIRAndMagnitudeOfOneAcquisition() throws {
        var engine = try engine()
        #expect(engine.evaluate(slice(3, causes: [.tiNulling: 0.8])).recommendation != nil)
        let psirImage = engine.evaluate(slice(3, causes: [.tiNulling: 0.8], reconstruction: .psir))
        #expect(psirImage.silence == .suppressed(rule: "ti-repeat", by: .promptsPerSlice(1)))
        // The repeat is another acquisition of the position: it may prompt again.
        #expect(engine.evaluate(slice(3, causes: [.tiNulling: 0.8], repeats: 1)).recommendation?.rule == "ti-repeat")
    }

    static let crosscutRule = "  - name: spot\n    when: {causes.focal_equivocal: {ge: 0.5}}\n    then: {action: long_axis_crosscut}"

    @Test func promptsPerPosition() throws {
        var engine = try custom(limits: "{prompts_per_position: 1}", rules: Self.crosscutRule)
        #expect(engine.evaluate(slice(3, causes: [.focalEquivocal: 0.9])).recommendation != nil)
        #expect(engine.evaluate(slice(3, causes: [.focalEquivocal: 0.9], repeats: 1)).silence
            == .suppressed(rule: "spot", by: .promptsPerPosition(1)))
    }

    @Test func cooldownInSlices() throws {
        var engine = try custom(limits: "{cooldown: {slices: 2}}", rules: Self.crosscutRule)
        #expect(engine.evaluate(slice(1, causes: [.focalEquivocal: 0.9])).recommendation != nil)
        #expect(engine.evaluate(slice(2, causes: [.focalEquivocal: 0.9])).silence
            == .suppressed(rule: "spot", by: .cooldownSlices(since: 0, required: 2)))
        #expect(engine.evaluate(slice(3, causes: [.focalEquivocal: 0.9])).silence
            == .suppressed(rule: "spot", by: .cooldownSlices(since: 1, required: 2)))
        #expect(engine.evaluate(slice(4, causes: [.focalEquivocal: 0.9])).recommendation != nil)
    }

    @Test func cooldownInSeconds() throws {
        var engine = try custom(limits: "{cooldown: {seconds: 60}}", rules: Self.crosscutRule)
        #expect(engine.evaluate(slice(1, causes: [.focalEquivocal: 0.9], minutes: 10)).recommendation != nil)
        #expect(engine.evaluate(slice(2, causes: [.focalEquivocal: 0.9], minutes: 10.5)).silence
            == .suppressed(rule: "spot", by: .cooldownSeconds(since: 30, required: 60)))
        #expect(engine.evaluate(slice(3, causes: [.focalEquivocal: 0.9], minutes: 11)).recommendation != nil)
    }

    /// `action_cooldowns` quiets one action after it prompted, and only that action: the same
    /// advice waits, other advice may still come, and a rule that fits gives way to the next.
    @Test func actionCooldownQuietsOnlyThatAction() throws {
        let rules = Self.crosscutRule + "\n  - name: ti\n    when: {causes.ti_nulling: {ge: 0.5}}\n    then: {action: {repeat_ti: {delta: 20}}, priority: 5}"
            + "\n  - name: tell\n    when: {causes.ti_nulling: {ge: 0.5}}\n    then: {action: notify, message: TI, priority: -1}"
        var engine = try custom(limits: "{action_cooldowns: {repeat_ti: {slices: 2}}}", rules: rules)
        #expect(engine.evaluate(slice(1, causes: [.tiNulling: 0.9])).recommendation?.rule == "ti")
        // Slice 2: repeat_ti waits, so the message-only rule that also fits speaks instead.
        let second = engine.evaluate(slice(2, causes: [.tiNulling: 0.9]))
        #expect(second.recommendation?.rule == "tell")
        #expect(second.fired.first { $0.rule == "ti" }?.outcome
            == .suppressed(.actionCooldownSlices(action: "repeat_ti", since: 0, required: 2)))
        // Another action is not held back.
        #expect(engine.evaluate(slice(3, causes: [.focalEquivocal: 0.9])).recommendation?.rule == "spot")
        #expect(engine.evaluate(slice(4, causes: [.tiNulling: 0.9])).recommendation?.rule == "ti")

        var alone = try custom(limits: "{action_cooldowns: {long_axis_crosscut: {seconds: 60}}}", rules: Self.crosscutRule)
        #expect(alone.evaluate(slice(1, causes: [.focalEquivocal: 0.9], minutes: 10)).recommendation != nil)
        #expect(alone.evaluate(slice(2, causes: [.focalEquivocal: 0.9], minutes: 10.5)).silence?.description
            == "rule 'spot' suppressed by action_cooldowns: 30 of 60 s since the last long_axis_crosscut prompt")
        #expect(alone.evaluate(slice(3, causes: [.focalEquivocal: 0.9], minutes: 11)).recommendation != nil)
    }

    /// The default protocol waits two breath-holds between TI prompts: a technologist needs one or
    /// two to act on the first, and the same advice on every slice meanwhile spends the exam's prompts.
    @Test func theDefaultProtocolSpacesTIPrompts() throws {
        var engine = try engine()
        let prompted = (1...7).map { engine.evaluate(slice($0, causes: [.tiNulling: 0.8])).recommendation != nil }
        #expect(prompted == [true, false, false, true, false, false, true])
        // Acting on the advice ends the wait: the repeat of the prompted slice may prompt again, and
        // so may the slice after it.
        var acted = try self.engine()
        #expect(acted.evaluate(slice(3, causes: [.tiNulling: 0.8])).recommendation != nil)
        #expect(acted.evaluate(slice(3, causes: [.tiNulling: 0.8], repeats: 1)).recommendation?.rule == "ti-repeat")
        #expect(acted.evaluate(slice(4, causes: [.tiNulling: 0.8])).silence
            == .suppressed(rule: "ti-repeat", by: .actionCooldownSlices(action: "repeat_ti", since: 0, required: 2)))
        var answered = try self.engine()
        _ = answered.evaluate(slice(3, causes: [.tiNulling: 0.8]))
        _ = answered.evaluate(slice(3, causes: [:], repeats: 1))
        #expect(answered.evaluate(slice(4, causes: [.tiNulling: 0.8])).recommendation?.rule == "ti-repeat")
    }

    @Test func budgetSuppressesAndACheaperRuleStillFits() throws {
        let rules = Self.crosscutRule + "\n  - name: tell\n    when: {causes.focal_equivocal: {ge: 0.5}}\n    then: {action: notify, message: spot, priority: -1}"
        var engine = try custom(limits: "{extra_minutes: 1, prompts_per_slice: 5}", rules: rules)
        #expect(engine.evaluate(slice(1, causes: [.focalEquivocal: 0.9])).recommendation?.rule == "spot")
        #expect(engine.evaluate(slice(2, causes: [.focalEquivocal: 0.9])).recommendation?.rule == "spot")
        let third = engine.evaluate(slice(3, causes: [.focalEquivocal: 0.9]))
        #expect(third.recommendation?.rule == "tell")
        #expect(third.fired.first { $0.rule == "spot" }?.outcome == .suppressed(.budget(needed: 30, left: 0)))
        #expect(engine.exam.extraSecondsUsed == 60)
        // Alone, the crosscut rule is silenced by the budget with the reason.
        var alone = try custom(limits: "{extra_minutes: 0.5}", rules: Self.crosscutRule)
        _ = alone.evaluate(slice(1, causes: [.focalEquivocal: 0.9]))
        #expect(alone.evaluate(slice(2, causes: [.focalEquivocal: 0.9])).silence?.description
            == "rule 'spot' suppressed by extra_minutes budget: needs 30 s, 0 s left")
    }

    @Test func budgetMinutesLeftIsAFact() throws {
        var engine = try custom(
            limits: "{extra_minutes: 1}",
            rules: "  - name: cheap\n    when: {budget_minutes_left: {lt: 0.75}}\n    then: {action: notify, message: \"{budget_minutes_left} min left\"}\n" + Self.crosscutRule)
        _ = engine.evaluate(slice(1, causes: [.focalEquivocal: 0.9]))
        #expect(engine.evaluate(slice(2, pLow: 0.1)).recommendation?.message == "0.5 min left")
    }

    // MARK: Conflicts

    static let conflictRules = """
          - name: first
            when: {p_lge: {ge: 0}}
            then: {action: repeat, priority: 1}
          - name: specific
            when: {p_lge: {ge: 0}, ring: basal}
            then: {action: swap_phase_encode, priority: 1}
          - name: urgent
            when: {p_lge: {ge: 0}}
            then: {action: {long_axis_crosscut: 4CH}, priority: 2}
        """

    @Test func highestPriorityThenMostSpecificThenFileOrder() throws {
        var engine = try custom(limits: "{prompts_per_slice: 10}", rules: Self.conflictRules)
        let decision = engine.evaluate(slice())
        #expect(decision.recommendation?.rule == "urgent")
        #expect(decision.fired.map(\.rule) == ["first", "specific", "urgent"])
        #expect(decision.fired.map(\.outcome) == [.outranked(by: "urgent"), .outranked(by: "urgent"), .won])

        let noUrgent = Self.conflictRules.replacingOccurrences(of: "priority: 2", with: "priority: 1")
        var tie = try custom(limits: "{prompts_per_slice: 10}", rules: noUrgent)
        #expect(tie.evaluate(slice()).recommendation?.rule == "specific")
        #expect(tie.evaluate(slice(ring: .mid)).recommendation?.rule == "first", "equal specificity: file order")

        var orderOnly = try custom(limits: "{prompts_per_slice: 10}", conflict: "[order]", rules: Self.conflictRules)
        #expect(orderOnly.evaluate(slice()).recommendation?.rule == "first")
    }

    @Test func anyAllNotCombine() throws {
        let rules = """
              - name: combined
                when:
                  any:
                    - causes.ghosting: {ge: 0.5}
                    - all: [{qa.ghost_ratio: {gt: 2}}, {orientation: [SA, 4CH]}]
                  not: {ring: apical}
                then: {action: swap_phase_encode}
            """
        var engine = try custom(limits: "{prompts_per_slice: 10}", rules: rules)
        #expect(engine.protocol.rules[0].specificity == 4)
        #expect(engine.evaluate(slice(causes: [.ghosting: 0.6])).recommendation != nil)
        #expect(engine.evaluate(slice(quality: ["ghost_ratio": 3])).recommendation != nil)
        #expect(engine.evaluate(slice(orientation: .twoChamber, quality: ["ghost_ratio": 3])).recommendation == nil)
        #expect(engine.evaluate(slice(ring: .apical, causes: [.ghosting: 0.6])).recommendation == nil)
    }

    // MARK: Determinism and speed

    func exam() -> [SliceFacts] {
        (1...12).map { (index: Int) -> SliceFacts in
            let ring: AHARing = index <= 4 ? .basal : index <= 8 ? .mid : .apical
            let causes: [Cause: Double] = [
                .tiNulling: Double(index % 3) / 2, .ghosting: Double(index % 4) / 3, .focalEquivocal: 0.6,
            ]
            return slice(index, ring: ring, pLow: Double(index % 5) / 5, causes: causes, segment: index, minutes: 10 + Double(index))
        }
    }

    @Test func deterministic() throws {
        var a = try engine(), b = try engine()
        let first = exam().map { a.evaluate($0) }
        let second = exam().map { b.evaluate($0) }
        #expect(first == second)
        #expect(first.contains { $0.recommendation != nil } && first.contains { $0.recommendation == nil })
        #expect(a.exam == b.exam)
    }
}

@Suite struct ExplainAndSchemaTests {
    @Test(arguments: ["default", "conservative", "thorough"])
    func explainMentionsEveryRule(_ name: String) throws {
        let p = try shipped(name)
        let text = ProtocolExplainer.explain(p)
        for rule in p.rules { #expect(text.contains("- \(rule.name) (priority \(rule.priority)"), "\(rule.name)") }
        #expect(text.contains("When several rules fire: highest priority, then most specific"))
        #expect(text.contains("PSIR and magnitude images are decided together"))
    }

    @Test func explainReadsLikeTheBrief() throws {
        let text = ProtocolExplainer.explain(try shipped("default"))
        #expect(text.contains(
            "When a basal or mid short-axis slice is low certainty and the likely cause is TI/nulling (p ≥ 0.5) "
                + "and rule 'ti-diffuse-uptake' has not prompted yet in this exam, "
                + "recommend repeating it with TI +20 ms, at most twice per position (about 25 s)"))
        #expect(text.contains("4 prompts per exam; 2 slices between two repeat_ti prompts unless the prompted slice is acquired again; no more than 3 extra minutes per exam"))
        #expect(text.contains("recommend acquiring a 2CH long-axis crosscut"))
    }

    @Test func schemaListsEveryFactActionAndMetric() {
        let text = ProtocolSchema.reference
        for name in Fact.allNames { #expect(text.contains(name), "\(name)") }
        for kind in Action.kinds { #expect(text.contains(kind), "\(kind)") }
        for op in Comparison.operators { #expect(text.contains(op)) }
    }
}
