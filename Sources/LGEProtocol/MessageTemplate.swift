/// A message for the technologist with `{...}` placeholders filled in per slice:
/// `"TI looks short on slice {index}: repeat with TI {inversion_time+delta} ms"`.
///
/// A placeholder is a fact (`index`, `causes.ghosting`, `qa.snr`, ...), or one of the action's
/// values (`delta`: the TI change in ms; `view`: the crosscut's view; `rule`: the rule's name),
/// optionally plus or minus a number or another of these (`{inversion_time+20}`). `{{` and `}}`
/// are literal braces. A value the slice does not have prints as `?`.
public struct MessageTemplate: Sendable, Hashable, CustomStringConvertible {
    /// A name a placeholder can use.
    public enum Variable: Sendable, Hashable {
        case fact(Fact)
        case delta, view, rule

        static let actionNames: [(String, Variable)] = [("delta", .delta), ("view", .view), ("rule", .rule)]

        init?(name: String) {
            if let match = Self.actionNames.first(where: { $0.0 == name }) {
                self = match.1
            } else if let fact = Fact(name: name) {
                self = .fact(fact)
            } else {
                return nil
            }
        }

        static var allNames: [String] { actionNames.map(\.0) + Fact.allNames }
    }

    enum Operand: Sendable, Hashable {
        case variable(Variable)
        case number(Double)
    }

    enum Segment: Sendable, Hashable {
        case text(String)
        /// `first`, or `first ± second`.
        case value(Operand, sign: Double, Operand?)
    }

    /// A template problem: what is wrong and the name to suggest, for the parser to locate.
    public struct Problem: Error, Sendable {
        public var message: String
        public var unknownName: String?
    }

    public let source: String
    let segments: [Segment]

    /// Parses a template; throws on an unclosed brace or an unknown name.
    public init(_ source: String) throws(Problem) {
        self.source = source
        var segments: [Segment] = []
        var text = ""
        var characters = Array(source)[...]
        while let character = characters.popFirst() {
            if character == "{" && characters.first == "{" { characters.removeFirst(); text.append("{"); continue }
            if character == "}" && characters.first == "}" { characters.removeFirst(); text.append("}"); continue }
            if character == "}" { throw Problem(message: "a '}' without its '{'; write '}}' for a brace") }
            guard character == "{" else { text.append(character); continue }
            guard let close = characters.firstIndex(of: "}") else {
                throw Problem(message: "a '{' is never closed; write '{{' for a brace")
            }
            let expression = String(characters[..<close]).filter { !$0.isWhitespace }
            characters = characters[characters.index(after: close)...]
            if !text.isEmpty { segments.append(.text(text)); text = "" }
            segments.append(try Self.parseExpression(expression))
        }
        if !text.isEmpty { segments.append(.text(text)) }
        self.segments = segments
    }

    private static func parseExpression(_ expression: String) throws(Problem) -> Segment {
        // Split at the first + or - after the first character (names hold no signs).
        let body = Array(expression)
        if let split = body.indices.dropFirst().first(where: { body[$0] == "+" || body[$0] == "-" }) {
            let first = try operand(String(body[..<split]))
            let second = try operand(String(body[(split + 1)...]))
            return .value(first, sign: body[split] == "+" ? 1 : -1, second)
        }
        return .value(try operand(expression), sign: 1, nil)
    }

    private static func operand(_ text: String) throws(Problem) -> Operand {
        if text.isEmpty { throw Problem(message: "an empty placeholder '{}'") }
        if let number = Double(text) { return .number(number) }
        guard let variable = Variable(name: text) else {
            throw Problem(message: "unknown placeholder '\(text)' in the message", unknownName: text)
        }
        return .variable(variable)
    }

    /// The message for one slice; `value` supplies each variable.
    public func render(_ value: (Variable) -> FactValue?) -> String {
        var output = ""
        for segment in segments {
            switch segment {
            case .text(let text): output += text
            case .value(let first, let sign, let second):
                let a = resolve(first, value)
                // Times in ms (TI, R-R range) are what a technologist types into the scanner, which
                // takes whole milliseconds: "TI 264 ms", not "TI 264.07 ms".
                let wholeMilliseconds = Self.isMilliseconds(first)
                guard let second else {
                    if wholeMilliseconds, let x = a?.number { output += FactValue.format(x.rounded()) } else { output += a?.description ?? "?" }
                    continue
                }
                if let x = a?.number, let y = resolve(second, value)?.number {
                    let sum = x + sign * y
                    output += FactValue.format(wholeMilliseconds || Self.isMilliseconds(second) ? sum.rounded() : sum)
                } else {
                    output += "?"
                }
            }
        }
        return output
    }

    private static func isMilliseconds(_ operand: Operand) -> Bool {
        switch operand {
        case .variable(.delta): return true
        case .variable(.fact(let fact)):
            guard case .number(_, _, let unit) = fact.valueType else { return false }
            return unit == "ms"
        default: return false
        }
    }

    private func resolve(_ operand: Operand, _ value: (Variable) -> FactValue?) -> FactValue? {
        switch operand {
        case .number(let number): .number(number)
        case .variable(let variable): value(variable)
        }
    }

    public var description: String { source }
}
