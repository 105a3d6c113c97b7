import Foundation
import LGEClassifier
import LGEDICOM
import LGEProtocol
import LGEQualityMetrics
import LGESession

/// The replay's work on each arriving acquisition: classify each image, measure its quality,
/// place it in the exam, let the protocol decide, and report it all as ``ReplayEvent``s.
///
/// Rules are evaluated by ``ProtocolEngine`` (benchmarked on its own); this type only feeds it.
/// The PSIR and magnitude images of one acquisition arrive together and are decided on together
/// (``ProtocolEngine/evaluate(acquisition:)``): at most one recommendation per acquisition, and
/// a rule asking both reconstructions to agree (`acquisition.causes.*`) sees both.
public struct ReplayEngine: Sendable {
    public let qaProtocol: QAProtocol
    public let classifier: SliceClassifier?
    /// Why there is no classifier, given as every image's reason when `classifier` is nil.
    public let missingModelReason: String
    /// Who assesses each image: the classifier, or (simulated sources only) the virtual readers.
    public var assessor: ReplayAssessor = .classifier
    /// Measure the quality metrics (`qa.*`) of each image. An audit turns this off when its
    /// protocol names no `qa.` fact: the rules cannot see them, and they cost about a third of
    /// a replay. Unusable images are still refused (by the classifier's preprocessing).
    public var measuresQuality = true

    public init(protocol qaProtocol: QAProtocol, classifier: SliceClassifier?, missingModelReason: String = "no model loaded") {
        self.qaProtocol = qaProtocol
        self.classifier = classifier
        self.missingModelReason = missingModelReason
    }

    /// Replays `source` to the end, calling `emit` with each event as it happens, and `facts`
    /// with what the protocol engine was given for each image (an auditor re-runs other
    /// protocols on these without classifying again).
    @discardableResult
    public func run<Source: ReplaySource>(
        _ source: inout Source, emit: @escaping (ReplayEvent) -> Void, facts: ((SliceFacts) -> Void)? = nil
    ) throws(ReplayError) -> SessionSummary {
        var run = Run(engine: self, protocolEngine: ProtocolEngine(protocol: qaProtocol), emit: emit, facts: facts)
        let info = source.info
        emit(.sessionStarted(SessionStarted(
            source: info.kind.rawValue, name: info.name, title: info.title, synthetic: info.synthetic, follow: info.follow,
            seed: info.seed, protocol: qaProtocol.name, protocolVersion: qaProtocol.version,
            model: assessor == .classifier ? classifier?.card.modelVersion : nil, assessor: assessor.rawValue,
            teachingSummary: info.teachingSummary, lookFor: info.lookFor.isEmpty ? nil : info.lookFor)))
        var matcher = info.kind == .recording ? RecordingMatcher() : nil
        while let slice = try source.next() {
            let number = run.arrive(slice, matcher: &matcher)
            let recommendation = run.decide(slice, number: number)
            if let advice = slice.expertAdvice { run.compare(advice, slice: number) }
            if let recommendation {
                matcher?.prompted(recommendation, on: slice, number: number)
                if let done = try source.carryOut(recommendation, after: slice) {
                    run.actionsTaken += 1
                    emit(.actionTaken(ActionTaken(slice: number, by: "follow", action: done.action, newSlice: number + 1, note: done.note)))
                }
            }
        }
        if var matcher {
            for match in matcher.finish() {
                run.matches.notDone += 1
                emit(.recordedActionMatch(match))
            }
        }
        let summary = run.summary(recording: info.kind == .recording, simulated: info.kind == .scenario)
        emit(.sessionSummary(summary))
        return summary
    }

    /// One image's assessment, or why there is none.
    func assess(_ image: ArrivingImage, phaseEncode: PhaseEncodeDirection?) -> (Assessment?, String?, [String: Double]) {
        guard let pixels = image.pixels else { return (nil, "no pixel data", [:]) }
        let isSigned = image.reconstruction == .psir
        var quality: [String: Double] = [:]
        if measuresQuality {
            do {
                quality = Self.flatten(try SliceQualityMetrics.measure(
                    pixels, pixelSpacing: image.pixelSpacing, phaseEncode: phaseEncode, isSigned: isSigned))
            } catch {
                switch error {
                // Nothing to assess: a classifier's probabilities on an empty image would be made up.
                case .imageTooSmall, .nonFiniteValues, .allZero, .uniform: return (nil, "image unusable: \(error.description)", [:])
                default: break
                }
            }
        } else if let why = Self.unusable(pixels) {
            return (nil, "image unusable: \(why)", [:])
        }
        if assessor == .virtualReaders {
            guard let readers = image.virtualReaders else { return (nil, ReplayAssessor.noVirtualReaders, quality) }
            return (readers, nil, quality)
        }
        guard let classifier else { return (nil, missingModelReason, quality) }
        do {
            let verdict = try classifier.assess(pixels, pixelSpacing: image.pixelSpacing, isSigned: isSigned, phaseEncode: phaseEncode)
            var causes: [Cause: Double] = [:]
            for (name, p) in verdict.causes { if let cause = Cause(rawValue: name) { causes[cause] = p } }
            return (Assessment(pLGE: verdict.pLGE, pLowCertainty: verdict.pLowCertainty, causes: causes), nil, quality)
        } catch {
            return (nil, error.description, quality)
        }
    }

