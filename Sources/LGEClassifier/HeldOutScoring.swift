import LGEDatasets
import LGEEvaluation

extension SliceClassifier {
    /// Every labelled (slice, head) pair scored by the model, ready for ``ClassificationReport``;
    /// slices the model cannot assess are counted, not scored.
    public func scoredCases(_ slices: [LabeledSlice]) -> (cases: [ClassifierHead: [ScoredCase]], unassessed: Int) {
        var cases: [ClassifierHead: [ScoredCase]] = [:]
        var unassessed = 0
        for slice in slices {
            guard let verdict = try? assess(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: slice.isSigned, phaseEncode: slice.phaseEncodeDirection) else {
                unassessed += 1
                continue
            }
            func add(_ head: ClassifierHead, _ truth: Bool?, _ probability: Double?) {
                guard let truth, let probability else { return }
                cases[head, default: []].append(ScoredCase(truth: truth, probability: probability, patient: slice.patient))
            }
            add(.lge, slice.lge, verdict.pLGE)
            add(.lowCertainty, slice.lowCertainty, verdict.pLowCertainty)
            for head in ClassifierHead.causes { add(head, slice.causes?[head.rawValue], verdict.causes[head.rawValue]) }
        }
        return (cases, unassessed)
    }

    /// Every labelled slice scored by this model (`first`) and by `baseline` (`second`), per head,
    /// for a paired comparison (``PatientBootstrap/difference(_:statistic:)``). A slice either
    /// model cannot assess is left out of both and counted in `unpaired`.
    public func pairedCases(_ slices: [LabeledSlice], against baseline: SliceClassifier) -> (cases: [ClassifierHead: [PairedCase]], unpaired: Int) {
        var cases: [ClassifierHead: [PairedCase]] = [:]
        var unpaired = 0
        for slice in slices {
            func verdict(_ model: SliceClassifier) -> SliceAssessment? {
                try? model.assess(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: slice.isSigned, phaseEncode: slice.phaseEncodeDirection)
            }
            guard let a = verdict(self), let b = verdict(baseline) else {
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
    public func lowCertaintyByCause(_ slices: [LabeledSlice]) -> [SubgroupSummary] {
        Self.lowCertaintyByCause(slices, threshold: operatingThreshold(for: .lowCertainty)) { slice in
            try? assess(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: slice.isSigned, phaseEncode: slice.phaseEncodeDirection).pLowCertainty
        }
    }

    /// Any low-certainty score (`score` returns nil for a slice it cannot score) by cause of doubt,
    /// grouped as ``lowCertaintyByCause(_:)`` groups the classifier's.
    public static func lowCertaintyByCause(
        _ slices: [LabeledSlice], threshold: Double, score: (LabeledSlice) -> Double?
    ) -> [SubgroupSummary] {
        var groups: [String: [ScoredCase]] = [:]
        for slice in slices {
            guard let truth = slice.lowCertainty, let causes = slice.causes, let probability = score(slice) else { continue }
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
