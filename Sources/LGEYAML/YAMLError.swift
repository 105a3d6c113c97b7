/// A problem with a YAML document (a scenario, a protocol), located as `file:line:column` so an
/// editor can jump to it.
///
/// Lines and columns count from 1, columns in Unicode scalars (as libyaml counts them). Problems
/// that concern a whole file (it cannot be read, it is empty) point at 1:1.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What sort of problem it is, for callers (and tests) that branch on it.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The file could not be read, or is not UTF-8.
        case unreadable
        /// The text is not valid YAML.
        case syntax
        /// A key the schema does not define.
        case unknownKey
        /// A required key is absent.
        case missingKey
        /// A value of the wrong type: a word where a number belongs, a list where a mapping belongs.
        case wrongType
        /// A word that is not one of the allowed values.
        case unknownValue
        /// A number outside its allowed range.
        case outOfRange
        /// Anything else the schema forbids: two artifact kinds in one event, a duplicate name.
        case invalid
    }

    public var kind: Kind
    /// The file as it should be shown, e.g. `scenarios/normal.yaml`.
    public var file: String
    public var line: Int
    public var column: Int
    /// The problem, without the location.
    public var message: String

    public init(_ kind: Kind, file: String, line: Int, column: Int, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, the form compilers use, so terminals and editors link it.
    public var description: String { "\(file):\(line):\(column): \(message)" }
}