    /// The cheap part of the quality checks, for when the metrics are not measured: an empty,
    /// flat or broken frame gets no assessment either way.
    static func unusable(_ pixels: PixelImage) -> String? {
        guard let first = pixels.values.first else { return "the image has no pixels" }
        var flat = true
        for value in pixels.values {
            if !value.isFinite { return "some pixels are NaN or infinite" }
            if value != first { flat = false }
        }
        return flat ? (first == 0 ? "every pixel is zero" : "every pixel has the same value") : nil
    }

    /// Quality metrics by their snake_case names, as protocols refer to them (`qa.snr`).
    public static func flatten(_ quality: SliceQuality) -> [String: Double] {
        guard let data = try? JSONEncoder().encode(quality),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }.filter { $0.value.isFinite }
    }

    /// Whether an assessment is in the protocol's lowest band: the slice a reader would be unsure about.
    func isAmbiguous(_ assessment: Assessment) -> Bool {
        if let band = qaProtocol.band(forLowCertainty: assessment.pLowCertainty) { return band.name == "low" }
        return assessment.pLowCertainty >= 0.5
    }
}

/// Who assesses each image of a replay.
public enum ReplayAssessor: String, Sendable, Hashable, CaseIterable {
    /// The classifier (the model file): what lgeqa does in the scanner.
    case classifier
    /// The simulator's virtual readers' own odds for each image, from its true evidence
    /// (``ArrivingImage/virtualReaders``): what a classifier as good as the readers allow would say.
    /// A protocol that misses an expert's action with this assessor misses it by its own rules,
    /// whatever the model; one that misses only with the classifier misses it by the model.
    /// SYNTHETIC only: scenarios, and simulated recordings read with their truth
    /// (``VirtualReaderOdds``); a real recording has no virtual readers.
    case virtualReaders = "virtual_readers"

    static let noVirtualReaders = "no virtual readers: only simulated images, with their truth, have them"
}

/// One replay's running state.
private struct Run {
    struct PositionState {
        var slice: Int
        var ambiguous: Bool?
        var pLowCertainty: Double?
        var readersUnsure: Bool?
    }

    let engine: ReplayEngine
    var protocolEngine: ProtocolEngine
    let emit: (ReplayEvent) -> Void
    let facts: ((SliceFacts) -> Void)?
    var arrivals: [(position: String, reference: Int)] = []
    var positions: [String: PositionState] = [:]
    var positionOrder: [String] = []
    var images = 0, unassessed = 0, actionsTaken = 0
    var prompts: [String: Int] = [:]
    var matches = SessionSummary.Matches()
    var expertAgreement: SessionSummary.ExpertAgreement?
    /// The protocol's recommendations on the slice decided last, in order.
    var recommendedHere: [Action] = []
    /// The TI in use and the minute it was set, for `follow_null_drift`.
    var inversionTimeSet: (value: Double, minute: Double)?

    /// Emits the slice's arrival (and, for a recording, what it did about earlier prompts).
    mutating func arrive(_ slice: ArrivingSlice, matcher: inout RecordingMatcher?) -> Int {
        let number = arrivals.count + 1
        let repeats = arrivals.filter { $0.position == slice.position }.count
        let followsUp = slice.followsUpReference.flatMap { reference in arrivals.firstIndex { $0.reference == reference }.map { $0 + 1 } }
        arrivals.append((slice.position, slice.sourceReference))
        emit(.sliceArrived(SliceArrived(
            slice: number, target: slice.target, position: slice.position, orientation: slice.orientation.rawValue,
            ring: slice.ring?.rawValue, index: slice.index, reconstructions: slice.images.map(\.reconstruction.name),
            inversionTime: slice.inversionTime.map { rounded($0, 10) }, phaseEncode: slice.phaseEncodeDirection?.rawValue,
            minutesSinceInjection: slice.minutesSinceInjection.map { rounded($0, 100) },
            secondsFromStart: slice.secondsFromStart.map { rounded($0, 10) }, repeatsOfPosition: repeats,
            followsUp: followsUp, action: slice.action,
            rrRange: slice.rrRange.map { [$0.lowerBound.rounded(), $0.upperBound.rounded()] }, truth: slice.truth)))
        pendingFollowUp = followsUp.map { ($0, slice.action) }
        if let match = matcher?.observe(slice, number: number, repeats: repeats) {
            if match.status == "matched", let prompted = match.slice {
                matches.matched += 1
                actionsTaken += 1
                emit(.actionTaken(ActionTaken(slice: prompted, by: "recorded", action: match.action, newSlice: number, note: match.detail)))
                pendingFollowUp = (prompted, match.action)
            } else {
                matches.doneWithoutPrompt += 1
            }
            emit(.recordedActionMatch(match))
        }
        if let ti = slice.inversionTime, let minute = slice.minutesSinceInjection,
            inversionTimeSet.map({ abs($0.value - ti) >= RecordingMatcher.minimumTIChange }) ?? true
        {
            inversionTimeSet = (ti, minute)
        }
        return number
    }

