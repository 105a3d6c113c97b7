import LGEDatasets
import LGEEvaluation

extension SliceClassifier {
    /// Every labelled (slice, head) pair scored by the model, ready for ``ClassificationReport``;
    /// slices the model cannot assess are counted, not scored.
    public func scoredCases(_ slices: [LabeledSlice]) -> (cases: [ClassifierHead: [ScoredCase]], unassessed: Int) {
        var cases: [ClassifierHead: [ScoredCase]] = [:]
        var unassessed = 0
        for slice in slices {
            guard let verdict = try? assess(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: slice.isSigned) else {
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

    /// The probability at which a head's answer counts as "yes".
    public func operatingThreshold(for head: ClassifierHead) -> Double {
        head == .lowCertainty ? card.lowCertaintyThreshold : 0.5
    }
}
