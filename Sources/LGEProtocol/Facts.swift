import Foundation
import LGESession

/// A cause of doubt the classifier scores (each a probability 0–1), as protocols name it
/// after `causes.`.
public enum Cause: String, Sendable, Hashable, CaseIterable, Codable {
    /// Inversion time off the myocardial null: dark ring, bright band, low contrast.
    case tiNulling = "ti_nulling"
    /// Respiratory or arrhythmia ghosts along phase encode crossing the myocardium.
    case ghosting
    /// Blurred borders from motion during the readout.
    case motion
    /// A small bright spot that may be scar or partial volume with the blood pool.
    case focalEquivocal = "focal_equivocal"

    /// How explanations name it.
    public var phrase: String {
        switch self {
        case .tiNulling: "TI/nulling"
        case .ghosting: "ghosting"
        case .motion: "motion"
        case .focalEquivocal: "a focal equivocal spot"
        }
    }

    /// The causes that spoil an acquisition, as opposed to an equivocal finding in the wall
    /// itself (``focalEquivocal``): what a repeat or another technique removes.
    public static let artifacts: [Cause] = [.tiNulling, .ghosting, .motion]
}

/// A wall of the left ventricle as the AHA model names it, for the flagged region.
public enum Wall: String, Sendable, Hashable, CaseIterable, Codable {
    case anterior, anteroseptal, inferoseptal, inferior, inferolateral, anterolateral, septal, lateral, apex

    /// The wall an AHA segment (1–17) lies in; nil outside 1–17.
    public init?(segment: Int) {
        let walls: [Wall] = [
            .anterior, .anteroseptal, .inferoseptal, .inferior, .inferolateral, .anterolateral,
            .anterior, .anteroseptal, .inferoseptal, .inferior, .inferolateral, .anterolateral,
            .anterior, .septal, .inferior, .lateral, .apex,
        ]
        guard (1...17).contains(segment) else { return nil }
        self = walls[segment - 1]
    }

    /// Whether a condition naming `self` covers `other`: `septal` covers the anteroseptal and
    /// inferoseptal walls, `inferior` the apical inferior segment, and so on, so a designer can
    /// write one word for a wall at every level.
    func covers(_ other: Wall) -> Bool {
        switch self {
        case .septal: [.septal, .anteroseptal, .inferoseptal].contains(other)
        case .lateral: [.lateral, .anterolateral, .inferolateral].contains(other)
        default: self == other
        }
    }
}

/// The quality metrics a protocol may name after `qa.` (see `LGEQualityMetrics.SliceQuality`).
/// The list is open: a new metric is added here, with its documentation, and protocols can use it.
public enum QualityMetric {
    /// Names and one-line meanings, in documentation order.
    public static let known: [(name: String, meaning: String)] = [
        ("snr", "signal-to-noise ratio of the body over the air noise (about 5-20 in clinical 1.5 T LGE)"),
        ("cnr", "contrast-to-noise ratio, bright tissue over typical (10-40 in good LGE, under 5 = poor nulling or noise)"),
        ("efc", "entropy focus criterion, 0-1 (blur and ghosts raise it)"),
        ("fber", "foreground-to-background energy ratio (ghosts and aliasing lower it)"),
        ("ghost_ratio", "ghost level along phase encode over that along readout (about 1 when clean)"),
        ("ghost_to_signal_along_phase_encode", "ghost-to-signal ratio in the air beside the body along phase encode (its clean level depends on how much air the field of view leaves there: compare it with ghost_to_signal_along_readout)"),
        ("ghost_to_signal_along_readout", "the same along readout, where motion cannot put ghosts"),
        ("ghost_to_signal_along_rows", "ghost-to-signal ratio beside the body along rows"),
        ("ghost_to_signal_along_columns", "ghost-to-signal ratio beside the body along columns"),
        ("background_noise", "noise standard deviation in the air, in image units"),
        ("foreground_mean", "mean signal of the body, in image units"),
        ("foreground_fraction", "fraction of the image that is body, 0-1"),
    ]

    public static var names: [String] { known.map(\.name) }
}