    /// The earlier slice this one follows up, and the action, for ambiguity tracking.
    var pendingFollowUp: (slice: Int, action: String?)?

    /// Assesses every image of the slice, then lets the protocol decide on the acquisition as a
    /// whole (``ProtocolEngine/evaluate(acquisition:)``); returns the recommendation to act on.
    mutating func decide(_ slice: ArrivingSlice, number: Int) -> Recommendation? {
        let repeats = arrivals.dropLast().filter { $0.position == slice.position }.count
        var first: Recommendation?
        recommendedHere = []
        var reasons: [NoRecommendation.ImageReason] = []
        var silences: [Decision.Silence] = []
        var worstLow: Double?
        var ambiguous: Bool?
        var unsure: Bool?
        var imageFacts: [SliceFacts] = []
        for image in slice.images {
            images += 1
            let (assessment, reason, quality) = engine.assess(image, phaseEncode: slice.phaseEncodeDirection)
            if let readers = image.readersUnsure { unsure = (unsure ?? false) || readers }
            if let assessment {
                let band = engine.qaProtocol.band(forLowCertainty: assessment.pLowCertainty)?.name
                emit(.assessment(AssessmentEvent(
                    slice: number, reconstruction: image.reconstruction.name, pLGE: rounded(assessment.pLGE),
                    pLowCertainty: rounded(assessment.pLowCertainty), certainty: band,
                    causes: Dictionary(uniqueKeysWithValues: assessment.causes.map { ($0.key.rawValue, rounded($0.value)) }),
                    topCause: assessment.likelyCause?.cause.rawValue, qa: quality.mapValues { rounded($0) })))
                worstLow = max(worstLow ?? 0, assessment.pLowCertainty)
                ambiguous = (ambiguous ?? false) || engine.isAmbiguous(assessment)
            } else {
                unassessed += 1
            }
            let context = SliceContext(
                index: slice.index, position: slice.position, orientation: slice.orientation, ring: slice.ring,
                reconstruction: image.reconstruction, inversionTime: slice.inversionTime,
                minutesSinceInjection: slice.minutesSinceInjection, repeatsOfPosition: repeats, seriesHasPSIR: slice.hasPSIR,
                minutesSinceTISet: inversionTimeSet.flatMap { set in slice.minutesSinceInjection.map { $0 - set.minute } },
                lowRRInterval: slice.rrRange?.lowerBound, highRRInterval: slice.rrRange?.upperBound)
            let sliceFacts = SliceFacts(assessment: assessment, unassessedReason: reason, quality: quality, context: context)
            facts?(sliceFacts)
            imageFacts.append(sliceFacts)
        }
        let decisions = protocolEngine.evaluate(acquisition: imageFacts)
        for (image, decision) in zip(slice.images, decisions) {
            let reconstruction = image.reconstruction.name
            for fired in decision.fired {
                let (outcome, detail): (String, String?) =
                    switch fired.outcome {
                    case .won: ("won", nil)
                    case .outranked(let by): ("outranked", "by \(by)")
                    case .outrankedOnAnotherImage(let by): ("outranked", "by \(by) on another image of this acquisition")
                    case .suppressed(let limit): ("suppressed", limit.description)
                    }
                emit(.ruleFired(RuleFiredEvent(
                    slice: number, reconstruction: reconstruction, rule: fired.rule, priority: fired.priority, outcome: outcome,
                    detail: detail, evidence: fired.evidence.map(\.description))))
            }
            if let recommendation = decision.recommendation {
                prompts[recommendation.action.kind, default: 0] += 1
                emit(.recommendation(RecommendationEvent(
                    slice: number, reconstruction: reconstruction, rule: recommendation.rule, action: recommendation.action.kind,
                    parameters: ActionParameters(recommendation.action), message: recommendation.message,
                    priority: recommendation.priority, costSeconds: recommendation.costSeconds)))
                recommendedHere.append(recommendation.action)
                if first == nil { first = recommendation }
            } else if let silence = decision.silence {
                silences.append(silence)
                reasons.append(.init(reconstruction: reconstruction, reason: silence.description))
            }
        }
        if first == nil {
            let assessedSilence = silences.first { if case .noAssessment = $0 { false } else { true } }
            let kind: String
            switch assessedSilence {
            case nil: kind = "unassessable"
            case .suppressed?: kind = "suppressed"
            default: kind = silences.contains { if case .suppressed = $0 { true } else { false } } ? "suppressed" : "nothing_fired"
            }
            let reason = kind == "unassessable"
                ? (reasons.isEmpty ? "the acquisition has no images" : reasons.map(\.reason).joined(separator: "; "))
                : (silences.first { if case .suppressed = $0 { true } else { false } } ?? assessedSilence!).description
            emit(.noRecommendation(NoRecommendation(slice: number, kind: kind, reason: reason, images: reasons)))
        }
        track(slice, number: number, ambiguous: ambiguous, pLow: worstLow, unsure: unsure)
        return first
    }

