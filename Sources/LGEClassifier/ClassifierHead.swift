import LGEDatasets

/// The network's outputs, in order. Each is an independent sigmoid probability.
public enum ClassifierHead: String, Sendable, Hashable, Codable, CaseIterable {
    /// Genuine LGE present in the slice.
    case lge = "p_lge"
    /// A reader would be unsure (the paper's target).
    case lowCertainty = "p_low_certainty"
    /// Causes of doubt, which let a protocol choose the remedy.
    case tiNulling = "ti_nulling"
    case ghosting
    case motion
    case focalEquivocal = "focal_equivocal"

    /// Causes of doubt, as `LabeledSlice.causes` names them.
    public static let causes: [ClassifierHead] = [.tiNulling, .ghosting, .motion, .focalEquivocal]
}

extension LabeledSlice {
    /// The label `head` learns from and is scored against, where the slice has it.
    func label(for head: ClassifierHead) -> Bool? {
        switch head {
        case .lge: lge
        case .lowCertainty: lowCertainty
        default: causes?[head.rawValue]
        }
    }
}
