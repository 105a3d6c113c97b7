import Foundation
import Yams

/// A YAML node being read against a schema, with where it sits in that schema
/// (`acquisition.thickness`) and the file it came from, so that every complaint about it can be
/// located as `file:line:column`.
///
/// The readers are strict on purpose: a teaching scenario or a protocol with a silently ignored
/// typo does the wrong thing, so anything the schema does not expect is an error.
public struct YAMLValue {
    /// The composed node (for readers that need Yams itself; the accessors below do not).
    public let node: Node
    /// Dotted schema path for messages; empty at the top level.
    public let path: String
    public let file: String
    /// What the whole document is called in messages about its top level ("scenario", "protocol").
    public let documentName: String

    public init(node: Node, path: String, file: String, documentName: String = "document") {
        self.node = node
        self.path = path
        self.file = file
        self.documentName = documentName
    }

    public var line: Int { node.mark?.line ?? 1 }
    public var column: Int { node.mark?.column ?? 1 }

    /// An error located at this node.
    public func error(_ kind: YAMLError.Kind, _ message: String) -> YAMLError {
        YAMLError(kind, file: file, line: line, column: column, message: message)
    }

    /// The path as messages name it.
    public var name: String { path.isEmpty ? documentName : path }

    /// Another node of the same document, at `path`.
    func sibling(_ node: Node, path: String) -> YAMLValue {
        YAMLValue(node: node, path: path, file: file, documentName: documentName)
    }

    /// The same node named by another schema path (a condition's value named after its metric).
    public func renamed(_ path: String) -> YAMLValue { sibling(node, path: path) }

    // MARK: Shape

    /// A plain empty scalar, `~` or `null`: what `key:` with nothing after it gives.
    public var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    public var isScalar: Bool { if case .scalar = node { true } else { false } }
    public var isMapping: Bool { if case .mapping = node { true } else { false } }
    public var isList: Bool { if case .sequence = node { true } else { false } }
    /// `{}`: a mapping with no keys.
    public var isEmptyMapping: Bool { if case .mapping(let mapping) = node { mapping.isEmpty } else { false } }

    /// How the node is described after "found" in a type error.
    public var found: String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): isNull ? "nothing" : "'\(scalar.string)'"
        }
    }

    public func wrongType(_ expected: String) -> YAMLError {
        error(.wrongType, "\(name): expected \(expected), found \(found)")
    }

    // MARK: Structure

    /// An empty mapping standing in for an absent one (`- epicardial_lateral:` takes every default),
    /// located here so that a missing required key inside it still points somewhere useful.
    public func emptyMapping(path: String) -> YAMLValue {
        sibling(.mapping(Node.Mapping([], .implicit, .any, node.mark)), path: path)
    }

    /// The value under `key` of this mapping without checking the other keys: for a key that
    /// decides the schema (`version`) and must be read before anything else is judged.
    public func peek(_ key: String) -> YAMLValue? {
        guard case .mapping(let mapping) = node,
            let child = mapping.first(where: { $0.key.string == key })?.value
        else { return nil }
        return sibling(child, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// This node as a mapping whose keys must all be among `allowed`.
    public func mapping(allowed: [String]) throws(YAMLError) -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw wrongType("a mapping") }
        return try YAMLMapping(self, mapping: mapping, allowed: allowed)
    }

    /// This node as a mapping whose keys the caller checks itself (names chosen by the author,
    /// such as certainty bands, or keys from an open set): only non-word keys are errors.
    public func openMapping() throws(YAMLError) -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw wrongType("a mapping") }
        return try YAMLMapping(self, mapping: mapping, allowed: nil)
    }

    /// This node as a list; items share the list's path (their line says which one).
    public func list() throws(YAMLError) -> [YAMLValue] {
        guard case .sequence(let sequence) = node else { throw wrongType("a list") }
        return sequence.map { sibling($0, path: path) }
    }

    /// A list, or a single scalar standing for a list of one (`segments: 7`).
    public func listOrSingle() throws(YAMLError) -> [YAMLValue] {
        if case .scalar = node, !isNull { return [self] }
        return try list()
    }

    // MARK: Scalars

    /// The scalar's text, trimmed; nil for collections and empty values.
    public var scalarText: String? {
        guard case .scalar(let scalar) = node, !isNull else { return nil }
        return scalar.string.trimmingCharacters(in: .whitespaces)
    }

    /// A finite number within `limits`.
    public func number(_ limits: YAMLLimits, unit: String = "") throws(YAMLError) -> Double {
        guard let text = scalarText, let value = Double(text), value.isFinite else { throw wrongType("a number") }
        guard limits.contains(value) else {
            let unitText = unit.isEmpty ? "" : " \(unit)"
            throw error(.outOfRange, "\(name) must be \(limits)\(unitText), found \(text)")
        }
        return value
    }

    /// A whole number within `range`.
    public func integer(_ range: ClosedRange<Int>, what: String? = nil) throws(YAMLError) -> Int {
        guard let text = scalarText else { throw wrongType("a whole number") }
        guard let value = Int(text) else { throw wrongType("a whole number") }
        guard range.contains(value) else {
            let subject = what.map { "\(name): \($0)" } ?? name
            throw error(.outOfRange, "\(subject) must be from \(range.lowerBound) to \(range.upperBound), found \(text)")
        }
        return value
    }

    public func bool() throws(YAMLError) -> Bool {
        switch scalarText?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw wrongType("true or false")
        }
    }

    /// Text; any scalar reads as text (`title: 7` is the title "7").
    public func string(allowEmpty: Bool = false) throws(YAMLError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw wrongType("text") }
        if !allowEmpty && scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw error(.invalid, "\(name) must not be empty")
        }
        return scalar.string
    }

    /// One of a fixed set of words, matched without regard to case; `what` names the set.
    public func word<T>(_ what: String, _ choices: [(String, T)]) throws(YAMLError) -> T {
        let allowed = choices.map(\.0).joined(separator: ", ")
        guard let text = scalarText else { throw wrongType("one of \(allowed)") }
        if let match = choices.first(where: { $0.0.lowercased() == text.lowercased() }) { return match.1 }
        var message = "\(name): unknown \(what) '\(text)'; expected one of \(allowed)"
        if let guess = YAMLSuggestion.closest(to: text, among: choices.map(\.0)) { message += "; did you mean '\(guess)'?" }
        throw error(.unknownValue, message)
    }
}

