import LGESession

/// Runs a protocol over an exam, one slice at a time, in acquisition order.
///
/// Deterministic: the same slices in the same order give the same decisions. Replay (and a live
/// node that has collected a breath-hold's images) calls ``evaluate(acquisition:)`` for each
/// acquisition as it arrives; a source that cannot wait for an acquisition's other image calls
/// ``evaluate(_:)`` for each image. The engine keeps the exam's tally (``exam``) the limits are
/// checked against.
public struct ProtocolEngine: Sendable {
    public let `protocol`: QAProtocol
    /// The exam so far.
    public private(set) var exam: ExamState

    public init(protocol: QAProtocol, exam: ExamState = ExamState()) {
        self.protocol = `protocol`
        self.exam = exam
    }

    /// Decides on `slice` in the engine's exam and records the outcome in it.
    public mutating func evaluate(_ slice: SliceFacts) -> Decision {
        evaluate(slice, context: exam)
    }

    /// Decides on `slice` as if the exam so far were `context` (a replay branching, an
    /// auditor's "what if"), and continues from there: the engine's exam becomes `context`
    /// with this slice recorded.
    public mutating func evaluate(_ slice: SliceFacts, context: ExamState) -> Decision {
        let decision = decide(slice, in: context)
        var next = context
        next.record(decision, for: slice)
        exam = next
        return decision
    }

    /// Decides on one acquisition, all its images given together (the PSIR and magnitude images
    /// of one breath-hold), and records it in the engine's exam. Returns one decision per image,
    /// in the order given; at most one carries a recommendation, as a technologist can take only
    /// one next step after a breath-hold.
    ///
    /// Where the images are evaluated one by one (``evaluate(_:)``, for a source that cannot wait
    /// for the rest of an acquisition), the first image decides with only itself to agree with.
    /// Here every image sees the whole acquisition: `acquisition.causes.*` is the lowest over all
    /// its images, and the recommendation is the best rule that won on any image (by the conflict
    /// policy, then image order), so one image's misreading cannot prompt before the other image
    /// has had its say.
    public mutating func evaluate(acquisition images: [SliceFacts]) -> [Decision] {
        let decisions = decide(acquisition: images, in: exam)
        for (image, decision) in zip(images, decisions) { exam.record(decision, for: image) }
        return decisions
    }

    /// The decisions on one acquisition's images in exam state `state`, changing nothing
    /// (see ``evaluate(acquisition:)``).
    public func decide(acquisition images: [SliceFacts], in state: ExamState) -> [Decision] {
        var whole = state
        for image in images { whole.noteAssessment(of: image) }
        var decisions = images.map { decide($0, in: whole) }
        let policy = `protocol`.conflictPolicy
        var best: (index: Int, rule: Rule)?
        for (index, decision) in decisions.enumerated() {
            guard let name = decision.recommendation?.rule, let rule = rule(named: name) else { continue }
            if let current = best, !policy.prefers(rule, over: current.rule) { continue }
            best = (index, rule)
        }
        guard let best else { return decisions }
        for index in decisions.indices where index != best.index {
            guard let lost = decisions[index].recommendation else { continue }
            decisions[index].recommendation = nil
            decisions[index].silence = .decidedOnAnotherImage(rule: best.rule.name)
            decisions[index].fired = decisions[index].fired.map { fired in
                guard fired.rule == lost.rule, fired.outcome == .won else { return fired }
                var outranked = fired
                outranked.outcome = .outrankedOnAnotherImage(by: best.rule.name)
                return outranked
            }
        }
        return decisions
    }

    func rule(named name: String) -> Rule? { `protocol`.rules.first { $0.name == name } }

