/// Turns replay events into what a technologist reads at a glance: one line per acquisition
/// (time, position, TI, certainty, top cause, recommendation) and a closing summary.
///
/// Colour (ANSI) only when asked for: the command turns it on when standard output is a
/// terminal and `NO_COLOR` is unset.
public struct ReplayTextRenderer: Sendable {
    public var colour: Bool
    /// The worst (highest p_low_certainty) assessment of the current slice.
    private var worst: AssessmentEvent?
    private var arrived: SliceArrived?
    private var recommended = false
    /// The teaching notes, printed after the summary (they give the answers away).
    private var teaching: (summary: String?, lookFor: [String])?

    public init(colour: Bool) {
        self.colour = colour
    }

    /// Lines to print for this event (often none: a slice's line waits for its decision).
    public mutating func lines(for event: ReplayEvent) -> [String] {
        switch event {
        case .sessionStarted(let e):
            teaching = e.teachingSummary == nil && e.lookFor == nil ? nil : (e.teachingSummary, e.lookFor ?? [])
            let what = e.source == "scenario" ? "scenario '\(e.name)'" + (e.title.map { ": \($0)" } ?? "") : "recording \(e.name)"
            return [
                bold("lgeqa replay") + ": \(e.synthetic ? "SYNTHETIC " : "")\(what)",
                "  protocol \(e.protocol) \(e.protocolVersion), "
                    + (e.assessor == ReplayAssessor.virtualReaders.rawValue
                        ? "assessed by the virtual readers' own odds (no model: what a classifier as good as the readers allow would say)"
                        : "model \(e.model ?? "none")")
                    + (e.follow ? ", recommendations carried out (--follow)" : ""),
                "",
                dim("  time      slice              TI  certainty        top cause              recommendation"),
            ]
        case .sliceArrived(let e):
            arrived = e
            worst = nil
            recommended = false
            return []
        case .assessment(let e):
            if worst == nil || e.pLowCertainty > worst!.pLowCertainty { worst = e }
            return []
        case .recommendation(let e):
            defer { recommended = true }
            let line = recommended
                ? String(repeating: " ", count: 76) + paint("→ " + e.message, .cyan)
                : sliceLine(recommendation: paint("→ " + e.message, .cyan))
            return [line]
        case .noRecommendation(let e):
            // A rule that fired but a limit kept quiet is worth a word: the trainee sees why nothing came.
            switch e.kind {
            case "unassessable": return [sliceLine(recommendation: paint("no assessment: \(e.reason)", .yellow))]
            case "suppressed": return [sliceLine(recommendation: dim("- (\(e.reason))"))]
            default: return [sliceLine(recommendation: dim("-"))]
            }
        case .actionTaken(let e):
            let by = e.by == "follow" ? "carried out" : "technologist did it (slice \(e.newSlice))"
            return ["            " + paint("↳ \(by): \(e.action)", .cyan) + (e.note.map { dim(" (\($0))") } ?? "")]
        case .ambiguityResolved(let e):
            return ["            " + paint("✓ \(e.position) no longer ambiguous", .green)]
        case .recordedActionMatch(let e):
            switch e.status {
            case "not_done": return ["            " + paint("✗ slice \(e.slice ?? 0): \(e.action) recommended, not done in the recording", .yellow)]
            case "done_without_prompt": return ["            " + dim("· slice \(e.recordedSlice ?? 0): \(e.detail), without a prompt")]
            default: return []
            }
        case .expertAction(let e):
            let verdict = e.protocolAgrees
                ? paint("✓ the protocol recommends it too", .green)
                : paint("✗ the protocol " + (e.protocolActions.isEmpty ? "recommended nothing" : "recommended \(e.protocolActions.joined(separator: ", "))"), .yellow)
            return ["            " + bold("expert: \(e.description)") + "  " + verdict]
                + Self.wrap(e.why, width: 96).map { "              " + dim($0) }
        case .ruleFired:
            return []
        case .sessionSummary(let s):
            var lines = [
                "",
                "  \(s.slices) slices, \(s.prompts) prompt\(s.prompts == 1 ? "" : "s")"
                    + (s.actionsTaken > 0 ? ", \(s.actionsTaken) carried out" : "")
                    + ", \(ReplayFormat.number(s.extraMinutes)) extra min",
                "  ambiguous at the end: "
                    + (s.ambiguousLeft == 0 ? paint("none", .green) : paint(s.ambiguousPositionsLeft.joined(separator: ", "), .red))
                    + "; predicted report certainty \(s.predictedReportCertainty)",
            ]
            if let unsure = s.readersUnsurePositionsLeft {
                lines.append("  simulated readers still unsure about: " + (unsure.isEmpty ? "none" : unsure.joined(separator: ", ")))
            }
            if let m = s.matches {
                lines.append("  against the recording: \(m.matched) matched, \(m.notDone) not done, \(m.doneWithoutPrompt) done without a prompt")
            }
            if let expert = s.expertActions {
                lines.append("  the expert acted after \(expert.actions) acquisition\(expert.actions == 1 ? "" : "s"); the protocol recommended the same on \(expert.protocolAgreed)")
            }
            if s.unassessedImages > 0 { lines.append("  \(s.unassessedImages) image(s) could not be assessed") }
            if let teaching {
                lines.append("")
                lines.append("  " + bold("teaching notes"))
                if let summary = teaching.summary { lines += Self.wrap(summary, width: 100).map { "    " + $0 } }
                if !teaching.lookFor.isEmpty {
                    lines.append("    look for:")
                    lines += teaching.lookFor.map { "      - " + $0 }
                }
            }
            return lines
        }
    }