/// A mapping whose keys have been checked against the schema.
public struct YAMLMapping {
    public let value: YAMLValue
    private let entries: [(key: String, keyNode: Node, value: Node)]

    /// Checks every key against `allowed` (nil: any word is allowed).
    public init(_ value: YAMLValue, mapping: Node.Mapping, allowed: [String]?) throws(YAMLError) {
        self.value = value
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, child) in mapping {
            let keyValue = value.sibling(keyNode, path: value.path)
            guard case .scalar(let scalar) = keyNode else {
                throw keyValue.error(.wrongType, "keys in \(value.name) must be words, found \(keyValue.found)")
            }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                var message = "unknown key '\(key)' in \(value.name)"
                if let guess = YAMLSuggestion.closest(to: key, among: allowed) {
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
    public var keys: [String] { entries.map(\.key) }

    /// Number of keys present.
    public var count: Int { entries.count }

    private func child(_ entry: (key: String, keyNode: Node, value: Node)) -> YAMLValue {
        value.sibling(entry.value, path: value.path.isEmpty ? entry.key : "\(value.path).\(entry.key)")
    }

    /// The value under `key`; nil when the key is absent or has no value (`key:` alone).
    public subscript(key: String) -> YAMLValue? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        let found = child(entry)
        return found.isNull ? nil : found
    }

    /// The value under `key`, which must be present (an empty value is reported by the reader).
    public func required(_ key: String) throws(YAMLError) -> YAMLValue {
        guard let entry = entries.first(where: { $0.key == key }) else {
            throw value.error(.missingKey, "missing required key '\(key)' in \(value.name)")
        }
        return child(entry)
    }

    /// The value under the key that sits in file order at `index`, with its key node (for
    /// errors about the key itself).
    public func entry(at index: Int) -> (key: String, keyValue: YAMLValue, value: YAMLValue) {
        let entry = entries[index]
        return (entry.key, value.sibling(entry.keyNode, path: value.path), child(entry))
    }

    /// Exactly one of `choices` must be present (the others being ordinary keys): a scar entry's
    /// pattern, an event's artifact, an action's kind.
    public func exactlyOne(of choices: [String], what: String) throws(YAMLError) -> (key: String, value: YAMLValue) {
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
