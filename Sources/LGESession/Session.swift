import Foundation
import LGEDICOM

/// Everything read for one examination run, grouped as the scanner produced it.
public struct Session: Sendable, Hashable, Codable {
    /// Studies, earliest first.
    public var studies: [Study]

    public init(studies: [Study]) {
        self.studies = studies
    }
}

/// One study (StudyInstanceUID): the series of one visit.
public struct Study: Sendable, Hashable, Codable {
    public var studyInstanceUID: String
    public var studyDateTime: DICOMDateTime?
    /// Series, in the order they were acquired.
    public var series: [Series]
    /// The heart axes every slice was classified against; nil only for a study without any
    /// geometry (then `HeartAxes.typical` was used).
    public var heartAxes: HeartAxes?
    /// Where `heartAxes` came from, in plain English.
    public var axesBasis: String
    /// Positions acquired more than once, in order of their first try.
    public var repeats: [RepeatedAcquisition]
    /// Problems that belong to the study as a whole rather than to one series.
    public var problems: [SessionProblem]

    public init(
        studyInstanceUID: String, studyDateTime: DICOMDateTime?, series: [Series], heartAxes: HeartAxes?,
        axesBasis: String, repeats: [RepeatedAcquisition] = [], problems: [SessionProblem] = []
    ) {
        self.studyInstanceUID = studyInstanceUID
        self.studyDateTime = studyDateTime
        self.series = series
        self.heartAxes = heartAxes
        self.axesBasis = axesBasis
        self.repeats = repeats
        self.problems = problems
    }

    /// Every problem: the study's own, then each series' in order.
    public var allProblems: [SessionProblem] { problems + series.flatMap(\.problems) }
}

/// One series (SeriesInstanceUID).
public struct Series: Sendable, Hashable, Codable {
    public var seriesInstanceUID: String
    public var seriesNumber: Int?
    public var seriesDescription: String?
    /// Slices in acquisition order.
    public var slices: [SessionSlice]
    /// The view most of the slices show.
    public var orientation: ViewOrientation
    /// The reconstruction most of the slices have, and why.
    public var reconstruction: ReconstructionEvidence
    /// Every reconstruction seen in the series, sorted (Philips may store PSIR and magnitude
    /// images in one series).
    public var reconstructions: [Reconstruction]
    /// Smallest and largest inversion time, ms; nil when no slice has one.
    public var inversionTimeRange: ClosedRange<Double>?
    /// Phase-encode directions used, sorted.
    public var phaseEncodeDirections: [PhaseEncodeDirection]
    public var problems: [SessionProblem]

    public init(
        seriesInstanceUID: String, seriesNumber: Int?, seriesDescription: String?, slices: [SessionSlice],
        orientation: ViewOrientation, reconstruction: ReconstructionEvidence, reconstructions: [Reconstruction],
        inversionTimeRange: ClosedRange<Double>?, phaseEncodeDirections: [PhaseEncodeDirection],
        problems: [SessionProblem] = []
    ) {
        self.seriesInstanceUID = seriesInstanceUID
        self.seriesNumber = seriesNumber
        self.seriesDescription = seriesDescription
        self.slices = slices
        self.orientation = orientation
        self.reconstruction = reconstruction
        self.reconstructions = reconstructions
        self.inversionTimeRange = inversionTimeRange
        self.phaseEncodeDirections = phaseEncodeDirections
        self.problems = problems
    }

    /// How problems and reports name this series: "series 5", or its UID when it has no number.
    public var label: String { Series.label(number: seriesNumber, uid: seriesInstanceUID) }

    static func label(number: Int?, uid: String) -> String {
        number.map { "series \($0)" } ?? "series \(uid)"
    }
}

/// Basal, mid and apical thirds of the LV, as the AHA model divides the short-axis stack.
public enum AHARing: String, Sendable, Hashable, Codable, CaseIterable {
    case basal, mid, apical
}

/// One slice, placed in its session.
public struct SessionSlice: Sendable, Hashable, Codable {
    public var header: MRSliceHeader
    public var orientation: ViewOrientation
    /// The angles the orientation rests on.
    public var orientationEvidence: OrientationEvidence
    public var reconstruction: ReconstructionEvidence
    /// For short-axis slices: index of the slice's position among the study's distinct
    /// short-axis positions, 0 = most basal.
    public var stackPosition: Int?
    /// For short-axis slices: which third of the study's short-axis positions it lies in.
    public var ring: AHARing?

