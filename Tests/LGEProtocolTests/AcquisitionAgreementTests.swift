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

    /// Image by image, a first (PSIR) image's motion call prompts before its magnitude partner
    /// has had its say; decided together, the partner's disagreement keeps the default protocol
    /// quiet, and where they agree the PSIR image carries the one recommendation.
    @Test func aWholeAcquisitionIsDecidedOnAllItsImages() throws {
        let psir = image(9, .psir, motion: 0.9)
        let magnitude = image(9, .magnitude, motion: 0.2)

        var oneByOne = ProtocolEngine(protocol: try shipped("default"))
        #expect(oneByOne.evaluate(psir).recommendation?.rule == "motion-coach")

        var together = ProtocolEngine(protocol: try shipped("default"))
        let decisions = together.evaluate(acquisition: [psir, magnitude])
        #expect(decisions.count == 2)
        #expect(decisions.allSatisfy { $0.recommendation == nil && $0.silence == .nothingFired })
        #expect(together.exam.promptsSoFar == 0 && together.exam.slicesSeen == 1)

        let agreeing = together.evaluate(acquisition: [image(10, .psir, motion: 0.8), image(10, .magnitude, motion: 0.7)])
        #expect(agreeing[0].recommendation?.rule == "motion-coach")
        #expect(agreeing[1].silence == .decidedOnAnotherImage(rule: "motion-coach"))
        #expect(agreeing[1].fired.first { $0.rule == "motion-coach" }?.outcome == .outrankedOnAnotherImage(by: "motion-coach"))
        #expect(together.exam.promptsSoFar == 1 && together.exam.slicesSeen == 2)
        #expect(together.exam.promptsBySlice["SA 10#0"] == 1)
    }

    /// The default protocol takes a PSIR image's clear ghost call alone (the classifier reads
    /// ghosts best there, docs/protocols.md) and a magnitude image's only with the PSIR image's
    /// agreement.
    @Test func theDefaultGhostRuleTrustsPSIRAloneAndMagnitudeWithAgreement() throws {
        func ghost(_ index: Int, psir: Double, magnitude: Double) throws -> String? {
            var engine = ProtocolEngine(protocol: try shipped("default"))
            let images = [(Reconstruction.psir, psir), (.magnitude, magnitude)].map { kind, p in
                slice(index, ring: .mid, pLow: 0.5, causes: [.ghosting: p, .motion: 0], psir: true, reconstruction: kind)
            }
            return engine.evaluate(acquisition: images).compactMap(\.recommendation).first?.rule
        }
        #expect(try ghost(4, psir: 0.9, magnitude: 0.3) == "ghost-swap")
        #expect(try ghost(4, psir: 0.3, magnitude: 0.9) == nil)
        #expect(try ghost(4, psir: 0.85, magnitude: 0.82) == "ghost-swap")
        #expect(try ghost(4, psir: 0.7, magnitude: 0.7) == nil)
    }

    @Test func theBestRuleOnAnyImageWinsThenImageOrder() throws {
        let rules = """
              - name: on-psir
                when: {reconstruction: psir, causes.focal_equivocal: {ge: 0.5}}
                then: {action: long_axis_crosscut, priority: 40}
              - name: on-magnitude
                when: {reconstruction: magnitude, causes.focal_equivocal: {ge: 0.5}}
                then: {action: repeat, priority: 60}
            """
        var engine = ProtocolEngine(protocol: try ProtocolLoader.parse(protocolText(rules: rules), file: "t.yaml"))
        let psir = slice(5, causes: [.focalEquivocal: 0.9], psir: true, reconstruction: .psir)
        let magnitude = slice(5, causes: [.focalEquivocal: 0.9], psir: true)
        let decisions = engine.evaluate(acquisition: [psir, magnitude])
        #expect(decisions[0].recommendation == nil)
        #expect(decisions[0].silence?.description == "the acquisition's recommendation ('on-magnitude') came from another of its images")
        #expect(decisions[0].fired.first?.outcome == .outrankedOnAnotherImage(by: "on-magnitude"))
        #expect(decisions[1].recommendation?.rule == "on-magnitude")
        // Equal rank: the first image given keeps it.
        var equal = ProtocolEngine(protocol: try ProtocolLoader.parse(protocolText(rules: Self.spotRule), file: "t.yaml"))
        let both = equal.evaluate(acquisition: [slice(5, causes: [.focalEquivocal: 0.9], reconstruction: .psir), slice(5, causes: [.focalEquivocal: 0.8])])
        #expect(both[0].recommendation?.rule == "spot" && both[1].recommendation == nil)
    }

    static let spotRule = "  - name: spot\n    when: {causes.focal_equivocal: {ge: 0.5}}\n    then: {action: long_axis_crosscut}"

    /// `cooldown: {slices: N}` counts acquisitions, so a PSIR-and-magnitude series waits as long as
    /// a magnitude-only one (the conservative protocol's "never interrupted twice in a row").
    @Test func cooldownCountsAcquisitionsNotImages() throws {
        var engine = ProtocolEngine(protocol: try ProtocolLoader.parse(
            protocolText(limits: "{cooldown: {slices: 2}}", rules: Self.spotRule), file: "t.yaml"))
        func pair(_ index: Int) -> [Decision] {
            engine.evaluate(acquisition: [
                slice(index, causes: [.focalEquivocal: 0.9], psir: true, reconstruction: .psir),
                slice(index, causes: [.focalEquivocal: 0.9], psir: true),
            ])
        }
        #expect(pair(1).compactMap(\.recommendation).count == 1)
        #expect(pair(2)[0].silence == .suppressed(rule: "spot", by: .cooldownSlices(since: 0, required: 2)))
        #expect(pair(3)[1].silence == .suppressed(rule: "spot", by: .cooldownSlices(since: 1, required: 2)))
        #expect(pair(4).compactMap(\.recommendation).count == 1)
        #expect(engine.exam.slicesSeen == 4)
    }

    @Test func imagesAreCutIntoAcquisitionsBySliceKey() {
        let images = [
            slice(1, reconstruction: .psir), slice(1), slice(2, reconstruction: .psir), slice(2),
            slice(2, repeats: 1), slice(1),
        ]
        #expect(SliceFacts.acquisitions(images).map(\.count) == [2, 2, 1, 1])
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
            "every image of the acquisition points to motion (p ≥ 0.5)"))
    }
}
