import Foundation
import LGEDICOM

/// Something in a session that a reader of the images should know about.
///
/// Series are named by number ("series 5") and slices by instance number or SOP Instance UID;
/// descriptions never carry patient names, IDs or file paths (paths often contain names).
public enum SessionProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Slices without ImagePositionPatient/ImageOrientationPatient.
    case missingGeometry(series: String, slices: [String])
    /// Slices whose row and column directions are not unit length and perpendicular.
    case nonOrthonormalOrientation(series: String, slices: [String])
    /// One SOP Instance UID on more than one slice (often the same file read twice).
    case duplicateSOPInstanceUID(uid: String, count: Int, series: [String])
    /// A series whose slices show different views.
    case mixedOrientations(series: String, counts: [ViewCount])
    /// Gaps between consecutive short-axis positions that differ from the median by over 20%.
    case irregularSliceSpacing(series: String, gaps: [Double], medianGap: Double)
    /// Slices without InversionTime.
    case missingInversionTime(series: String, missing: Int, of: Int)
    /// The series description names one view, the geometry shows another.
    case descriptionDisagreesWithGeometry(series: String, described: [ViewOrientation], geometry: ViewOrientation)
    /// A study whose slices use more than one FrameOfReferenceUID, so positions may not compare.
    case mixedFramesOfReference(count: Int)

    /// A short stable name for the kind of problem, for machine-readable reports.
    public var kind: String {
        switch self {
        case .missingGeometry: "missing_geometry"
        case .nonOrthonormalOrientation: "non_orthonormal_orientation"
        case .duplicateSOPInstanceUID: "duplicate_sop_instance_uid"
        case .mixedOrientations: "mixed_orientations"
        case .irregularSliceSpacing: "irregular_slice_spacing"
        case .missingInversionTime: "missing_inversion_time"
        case .descriptionDisagreesWithGeometry: "description_disagrees_with_geometry"
        case .mixedFramesOfReference: "mixed_frames_of_reference"
        }
    }

    /// The series the problem belongs to, when it belongs to one.
    public var series: String? {
        switch self {
        case let .missingGeometry(series, _), let .nonOrthonormalOrientation(series, _),
            let .mixedOrientations(series, _), let .irregularSliceSpacing(series, _, _),
            let .missingInversionTime(series, _, _), let .descriptionDisagreesWithGeometry(series, _, _):
            series
        case .duplicateSOPInstanceUID, .mixedFramesOfReference: nil
        }
    }

    /// One line of plain English.
    public var description: String {
        switch self {
        case let .missingGeometry(series, slices):
            return "\(series): \(count(slices.count, "slice")) without image position/orientation (\(list(slices)))"
        case let .nonOrthonormalOrientation(series, slices):
            return "\(series): image orientation not orthonormal on \(count(slices.count, "slice")) (\(list(slices)))"
        case let .duplicateSOPInstanceUID(uid, count, series):
            return "SOP Instance UID \(uid) occurs \(count) times (\(series.joined(separator: ", ")))"
        case let .mixedOrientations(series, counts):
            let parts = counts.map { "\($0.count) \($0.orientation.rawValue)" }.joined(separator: ", ")
            return "\(series): slices show different views (\(parts))"
        case let .irregularSliceSpacing(series, gaps, median):
            let text = gaps.map(SessionFormat.number).joined(separator: ", ")
            return "\(series): irregular short-axis spacing, gaps \(text) mm (median \(SessionFormat.number(median)) mm)"
        case let .missingInversionTime(series, missing, total):
            return "\(series): \(missing) of \(count(total, "slice")) without inversion time"
        case let .descriptionDisagreesWithGeometry(series, described, geometry):
            let named = described.map(\.rawValue).joined(separator: "/")
            return "\(series): description says \(named) but the geometry shows \(geometry.rawValue)"
        case let .mixedFramesOfReference(count):
            return "study uses \(count) frames of reference; positions in different frames may not compare"
        }
    }

    private func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// At most five names, so one bad series cannot flood a report.
    private func list(_ names: [String]) -> String {
        names.count <= 5 ? names.joined(separator: ", ") : names.prefix(5).joined(separator: ", ") + ", ..."
    }
}

/// How many slices of a series show one view.
public struct ViewCount: Sendable, Hashable, Codable {
    public var orientation: ViewOrientation
    public var count: Int

    public init(orientation: ViewOrientation, count: Int) {
        self.orientation = orientation
        self.count = count
    }
}
