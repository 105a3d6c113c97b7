import Foundation
import LGEProtocol
import LGESession
import Testing

/// The recorded heart rhythm as protocol facts: `rr_range` and `arrhythmic_acquisitions_before`.
@Suite struct RhythmFactTests {
    /// One image of a short-axis acquisition with the R-R range its header recorded.
    func image(
        _ index: Int, rr: ClosedRange<Double>?, reconstruction: Reconstruction = .psir, repeats: Int = 0,
        pLow: Double = 0.55, causes: [Cause: Double] = [.ghosting: 0.1]
    ) -> SliceFacts {
        SliceFacts(
            assessment: Assessment(pLGE: 0.6, pLowCertainty: pLow, causes: causes),
            context: SliceContext(
                index: index, ring: .mid, reconstruction: reconstruction, inversionTime: 280, minutesSinceInjection: 12,
                repeatsOfPosition: repeats, seriesHasPSIR: true, lowRRInterval: rr?.lowerBound, highRRInterval: rr?.upperBound))
    }

    /// Both images of one acquisition, PSIR first, as a replay evaluates them.
    func acquisition(_ index: Int, rr: ClosedRange<Double>?, repeats: Int = 0, pLow: Double = 0.55) -> [SliceFacts] {
        [.psir, .magnitude].map { image(index, rr: rr, reconstruction: $0, repeats: repeats, pLow: pLow) }
    }

    @Test func rrRangeIsHighMinusLowAndUnknownWithoutARecord() throws {
        let engine = ProtocolEngine(protocol: try shipped("default"))
        #expect(engine.value(of: .rrRange, on: image(6, rr: 811...1622), in: ExamState()) == .number(811))
        #expect(engine.value(of: .rrRange, on: image(6, rr: 811...811), in: ExamState()) == .number(0))
        #expect(engine.value(of: .rrRange, on: image(6, rr: nil), in: ExamState()) == nil)
        #expect(Fact(name: "rr_range") == .rrRange)
        #expect(Fact(name: "arrhythmic_acquisitions_before") == .arrhythmicAcquisitionsBefore)

        // Unknown is unknown: a comparison on it fails either way, and `not` of it holds.
        var custom = ProtocolEngine(protocol: try ProtocolLoader.parse(protocolText(rules: """
              - name: wide
                when: {rr_range: {ge: 0}}
                then: {action: notify, message: "R-R varied by {rr_range} ms"}
              - name: not-wide
                when: {not: {rr_range: {ge: 0}}}
                then: {action: notify, message: "no R-R record"}
            """), file: "t.yaml"))
        #expect(custom.evaluate(image(1, rr: 800...1000)).recommendation?.message == "R-R varied by 200 ms")
        #expect(custom.evaluate(image(2, rr: nil)).recommendation?.rule == "not-wide")
    }

    @Test func arrhythmiaIsALongestRRAtLeast1Point3TimesTheShortest() {
        #expect(SliceContext(index: 1, lowRRInterval: 1000, highRRInterval: 1299).isArrhythmic == false)
        #expect(SliceContext(index: 1, lowRRInterval: 1000, highRRInterval: 1300).isArrhythmic == true)
        #expect(SliceContext(index: 1, lowRRInterval: 487, highRRInterval: 811).isArrhythmic == true)
        #expect(SliceContext(index: 1, lowRRInterval: 1000).isArrhythmic == nil)
    }

