import Foundation
import LGEProtocol
import LGESession
import LGEYAML
import Testing

/// The repository root, found by walking up from this file to Package.swift.
let repositoryRoot: URL = {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while directory.path != "/" {
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) { return directory }
        directory = directory.deletingLastPathComponent()
    }
    fatalError("no Package.swift above \(#filePath)")
}()

func shipped(_ name: String) throws -> QAProtocol {
    try ProtocolLoader.load(contentsOf: repositoryRoot.appendingPathComponent("protocols/\(name).yaml"))
}

/// A hand-made slice: a basal short-axis magnitude slice at minute 12 with TI 280 ms unless told otherwise.
func slice(
    _ index: Int = 3, ring: AHARing? = .basal, orientation: ViewOrientation = .shortAxis, pLow: Double = 0.8,
    causes: [Cause: Double] = [:], segment: Int? = nil, repeats: Int = 0, psir: Bool = false,
    reconstruction: Reconstruction = .magnitude, minutes: Double? = 12, tiSetMinutesAgo: Double? = nil,
    quality: [String: Double] = [:]
) -> SliceFacts {
    SliceFacts(
        assessment: Assessment(pLGE: 0.4, pLowCertainty: pLow, causes: causes, flaggedSegment: segment),
        quality: quality,
        context: SliceContext(
            index: index, orientation: orientation, ring: ring, reconstruction: reconstruction, inversionTime: 280,
            minutesSinceInjection: minutes, repeatsOfPosition: repeats, seriesHasPSIR: psir,
            minutesSinceTISet: tiSetMinutesAgo))
}

/// A small protocol around `rules` (YAML list items, indented two spaces) and `limits`.
func protocolText(limits: String = "{}", conflict: String = "[priority, specificity, order]", rules: String) -> String {
    """
    schema: 1
    name: test
    version: "1"
    limits: \(limits)
    conflict: \(conflict)
    rules:
    \(rules)
    """
}

@Suite struct ShippedProtocolTests {
    @Test(arguments: ["default", "conservative", "thorough"])
    func loads(_ name: String) throws {
        let p = try shipped(name)
        #expect(p.name == name)
        #expect(!p.rules.isEmpty)
        #expect(Set(p.rules.map(\.name)).count == p.rules.count)
    }

    @Test func defaultExpressesTheBrief() throws {
        let p = try shipped("default")
        #expect(p.limits.perExam == 4)
        #expect(p.limits.extraMinutes == 3)
        #expect(p.conflictPolicy == .standard)
        let kinds = Set(p.rules.map(\.action.kind))
        #expect(kinds == Set(Action.kinds), "the default protocol uses every action")
    }

    /// The teaching scenarios' expert actions, given the matching cause on the slice they name.
    @Test func defaultRecommendsTheExpertsActions() throws {
        let p = try shipped("default")
        let cases: [(String, SliceFacts, String)] = [
            ("ti-too-short-magnitude", slice(1, causes: [.tiNulling: 0.9]), "repeat_ti"),
            ("psir-and-magnitude", slice(1, causes: [.tiNulling: 0.7], psir: true), "repeat_ti"),
            ("amyloid", slice(1, causes: [.tiNulling: 0.8]), "repeat_ti"),
            ("ti-drift-late", slice(11, ring: .apical, causes: [.tiNulling: 0.8], minutes: 28), "repeat_ti"),
            ("ghosting-septum", slice(4, causes: [.ghosting: 0.9]), "swap_phase_encode"),
            ("arrhythmia", slice(8, ring: .apical, causes: [.ghosting: 0.8]), "swap_phase_encode"),
            ("focal-equivocal", slice(6, ring: .mid, causes: [.focalEquivocal: 0.8], segment: 10), "long_axis_crosscut"),
            ("small-subendocardial", slice(5, ring: .mid, causes: [.focalEquivocal: 0.7], segment: 11), "long_axis_crosscut"),
            ("motion-blur-2ch", slice(1, ring: nil, orientation: .twoChamber, causes: [.motion: 0.8]), "repeat"),
        ]
        for (scenario, facts, expected) in cases {
            var engine = ProtocolEngine(protocol: p)
            #expect(engine.evaluate(facts).recommendation?.action.kind == expected, "\(scenario)")
        }
        // Myocardium that will not null even on PSIR (amyloid): one shorter TI, at the first such slice only.
        var amyloid = ProtocolEngine(protocol: p)
        let psirFacts = slice(1, causes: [.tiNulling: 0.97, .ghosting: 0.6], reconstruction: .psir)
        #expect(amyloid.evaluate(psirFacts).recommendation?.action == .repeatTI(.delta(-50)))
        #expect(amyloid.evaluate(slice(2, causes: [.tiNulling: 0.97], reconstruction: .psir)).recommendation?.rule != "ti-diffuse-uptake")
        // A faint ghost call on a clean slice does not cost a breath-hold.
        var faint = ProtocolEngine(protocol: p)
        #expect(faint.evaluate(slice(4, causes: [.ghosting: 0.6])).recommendation == nil)
        // Clean slices prompt nothing (0.05 is in the default protocol's high band).
        var engine = ProtocolEngine(protocol: p)
        for index in 1...10 {
            let decision = engine.evaluate(slice(index, pLow: 0.05, causes: [.tiNulling: 0.1, .ghosting: 0.05]))
            #expect(decision.recommendation == nil)
            #expect(decision.silence == .nothingFired)
        }
    }
}