    /// Words of `text` in lines of at most `width` characters (a longer word gets a line of its own).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(whereSeparator: \.isWhitespace) {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    private func sliceLine(recommendation: String) -> String {
        guard let a = arrived else { return recommendation }
        let minutes = a.minutesSinceInjection.map { pad(ReplayFormat.oneDecimal($0), 5, right: true) + " min" } ?? "    -    "
        var name = a.target
        switch a.action {
        case "repeat_ti"?: name += " new TI"
        case "swap_phase_encode"?: name += " PE swap"
        case "repeat"?: name += " again"
        default: break
        }
        let ti = a.inversionTime.map { pad(String(Int($0.rounded())), 4, right: true) } ?? "   -"
        var certainty = pad("-", 16), cause = pad("", 22)
        if let w = worst {
            let band = w.certainty ?? "?"
            // Three places: the shipped protocols' bands start at 0.054 and 0.082 on the calibrated scale.
            let text = pad("\(band) \(ReplayFormat.fixed(w.pLowCertainty, places: 3))", 16)
            certainty = band == "low" ? paint(text, .red) : band == "high" ? paint(text, .green) : paint(text, .yellow)
            if let top = w.topCause, let p = w.causes[top] { cause = pad("\(top) \(ReplayFormat.twoDecimals(p))", 22) }
        }
        return "  \(minutes)  \(pad(name, 17)) \(ti)  \(certainty) \(cause) \(recommendation)"
    }

    private enum Colour: String {
        case red = "31", green = "32", yellow = "33", cyan = "36"
    }

    private func paint(_ text: String, _ colour: Colour) -> String {
        self.colour ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    private func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    private func dim(_ text: String) -> String { colour ? "\u{1B}[2m\(text)\u{1B}[0m" : text }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = text.count
        guard count < width else { return text }
        let fill = String(repeating: " ", count: width - count)
        return right ? fill + text : text + fill
    }
}

extension ReplayFormat {
    static func oneDecimal(_ value: Double) -> String { fixed(value, places: 1) }
    static func twoDecimals(_ value: Double) -> String { fixed(value, places: 2) }

    /// Fixed-point text without Foundation's locale-dependent formatting.
    static func fixed(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale), fraction = scaled % Int(scale)
        var digits = String(fraction)
        while digits.count < places { digits = "0" + digits }
        return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)" + (places > 0 ? ".\(digits)" : "")
    }
}