    /// Reports what the expert did after this slice beside what the protocol recommended.
    mutating func compare(_ advice: ExpertAdvice, slice number: Int) {
        let agrees = recommendedHere.contains { advice.isMatched(by: $0) }
        var tally = expertAgreement ?? SessionSummary.ExpertAgreement()
        tally.actions += 1
        if agrees { tally.protocolAgreed += 1 }
        expertAgreement = tally
        emit(.expertAction(ExpertActionEvent(
            slice: number, action: advice.action, description: advice.description, deltaMS: advice.inversionTimeDelta, why: advice.why,
            protocolAgrees: agrees, protocolActions: recommendedHere.map(\.kind))))
    }

    /// Updates what is known about the slice's position and, for a follow-up, the position it settles.
    mutating func track(_ slice: ArrivingSlice, number: Int, ambiguous: Bool?, pLow: Double?, unsure: Bool?) {
        let state = PositionState(slice: number, ambiguous: ambiguous, pLowCertainty: pLow, readersUnsure: unsure)
        var settled = [slice.position]
        if let (earlier, action) = pendingFollowUp {
            let position = arrivals[earlier - 1].position
            if position != slice.position { settled.append(position) }
            if let before = positions[position], before.ambiguous == true, ambiguous == false {
                emit(.ambiguityResolved(AmbiguityResolved(slice: number, position: position, ambiguousSlice: before.slice, action: action)))
            }
        }
        pendingFollowUp = nil
        for position in settled {
            if positions[position] == nil { positionOrder.append(position) }
            positions[position] = state
        }
    }

    func summary(recording: Bool, simulated: Bool) -> SessionSummary {
        let left = positionOrder.filter { positions[$0]?.ambiguous == true }
        let unsure = positionOrder.filter { positions[$0]?.readersUnsure == true }
        let worst = positionOrder.compactMap { p in positions[p]?.pLowCertainty.map { (p, $0) } }.max { $0.1 < $1.1 }
        return SessionSummary(
            slices: arrivals.count, images: images, unassessedImages: unassessed, prompts: prompts.values.reduce(0, +),
            promptsByAction: prompts, actionsTaken: actionsTaken,
            extraMinutes: rounded(protocolEngine.exam.extraSecondsUsed / 60, 100), positions: positionOrder.count,
            ambiguousPositionsLeft: left, ambiguousLeft: left.count, readersUnsurePositionsLeft: simulated ? unsure : nil,
            predictedReportCertainty: left.isEmpty ? "high" : "low", worstPosition: worst?.0,
            worstPLowCertainty: worst.map { rounded($0.1) }, matches: recording ? matches : nil,
            expertActions: expertAgreement)
    }
}

extension ActionParameters {
    init(_ action: Action) {
        switch action {
        case .repeatTI(.delta(let delta)): self.init(deltaMS: delta)
        case .repeatTI(.followNullDrift): self.init()
        case .swapPhaseEncode, .notify: self.init()
        case .longAxisCrosscut(.view(let view)): self.init(view: view.rawValue)
        case .longAxisCrosscut(.throughFlaggedRegion): self.init(throughFlaggedRegion: true)
        case .repeatAcquisition(let options):
            self.init(psir: options.psir, singleShot: options.singleShot, coaching: options.coaching)
        }
    }
}

extension Reconstruction {
    /// How the event log names it: `psir`, `magnitude`, `unknown`.
    var name: String {
        switch self {
        case .psir: "psir"
        case .magnitude: "magnitude"
        case .unknown: "unknown"
        }
    }
}