@Suite struct ProtocolErrorTests {
    /// The 1-based line and column of the first `needle` in `text`.
    func position(of needle: String, in text: String, occurrence: Int = 1) -> (Int, Int) {
        var seen = 0
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: needle) {
                seen += 1
                if seen == occurrence { return (number + 1, line.distance(from: line.startIndex, to: range.lowerBound) + 1) }
            }
        }
        Issue.record("'\(needle)' not in the text")
        return (0, 0)
    }

    /// Parses `text`, expecting an error of `kind` at `needle` whose message contains `message`.
    func expectError(
        _ text: String, _ kind: YAMLError.Kind, at needle: String, occurrence: Int = 1, _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try ProtocolLoader.parse(text, file: "p.yaml")
            Issue.record("expected an error", sourceLocation: sourceLocation)
        } catch {
            let (line, column) = position(of: needle, in: text, occurrence: occurrence)
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.file == "p.yaml" && error.line == line && error.column == column, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(message), "\(error)", sourceLocation: sourceLocation)
        }
    }

    let rule = """
          - name: r
            when: {certainty: low}
            then: {action: notify, message: hi}
        """

    @Test func validBaseParses() throws {
        let p = try ProtocolLoader.parse(protocolText(rules: rule), file: "p.yaml")
        #expect(p.rules.map(\.name) == ["r"])
    }

    @Test func unknownTopLevelKey() {
        expectError(
            "schema: 1\nname: t\nversion: \"1\"\nruls: []\n", .unknownKey, at: "ruls",
            "unknown key 'ruls' in protocol; did you mean 'rules'?")
    }

    @Test func unknownKeyInARule() {
        let text = protocolText(rules: "  - name: r\n    wehn: {certainty: low}\n    then: {action: notify, message: hi}")
        expectError(text, .unknownKey, at: "wehn", "unknown key 'wehn' in rules.r; did you mean 'when'?")
    }

    @Test func wrongTypes() {
        let priority = protocolText(rules: "  - name: r\n    when: {certainty: low}\n    then: {action: repeat, priority: high}")
        expectError(priority, .wrongType, at: "high", "rules.r.then.priority: expected a whole number, found 'high'")
        let threshold = protocolText(rules: "  - name: r\n    when: {p_lge: {gt: lots}}\n    then: {action: repeat}")
        expectError(threshold, .wrongType, at: "lots", "expected a number, found 'lots'")
        let order = protocolText(rules: "  - name: r\n    when: {ring: {lt: 2}}\n    then: {action: repeat}")
        expectError(order, .invalid, at: "lt", "'lt' compares numbers, and ring is not a number")
    }

    @Test func unknownFactAndMetric() {
        let fact = protocolText(rules: "  - name: r\n    when: {causes.ghostng: {ge: 0.5}}\n    then: {action: repeat}")
        expectError(fact, .unknownKey, at: "causes.ghostng", "unknown fact 'causes.ghostng' in rules.r.when; did you mean 'causes.ghosting'?")
        let metric = protocolText(rules: "  - name: r\n    when: {qa.snrr: {lt: 5}}\n    then: {action: repeat}")
        expectError(metric, .unknownKey, at: "qa.snrr", "unknown quality metric 'qa.snrr' in rules.r.when; did you mean 'qa.snr'?")
    }

    @Test func unknownWords() {
        let action = protocolText(rules: "  - name: r\n    when: {certainty: low}\n    then: {action: swap_phase_encoding}")
        expectError(action, .unknownValue, at: "swap_phase_encoding", "unknown action 'swap_phase_encoding'; expected one of repeat_ti")
        expectError(action, .unknownValue, at: "swap_phase_encoding", "did you mean 'swap_phase_encode'?")
        let actionKey = protocolText(rules: "  - name: r\n    when: {certainty: low}\n    then: {action: {repeat_tii: {delta: 20}}}")
        expectError(actionKey, .unknownKey, at: "repeat_tii", "did you mean 'repeat_ti'?")
        let band = protocolText(rules: "  - name: r\n    when: {certainty: lwo}\n    then: {action: repeat}")
        expectError(band, .unknownValue, at: "lwo", "unknown certainty band 'lwo'; expected one of high, low; did you mean 'low'?")
        let ring = protocolText(rules: "  - name: r\n    when: {ring: [basal, midd]}\n    then: {action: repeat}")
        expectError(ring, .unknownValue, at: "midd", "did you mean 'mid'?")
        let view = protocolText(rules: "  - name: r\n    when: {certainty: low}\n    then: {action: {long_axis_crosscut: 5CH}}")
        expectError(view, .unknownValue, at: "5CH", "unknown crosscut '5CH'")
        let placeholder = protocolText(rules: "  - name: r\n    when: {certainty: low}\n    then: {action: notify, message: \"slice {indx}\"}")
        expectError(placeholder, .unknownValue, at: "\"slice", "unknown placeholder 'indx' in the message; did you mean 'index'?")
    }

    @Test func impossibleRanges() {
        let band = "schema: 1\nname: t\nversion: \"1\"\ncertainty_bands:\n  low: [0.8, 0.2]\nrules: []\n"
        expectError(band, .outOfRange, at: "[0.8", "certainty_bands.low: lower bound 0.8 must be below upper bound 0.2")
        let overlap = "schema: 1\nname: t\nversion: \"1\"\ncertainty_bands:\n  high: [0, 0.6]\n  low: [0.5, 1]\nrules: []\n"
        expectError(overlap, .invalid, at: "[0.5", "overlaps band 'high'")
        let bandEnd = "schema: 1\nname: t\nversion: \"1\"\ncertainty_bands:\n  low: [0.5, 1.2]\nrules: []\n"
        expectError(bandEnd, .outOfRange, at: "1.2", "must be between 0 and 1, found 1.2")
        let probability = protocolText(rules: "  - name: r\n    when: {causes.ghosting: {ge: 1.5}}\n    then: {action: repeat}")
        expectError(probability, .outOfRange, at: "1.5", "causes.ghosting must be between 0 and 1, found 1.5")
        let between = protocolText(rules: "  - name: r\n    when: {p_lge: {between: [0.9, 0.1]}}\n    then: {action: repeat}")
        expectError(between, .outOfRange, at: "[0.9", "lower end 0.9 is above upper end 0.1; nothing can match")
        let budget = protocolText(limits: "{extra_minutes: -1}", rules: rule)
        expectError(budget, .outOfRange, at: "-1", "limits.extra_minutes must be between 0 and 120 minutes, found -1")
        let cost = protocolText(limits: "{action_costs: {repeat: -5}}", rules: rule)
        expectError(cost, .outOfRange, at: "-5", "limits.action_costs.repeat must be between 0 and 600 s, found -5")
        let wait = protocolText(limits: "{action_cooldowns: {repeat_ti: {slices: -2}}}", rules: rule)
        expectError(wait, .outOfRange, at: "-2", "limits.action_cooldowns.repeat_ti.slices must be from 0 to 1000, found -2")
        let waitAction = protocolText(limits: "{action_cooldowns: {repeat_tii: {slices: 2}}}", rules: rule)
        expectError(waitAction, .unknownKey, at: "repeat_tii", "did you mean 'repeat_ti'?")
        let waitKey = protocolText(limits: "{action_cooldowns: {repeat_ti: {slice: 2}}}", rules: rule)
        expectError(waitKey, .unknownKey, at: "slice", "did you mean 'slices'?")
        let count = protocolText(rules: "  - name: r\n    when: {repeats_of_position: {lt: -1}}\n    then: {action: repeat}")
        expectError(count, .outOfRange, at: "-1", "repeats_of_position must be at least 0, found -1")
    }

    @Test func structuralProblems() {
        expectError("schema: 2\nname: t\n", .unknownValue, at: "2", "unsupported protocol schema 2; this lgeqa reads schema 1")
        expectError("schema: 1\nname: t\nrules: []\n", .missingKey, at: "schema", "missing required key 'version' in protocol")
        let notify = protocolText(rules: "  - name: r\n    when: {certainty: low}\n    then: {action: notify}")
        expectError(notify, .missingKey, at: "{action: notify}", "rules.r.then: notify needs a message")
        let twice = protocolText(rules: rule + "\n" + rule)
        expectError(twice, .invalid, at: "name: r", occurrence: 2, "rule name 'r' is already used by rule 1")
    }

    @Test func syntaxErrorPosition() {
        do {
            _ = try ProtocolLoader.parse("schema: 1\nname: {a: 1\n", file: "p.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.line == 3 && error.column == 1)
        }
    }
}