    /// The decision on `slice` in exam state `state`, changing nothing.
    public func decide(_ slice: SliceFacts, in state: ExamState) -> Decision {
        guard slice.assessment != nil else {
            return Decision(
                fired: [], recommendation: nil,
                silence: .noAssessment(slice.unassessedReason ?? "the classifier gave no assessment for this slice"))
        }
        let lookup = { (fact: Fact) in self.value(of: fact, on: slice, in: state) }
        let firing = `protocol`.rules.filter { $0.condition.holds(lookup) }
        guard !firing.isEmpty else { return Decision(fired: [], recommendation: nil, silence: .nothingFired) }

        let policy = `protocol`.conflictPolicy
        let ranked = firing.sorted { policy.prefers($0, over: $1) }
        // The best rule that no limit keeps quiet wins: the prompt limits silence every rule
        // alike, but a cheaper action may still fit a budget an expensive one does not.
        var outcomes: [String: FiredRule.Outcome] = [:]
        var winner: Rule?
        var firstSuppression: (rule: String, limit: LimitReason)?
        for rule in ranked {
            if let winner {
                outcomes[rule.name] = .outranked(by: winner.name)
            } else if let limit = blockingLimit(for: rule, slice: slice, state: state) {
                outcomes[rule.name] = .suppressed(limit)
                if firstSuppression == nil { firstSuppression = (rule.name, limit) }
            } else {
                winner = rule
                outcomes[rule.name] = .won
            }
        }
        let fired = firing.map { rule in
            FiredRule(
                rule: rule.name, priority: rule.priority, specificity: rule.specificity,
                evidence: rule.condition.tests.map { test in
                    let value = lookup(test.fact)
                    return Evidence(
                        fact: test.fact, comparison: test.comparison, value: value,
                        holds: value.map { test.comparison.holds(for: $0, fact: test.fact) } ?? false)
                },
                outcome: outcomes[rule.name]!)
        }
        guard let winner else {
            let (rule, limit) = firstSuppression!
            return Decision(fired: fired, recommendation: nil, silence: .suppressed(rule: rule, by: limit))
        }
        return Decision(fired: fired, recommendation: recommendation(winner, slice: slice, state: state), silence: nil)
    }

    // MARK: Limits

    /// The first limit that keeps `rule` from prompting on this slice, if any.
    func blockingLimit(for rule: Rule, slice: SliceFacts, state: ExamState) -> LimitReason? {
        let limits = `protocol`.limits
        if let n = limits.perExam, state.promptsSoFar >= n { return .promptsPerExam(n) }
        if let n = limits.perSlice, state.promptsBySlice[slice.context.sliceKey, default: 0] >= n { return .promptsPerSlice(n) }
        if let n = limits.perPosition, state.promptsByPosition[slice.context.position, default: 0] >= n {
            return .promptsPerPosition(n)
        }
        // Counted in acquisitions: the PSIR and magnitude images of one breath-hold are one slice.
        let current = state.lastSliceKey == slice.context.sliceKey ? state.slicesSeen : state.slicesSeen + 1
        let now = slice.context.minutesSinceInjection
        if let n = limits.cooldownSlices, n > 0, let last = state.lastPromptSlice {
            let since = max(0, current - last - 1)
            if since < n { return .cooldownSlices(since: since, required: n) }
        }
        if let seconds = limits.cooldownSeconds, seconds > 0, let last = state.lastPromptMinute, let now {
            let since = (now - last) * 60
            if since < seconds { return .cooldownSeconds(since: since, required: seconds) }
        }
        let kind = rule.action.kind
        if let wait = limits.actionCooldowns[kind], let last = state.pendingPrompt(of: kind, for: slice) {
            if let n = wait.slices, n > 0 {
                let since = max(0, current - last.slice - 1)
                if since < n { return .actionCooldownSlices(action: kind, since: since, required: n) }
            }
            if let seconds = wait.seconds, seconds > 0, let then = last.minute, let now {
                let since = (now - then) * 60
                if since < seconds { return .actionCooldownSeconds(action: kind, since: since, required: seconds) }
            }
        }
        if let minutes = limits.extraMinutes {
            let needed = limits.cost(of: rule)
            let left = minutes * 60 - state.extraSecondsUsed
            if needed > left { return .budget(needed: needed, left: left) }
        }
        return nil
    }

    // MARK: Facts

