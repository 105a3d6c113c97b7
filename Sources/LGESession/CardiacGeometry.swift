import Foundation
import LGEDICOM

// Anatomical conventions shared by view classification and the simulator.
//
// All vectors are DICOM patient LPS (+x patient left, +y posterior, +z head), in mm.
// Angles around the long axis follow the AHA 17-segment model: measured in the short-axis
// plane from the anterior direction toward the septum, so that with `anterior` at 0° the
// septum is at 90°, the inferior wall at 180° and the lateral wall at 270°.

/// The standard cardiac imaging views, as lgeqa recognises them.
public enum ViewOrientation: String, Sendable, Hashable, Codable, CaseIterable {
    /// Short axis: the plane is perpendicular to the LV long axis.
    case shortAxis = "SA"
    /// Vertical long axis: anterior and inferior walls.
    case twoChamber = "2CH"
    /// LV outflow tract view: anteroseptal and inferolateral walls.
    case threeChamber = "3CH"
    /// Horizontal long axis: inferoseptal and anterolateral walls.
    case fourChamber = "4CH"
    /// A plane that is none of the standard views.
    case other
    /// No usable geometry to decide from.
    case unknown

    /// For long-axis views, the AHA angle (degrees, from anterior toward septum) of the line in
    /// which the view's plane cuts the short-axis plane. Lines are undirected: 0° and 180° are
    /// the same plane.
    public var nominalInPlaneAngle: Double? {
        switch self {
        case .twoChamber: 0
        case .threeChamber: 60
        case .fourChamber: 105
        case .shortAxis, .other, .unknown: nil
        }
    }

    /// The three long-axis views, in AHA order.
    public static let longAxisViews: [ViewOrientation] = [.twoChamber, .threeChamber, .fourChamber]
}

/// Where the left ventricle lies and how it is turned, in patient coordinates.
public struct HeartAxes: Sendable, Hashable, Codable {
    /// Unit vector from the LV base toward the apex.
    public var longAxis: PatientVector
    /// Unit vector perpendicular to `longAxis`, from the LV centre toward the anterior wall.
    public var anterior: PatientVector
    /// LV centre, mm.
    public var centre: PatientVector

    /// Creates axes from a long axis, and optionally an anterior direction.
    ///
    /// The long axis is normalised. The anterior direction is made perpendicular to it; when it
    /// is omitted (or parallel to the long axis) it is the patient's anterior, (0, −1, 0),
    /// projected onto the short-axis plane, which is what scanners' SA planning assumes too.
    public init(longAxis: PatientVector, anterior: PatientVector? = nil, centre: PatientVector = .zero) {
        let axis = longAxis.normalized
        self.longAxis = axis
        self.centre = centre
        let candidates = [anterior, PatientVector(0, -1, 0), PatientVector(0, 0, 1)].compactMap { $0 }
        var chosen = PatientVector(1, 0, 0)
        for candidate in candidates {
            let projected = candidate - axis * candidate.dot(axis)
            // Below this the projection is mostly rounding error.
            if projected.length > 1e-3 {
                chosen = projected.normalized
                break
            }
        }
        self.anterior = chosen
    }

    /// A typical adult heart: apex to the patient's left, anterior and inferior.
    public static let typical = HeartAxes(longAxis: PatientVector(0.6, -0.5, -0.6))

    /// Unit vector from the LV centre toward the interventricular septum, defined as
    /// `longAxis × anterior`, so that (anterior, septal, longAxis) is right handed.
    ///
    /// For `typical` it points to the patient's right (−x), where the RV lies.
    public var septal: PatientVector { longAxis.cross(anterior) }

    /// The unit direction in the short-axis plane at an AHA angle (degrees from anterior
    /// toward the septum).
    public func direction(atAngle degrees: Double) -> PatientVector {
        let radians = degrees * .pi / 180
        return anterior * cos(radians) + septal * sin(radians)
    }

