import LGEDatasets
import LGEEvaluation

extension SliceClassifier {
    /// The model's assessment of every slice, in order; nil where it cannot assess one. Score
    /// once and hand the result to the functions below, which each need every slice's verdict.
    public func assessments(_ slices: [LabeledSlice]) -> [SliceAssessment?] {
        slices.map { try? assess($0.pixels, pixelSpacing: $0.pixelSpacing, isSigned: $0.isSigned, phaseEncode: $0.phaseEncodeDirection) }
    }

    /// Every labelled (slice, head) pair scored by the model, ready for ``ClassificationReport``;
    /// slices the model cannot assess are counted, not scored.
    public func scoredCases(_ slices: [LabeledSlice]) -> (cases: [ClassifierHead: [ScoredCase]], unassessed: Int) {
        Self.scoredCases(slices, assessments: assessments(slices))
    }

    /// ``scoredCases(_:)`` from assessments already made (``assessments(_:)``, in the slices' order).
    public static func scoredCases(_ slices: [LabeledSlice], assessments: [SliceAssessment?]) -> (cases: [ClassifierHead: [ScoredCase]], unassessed: Int) {
        let paired = pairedCases(slices, first: assessments, second: assessments)
        return (paired.cases.mapValues { $0.map { ScoredCase(truth: $0.truth, probability: $0.first, patient: $0.patient) } }, paired.unpaired)
    }

    /// Every labelled slice scored by two models (``assessments(_:)`` of each, in the slices'
    /// order), per head, for a paired comparison (``PatientBootstrap/difference(_:statistic:)``).
    /// A slice either model cannot assess is left out of both and counted in `unpaired`.
    public static func pairedCases(
        _ slices: [LabeledSlice], first: [SliceAssessment?], second: [SliceAssessment?]
    ) -> (cases: [ClassifierHead: [PairedCase]], unpaired: Int) {
        precondition(first.count == slices.count && second.count == slices.count, "one assessment per slice")
        var cases: [ClassifierHead: [PairedCase]] = [:]
        var unpaired = 0
        for (slice, (a, b)) in zip(slices, zip(first, second)) {
            guard let a, let b else {
                unpaired += 1
                continue
            }
            func add(_ head: ClassifierHead, _ truth: Bool?, _ first: Double?, _ second: Double?) {
                guard let truth, let first, let second else { return }
                cases[head, default: []].append(PairedCase(truth: truth, patient: slice.patient, first: first, second: second))
            }
            add(.lge, slice.lge, a.pLGE, b.pLGE)
            add(.lowCertainty, slice.lowCertainty, a.pLowCertainty, b.pLowCertainty)
            for head in ClassifierHead.causes { add(head, slice.causes?[head.rawValue], a.causes[head.rawValue], b.causes[head.rawValue]) }
        }
        return (cases, unpaired)
    }

    /// The low-certainty head on the slices of each labelled cause of doubt, and on those with
    /// no cause at all (where doubt can only come from faint or small genuine enhancement). A
    /// slice with several causes counts in each of their groups. Only slices labelled with both
    /// reader certainty and causes take part (simulated cohorts; EMIDEC has neither).
    /// `assessments` are this model's (``assessments(_:)``, in the slices' order).
    public func lowCertaintyByCause(_ slices: [LabeledSlice], assessments: [SliceAssessment?]) -> [SubgroupSummary] {
        Self.lowCertaintyByCause(slices, threshold: operatingThreshold(for: .lowCertainty), scores: assessments.map { $0?.pLowCertainty })
    }

    /// Any low-certainty score (`score` returns nil for a slice it cannot score) by cause of doubt,
    /// grouped as ``lowCertaintyByCause(_:assessments:)`` groups the classifier's.
    public static func lowCertaintyByCause(
        _ slices: [LabeledSlice], threshold: Double, score: (LabeledSlice) -> Double?
    ) -> [SubgroupSummary] {
        lowCertaintyByCause(slices, threshold: threshold, scores: slices.map(score))
    }

    /// The same with the scores given in the slices' order (nil where there is none).
    public static func lowCertaintyByCause(_ slices: [LabeledSlice], threshold: Double, scores: [Double?]) -> [SubgroupSummary] {
        precondition(scores.count == slices.count, "one score per slice")
        var groups: [String: [ScoredCase]] = [:]
        for (slice, score) in zip(slices, scores) {
            guard let truth = slice.lowCertainty, let causes = slice.causes, let probability = score else { continue }
            let scored = ScoredCase(truth: truth, probability: probability, patient: slice.patient)
            let present = ClassifierHead.causes.map(\.rawValue).filter { causes[$0] == true }
            for group in present.isEmpty ? ["no cause"] : present { groups[group, default: []].append(scored) }
        }
        let order = ["no cause"] + ClassifierHead.causes.map(\.rawValue)
        return order.compactMap { group in groups[group].map { SubgroupSummary(group: group, cases: $0, threshold: threshold) } }
    }

    /// The probability at which a head's answer counts as "yes".
    public func operatingThreshold(for head: ClassifierHead) -> Double {
        head == .lowCertainty ? card.lowCertaintyThreshold : 0.5
    }
}
