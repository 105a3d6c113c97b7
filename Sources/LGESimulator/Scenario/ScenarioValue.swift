import Foundation
import Yams

/// A YAML node being read as part of a scenario, with where it sits in the schema
/// (`acquisition.thickness`) and the file it came from, so that every complaint about it can be
/// located as `file:line:column`.
///
/// The readers are strict on purpose: a teaching scenario with a silently ignored typo teaches
/// the wrong thing, so anything the schema does not expect is an error.
struct ScenarioValue {
    let node: Node
    /// Dotted schema path for messages; empty at the top level.
    let path: String
    let file: String

    var line: Int { node.mark?.line ?? 1 }
    var column: Int { node.mark?.column ?? 1 }

    func error(_ kind: ScenarioError.Kind, _ message: String) -> ScenarioError {
        ScenarioError(kind, file: file, line: line, column: column, message: message)
    }

    /// The path as messages name it.
    var name: String { path.isEmpty ? "scenario" : path }

    /// A plain empty scalar, `~` or `null`: what `key:` with nothing after it gives.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the node is described after "found" in a type error.
    var found: String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): isNull ? "nothing" : "'\(scalar.string)'"
        }
    }

    func wrongType(_ expected: String) -> ScenarioError {
        error(.wrongType, "\(name): expected \(expected), found \(found)")
    }

    // MARK: Structure

    /// An empty mapping standing in for an absent one (`- epicardial_lateral:` takes every default),
    /// located here so that a missing required key inside it still points somewhere useful.
    func emptyMapping(path: String) -> ScenarioValue {
        ScenarioValue(node: .mapping(Node.Mapping([], .implicit, .any, node.mark)), path: path, file: file)
    }

    /// This node as a mapping whose keys must all be among `allowed`.
    func mapping(allowed: [String]) throws(ScenarioError) -> ScenarioMapping {
        guard case .mapping(let mapping) = node else { throw wrongType("a mapping") }
        return try ScenarioMapping(self, mapping: mapping, allowed: allowed)
    }

    /// This node as a list; items share the list's path (their line says which one).
    func list() throws(ScenarioError) -> [ScenarioValue] {
        guard case .sequence(let sequence) = node else { throw wrongType("a list") }
        return sequence.map { ScenarioValue(node: $0, path: path, file: file) }
    }

    /// A list, or a single scalar standing for a list of one (`segments: 7`).
    func listOrSingle() throws(ScenarioError) -> [ScenarioValue] {
        if case .scalar = node, !isNull { return [self] }
        return try list()
    }

    // MARK: Scalars

    /// The scalar's text, trimmed; nil for collections and empty values.
    var scalarText: String? {
        guard case .scalar(let scalar) = node, !isNull else { return nil }
        return scalar.string.trimmingCharacters(in: .whitespaces)
    }

    /// A finite number within `limits`.
    func number(_ limits: Limits, unit: String = "") throws(ScenarioError) -> Double {
        guard let text = scalarText, let value = Double(text), value.isFinite else { throw wrongType("a number") }
        guard limits.contains(value) else {
            let unitText = unit.isEmpty ? "" : " \(unit)"
            throw error(.outOfRange, "\(name) must be \(limits)\(unitText), found \(text)")
        }
        return value
    }

    /// A whole number within `range`.
    func integer(_ range: ClosedRange<Int>, what: String? = nil) throws(ScenarioError) -> Int {
        guard let text = scalarText else { throw wrongType("a whole number") }
        guard let value = Int(text) else { throw wrongType("a whole number") }
        guard range.contains(value) else {
            let subject = what.map { "\(name): \($0)" } ?? name
            throw error(.outOfRange, "\(subject) must be from \(range.lowerBound) to \(range.upperBound), found \(text)")
        }
        return value
    }

    func bool() throws(ScenarioError) -> Bool {
        switch scalarText?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw wrongType("true or false")
        }
    }

    /// Text; any scalar reads as text (`title: 7` is the title "7").
    func string(allowEmpty: Bool = false) throws(ScenarioError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw wrongType("text") }
        if !allowEmpty && scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw error(.invalid, "\(name) must not be empty")
        }
        return scalar.string
    }

    /// One of a fixed set of words, matched without regard to case; `what` names the set.
    func word<T>(_ what: String, _ choices: [(String, T)]) throws(ScenarioError) -> T {
        let allowed = choices.map(\.0).joined(separator: ", ")
        guard let text = scalarText else { throw wrongType("one of \(allowed)") }
        if let match = choices.first(where: { $0.0.lowercased() == text.lowercased() }) { return match.1 }
        var message = "\(name): unknown \(what) '\(text)'; expected one of \(allowed)"
        if let guess = Suggestion.closest(to: text, among: choices.map(\.0)) { message += "; did you mean '\(guess)'?" }
        throw error(.unknownValue, message)
    }
}

/// A mapping whose keys have been checked against the schema.
struct ScenarioMapping {
    let value: ScenarioValue
    private let entries: [(key: String, keyNode: Node, value: Node)]