/// What a rule can ask about a slice: the classifier's outputs, a quality metric, or the
/// slice's place in the exam.
public enum Fact: Sendable, Hashable, CustomStringConvertible {
    case pLGE
    case pLowCertainty
    /// The certainty band `p_low_certainty` falls in (`certainty_bands`).
    case certainty
    case cause(Cause)
    /// The lowest value of a cause over this acquisition's images: all of them where the engine
    /// decides on the acquisition whole (``ProtocolEngine/evaluate(acquisition:)``, as replay
    /// does), those assessed so far where images come one by one. PSIR and magnitude are reconstructed from one k-space, so ghosts and motion of the
    /// acquisition show in both, and a call only one of them makes is more likely the classifier's error.
    case acquisitionCause(Cause)
    /// A quality metric by its name in ``QualityMetric/known``.
    case quality(String)
    /// The slice number as the technologist counts it (1 = most basal in a short-axis stack).
    case index
    case ring
    case orientation
    case reconstruction
    case inversionTime
    case minutesSinceInjection
    case repeatsOfPosition
    case promptsSoFar
    case promptsThisSlice
    case budgetMinutesLeft
    case seriesHasPSIR
    /// The AHA segment (1–17) of the region the classifier flagged.
    case flaggedSegment
    /// The wall of that segment.
    case flaggedWall
    /// Whether the protocol's rule of this name has already given a recommendation in this exam.
    case promptedBefore(rule: String)
    /// Longest minus shortest R-R interval the scanner recorded during this acquisition, ms.
    case rrRange
    /// Earlier acquisitions of this exam whose recorded rhythm was irregular.
    case arrhythmicAcquisitionsBefore
    /// Acquisitions of this orientation in a row, this one included, that are in the least
    /// certain band with no artifact to explain it (``ExamState/unexplainedDoubtRun(for:isDoubtful:)``).
    case unexplainedDoubtRun

    /// The type of value a fact has, which decides the comparisons allowed on it.
    public enum ValueType: Sendable, Hashable {
        /// A number within limits (probabilities 0–1, counts ≥ 0, ...), with its unit for messages.
        case number(lower: Double?, upper: Double?, unit: String)
        /// One of a fixed set of words (matched without regard to case).
        case word([String])
        /// true or false.
        case flag
        /// A certainty band declared by the protocol.
        case band
    }

    /// Every fact but the quality metrics, with the name protocols use, in documentation order.
    public static let named: [(name: String, fact: Fact)] = [
        ("p_lge", .pLGE), ("p_low_certainty", .pLowCertainty), ("certainty", .certainty),
    ] + Cause.allCases.map { ("causes.\($0.rawValue)", .cause($0)) }
        + Cause.allCases.map { ("acquisition.causes.\($0.rawValue)", .acquisitionCause($0)) } + [
        ("index", .index), ("ring", .ring), ("orientation", .orientation), ("reconstruction", .reconstruction),
        ("inversion_time", .inversionTime), ("minutes_since_injection", .minutesSinceInjection),
        ("repeats_of_position", .repeatsOfPosition), ("prompts_so_far", .promptsSoFar),
        ("prompts_this_slice", .promptsThisSlice), ("budget_minutes_left", .budgetMinutesLeft),
        ("series_has_psir", .seriesHasPSIR), ("flagged_segment", .flaggedSegment), ("flagged_wall", .flaggedWall),
        ("rr_range", .rrRange), ("arrhythmic_acquisitions_before", .arrhythmicAcquisitionsBefore),
        ("unexplained_doubt_run", .unexplainedDoubtRun),
    ]

    /// Every name a condition may use, quality metrics included.
    public static var allNames: [String] { named.map(\.name) + QualityMetric.names.map { "qa.\($0)" } }

    /// The fact a protocol names, or nil. `prompted_before.RULE` parses for any RULE; the
    /// loader checks that the protocol has such a rule.
    public init?(name: String) {
        if name.hasPrefix(Self.promptedBeforePrefix) {
            let rule = String(name.dropFirst(Self.promptedBeforePrefix.count))
            guard !rule.isEmpty else { return nil }
            self = .promptedBefore(rule: rule)
            return
        }
        if name.hasPrefix("qa.") {
            let metric = String(name.dropFirst(3))
            guard QualityMetric.names.contains(metric) else { return nil }
            self = .quality(metric)
            return
        }
        guard let match = Self.named.first(where: { $0.name == name }) else { return nil }
        self = match.fact
    }

    static let promptedBeforePrefix = "prompted_before."

    /// The name protocols use.
    public var name: String {
        if case .quality(let metric) = self { return "qa.\(metric)" }
        if case .promptedBefore(let rule) = self { return Self.promptedBeforePrefix + rule }
        return Self.named.first { $0.fact == self }!.name
    }

    public var description: String { name }