    /// These axes turned about the long axis, so that the new anterior lies `degrees` toward
    /// the septum from the old one.
    public func rotatedAboutLongAxis(by degrees: Double) -> HeartAxes {
        HeartAxes(longAxis: longAxis, anterior: direction(atAngle: degrees), centre: centre)
    }
}

/// Plans the standard LGE planes for a heart, as a technologist would.
public struct CardiacViewPlanner: Sendable {
    public var axes: HeartAxes

    public init(axes: HeartAxes) {
        self.axes = axes
    }

    /// A short-axis stack, base first, centred on the LV centre.
    ///
    /// Images look like clinical short-axis views: anterior wall at the top (the column
    /// direction is −anterior) and the septum on the image left (the row direction is −septal).
    /// - Parameters:
    ///   - count: number of slices.
    ///   - thickness: slice thickness, mm.
    ///   - gap: distance between one slice's edge and the next one's, mm (centre spacing is
    ///     `thickness + gap`).
    public func shortAxisStack(
        count: Int, thickness: Double, gap: Double, rows: Int = 256, columns: Int = 256,
        pixelSpacing: PixelSpacing = PixelSpacing(betweenRows: 1.4, betweenColumns: 1.4)
    ) -> [SliceGeometry] {
        let spacing = thickness + gap
        return (0..<max(count, 0)).map { index in
            let offset = (Double(index) - Double(count - 1) / 2) * spacing
            return plane(
                centre: axes.centre + axes.longAxis * offset, rowDirection: -axes.septal,
                columnDirection: -axes.anterior, thickness: thickness, rows: rows, columns: columns,
                pixelSpacing: pixelSpacing)
        }
    }

    /// A long-axis view through the LV centre, or nil when `view` is not 2CH, 3CH or 4CH.
    ///
    /// The apex is at the top of the image (the column direction is −longAxis), and the row
    /// direction runs along the view's in-plane line away from its nominal angle (so in a 4CH
    /// the septum is on the image left).
    public func longAxis(
        _ view: ViewOrientation, thickness: Double = 8, rows: Int = 256, columns: Int = 256,
        pixelSpacing: PixelSpacing = PixelSpacing(betweenRows: 1.4, betweenColumns: 1.4)
    ) -> SliceGeometry? {
        guard let angle = view.nominalInPlaneAngle else { return nil }
        return longAxis(
            atAngle: angle, thickness: thickness, rows: rows, columns: columns, pixelSpacing: pixelSpacing)
    }

    /// A plane through the LV centre containing the long axis and the short-axis direction at
    /// `degrees` (AHA angle, from anterior toward the septum).
    public func longAxis(
        atAngle degrees: Double, thickness: Double = 8, rows: Int = 256, columns: Int = 256,
        pixelSpacing: PixelSpacing = PixelSpacing(betweenRows: 1.4, betweenColumns: 1.4)
    ) -> SliceGeometry {
        plane(
            centre: axes.centre, rowDirection: -axes.direction(atAngle: degrees),
            columnDirection: -axes.longAxis, thickness: thickness, rows: rows, columns: columns,
            pixelSpacing: pixelSpacing)
    }

    private func plane(
        centre: PatientVector, rowDirection: PatientVector, columnDirection: PatientVector, thickness: Double,
        rows: Int, columns: Int, pixelSpacing: PixelSpacing
    ) -> SliceGeometry {
        // ImagePositionPatient is the first pixel's centre, half a field of view from the middle.
        let position = centre - rowDirection * (Double(columns - 1) / 2 * pixelSpacing.betweenColumns)
            - columnDirection * (Double(rows - 1) / 2 * pixelSpacing.betweenRows)
        return SliceGeometry(
            position: position, rowDirection: rowDirection, columnDirection: columnDirection,
            pixelSpacing: pixelSpacing, rows: rows, columns: columns, sliceThickness: thickness)
    }
}