    init(_ value: ScenarioValue, mapping: Node.Mapping, allowed: [String]) throws(ScenarioError) {
        self.value = value
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, child) in mapping {
            let keyValue = ScenarioValue(node: keyNode, path: value.path, file: value.file)
            guard case .scalar(let scalar) = keyNode else {
                throw keyValue.error(.wrongType, "keys in \(value.name) must be words, found \(keyValue.found)")
            }
            let key = scalar.string
            guard allowed.contains(key) else {
                var message = "unknown key '\(key)' in \(value.name)"
                if let guess = Suggestion.closest(to: key, among: allowed) {
                    message += "; did you mean '\(guess)'?"
                } else {
                    message += "; expected one of \(allowed.joined(separator: ", "))"
                }
                throw keyValue.error(.unknownKey, message)
            }
            entries.append((key, keyNode, child))
        }
        self.entries = entries
    }

    /// Keys present, in file order.
    var keys: [String] { entries.map(\.key) }

    private func child(_ entry: (key: String, keyNode: Node, value: Node)) -> ScenarioValue {
        ScenarioValue(node: entry.value, path: value.path.isEmpty ? entry.key : "\(value.path).\(entry.key)", file: value.file)
    }

    /// The value under `key`; nil when the key is absent or has no value (`key:` alone).
    subscript(key: String) -> ScenarioValue? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        let found = child(entry)
        return found.isNull ? nil : found
    }

    /// The value under `key`, which must be present (an empty value is reported by the reader).
    func required(_ key: String) throws(ScenarioError) -> ScenarioValue {
        guard let entry = entries.first(where: { $0.key == key }) else {
            throw value.error(.missingKey, "missing required key '\(key)' in \(value.name)")
        }
        return child(entry)
    }

    /// The value under the key that sits in file order at `index`, with its key node (for
    /// errors about the key itself).
    func entry(at index: Int) -> (key: String, keyValue: ScenarioValue, value: ScenarioValue) {
        let entry = entries[index]
        return (entry.key, ScenarioValue(node: entry.keyNode, path: value.path, file: value.file), child(entry))
    }

    /// Exactly one of `choices` must be present (the others being ordinary keys): a scar entry's
    /// pattern, an event's artifact, an action's kind.
    func exactlyOne(of choices: [String], what: String) throws(ScenarioError) -> (key: String, value: ScenarioValue) {
        let present = entries.indices.filter { choices.contains(entries[$0].key) }
        guard let first = present.first else {
            throw value.error(.missingKey, "\(value.name) names no \(what); expected one of \(choices.joined(separator: ", "))")
        }
        if present.count > 1 {
            let second = entry(at: present[1])
            throw second.keyValue.error(
                .invalid, "\(value.name) names more than one \(what): '\(entries[first].key)' and '\(second.key)'")
        }
        let chosen = entry(at: first)
        return (chosen.key, chosen.value)
    }
}

/// Allowed range of a number, with open or closed ends, worded for messages.
struct Limits: CustomStringConvertible {
    var lower: Double?
    var lowerOpen = false
    var upper: Double?

    /// `lower ... upper`, both ends allowed.
    static func range(_ lower: Double, _ upper: Double) -> Limits { Limits(lower: lower, upper: upper) }
    /// Strictly above `lower`, optionally up to `upper`.
    static func above(_ lower: Double, upTo upper: Double? = nil) -> Limits {
        Limits(lower: lower, lowerOpen: true, upper: upper)
    }
    /// At least `lower`, optionally up to `upper`.
    static func atLeast(_ lower: Double, upTo upper: Double? = nil) -> Limits { Limits(lower: lower, upper: upper) }

    func contains(_ value: Double) -> Bool {
        if let lower, lowerOpen ? value <= lower : value < lower { return false }
        if let upper, value > upper { return false }
        return true
    }

    var description: String {
        switch (lower, upper) {
        case (let lower?, let upper?) where !lowerOpen: "between \(Self.format(lower)) and \(Self.format(upper))"
        case (let lower?, let upper?): "greater than \(Self.format(lower)) and at most \(Self.format(upper))"
        case (let lower?, nil): lowerOpen ? "greater than \(Self.format(lower))" : "at least \(Self.format(lower))"
        case (nil, let upper?): "at most \(Self.format(upper))"
        case (nil, nil): "a number"
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// "Did you mean" guesses by edit distance.
enum Suggestion {
    /// The candidate closest to `text`, if it is close enough to be a plausible typo: at most
    /// a third of the longer word's letters (at least one, at most three) need changing.
    static func closest(to text: String, among candidates: [String]) -> String? {
        let lowered = text.lowercased()
        let scored = candidates.map { ($0, distance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let allowance = min(3, max(1, max(text.count, best.0.count) / 3))
        return best.1 <= allowance ? best.0 : nil
    }

    /// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, since
    /// swapped letters ("thcikness") are the commonest typo.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
