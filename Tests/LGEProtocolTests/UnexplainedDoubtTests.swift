import LGEProtocol
import LGESession
import LGEYAML
import Testing

/// `unexplained_doubt_run`: how many acquisitions of one orientation in a row are doubtful with no
/// artifact to blame, and the default protocol's long-axis crosscut when doubt persists that way.
@Suite struct UnexplainedDoubtTests {
    /// One breath-hold's PSIR and magnitude images. The default protocol's least certain band
    /// starts at 0.082.
    func acquisition(
        _ index: Int, orientation: ViewOrientation = .shortAxis, psirLow: Double = 0.5, magnitudeLow: Double = 0.5,
        psirCauses: [Cause: Double] = [:], magnitudeCauses: [Cause: Double] = [:], repeats: Int = 0
    ) -> [SliceFacts] {
        let ring: AHARing? = orientation == .shortAxis ? .mid : nil
        return [
            slice(index, ring: ring, orientation: orientation, pLow: psirLow, causes: psirCauses, repeats: repeats, psir: true, reconstruction: .psir),
            slice(index, ring: ring, orientation: orientation, pLow: magnitudeLow, causes: magnitudeCauses, repeats: repeats, psir: true),
        ]
    }

    /// The run each image of `acquisitions` saw, fed to one engine in order, decided whole.
    func runs(_ acquisitions: [[SliceFacts]], protocol qaProtocol: QAProtocol) -> [[FactValue?]] {
        var engine = ProtocolEngine(protocol: qaProtocol)
        return acquisitions.map { images in
            var whole = engine.exam
            for image in images { whole.noteAssessment(of: image) }
            let seen = images.map { engine.value(of: .unexplainedDoubtRun, on: $0, in: whole) }
            _ = engine.evaluate(acquisition: images)
            return seen
        }
    }

