/// One comparison of a fact's value against what the rule names.
public enum Comparison: Sendable, Hashable {
    case lt(Double), le(Double), gt(Double), ge(Double)
    /// Both ends included.
    case between(Double, Double)
    case eq(FactValue)
    case isIn([FactValue])

    /// The operator names protocols use, in documentation order.
    public static let operators = ["lt", "le", "gt", "ge", "eq", "between", "in"]

    /// Whether `value` satisfies it; words compare without regard to case, and a wall condition
    /// covers its sub-walls (`septal` holds for an anteroseptal spot).
    func holds(for value: FactValue, fact: Fact) -> Bool {
        switch self {
        case .lt(let limit): value.number.map { $0 < limit } ?? false
        case .le(let limit): value.number.map { $0 <= limit } ?? false
        case .gt(let limit): value.number.map { $0 > limit } ?? false
        case .ge(let limit): value.number.map { $0 >= limit } ?? false
        case .between(let lower, let upper): value.number.map { $0 >= lower && $0 <= upper } ?? false
        case .eq(let expected): Self.matches(value, expected, fact: fact)
        case .isIn(let choices): choices.contains { Self.matches(value, $0, fact: fact) }
        }
    }

    private static func matches(_ value: FactValue, _ expected: FactValue, fact: Fact) -> Bool {
        switch (value, expected) {
        case (.word(let a), .word(let b)):
            if fact == .flaggedWall, let found = Wall(rawValue: a.lowercased()), let named = Wall(rawValue: b.lowercased()) {
                return named.covers(found)
            }
            return a.lowercased() == b.lowercased()
        default: return value == expected
        }
    }

    /// The comparison in symbols, for evidence lines: `≥ 0.5`, `in [basal, mid]`.
    public var symbol: String {
        switch self {
        case .lt(let v): "< \(FactValue.format(v))"
        case .le(let v): "≤ \(FactValue.format(v))"
        case .gt(let v): "> \(FactValue.format(v))"
        case .ge(let v): "≥ \(FactValue.format(v))"
        case .between(let a, let b): "between \(FactValue.format(a)) and \(FactValue.format(b))"
        case .eq(let v): "= \(v)"
        case .isIn(let vs): "in [\(vs.map(\.description).joined(separator: ", "))]"
        }
    }
}

/// A rule's `when`: comparisons on facts combined with all / any / not.
public indirect enum Condition: Sendable, Hashable {
    /// A fact compared one way; a fact with several operators (`{ge: 0.3, lt: 0.7}`) is several tests.
    case test(Fact, Comparison)
    case all([Condition])
    case any([Condition])
    case not(Condition)

    /// How many comparisons it makes: the rule's specificity, which breaks priority ties.
    public var specificity: Int {
        switch self {
        case .test: 1
        case .all(let parts), .any(let parts): parts.reduce(0) { $0 + $1.specificity }
        case .not(let inner): inner.specificity
        }
    }

    /// Every comparison, in file order (for evidence and explanations).
    public var tests: [(fact: Fact, comparison: Comparison)] {
        switch self {
        case .test(let fact, let comparison): [(fact, comparison)]
        case .all(let parts), .any(let parts): parts.flatMap(\.tests)
        case .not(let inner): inner.tests
        }
    }

    /// Whether it holds. A comparison on a fact the slice does not have (no TI in the header,
    /// no quality figure) is false, so rules never fire on guesses; `not` of it is true.
    func holds(_ lookup: (Fact) -> FactValue?) -> Bool {
        switch self {
        case .test(let fact, let comparison): lookup(fact).map { comparison.holds(for: $0, fact: fact) } ?? false
        case .all(let parts): parts.allSatisfy { $0.holds(lookup) }
        case .any(let parts): parts.contains { $0.holds(lookup) }
        case .not(let inner): !inner.holds(lookup)
        }
    }
}
