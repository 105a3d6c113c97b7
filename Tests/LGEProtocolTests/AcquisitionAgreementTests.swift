import LGEProtocol
import LGESession
import Testing

/// `acquisition.causes.*`: the lowest cause probability over the images of one acquisition seen so
/// far, so that a rule can ask the PSIR and magnitude images of a breath-hold to agree.
@Suite struct AcquisitionAgreementTests {
    func image(_ index: Int, _ reconstruction: Reconstruction, motion: Double, repeats: Int = 0) -> SliceFacts {
        slice(index, ring: .mid, pLow: 0.8, causes: [.motion: motion, .ghosting: 0.1], repeats: repeats, psir: true,
              reconstruction: reconstruction)
    }

    @Test func itIsTheLowestOverTheAcquisitionSoFarAndNeverMixesAcquisitions() throws {
        var engine = ProtocolEngine(protocol: try shipped("default"))
        func agreed(_ facts: SliceFacts) -> FactValue? {
            let value = engine.value(of: .acquisitionCause(.motion), on: facts, in: engine.exam)
            _ = engine.evaluate(facts)
            return value
        }
        // The first image of an acquisition has only itself to agree with.
        #expect(agreed(image(4, .psir, motion: 0.3)) == .number(0.3))
        // Its magnitude image: the lower of the two, whichever is lower.
        #expect(agreed(image(4, .magnitude, motion: 0.97)) == .number(0.3))
        #expect(agreed(image(5, .psir, motion: 0.9)) == .number(0.9))
        #expect(agreed(image(5, .magnitude, motion: 0.6)) == .number(0.6))
        // A repeat of position 4 is a new acquisition: the first one's PSIR does not hold it down.
        #expect(agreed(image(4, .psir, motion: 0.8, repeats: 1)) == .number(0.8))
        #expect(engine.exam.acquisitionCauses["SA 4#0"]?[.motion] == 0.3)
        #expect(engine.exam.acquisitionCauses["SA 4#1"]?[.motion] == 0.8)
        // A cause the classifier did not score is unknown, not zero.
        #expect(engine.value(of: .acquisitionCause(.tiNulling), on: image(6, .psir, motion: 0.5), in: engine.exam) == nil)
        #expect(Fact(name: "acquisition.causes.motion") == .acquisitionCause(.motion))
        #expect(Fact.acquisitionCause(.focalEquivocal).name == "acquisition.causes.focal_equivocal")
    }

    /// scenarios/dcm-midwall-stripe.yaml's SA 10: the magnitude image alone reads as motion 0.97,
    /// its PSIR image 0.27. The default protocol's motion rule asks both to agree, so it stays
    /// quiet; where both show motion, it coaches.
    @Test func theDefaultMotionRuleNeedsBothReconstructions() throws {
        var engine = ProtocolEngine(protocol: try shipped("default"))
        #expect(engine.evaluate(image(10, .psir, motion: 0.27)).recommendation == nil)
        #expect(engine.evaluate(image(10, .magnitude, motion: 0.97)).recommendation == nil)
        #expect(engine.evaluate(image(11, .psir, motion: 0.8)).recommendation?.rule == "motion-coach")

        var blurred = ProtocolEngine(protocol: try shipped("default"))
        #expect(blurred.evaluate(image(10, .psir, motion: 0.7)).recommendation?.rule == "motion-coach")
    }

    @Test func aMisspelledAcquisitionFactIsNamedWithASuggestion() {
        let text = protocolText(rules: "  - name: r\n    when: {acquisition.causes.moton: {ge: 0.5}}\n    then: {action: repeat}")
        #expect {
            try ProtocolLoader.parse(text, file: "p.yaml")
        } throws: { error in
            "\(error)".contains("unknown fact 'acquisition.causes.moton'")
                && "\(error)".contains("did you mean 'acquisition.causes.motion'?")
        }
    }

    @Test func theSchemaAndExplainSayIt() throws {
        #expect(ProtocolSchema.reference.contains("acquisition.causes.ghosting"))
        #expect(ProtocolExplainer.explain(try shipped("default")).contains(
            "every image of the acquisition so far points to motion (p ≥ 0.5)"))
    }
}