    public init(
        header: MRSliceHeader, orientationEvidence: OrientationEvidence, reconstruction: ReconstructionEvidence,
        stackPosition: Int? = nil, ring: AHARing? = nil
    ) {
        self.header = header
        self.orientation = orientationEvidence.view
        self.orientationEvidence = orientationEvidence
        self.reconstruction = reconstruction
        self.stackPosition = stackPosition
        self.ring = ring
    }

    /// Acquisition time, or content time when the acquisition time is missing.
    public var time: DICOMDateTime? { header.acquisitionDateTime ?? header.contentDateTime }

    /// How problems name this slice without patient identifiers: instance number or SOP UID.
    var label: String { header.instanceNumber.map { "instance \($0)" } ?? "SOP \(header.sopInstanceUID)" }
}

/// One position imaged more than once: the tries, and what changed between them.
public struct RepeatedAcquisition: Sendable, Hashable, Codable {
    public var orientation: ViewOrientation
    /// Stack position of the repeated short-axis slice.
    public var stackPosition: Int?
    /// The tries, earliest first; each may hold several images (e.g. PSIR and magnitude).
    public var tries: [AcquisitionTry]
    /// `changes[i]` is what changed from `tries[i]` to `tries[i + 1]`.
    public var changes: [[RepeatChange]]

    public init(orientation: ViewOrientation, stackPosition: Int?, tries: [AcquisitionTry], changes: [[RepeatChange]]) {
        self.orientation = orientation
        self.stackPosition = stackPosition
        self.tries = tries
        self.changes = changes
    }

    /// All images of all tries, in time order.
    public var slices: [RepeatedSlice] { tries.flatMap(\.slices) }

    /// Series involved, in order of first appearance.
    public var seriesInstanceUIDs: [String] {
        var seen: [String] = []
        for slice in slices where !seen.contains(slice.seriesInstanceUID) { seen.append(slice.seriesInstanceUID) }
        return seen
    }
}

/// The images of one acquisition of a repeated position.
public struct AcquisitionTry: Sendable, Hashable, Codable {
    public var time: DICOMDateTime?
    public var slices: [RepeatedSlice]
    public var inversionTime: Double?
    public var phaseEncodeDirection: PhaseEncodeDirection?
    /// Reconstructions among the images, sorted.
    public var reconstructions: [Reconstruction]

    public init(
        time: DICOMDateTime?, slices: [RepeatedSlice], inversionTime: Double?,
        phaseEncodeDirection: PhaseEncodeDirection?, reconstructions: [Reconstruction]
    ) {
        self.time = time
        self.slices = slices
        self.inversionTime = inversionTime
        self.phaseEncodeDirection = phaseEncodeDirection
        self.reconstructions = reconstructions
    }
}

/// Names one image of a repeated acquisition.
public struct RepeatedSlice: Sendable, Hashable, Codable {
    public var sopInstanceUID: String
    public var seriesInstanceUID: String
    public var seriesNumber: Int?
    public var reconstruction: Reconstruction

    public init(sopInstanceUID: String, seriesInstanceUID: String, seriesNumber: Int?, reconstruction: Reconstruction) {
        self.sopInstanceUID = sopInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.seriesNumber = seriesNumber
        self.reconstruction = reconstruction
    }
}

/// What a technologist changed between two tries of one position.
public enum RepeatChange: Sendable, Hashable, Codable, CustomStringConvertible {
    case inversionTime(from: Double?, to: Double?)
    case phaseEncode(from: PhaseEncodeDirection?, to: PhaseEncodeDirection?)
    case reconstruction(from: [Reconstruction], to: [Reconstruction])
    /// Nothing lgeqa tracks changed: a plain retake (e.g. after a failed breath-hold).
    case sameParameters

    public var description: String {
        func ms(_ value: Double?) -> String { value.map { "\(SessionFormat.number($0)) ms" } ?? "none" }
        func kinds(_ value: [Reconstruction]) -> String {
            value.isEmpty ? "none" : value.map(\.rawValue).joined(separator: "+")
        }
        switch self {
        case let .inversionTime(from, to): return "TI \(ms(from)) -> \(ms(to))"
        case let .phaseEncode(from, to):
            return "phase encode \(from?.rawValue ?? "none") -> \(to?.rawValue ?? "none")"
        case let .reconstruction(from, to): return "reconstruction \(kinds(from)) -> \(kinds(to))"
        case .sameParameters: return "same parameters"
        }
    }
}

/// Numbers as reports print them.
enum SessionFormat {
    /// Integers without a decimal point, others with one decimal.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(format: "%.1f", value)
    }
}
