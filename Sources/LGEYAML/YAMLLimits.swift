/// Allowed range of a number, with open or closed ends, worded for messages.
public struct YAMLLimits: Sendable, Hashable, CustomStringConvertible {
    public var lower: Double?
    public var lowerOpen = false
    public var upper: Double?

    public init(lower: Double? = nil, lowerOpen: Bool = false, upper: Double? = nil) {
        self.lower = lower
        self.lowerOpen = lowerOpen
        self.upper = upper
    }

    /// `lower ... upper`, both ends allowed.
    public static func range(_ lower: Double, _ upper: Double) -> YAMLLimits { YAMLLimits(lower: lower, upper: upper) }
    /// Strictly above `lower`, optionally up to `upper`.
    public static func above(_ lower: Double, upTo upper: Double? = nil) -> YAMLLimits {
        YAMLLimits(lower: lower, lowerOpen: true, upper: upper)
    }
    /// At least `lower`, optionally up to `upper`.
    public static func atLeast(_ lower: Double, upTo upper: Double? = nil) -> YAMLLimits {
        YAMLLimits(lower: lower, upper: upper)
    }
    /// Any finite number.
    public static let any = YAMLLimits()

    public func contains(_ value: Double) -> Bool {
        if let lower, lowerOpen ? value <= lower : value < lower { return false }
        if let upper, value > upper { return false }
        return true
    }

    public var description: String {
        switch (lower, upper) {
        case (let lower?, let upper?) where !lowerOpen: "between \(Self.format(lower)) and \(Self.format(upper))"
        case (let lower?, let upper?): "greater than \(Self.format(lower)) and at most \(Self.format(upper))"
        case (let lower?, nil): lowerOpen ? "greater than \(Self.format(lower))" : "at least \(Self.format(lower))"
        case (nil, let upper?): "at most \(Self.format(upper))"
        case (nil, nil): "a number"
        }
    }

    /// Whole numbers without a decimal point (`20`, not `20.0`), others as Swift prints them.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
