import Foundation
import LGESession
import LGEYAML

/// Reads protocols (`protocols/*.yaml`, schema in `docs/protocols.md`) into ``QAProtocol``s.
///
/// Every problem is a `YAMLError` located at `file:line:column`, with a "did you mean" for
/// misspelt keys, facts, metrics and actions, so a protocol designer can fix the file from the
/// message alone.
public enum ProtocolLoader {
    /// Loads one protocol file; errors name it relative to the current directory when below it.
    public static func load(contentsOf url: URL) throws(YAMLError) -> QAProtocol {
        let (text, file) = try YAMLDocument.read(contentsOf: url)
        return try parse(text, file: file)
    }

    /// Parses protocol text; `file` is the name errors show.
    public static func parse(_ text: String, file: String) throws(YAMLError) -> QAProtocol {
        guard let root = try YAMLDocument.parse(text: text, file: file, documentName: "protocol") else {
            throw YAMLError(.invalid, file: file, line: 1, column: 1, message: "empty protocol; expected at least schema, name, version and rules")
        }
        return try ProtocolDecoder().decode(root)
    }
}

/// Turns a composed protocol document into a ``QAProtocol``, checking it against schema v1.
struct ProtocolDecoder {
    static let topKeys = [
        "schema", "name", "version", "author", "description", "certainty_bands", "limits", "conflict", "rules",
    ]
    static let ruleKeys = ["name", "description", "when", "then"]
    static let thenKeys = ["action", "message", "priority", "cost"]
    static let limitKeys = [
        "prompts_per_slice", "prompts_per_position", "prompts_per_exam", "cooldown", "extra_minutes", "action_costs",
        "action_cooldowns",
    ]

    func decode(_ root: YAMLValue) throws(YAMLError) -> QAProtocol {
        guard root.isMapping else { throw root.wrongType("a mapping of protocol keys") }
        // The schema version decides what the other keys mean, so it is judged first.
        if let schema = root.peek("schema") {
            let version = try schema.integer(Int.min...Int.max)
            guard version == QAProtocol.schemaVersion else {
                throw schema.error(
                    .unknownValue, "unsupported protocol schema \(version); this lgeqa reads schema \(QAProtocol.schemaVersion)")
            }
        }
        let top = try root.mapping(allowed: Self.topKeys)
        _ = try top.required("schema")
        let name = try top.required("name").string()
        let version = try top.required("version").string()
        let author = try top["author"]?.string()
        let description = try top["description"]?.string()
        // Rules name bands, so bands come first whatever order the keys are in.
        let bands = try top["certainty_bands"].map(decodeBands) ?? CertaintyBand.defaults
        let limits = try top["limits"].map(decodeLimits) ?? PromptLimits()
        let policy = try top["conflict"].map(decodeConflict) ?? .standard

        let items = try top.required("rules").list()
        // Conditions may name any rule (`prompted_before.RULE`), earlier or later in the file.
        let ruleNames = items.compactMap { item in try? item.peek("name")?.string() }
        var rules: [Rule] = []
        var seen: [String: Int] = [:]
        for (order, item) in items.enumerated() {
            let rule = try decodeRule(item, order: order, bands: bands, ruleNames: ruleNames)
            if let earlier = seen[rule.name] {
                throw item.error(.invalid, "rule name '\(rule.name)' is already used by rule \(earlier + 1)")
            }
            seen[rule.name] = order
            rules.append(rule)
        }
        return QAProtocol(
            name: name, version: version, author: author, description: description, certaintyBands: bands, rules: rules,
            limits: limits, conflictPolicy: policy)
    }

    // MARK: Bands, limits, conflicts