    /// A fact's value on `slice` in `state`; nil when the slice does not have it.
    public func value(of fact: Fact, on slice: SliceFacts, in state: ExamState) -> FactValue? {
        let context = slice.context
        switch fact {
        case .pLGE: return slice.assessment.map { .number($0.pLGE) }
        case .pLowCertainty: return slice.assessment.map { .number($0.pLowCertainty) }
        case .certainty:
            return slice.assessment.flatMap { `protocol`.band(forLowCertainty: $0.pLowCertainty) }.map { .word($0.name) }
        case .cause(let cause): return slice.assessment?.causes[cause].map { .number($0) }
        case .acquisitionCause(let cause): return state.acquisitionCause(cause, including: slice).map { .number($0) }
        case .quality(let metric): return slice.quality[metric].map { .number($0) }
        case .index: return .number(Double(context.index))
        case .ring: return context.ring.map { .word($0.rawValue) }
        case .orientation:
            return [.shortAxis, .twoChamber, .threeChamber, .fourChamber].contains(context.orientation)
                ? .word(context.orientation.rawValue) : nil
        case .reconstruction:
            switch context.reconstruction {
            case .psir: return .word("psir")
            case .magnitude: return .word("magnitude")
            case .unknown: return nil
            }
        case .inversionTime: return context.inversionTime.map { .number($0) }
        case .minutesSinceInjection: return context.minutesSinceInjection.map { .number($0) }
        case .repeatsOfPosition: return .number(Double(context.repeatsOfPosition))
        case .promptsSoFar: return .number(Double(state.promptsSoFar))
        case .promptsThisSlice: return .number(Double(state.promptsBySlice[context.sliceKey, default: 0]))
        case .budgetMinutesLeft:
            return `protocol`.limits.extraMinutes.map { .number($0 - state.extraSecondsUsed / 60) }
        case .seriesHasPSIR: return .flag(context.seriesHasPSIR || context.reconstruction == .psir)
        case .flaggedSegment: return slice.assessment?.flaggedSegment.map { .number(Double($0)) }
        case .flaggedWall: return slice.assessment?.flaggedSegment.flatMap(Wall.init(segment:)).map { .word($0.rawValue) }
        case .promptedBefore(let rule): return .flag(state.promptedRules.contains(rule))
        case .rrRange: return context.rrRange.map { .number($0) }
        case .arrhythmicAcquisitionsBefore: return .number(Double(state.arrhythmicAcquisitions(before: context)))
        case .unexplainedDoubtRun:
            guard let leastCertain = `protocol`.leastCertainBand else { return .number(0) }
            return .number(Double(state.unexplainedDoubtRun(for: slice) { `protocol`.band(forLowCertainty: $0) == leastCertain }))
        }
    }

    // MARK: Recommendation

    private func recommendation(_ rule: Rule, slice: SliceFacts, state: ExamState) -> Recommendation {
        var action = rule.action
        if case .repeatTI(.followNullDrift(let rate, let minimum, let maximum)) = action {
            let minutes = slice.context.minutesSinceTISet ?? TIChange.assumedMinutesSinceTISet
            action = .repeatTI(.delta(min(maximum, max(minimum, (rate * minutes).rounded()))))
        }
        let delta: Double? = if case .repeatTI(.delta(let d)) = action { d } else { nil }
        let view: String? =
            switch action {
            case .longAxisCrosscut(.view(let view)): view.rawValue
            case .longAxisCrosscut(.throughFlaggedRegion): "through the flagged region"
            default: nil
            }
        let template = rule.message ?? (try? MessageTemplate("Slice {index}: \(action.phrase)."))
        let message = template?.render { variable in
            switch variable {
            case .fact(let fact): self.value(of: fact, on: slice, in: state)
            case .delta: delta.map { .number($0) }
            case .view: view.map { .word($0) }
            case .rule: .word(rule.name)
            }
        } ?? action.phrase
        return Recommendation(
            rule: rule.name, action: action, message: message, priority: rule.priority,
            costSeconds: `protocol`.limits.cost(of: rule))
    }
}