    /// The PSIR and magnitude images of one breath-hold share a slice key: one arrhythmic
    /// acquisition counts once, and never for itself.
    @Test func arrhythmicAcquisitionsAreCountedOncePerAcquisition() throws {
        var engine = ProtocolEngine(protocol: try shipped("default"))
        func before(_ facts: SliceFacts) -> FactValue? {
            let value = engine.value(of: .arrhythmicAcquisitionsBefore, on: facts, in: engine.exam)
            _ = engine.evaluate(facts)
            return value
        }
        for facts in acquisition(1, rr: 811...811) { #expect(before(facts) == .number(0)) }
        // The first irregular breath-hold: its magnitude image does not count its own PSIR image.
        for facts in acquisition(2, rr: 811...1622) { #expect(before(facts) == .number(0)) }
        for facts in acquisition(3, rr: 800...830) { #expect(before(facts) == .number(1)) }
        // A repeat of position 2 is another acquisition.
        for facts in acquisition(2, rr: 487...811, repeats: 1) { #expect(before(facts) == .number(1)) }
        for facts in acquisition(4, rr: nil) { #expect(before(facts) == .number(2)) }
        #expect(engine.exam.arrhythmicAcquisitions == ["SA 2#0", "SA 2#1"])
    }

    /// scenarios/arrhythmia.yaml: two missed beats on SA 6 → repeat; premature beats on SA 8,
    /// after SA 6 was irregular too → swap phase encoding, over the ghost rule.
    @Test func defaultRepeatsTheFirstEctopyAndSwapsWhenItRecurs() throws {
        var engine = ProtocolEngine(protocol: try shipped("default"))
        // Regular breath-holds read as sure (a run of unexplained doubt would prompt a crosscut).
        for index in 1...5 {
            for facts in acquisition(index, rr: 811...811, pLow: 0.03) { #expect(engine.evaluate(facts).recommendation == nil) }
        }
        let sa6 = acquisition(6, rr: 811...1622).map { engine.evaluate($0) }
        let repeatSA6 = try #require(sa6[0].recommendation)
        #expect(repeatSA6.rule == "rhythm-repeat" && repeatSA6.action == .repeatAcquisition(RepeatOptions()))
        #expect(repeatSA6.message.contains("R-R varied by 811 ms"))
        #expect(sa6[1].recommendation == nil, "one prompt per acquisition")
        _ = acquisition(7, rr: 811...811, pLow: 0.03).map { engine.evaluate($0) }
        let sa8 = engine.evaluate(image(8, rr: 487...811, causes: [.ghosting: 0.9]))
        let swap = try #require(sa8.recommendation)
        #expect(swap.rule == "rhythm-swap" && swap.action == .swapPhaseEncode)
        #expect(swap.message.contains("ectopy keeps recurring"))
        #expect(sa8.fired.first { $0.rule == "ghost-swap" }?.outcome == .outranked(by: "rhythm-swap"))
        // Irregular again on the repeat: single-shot, not a swap back.
        var again = ProtocolEngine(protocol: try shipped("default"))
        _ = again.evaluate(image(6, rr: 811...1622))
        #expect(again.evaluate(image(6, rr: 811...1622, repeats: 1)).recommendation?.action
            == .repeatAcquisition(RepeatOptions(singleShot: true)))
    }

    /// The default protocol acts on a recorded irregular beat when the slice is borderline as well
    /// as low (the expert repeats on the ECG), but leaves a slice the classifier is sure about.
    @Test func defaultActsOnEctopyFromBorderlineCertaintyUp() throws {
        let bands = try shipped("default").certaintyBands
        let borderline = try #require(bands.first { $0.name == "borderline" })
        let pLow = (borderline.lower + borderline.upper) / 2
        var engine = ProtocolEngine(protocol: try shipped("default"))
        #expect(engine.evaluate(image(6, rr: 811...1622, pLow: pLow)).recommendation?.rule == "rhythm-repeat")
        var sure = ProtocolEngine(protocol: try shipped("default"))
        #expect(sure.evaluate(image(6, rr: 811...1622, pLow: borderline.lower - 0.05)).recommendation == nil)
    }

    /// A regular rhythm, or none recorded, adds no prompt on a low-certainty slice.
    @Test func aRegularRhythmPromptsNothing() throws {
        for name in ["default", "conservative", "thorough"] {
            var engine = ProtocolEngine(protocol: try shipped(name))
            for index in 1...8 {
                let rr: ClosedRange<Double>? = index.isMultiple(of: 2) ? nil : 790...880
                for facts in acquisition(index, rr: rr, pLow: 0.7) {
                    #expect(!(engine.evaluate(facts).recommendation?.rule.hasPrefix("rhythm") ?? false), "\(name) slice \(index)")
                }
            }
        }
    }

    @Test func explainSaysItInWords() throws {
        let text = ProtocolExplainer.explain(try shipped("default"))
        #expect(text.contains("the R-R interval varied by 150 ms or more during the acquisition and no earlier acquisition had an irregular rhythm"))
        #expect(text.contains("an earlier acquisition already had an irregular rhythm"))
        let schema = ProtocolSchema.reference
        #expect(schema.contains("rr_range") && schema.contains("arrhythmic_acquisitions_before"))
        #expect(schema.contains("1.3 x shortest"))
    }
}