    func decodeBands(_ value: YAMLValue) throws(YAMLError) -> [CertaintyBand] {
        guard value.isMapping else { throw value.wrongType("a mapping of band names to [lower, upper]") }
        // Any word may name a band, so the keys are checked here rather than against a list.
        let bands = try value.openMapping()
        var result: [CertaintyBand] = []
        for index in 0..<bands.count {
            let (name, keyValue, range) = bands.entry(at: index)
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), !name.isEmpty else {
                throw keyValue.error(.invalid, "certainty band names are words (letters, digits, '_', '-'), found '\(name)'")
            }
            let ends = try range.list()
            guard ends.count == 2 else { throw range.wrongType("[lower, upper]") }
            let lower = try ends[0].renamed("\(range.name) lower bound").number(.range(0, 1))
            let upper = try ends[1].renamed("\(range.name) upper bound").number(.range(0, 1))
            guard lower < upper else {
                throw range.error(
                    .outOfRange,
                    "\(range.name): lower bound \(FactValue.format(lower)) must be below upper bound \(FactValue.format(upper))")
            }
            if let other = result.first(where: { lower < $0.upper && $0.lower < upper }) {
                throw range.error(
                    .invalid,
                    "\(range.name): [\(FactValue.format(lower)), \(FactValue.format(upper))] overlaps band '\(other.name)' "
                        + "[\(FactValue.format(other.lower)), \(FactValue.format(other.upper))]")
            }
            result.append(CertaintyBand(name: name, lower: lower, upper: upper))
        }
        guard !result.isEmpty else { throw value.error(.invalid, "certainty_bands must name at least one band") }
        return result
    }

    func decodeLimits(_ value: YAMLValue) throws(YAMLError) -> PromptLimits {
        let fields = try value.mapping(allowed: Self.limitKeys)
        var limits = PromptLimits()
        if let v = fields["prompts_per_slice"] { limits.perSlice = try v.integer(0...1000) }
        if let v = fields["prompts_per_position"] { limits.perPosition = try v.integer(0...1000) }
        if let v = fields["prompts_per_exam"] { limits.perExam = try v.integer(0...1000) }
        if let cooldown = fields["cooldown"] {
            let wait = try decodeCooldown(cooldown)
            limits.cooldownSlices = wait.slices
            limits.cooldownSeconds = wait.seconds
        }
        if let cooldowns = fields["action_cooldowns"] {
            let entries = try cooldowns.mapping(allowed: Action.kinds)
            for key in entries.keys {
                if let v = entries[key] { limits.actionCooldowns[key] = try decodeCooldown(v) }
            }
        }
        if let v = fields["extra_minutes"] { limits.extraMinutes = try v.number(.atLeast(0, upTo: 120), unit: "minutes") }
        if let costs = fields["action_costs"] {
            let entries = try costs.mapping(allowed: Action.kinds)
            for key in entries.keys {
                if let v = entries[key] { limits.actionCosts[key] = try v.number(.atLeast(0, upTo: 600), unit: "s") }
            }
        }
        return limits
    }

    /// `{slices: N, seconds: S}`, either or both.
    func decodeCooldown(_ value: YAMLValue) throws(YAMLError) -> PromptLimits.Cooldown {
        let parts = try value.mapping(allowed: ["slices", "seconds"])
        var wait = PromptLimits.Cooldown()
        if let v = parts["slices"] { wait.slices = try v.integer(0...1000) }
        if let v = parts["seconds"] { wait.seconds = try v.number(.atLeast(0, upTo: 3600), unit: "s") }
        return wait
    }

    func decodeConflict(_ value: YAMLValue) throws(YAMLError) -> ConflictPolicy {
        let choices = ConflictPolicy.Criterion.allCases.map { ($0.rawValue, $0) }
        var criteria: [ConflictPolicy.Criterion] = []
        for item in try value.listOrSingle() {
            let criterion = try item.word("tie-breaker", choices)
            guard !criteria.contains(criterion) else {
                throw item.error(.invalid, "\(value.name): '\(criterion.rawValue)' is listed twice")
            }
            criteria.append(criterion)
        }
        guard !criteria.isEmpty else { throw value.error(.invalid, "conflict must list at least one tie-breaker") }
        return ConflictPolicy(criteria)
    }

    // MARK: Rules

    func decodeRule(_ item: YAMLValue, order: Int, bands: [CertaintyBand], ruleNames: [String] = []) throws(YAMLError) -> Rule {
        // Messages name the rule ("rules.ti-short.when.ring"), or number it when it has no name.
        let given = try item.peek("name").map { v throws(YAMLError) in try v.string() }
        let name = given ?? "rule \(order + 1)"
        let fields = try item.renamed(given.map { "rules.\($0)" } ?? "rules[\(order + 1)]").mapping(allowed: Self.ruleKeys)
        let description = try fields["description"]?.string()
        let condition = try decodeCondition(fields.required("when"), bands: bands, ruleNames: ruleNames)
        let then = try fields.required("then").mapping(allowed: Self.thenKeys)
        let action = try decodeAction(then.required("action"))
        var message: MessageTemplate?
        if let text = then["message"] {
            do {
                message = try MessageTemplate(try text.string())
            } catch let problem as MessageTemplate.Problem {
                var line = "\(text.name): \(problem.message)"
                if let unknown = problem.unknownName, let guess = suggestion(for: unknown, among: MessageTemplate.Variable.allNames) {
                    line += "; did you mean '\(guess)'?"
                }
                throw text.error(problem.unknownName == nil ? .invalid : .unknownValue, line)
            } catch let error as YAMLError {
                throw error
            } catch {
                throw text.error(.invalid, "\(text.name): \(error)")
            }
        } else if action == .notify {
            throw then.value.error(.missingKey, "\(then.value.name): notify needs a message")
        }
        let priority = try then["priority"]?.integer(-1000...1000) ?? 0
        let cost = try then["cost"]?.number(.atLeast(0, upTo: 600), unit: "s")
        return Rule(
            name: name, description: description, condition: condition, action: action, message: message,
            priority: priority, cost: cost, order: order)
    }

    // MARK: Conditions

    static let combinators = ["all", "any", "not"]

    /// A mapping of facts (all must hold) and combinators.
    func decodeCondition(_ value: YAMLValue, bands: [CertaintyBand], ruleNames: [String] = []) throws(YAMLError) -> Condition {
        guard value.isMapping else { throw value.wrongType("a mapping of conditions (facts, all, any, not)") }
        let fields = try value.openMapping()
        var parts: [Condition] = []
        for index in 0..<fields.count {
            let (key, keyValue, childValue) = fields.entry(at: index)
            let childPath = childValue.path
            switch key {
            case "all", "any":
                let items = try childValue.list()
                guard !items.isEmpty else { throw childValue.error(.invalid, "\(childPath) must list at least one condition") }
                var inner: [Condition] = []
                for item in items { inner.append(try decodeCondition(item, bands: bands, ruleNames: ruleNames)) }
                parts.append(key == "all" ? .all(inner) : .any(inner))
            case "not":
                parts.append(.not(try decodeCondition(childValue, bands: bands, ruleNames: ruleNames)))
            default:
                guard let fact = Fact(name: key) else { throw unknownFact(key, at: keyValue, in: value) }
                if case .promptedBefore(let rule) = fact, !ruleNames.contains(rule) {
                    var message = "'\(key)' in \(value.name) names no rule of this protocol"
                    if let guess = suggestion(for: rule, among: ruleNames) {
                        message += "; did you mean '\(Fact.promptedBeforePrefix)\(guess)'?"
                    } else {
                        message += "; its rules are: \(ruleNames.joined(separator: ", "))"
                    }
                    throw keyValue.error(.unknownKey, message)
                }
                parts.append(contentsOf: try decodeTests(fact, childValue, bands: bands))
            }
        }
        guard !parts.isEmpty else { throw value.error(.invalid, "\(value.name) must hold at least one condition") }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    private func unknownFact(_ key: String, at keyValue: YAMLValue, in value: YAMLValue) -> YAMLError {
        if key.hasPrefix("qa.") {
            let metric = String(key.dropFirst(3))
            var message = "unknown quality metric '\(key)' in \(value.name)"
            if let guess = suggestion(for: metric, among: QualityMetric.names) {
                message += "; did you mean 'qa.\(guess)'?"
            } else {
                message += "; known metrics: \(QualityMetric.names.joined(separator: ", "))"
            }
            return keyValue.error(.unknownKey, message)
        }
        var message = "unknown fact '\(key)' in \(value.name)"
        if let guess = suggestion(for: key, among: Fact.allNames + Self.combinators) {
            message += "; did you mean '\(guess)'?"
        } else {
            message += "; see `lgeqa protocol schema` for the facts a rule can use"
        }
        return keyValue.error(.unknownKey, message)
    }

    /// `fact: value` (equals), `fact: [a, b]` (one of), or `fact: {ge: 0.5, lt: 0.9}`.
    func decodeTests(_ fact: Fact, _ value: YAMLValue, bands: [CertaintyBand]) throws(YAMLError) -> [Condition] {
        if value.isList { return [.test(fact, .isIn(try operands(fact, value, bands: bands)))] }
        guard value.isMapping else { return [.test(fact, .eq(try operand(fact, value, bands: bands)))] }
        let fields = try value.mapping(allowed: Comparison.operators)
        guard fields.count > 0 else { throw value.error(.invalid, "\(value.name) names no comparison; expected one of \(Comparison.operators.joined(separator: ", "))") }
        var tests: [Condition] = []
        for index in 0..<fields.count {
            let (op, keyValue, operandValue) = fields.entry(at: index)
            if ["lt", "le", "gt", "ge", "between"].contains(op), !fact.isNumeric {
                throw keyValue.error(.invalid, "\(value.name): '\(op)' compares numbers, and \(fact.name) is not a number; use eq or in")
            }
            let comparison: Comparison
            switch op {
            case "lt": comparison = .lt(try number(fact, operandValue))
            case "le": comparison = .le(try number(fact, operandValue))
            case "gt": comparison = .gt(try number(fact, operandValue))
            case "ge": comparison = .ge(try number(fact, operandValue))
            case "between":
                let ends = try operandValue.list()
                guard ends.count == 2 else { throw operandValue.wrongType("[lower, upper]") }
                let lower = try number(fact, ends[0]), upper = try number(fact, ends[1])
                guard lower <= upper else {
                    throw operandValue.error(
                        .outOfRange,
                        "\(operandValue.name): lower end \(FactValue.format(lower)) is above upper end \(FactValue.format(upper)); nothing can match")
                }
                comparison = .between(lower, upper)
            case "eq": comparison = .eq(try operand(fact, operandValue, bands: bands))
            default: comparison = .isIn(try operands(fact, operandValue, bands: bands))
            }
            tests.append(.test(fact, comparison))
        }
        return tests
    }

    private func operands(_ fact: Fact, _ value: YAMLValue, bands: [CertaintyBand]) throws(YAMLError) -> [FactValue] {
        let items = try value.listOrSingle()
        guard !items.isEmpty else { throw value.error(.invalid, "\(value.name) must list at least one value") }
        var result: [FactValue] = []
        for item in items { result.append(try operand(fact, item, bands: bands)) }
        return result
    }

    /// One value of `fact`'s type, checked against its limits or words.
    private func operand(_ fact: Fact, _ value: YAMLValue, bands: [CertaintyBand]) throws(YAMLError) -> FactValue {
        switch fact.valueType {
        case .number: return .number(try number(fact, value))
        case .flag: return .flag(try value.bool())
        case .word(let words): return .word(try value.word(fact.name, words.map { ($0, $0) }))
        case .band: return .word(try value.word("certainty band", bands.map { ($0.name, $0.name) }))
        }
    }

    private func number(_ fact: Fact, _ value: YAMLValue) throws(YAMLError) -> Double {
        guard case .number(let lower, let upper, let unit) = fact.valueType else { throw value.wrongType("a number") }
        // Comparisons name the fact, not the operator: "causes.ghosting must be between 0 and 1".
        let named = value.renamed(fact.name)
        let limits: YAMLLimits
        switch (lower, upper) {
        case (let lower?, let upper?): limits = .range(lower, upper)
        case (let lower?, nil): limits = .atLeast(lower)
        case (nil, let upper?): limits = YAMLLimits(upper: upper)
        case (nil, nil): limits = .any
        }
        do {
            return try named.number(limits, unit: unit)
        } catch {
            // Keep the location and kind, but say where in the rule the value sits.
            var located = error
            if error.kind == .wrongType { located.message = "\(value.name): expected a number, found \(value.found)" }
            throw located
        }
    }

    // MARK: Actions

    /// `swap_phase_encode`, or `{repeat_ti: {delta: 20}}`: the action's name with its settings.
    func decodeAction(_ value: YAMLValue) throws(YAMLError) -> Action {
        let kind: String
        var settings: YAMLValue?
        if value.isScalar {
            kind = try value.word("action", Action.kinds.map { ($0, $0) })
        } else {
            let fields = try value.mapping(allowed: Action.kinds)
            guard fields.count == 1 else {
                throw value.error(.invalid, "\(value.name) names \(fields.count == 0 ? "no action" : "more than one action"); expected one of \(Action.kinds.joined(separator: ", "))")
            }
            kind = fields.keys[0]
            settings = fields[kind]
        }
        switch kind {
        case "swap_phase_encode", "notify":
            if let settings, !settings.isEmptyMapping {
                throw settings.error(.invalid, "\(settings.name): \(kind) takes no settings, found \(settings.found)")
            }
            return kind == "notify" ? .notify : .swapPhaseEncode
        case "repeat":
            guard let settings else { return .repeatAcquisition(RepeatOptions()) }
            let options = try settings.mapping(allowed: ["psir", "single_shot", "coaching"])
            return .repeatAcquisition(
                RepeatOptions(
                    psir: try options["psir"]?.bool() ?? false, singleShot: try options["single_shot"]?.bool() ?? false,
                    coaching: try options["coaching"]?.bool() ?? false))
        case "repeat_ti":
            guard let settings else {
                throw value.error(.missingKey, "\(value.name): repeat_ti needs a TI change: {repeat_ti: {delta: 20}} or {repeat_ti: follow_null_drift}")
            }
            return .repeatTI(try decodeTIChange(settings))
        default:
            guard let settings else { return .longAxisCrosscut(.throughFlaggedRegion) }
            return .longAxisCrosscut(try decodeCrosscut(settings))
        }
    }

    private func decodeTIChange(_ value: YAMLValue) throws(YAMLError) -> TIChange {
        if value.isScalar {
            return try value.word("TI change", [("follow_null_drift", TIChange.followNullDrift(
                rate: TIChange.defaultDriftRate, minimum: TIChange.defaultDriftRange.lowerBound,
                maximum: TIChange.defaultDriftRange.upperBound))])
        }
        let fields = try value.mapping(allowed: ["delta", "follow_null_drift"])
        let (key, setting) = try fields.exactlyOne(of: ["delta", "follow_null_drift"], what: "TI change")
        if key == "delta" {
            let delta = try setting.number(.range(-300, 300), unit: "ms")
            guard delta != 0 else { throw setting.error(.outOfRange, "\(setting.name) must not be 0; use repeat to repeat unchanged") }
            return .delta(delta)
        }
        var rate = TIChange.defaultDriftRate
        var minimum = TIChange.defaultDriftRange.lowerBound, maximum = TIChange.defaultDriftRange.upperBound
        if !setting.isNull {
            let drift = try setting.mapping(allowed: ["rate", "min", "max"])
            if let v = drift["rate"] { rate = try v.number(.above(0, upTo: 20), unit: "ms per minute") }
            if let v = drift["min"] { minimum = try v.number(.range(0, 300), unit: "ms") }
            if let v = drift["max"] { maximum = try v.number(.range(0, 300), unit: "ms") }
            guard minimum <= maximum else {
                throw setting.error(.outOfRange, "\(setting.name): min \(FactValue.format(minimum)) is above max \(FactValue.format(maximum))")
            }
        }
        return .followNullDrift(rate: rate, minimum: minimum, maximum: maximum)
    }

    static let viewChoices: [(String, ViewOrientation)] = [("2CH", .twoChamber), ("3CH", .threeChamber), ("4CH", .fourChamber)]

    private func decodeCrosscut(_ value: YAMLValue) throws(YAMLError) -> CrosscutTarget {
        if value.isScalar {
            let choices = Self.viewChoices.map { ($0.0, CrosscutTarget.view($0.1)) } + [("through_flagged_region", .throughFlaggedRegion)]
            return try value.word("crosscut", choices)
        }
        let fields = try value.mapping(allowed: ["view"])
        return .view(try fields.required("view").word("long-axis view", Self.viewChoices))
    }
}

extension Fact {
    /// Whether lt/le/gt/ge/between apply.
    var isNumeric: Bool { if case .number = valueType { true } else { false } }
}