    public var valueType: ValueType {
        switch self {
        case .pLGE, .pLowCertainty, .cause, .acquisitionCause: .number(lower: 0, upper: 1, unit: "")
        case .quality: .number(lower: nil, upper: nil, unit: "")
        case .certainty: .band
        case .index: .number(lower: 1, upper: nil, unit: "")
        case .ring: .word(AHARing.allCases.map(\.rawValue))
        case .orientation: .word(["SA", "2CH", "3CH", "4CH"])
        case .reconstruction: .word(["psir", "magnitude"])
        case .inversionTime: .number(lower: 0, upper: nil, unit: "ms")
        case .minutesSinceInjection: .number(lower: 0, upper: nil, unit: "minutes")
        case .repeatsOfPosition, .promptsSoFar, .promptsThisSlice, .arrhythmicAcquisitionsBefore, .unexplainedDoubtRun:
            .number(lower: 0, upper: nil, unit: "")
        case .rrRange: .number(lower: 0, upper: nil, unit: "ms")
        case .budgetMinutesLeft: .number(lower: nil, upper: nil, unit: "minutes")
        case .seriesHasPSIR, .promptedBefore: .flag
        case .flaggedSegment: .number(lower: 1, upper: 17, unit: "")
        case .flaggedWall: .word(Wall.allCases.map(\.rawValue))
        }
    }

    /// One line for `lgeqa protocol schema`.
    public var meaning: String {
        switch self {
        case .pLGE: "classifier probability that the slice shows LGE, 0-1"
        case .pLowCertainty: "classifier probability that a reader would be unsure about the slice, 0-1"
        case .certainty: "the certainty band p_low_certainty falls in (names from certainty_bands)"
        case .cause(let cause): "classifier probability that \(cause.phrase) is why the slice is ambiguous, 0-1"
        case .acquisitionCause(let cause):
            "the lowest causes.\(cause.rawValue) over this acquisition's images (PSIR and magnitude of one breath-hold, decided together): "
                + "both reconstructions come from one k-space, so requiring it asks that they agree on an artifact of the acquisition"
        case .quality(let metric): QualityMetric.known.first { $0.name == metric }?.meaning ?? metric
        case .index: "slice number as the technologist counts it (1 = most basal short-axis slice)"
        case .ring: "basal, mid or apical (short-axis slices only)"
        case .orientation: "SA, 2CH, 3CH or 4CH"
        case .reconstruction: "psir or magnitude"
        case .inversionTime: "the slice's inversion time, ms"
        case .minutesSinceInjection: "minutes since the contrast injection when the slice was acquired"
        case .repeatsOfPosition: "how many times this position has been acquired before (0 on the first)"
        case .promptsSoFar: "prompts given in this exam so far"
        case .promptsThisSlice: "prompts given for this slice (this acquisition of this position) so far"
        case .budgetMinutesLeft: "minutes of the extra-time budget left (absent when the protocol sets no budget)"
        case .seriesHasPSIR: "true when the series has (or comes with) a PSIR reconstruction"
        case .flaggedSegment: "AHA segment (1-17) of the region the classifier flagged"
        case .promptedBefore(let rule): "true once rule '\(rule)' of this protocol has given a recommendation in this exam"
        case .flaggedWall: "wall of that segment: \(Wall.allCases.map(\.rawValue).joined(separator: ", ")) (septal and lateral cover their anterior and inferior parts)"
        case .rrRange:
            "longest minus shortest R-R interval during the acquisition, ms (High/Low R-R Value in the header; absent when not recorded)"
        case .arrhythmicAcquisitionsBefore:
            "earlier acquisitions of this exam with an irregular rhythm (longest R-R >= 1.3 x shortest; PSIR and magnitude count once)"
        case .unexplainedDoubtRun:
            "acquisitions of this orientation in a row, this one included, in the least certain band with no artifact to blame "
                + "(no image's causes.ti_nulling, ghosting or motion at 0.5 or more); 0 when this one is not; other orientations in between are passed over"
        }
    }
}

/// A fact's value on one slice.
public enum FactValue: Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    case word(String)
    case flag(Bool)

    public var number: Double? { if case .number(let value) = self { value } else { nil } }

    public var description: String {
        switch self {
        case .number(let value): FactValue.format(value)
        case .word(let word): word
        case .flag(let flag): flag ? "true" : "false"
        }
    }

    /// Whole numbers plainly, others with up to two decimals (probabilities, minutes).
    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e12 { return String(Int(value)) }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