    @Test func itCountsDoubtfulAcquisitionsInARowThatNoArtifactExplains() throws {
        let seen = runs([
            acquisition(1, psirLow: 0.01, magnitudeLow: 0.02),
            // Doubtful on one image is doubtful: the acquisition is as uncertain as its least certain image.
            acquisition(2, psirLow: 0.01, magnitudeLow: 0.3),
            acquisition(3),
            // A long-axis view taken mid-stack neither counts nor breaks the short-axis run.
            acquisition(12, orientation: .fourChamber, psirLow: 0.01, magnitudeLow: 0.01),
            acquisition(4),
            // An artifact on either image explains the doubt: the run starts again.
            acquisition(5, magnitudeCauses: [.tiNulling: 0.9]),
            acquisition(6, psirCauses: [.ghosting: 0.6]),
            // A focal equivocal spot is not an artifact: it is doubt about the wall itself.
            acquisition(7, psirCauses: [.focalEquivocal: 0.9, .motion: 0.49]),
            acquisition(8),
            // Sure: 0.
            acquisition(9, psirLow: 0.05, magnitudeLow: 0.05),
        ], protocol: try shipped("default"))
        let whole = seen.map { $0.map { $0?.number } }
        #expect(whole == [
            [0, 0], [1, 1], [2, 2], [0, 0], [3, 3], [0, 0], [0, 0], [1, 1], [2, 2], [0, 0],
        ])
    }

    @Test func imageByImageTheFirstImageCountsOnItselfAlone() throws {
        var engine = ProtocolEngine(protocol: try shipped("default"))
        for index in 1...2 { _ = engine.evaluate(acquisition: acquisition(index)) }
        let third = acquisition(3, magnitudeCauses: [.motion: 0.8])
        // The PSIR image arrives first and knows nothing of its partner's motion yet.
        #expect(engine.value(of: .unexplainedDoubtRun, on: third[0], in: engine.exam) == .number(3))
        _ = engine.evaluate(third[0])
        #expect(engine.value(of: .unexplainedDoubtRun, on: third[1], in: engine.exam) == .number(0))
        // A repeat of a position is a new acquisition, and follows the one before it.
        _ = engine.evaluate(third[1])
        #expect(engine.value(of: .unexplainedDoubtRun, on: acquisition(3, repeats: 1)[0], in: engine.exam) == .number(1))
        // An acquisition the classifier could not assess says nothing either way: passed over.
        _ = engine.evaluate(acquisition: acquisition(3, repeats: 1))
        let unassessed = SliceFacts(assessment: nil, unassessedReason: "all-zero image", context: SliceContext(index: 4, ring: .mid))
        _ = engine.evaluate(unassessed)
        #expect(engine.value(of: .unexplainedDoubtRun, on: acquisition(5)[0], in: engine.exam) == .number(2))
    }

    /// small-subendocardial as the virtual readers see it: doubt on SA 3-7 with no artifact. The
    /// default protocol cuts through the region once, on the third slice of the run.
    @Test func theDefaultProtocolCutsThroughPersistentUnexplainedDoubtOnce() throws {
        var engine = ProtocolEngine(protocol: try shipped("default"))
        var prompted: [Int: String] = [:]
        let lows = [1: 0.006, 2: 0.006, 3: 0.57, 4: 0.52, 5: 0.52, 6: 0.58, 7: 0.72, 8: 0.006]
        for index in 1...8 {
            let decisions = engine.evaluate(acquisition: acquisition(index, psirLow: lows[index]!, magnitudeLow: lows[index]!))
            if let recommendation = decisions.compactMap(\.recommendation).first { prompted[index] = recommendation.rule }
        }
        #expect(prompted == [5: "doubt-persists-crosscut"])
        // Three faint chances of doubt (in the low band, from 0.082) are no grounds for a crosscut.
        var faint = ProtocolEngine(protocol: try shipped("default"))
        for index in 1...6 {
            let decisions = faint.evaluate(acquisition: acquisition(index, psirLow: 0.15, magnitudeLow: 0.2))
            #expect(decisions.allSatisfy { $0.recommendation == nil }, "SA \(index)")
        }
        #expect(faint.value(of: .unexplainedDoubtRun, on: acquisition(7, psirLow: 0.2)[0], in: faint.exam) == .number(7))
        // Doubt that TI explains gets the TI rules, never the crosscut.
        var poorlyNulled = ProtocolEngine(protocol: try shipped("default"))
        var rules: Set<String> = []
        for index in 1...6 {
            let decisions = poorlyNulled.evaluate(acquisition: acquisition(index, magnitudeCauses: [.tiNulling: 1]))
            rules.formUnion(decisions.compactMap(\.recommendation?.rule))
        }
        #expect(!rules.contains("doubt-persists-crosscut"))
        #expect(rules.contains("ti-repeat"))
    }

    @Test func protocolsNameItAndExplainAndSchemaSayIt() throws {
        #expect(Fact(name: "unexplained_doubt_run") == .unexplainedDoubtRun)
        #expect(Fact.unexplainedDoubtRun.name == "unexplained_doubt_run")
        let text = ProtocolExplainer.explain(try shipped("default"))
        #expect(text.contains("at least 3 acquisitions of this orientation in a row, this one included, are of the least certainty with no artifact to blame"))
        #expect(ProtocolSchema.reference.contains("unexplained_doubt_run"))
        // A negative run is impossible, and a misspelt name gets a suggestion, both at their place.
        func loaderError(_ condition: String) -> String? {
            let text = protocolText(rules: "  - name: r\n    when: {\(condition)}\n    then: {action: repeat}")
            do {
                _ = try ProtocolLoader.parse(text, file: "p.yaml")
                return nil
            } catch {
                return error.description
            }
        }
        let negative = try #require(loaderError("unexplained_doubt_run: {lt: -1}"), "a negative run was accepted")
        #expect(negative.hasPrefix("p.yaml:8:") && negative.contains("unexplained_doubt_run must be at least 0, found -1"))
        let misspelt = try #require(loaderError("unexplained_doubts_run: {ge: 3}"), "a misspelt fact was accepted")
        #expect(misspelt.hasPrefix("p.yaml:8:") && misspelt.contains("did you mean 'unexplained_doubt_run'?"))
    }
}