/// Why a plane was given its view: the angles the decision rests on.
public struct OrientationEvidence: Sendable, Hashable, Codable, CustomStringConvertible {
    public var view: ViewOrientation
    /// Angle between the plane normal and the long axis line, 0–90°: 0 for a short-axis plane,
    /// 90 for a plane containing the long axis. Nil without geometry.
    public var normalToLongAxisDegrees: Double?
    /// For planes near the long-axis family: the AHA angle (0–180°) of the line in which the
    /// plane cuts the short-axis plane.
    public var inPlaneAngleDegrees: Double?

    public init(view: ViewOrientation, normalToLongAxisDegrees: Double? = nil, inPlaneAngleDegrees: Double? = nil) {
        self.view = view
        self.normalToLongAxisDegrees = normalToLongAxisDegrees
        self.inPlaneAngleDegrees = inPlaneAngleDegrees
    }

    public var description: String {
        guard let tilt = normalToLongAxisDegrees else { return "\(view.rawValue): no geometry" }
        var text = "\(view.rawValue): normal \(String(format: "%.0f", tilt))° from the long axis"
        if let angle = inPlaneAngleDegrees { text += ", in-plane angle \(String(format: "%.0f", angle))°" }
        return text
    }
}

/// Decides which standard view a plane is, given the heart's axes.
public enum CardiacViewClassifier {
    /// A plane is short axis when its normal is within this many degrees of the long axis.
    public static let shortAxisToleranceDegrees = 30.0
    /// A plane belongs to the long-axis family when its normal is within this many degrees of
    /// perpendicular to the long axis.
    public static let longAxisFamilyToleranceDegrees = 25.0
    /// Half-width of the window around each long-axis view's nominal in-plane angle. Kept under
    /// half the 45° between 3CH and 4CH so the windows never overlap.
    public static let inPlaneToleranceDegrees = 22.0

    /// The view of `geometry` relative to `axes`; `.unknown` without geometry.
    public static func classify(_ geometry: SliceGeometry?, axes: HeartAxes) -> OrientationEvidence {
        guard let geometry else { return OrientationEvidence(view: .unknown) }
        let normal = geometry.normal
        guard normal.length > 0.5 else { return OrientationEvidence(view: .unknown) }
        let along = normal.dot(axes.longAxis)
        let tilt = degrees(acos(min(1, abs(along))))
        if tilt <= shortAxisToleranceDegrees {
            return OrientationEvidence(view: .shortAxis, normalToLongAxisDegrees: tilt)
        }
        guard tilt >= 90 - longAxisFamilyToleranceDegrees else {
            return OrientationEvidence(view: .other, normalToLongAxisDegrees: tilt)
        }
        // The plane's line in the SA plane is perpendicular to its (projected) normal.
        let projected = normal - axes.longAxis * along
        let normalAngle = degrees(atan2(projected.dot(axes.septal), projected.dot(axes.anterior)))
        let lineAngle = wrap180(normalAngle + 90)
        var best: (view: ViewOrientation, distance: Double)?
        for view in ViewOrientation.longAxisViews {
            let distance = lineDistance(lineAngle, view.nominalInPlaneAngle!)
            if distance <= inPlaneToleranceDegrees, distance < best?.distance ?? .infinity {
                best = (view, distance)
            }
        }
        return OrientationEvidence(
            view: best?.view ?? .other, normalToLongAxisDegrees: tilt, inPlaneAngleDegrees: lineAngle)
    }

    static func degrees(_ radians: Double) -> Double { radians * 180 / .pi }

    /// An angle folded into [0, 180): lines, not directions.
    static func wrap180(_ angle: Double) -> Double {
        let folded = angle.truncatingRemainder(dividingBy: 180)
        let positive = folded < 0 ? folded + 180 : folded
        return positive >= 180 ? 0 : positive
    }

    /// Smallest angle between two undirected lines, 0–90°.
    static func lineDistance(_ a: Double, _ b: Double) -> Double {
        let d = wrap180(a - b)
        return min(d, 180 - d)
    }
}
