import Foundation
import LGEProtocol

/// A number in a parsed protocol that `lgeqa tune` can set, named the way the protocol's YAML
/// spells it:
///
/// - `rules.RULE.when.FACT.OP` — a threshold: OP is `lt`, `le`, `gt`, `ge`, `between.0` or
///   `between.1` (e.g. `rules.ghost-swap.when.acquisition.causes.ghosting.ge`);
/// - `rules.RULE.then.priority`, `rules.RULE.then.cost`;
/// - `certainty_bands.BAND` — the band's lower bound (the band below ends there too), or
///   `certainty_bands.BAND.lower` / `.upper`;
/// - `limits.prompts_per_slice`, `limits.prompts_per_position`, `limits.prompts_per_exam`,
///   `limits.extra_minutes`, `limits.cooldown.slices`, `limits.cooldown.seconds`,
///   `limits.action_costs.ACTION`.
///
/// The parsed ``QAProtocol`` value is changed; no YAML is written or re-read.
public struct ProtocolKey: Sendable, Hashable, CustomStringConvertible {
    public let path: String

    public var description: String { path }

    /// Checks `path` against `qaProtocol`; an unknown key's error lists the valid ones.
    public init(_ path: String, in qaProtocol: QAProtocol) throws(ProtocolKeyError) {
        self.path = path
        var copy = qaProtocol
        try set(&copy, to: current(in: qaProtocol) ?? 0, checkOnly: true)
    }

    /// Every key the protocol has, in file order.
    public static func validKeys(in qaProtocol: QAProtocol) -> [String] {
        var keys: [String] = []
        for band in qaProtocol.certaintyBands { keys += ["certainty_bands.\(band.name)", "certainty_bands.\(band.name).lower", "certainty_bands.\(band.name).upper"] }
        keys += ["limits.prompts_per_slice", "limits.prompts_per_position", "limits.prompts_per_exam", "limits.extra_minutes", "limits.cooldown.slices", "limits.cooldown.seconds"]
        keys += qaProtocol.limits.actionCosts.keys.sorted().map { "limits.action_costs.\($0)" }
        for rule in qaProtocol.rules {
            for test in rule.condition.tests {
                for op in operatorNames(test.comparison) { keys.append("rules.\(rule.name).when.\(test.fact.name).\(op)") }
            }
            keys += ["rules.\(rule.name).then.priority", "rules.\(rule.name).then.cost"]
        }
        var seen = Set<String>()
        return keys.filter { seen.insert($0).inserted }
    }

    static func operatorNames(_ comparison: Comparison) -> [String] {
        switch comparison {
        case .lt: ["lt"]
        case .le: ["le"]
        case .gt: ["gt"]
        case .ge: ["ge"]
        case .between: ["between.0", "between.1"]
        case .eq, .isIn: []
        }
    }

    /// The value in `qaProtocol`, nil when unset (an absent limit).
    public func current(in qaProtocol: QAProtocol) -> Double? {
        var found: Double?
        var copy = qaProtocol
        try? apply(&copy) { old in found = old; return old ?? 0 }
        return found
    }

    /// `qaProtocol` with this key set to `value`.
    public func setting(_ value: Double, in qaProtocol: QAProtocol) throws(ProtocolKeyError) -> QAProtocol {
        var copy = qaProtocol
        try set(&copy, to: value, checkOnly: false)
        return copy
    }

    private func set(_ p: inout QAProtocol, to value: Double, checkOnly: Bool) throws(ProtocolKeyError) {
        try apply(&p) { _ in value }
        if !checkOnly {
            for band in p.certaintyBands where band.lower > band.upper {
                throw .invalidValue(key: path, value: value, reason: "band '\(band.name)' would run from \(band.lower) down to \(band.upper)")
            }
        }
    }

    private func integer(_ value: Double) throws(ProtocolKeyError) -> Int {
        guard value >= 0, value == value.rounded() else { throw .invalidValue(key: path, value: value, reason: "a whole number of at least 0 is needed") }
        return Int(value)
    }

