import Foundation

/// Says in plain English what a protocol will do, for `lgeqa protocol explain`.
public enum ProtocolExplainer {
    /// The whole protocol: metadata, one paragraph per rule, the limits and the conflict policy.
    ///
    /// `unavailable`: facts that the assessments this protocol will meet never carry (a classifier that
    /// does not localise has no `flagged_wall`); each rule that tests one says so.
    public static func explain(_ p: QAProtocol, unavailable: Set<Fact> = []) -> String {
        var lines: [String] = []
        lines.append("\(p.name) (version \(p.version)\(p.author.map { ", by \($0)" } ?? ""))")
        if let description = p.description { lines.append(description.trimmingCharacters(in: .whitespacesAndNewlines)) }
        lines.append("")
        let bands = p.certaintyBands.map { "\($0.name) when p_low_certainty is \(FactValue.format($0.lower))-\(FactValue.format($0.upper))" }
        lines.append("Certainty bands: \(bands.joined(separator: "; ")).")
        lines.append("")
        lines.append("Rules (\(p.rules.count)):")
        for rule in p.rules {
            var line = "- \(rule.name) (priority \(rule.priority), \(rule.specificity) condition\(rule.specificity == 1 ? "" : "s")): \(explain(rule, in: p))"
            let missing = rule.testedFacts(among: unavailable)
            if !missing.isEmpty {
                line += " Note: the assessments do not provide \(list(missing.map { .word($0.name) }, "and")) yet, so \(missing.count == 1 ? "that condition is" : "those conditions are") never met."
            }
            lines.append(line)
        }
        lines.append("")
        lines.append("Limits: \(limits(p.limits)).")
        lines.append("When several rules fire: \(p.conflictPolicy); a rule a limit keeps quiet gives way to the next that fits.")
        lines.append("A breath-hold's PSIR and magnitude images are decided together: the best rule on either gives its one recommendation.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One rule: "When a basal or mid short-axis slice is low certainty and …, recommend …".
    public static func explain(_ rule: Rule, in p: QAProtocol) -> String {
        let cost = p.limits.cost(of: rule)
        var parts: [Condition]
        if case .all(let inner) = rule.condition { parts = inner } else { parts = [rule.condition] }
        // The slice's ring, view and certainty make one subject ("a basal or mid short-axis
        // slice"); a cap on repeats reads best after the action ("at most twice per position").
        var ring: [FactValue] = [], view: [FactValue] = [], certainty: [FactValue] = []
        var repeatCap: Double?
        parts.removeAll { part in
            guard case .test(let fact, let comparison) = part else { return false }
            switch (fact, comparison) {
            case (.ring, .eq(let v)) where ring.isEmpty: ring = [v]
            case (.ring, .isIn(let vs)) where ring.isEmpty: ring = vs
            case (.orientation, .eq(let v)) where view.isEmpty: view = [v]
            case (.orientation, .isIn(let vs)) where view.isEmpty: view = vs
            case (.certainty, .eq(let v)) where certainty.isEmpty: certainty = [v]
            case (.certainty, .isIn(let vs)) where certainty.isEmpty: certainty = vs
            case (.repeatsOfPosition, .lt(let n)) where repeatCap == nil && n >= 1: repeatCap = n
            default: return false
            }
            return true
        }
        var subject = ""
        if !ring.isEmpty { subject += list(ring, "or") + " " }
        if !view.isEmpty { subject += list(view.map { .word($0 == .word("SA") ? "short-axis" : $0.description) }, "or") + " " }
        subject += "slice"
        var clauses: [String] = []
        if !certainty.isEmpty || subject != "slice" || parts.isEmpty {
            let article = subject.first.map { "aeiou".contains($0) } == true ? "an" : "a"
            clauses.append(certainty.isEmpty ? "\(article) \(subject) arrives" : "\(article) \(subject) is \(list(certainty, "or")) certainty")
        }
        clauses += parts.map { phrase($0) }
        var text = "When \(clauses.joined(separator: " and ")), "
        text += rule.action == .notify ? "tell the technologist" : "recommend \(rule.action.gerund)"
        if let cap = repeatCap {
            let n = Int(cap)
            text += ", at most \(n == 1 ? "once" : n == 2 ? "twice" : "\(n) times") per position"
        }
        text += cost > 0 ? " (about \(FactValue.format(cost)) s)" : ""
        if let message = rule.message { text += ", saying \"\(message.source)\"" }
        text += "."
        if let description = rule.description { text += " " + description.trimmingCharacters(in: .whitespacesAndNewlines) }
        return text
    }

    static func limits(_ limits: PromptLimits) -> String {
        var parts: [String] = []
        if let n = limits.perSlice { parts.append("at most \(times(n)) per slice") }
        if let n = limits.perPosition { parts.append("\(times(n)) per position") }
        if let n = limits.perExam { parts.append("\(times(n)) per exam") }
        if let n = limits.cooldownSlices, n > 0 { parts.append("\(n) slice\(n == 1 ? "" : "s") between prompts") }
        if let s = limits.cooldownSeconds, s > 0 { parts.append("\(FactValue.format(s)) s between prompts") }
        for kind in Action.kinds {
            guard let wait = limits.actionCooldowns[kind] else { continue }
            var spans: [String] = []
            if let n = wait.slices, n > 0 { spans.append("\(n) slice\(n == 1 ? "" : "s")") }
            if let s = wait.seconds, s > 0 { spans.append("\(FactValue.format(s)) s") }
            if !spans.isEmpty { parts.append("\(spans.joined(separator: " and ")) between two \(kind) prompts unless the prompted slice is acquired again") }
        }
        if let m = limits.extraMinutes { parts.append("no more than \(FactValue.format(m)) extra minute\(m == 1 ? "" : "s") per exam") }
        let costs = Action.kinds.compactMap { kind in limits.actionCosts[kind].map { "\(kind) \(FactValue.format($0)) s" } }
        parts.append("costs: \(costs.joined(separator: ", "))")
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }

    private static func times(_ n: Int) -> String { n == 1 ? "one prompt" : n == 2 ? "two prompts" : "\(n) prompts" }

    /// A condition as a clause: `all` joins with "and", `any` with "or".
    static func phrase(_ condition: Condition, top: Bool = false) -> String {
        switch condition {
        case .test(let fact, let comparison): return phrase(fact, comparison)
        case .all(let parts):
            let text = parts.map { phrase($0) }.joined(separator: " and ")
            return top ? text : "(\(text))"
        case .any(let parts): return "(" + parts.map { phrase($0) }.joined(separator: " or ") + ")"
        case .not(.test(.certainty, .eq(let v))): return "the slice is not \(v) certainty"
        case .not(let inner): return "not \(phrase(inner))"
        }
    }

    private static func phrase(_ fact: Fact, _ comparison: Comparison) -> String {
        switch (fact, comparison) {
        case (.ring, .eq(let v)): return "the slice is \(v)"
        case (.ring, .isIn(let vs)): return "the slice is \(list(vs, "or"))"
        case (.orientation, .eq(let v)): return "the slice is \(view(v))"
        case (.orientation, .isIn(let vs)): return "the slice is \(list(vs.map { .word(view($0)) }, "or"))"
        case (.certainty, .eq(let v)): return "the slice is \(v) certainty"
        case (.certainty, .isIn(let vs)): return "the slice is \(list(vs, "or")) certainty"
        case (.cause(let cause), _): return "the likely cause is \(cause.phrase) (p \(comparison.symbol))"
        case (.acquisitionCause(let cause), _):
            return "every image of the acquisition points to \(cause.phrase) (p \(comparison.symbol))"
        case (.reconstruction, .eq(let v)): return "the image is \(v == .word("psir") ? "PSIR" : "magnitude")"
        case (.seriesHasPSIR, .eq(.flag(let has))): return has ? "the series has PSIR" : "the series is magnitude-only"
        case (.repeatsOfPosition, .lt(let n)): return "the position has been acquired fewer than \(FactValue.format(n + 1)) times"
        case (.repeatsOfPosition, .ge(let n)): return "the position has been repeated \(n == 1 ? "before" : "at least \(FactValue.format(n)) times")"
        case (.repeatsOfPosition, .eq(.number(0))): return "it is the position's first acquisition"
        case (.repeatsOfPosition, .eq(.number(1))): return "the position has been acquired exactly once before"
        case (.minutesSinceInjection, .ge(let n)): return "it is \(FactValue.format(n)) minutes or more after injection"
        case (.rrRange, .ge(let n)): return "the R-R interval varied by \(FactValue.format(n)) ms or more during the acquisition"
        case (.rrRange, .gt(let n)): return "the R-R interval varied by more than \(FactValue.format(n)) ms during the acquisition"
        case (.arrhythmicAcquisitionsBefore, .lt(1)), (.arrhythmicAcquisitionsBefore, .eq(.number(0))):
            return "no earlier acquisition had an irregular rhythm"
        case (.arrhythmicAcquisitionsBefore, .ge(let n)):
            return n == 1 ? "an earlier acquisition already had an irregular rhythm"
                : "at least \(FactValue.format(n)) earlier acquisitions had an irregular rhythm"
        case (.unexplainedDoubtRun, .ge(let n)):
            return "at least \(FactValue.format(n)) acquisitions of this orientation in a row, this one included, are of the least certainty with no artifact to blame"
        case (.promptedBefore(let rule), .eq(.flag(let before))):
            return before ? "rule '\(rule)' has already prompted in this exam" : "rule '\(rule)' has not prompted yet in this exam"
        case (.flaggedWall, .eq(let v)): return "the flagged region is in the \(v) wall"
        case (.flaggedWall, .isIn(let vs)): return "the flagged region is in the \(list(vs, "or")) wall"
        default: return "\(fact.name) \(comparison.symbol)"
        }
    }

    private static func view(_ value: FactValue) -> String {
        value == .word("SA") ? "short-axis" : "a \(value) view"
    }

    private static func list(_ values: [FactValue], _ conjunction: String) -> String {
        let words = values.map(\.description)
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " \(conjunction) " + words.last!
    }
}