    /// Finds the number at `path` and replaces it with `change(old)`.
    private func apply(_ p: inout QAProtocol, _ change: (Double?) -> Double) throws(ProtocolKeyError) {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let unknown = ProtocolKeyError.unknownKey(path, valid: Self.validKeys(in: p))
        guard let head = parts.first else { throw unknown }
        switch head {
        case "certainty_bands":
            guard parts.count == 2 || parts.count == 3, let index = p.certaintyBands.firstIndex(where: { $0.name == parts[1] }) else { throw unknown }
            let end = parts.count == 3 ? parts[2] : "lower"
            switch end {
            case "lower":
                let old = p.certaintyBands[index].lower
                let new = change(old)
                guard (0...1).contains(new) else { throw .invalidValue(key: path, value: new, reason: "a band bound must be within 0 to 1") }
                p.certaintyBands[index].lower = new
                // Keep the bands contiguous: the band that ended where this one began now ends at the new bound.
                if parts.count == 2, let below = p.certaintyBands.firstIndex(where: { $0.upper == old }) { p.certaintyBands[below].upper = new }
            case "upper":
                let new = change(p.certaintyBands[index].upper)
                guard (0...1).contains(new) else { throw .invalidValue(key: path, value: new, reason: "a band bound must be within 0 to 1") }
                p.certaintyBands[index].upper = new
            default: throw unknown
            }
        case "limits":
            let name = parts.dropFirst().joined(separator: ".")
            switch name {
            case "prompts_per_slice": p.limits.perSlice = try integer(change(p.limits.perSlice.map(Double.init)))
            case "prompts_per_position": p.limits.perPosition = try integer(change(p.limits.perPosition.map(Double.init)))
            case "prompts_per_exam": p.limits.perExam = try integer(change(p.limits.perExam.map(Double.init)))
            case "cooldown.slices": p.limits.cooldownSlices = try integer(change(p.limits.cooldownSlices.map(Double.init)))
            case "cooldown.seconds": p.limits.cooldownSeconds = change(p.limits.cooldownSeconds)
            case "extra_minutes": p.limits.extraMinutes = change(p.limits.extraMinutes)
            default:
                guard parts.count == 3, parts[1] == "action_costs", let old = p.limits.actionCosts[parts[2]] else { throw unknown }
                p.limits.actionCosts[parts[2]] = change(old)
            }
        case "rules":
            guard parts.count >= 4, let index = p.rules.firstIndex(where: { $0.name == parts[1] }) else { throw unknown }
            switch parts[2] {
            case "then" where parts.count == 4 && parts[3] == "priority":
                let new = change(Double(p.rules[index].priority))
                guard new == new.rounded() else { throw .invalidValue(key: path, value: new, reason: "a priority is a whole number") }
                p.rules[index].priority = Int(new)
            case "then" where parts.count == 4 && parts[3] == "cost":
                p.rules[index].cost = change(p.limits.cost(of: p.rules[index]))
            case "when":
                // FACT may itself contain dots (causes.ghosting, qa.snr); OP is the last part, or between.N.
                let between = parts.count >= 6 && parts[parts.count - 2] == "between"
                let op = between ? "between.\(parts.last!)" : parts.last!
                let fact = parts[3..<(parts.count - (between ? 2 : 1))].joined(separator: ".")
                var changed = 0
                p.rules[index].condition = Self.replace(in: p.rules[index].condition, fact: fact, op: op, changed: &changed, change)
                guard changed > 0 else { throw unknown }
            default: throw unknown
            }
        default: throw unknown
        }
    }

    private static func replace(in condition: Condition, fact: String, op: String, changed: inout Int, _ change: (Double?) -> Double) -> Condition {
        switch condition {
        case .test(let f, let comparison) where f.name == fact:
            let new: Comparison? =
                switch (comparison, op) {
                case (.lt(let v), "lt"): .lt(change(v))
                case (.le(let v), "le"): .le(change(v))
                case (.gt(let v), "gt"): .gt(change(v))
                case (.ge(let v), "ge"): .ge(change(v))
                case (.between(let a, let b), "between.0"): .between(change(a), b)
                case (.between(let a, let b), "between.1"): .between(a, change(b))
                default: nil
                }
            guard let new else { return condition }
            changed += 1
            return .test(f, new)
        case .test: return condition
        case .all(let parts): return .all(parts.map { replace(in: $0, fact: fact, op: op, changed: &changed, change) })
        case .any(let parts): return .any(parts.map { replace(in: $0, fact: fact, op: op, changed: &changed, change) })
        case .not(let inner): return .not(replace(in: inner, fact: fact, op: op, changed: &changed, change))
        }
    }
}

/// Why a sweep key or value cannot be used.
public enum ProtocolKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownKey(String, valid: [String])
    case invalidValue(key: String, value: Double, reason: String)
    case badSweep(String, reason: String)

    public var description: String {
        switch self {
        case .unknownKey(let key, let valid):
            let prefix = key.split(separator: ".").prefix(2).joined(separator: ".")
            let near = valid.filter { $0.hasPrefix(prefix) }
            return "no key '\(key)' in this protocol; valid keys\(near.isEmpty ? "" : " near it"): " + (near.isEmpty ? valid : near).joined(separator: ", ")
        case .invalidValue(let key, let value, let reason): return "\(key) = \(value): \(reason)"
        case .badSweep(let text, let reason): return "--sweep '\(text)': \(reason); expected KEY=START:STOP:STEP, e.g. rules.ghost-swap.when.acquisition.causes.ghosting.ge=0.5:0.95:0.05"
        }
    }
}

/// One `--sweep KEY=START:STOP:STEP`.
public struct ParameterSweep: Sendable, Hashable {
    public var key: ProtocolKey
    public var values: [Double]

    /// Largest number of values one sweep may have.
    public static let maximumValues = 200

    public init(_ text: String, in qaProtocol: QAProtocol) throws(ProtocolKeyError) {
        guard let equals = text.firstIndex(of: "=") else { throw .badSweep(text, reason: "no '='") }
        let range = text[text.index(after: equals)...].split(separator: ":").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard range.count == 3, let start = range[0], let stop = range[1], let step = range[2] else {
            throw .badSweep(text, reason: "the range must be three numbers START:STOP:STEP")
        }
        guard step > 0, stop >= start, ((stop - start) / step) < Double(Self.maximumValues) else {
            throw .badSweep(text, reason: "STEP must be positive, STOP at least START, and at most \(Self.maximumValues) values")
        }
        key = try ProtocolKey(String(text[..<equals]).trimmingCharacters(in: .whitespaces), in: qaProtocol)
        let count = Int(((stop - start) / step + 1e-9).rounded(.down)) + 1
        // Rounded to 1e-9 so 0.1 steps print as 0.3, not 0.30000000000000004.
        values = (0..<count).map { (((start + Double($0) * step) * 1e9).rounded()) / 1e9 }
    }
}
