import Foundation

/// The three levels of the AHA 17-segment model, by thirds of the LV cavity length from the base,
/// plus the apex cap beyond the endocardial apex.
public enum AHALevel: String, Codable, Sendable, CaseIterable {
    case basal, mid, apical, apex

    /// The level a segment (1–17) belongs to, or nil for numbers outside the model.
    public init?(segment: Int) {
        switch segment {
        case 1...6: self = .basal
        case 7...12: self = .mid
        case 13...16: self = .apical
        case 17: self = .apex
        default: return nil
        }
    }

    /// The segments of this level, in AHA order.
    public var segments: ClosedRange<Int> {
        switch self {
        case .basal: 1...6
        case .mid: 7...12
        case .apical: 13...16
        case .apex: 17...17
        }
    }
}

/// The AHA 17-segment model as this phantom lays it out.
///
/// Angles are AHA angles (degrees, measured in the short-axis plane from `HeartAxes.anterior`
/// toward the septum: septum 90°, inferior 180°, lateral 270°). Basal and mid rings have six
/// 60° segments, starting at the anterior RV insertion angle α: segment 1 (anterior) spans
/// [α − 60°, α), 2 anteroseptal, 3 inferoseptal, 4 inferior, 5 inferolateral, 6 anterolateral;
/// mid segments 7–12 follow the same pattern. Apical segments 13 anterior, 14 septal,
/// 15 inferior, 16 lateral are 90° wide and centred on α − 30° + k·90°. Segment 17 is the apical cap.
public struct AHASegmentModel: Sendable, Hashable, Codable {
    /// Anterior RV insertion angle, degrees.
    public var rvInsertionAngle: Double
    /// LV cavity length (base plane to endocardial apex), mm.
    public var cavityLength: Double

    public init(rvInsertionAngle: Double = 30, cavityLength: Double) {
        self.rvInsertionAngle = rvInsertionAngle
        self.cavityLength = cavityLength
    }

    /// The level at a distance `fromBase` (mm, along the long axis from the base plane toward the
    /// apex); nil above the base plane.
    public func level(fromBase: Double) -> AHALevel? {
        guard fromBase >= 0 else { return nil }
        if fromBase < cavityLength / 3 { return .basal }
        if fromBase < 2 * cavityLength / 3 { return .mid }
        if fromBase < cavityLength { return .apical }
        return .apex
    }

    /// The segment (1–17) at an AHA angle (degrees) and a distance from the base plane (mm), or
    /// nil above the base.
    public func segment(angle degrees: Double, fromBase: Double) -> Int? {
        guard let level = level(fromBase: fromBase) else { return nil }
        switch level {
        case .basal, .mid:
            let k = Int(Self.wrap360(degrees - rvInsertionAngle + 60) / 60) % 6
            return (level == .basal ? 1 : 7) + k
        case .apical:
            let k = Int(Self.wrap360(degrees - (rvInsertionAngle - 30) + 45) / 90) % 4
            return 13 + k
        case .apex:
            return 17
        }
    }

    /// Angular extent of a segment as (centre, half-width) in degrees; nil for 17 and invalid numbers.
    public func angularExtent(segment: Int) -> (centre: Double, halfWidth: Double)? {
        switch segment {
        case 1...6: (rvInsertionAngle - 30 + Double(segment - 1) * 60, 30)
        case 7...12: (rvInsertionAngle - 30 + Double(segment - 7) * 60, 30)
        case 13...16: (rvInsertionAngle - 30 + Double(segment - 13) * 90, 45)
        default: nil
        }
    }

    /// Longitudinal extent of a segment's level as distances from the base plane, mm
    /// (the apex cap ends at `cavityLength + capDepth`).
    public func longitudinalExtent(segment: Int, capDepth: Double) -> ClosedRange<Double>? {
        guard let level = AHALevel(segment: segment) else { return nil }
        let third = cavityLength / 3
        switch level {
        case .basal: return 0...third
        case .mid: return third...(2 * third)
        case .apical: return (2 * third)...cavityLength
        case .apex: return cavityLength...(cavityLength + capDepth)
        }
    }

    static func wrap360(_ degrees: Double) -> Double {
        let r = degrees.truncatingRemainder(dividingBy: 360)
        let positive = r < 0 ? r + 360 : r
        return positive >= 360 ? 0 : positive
    }
}

/// The three major coronary arteries and the AHA segments each usually supplies.
public enum CoronaryTerritory: String, Codable, Sendable, CaseIterable {
    /// Left anterior descending: anterior wall, anterior septum, apex.
    case lad
    /// Left circumflex: lateral wall.
    case lcx
    /// Right coronary artery: inferior wall and inferior septum.
    case rca

    /// The standard AHA assignment of segments to this territory (Cerqueira 2002).
    public var segments: Set<Int> {
        switch self {
        case .lad: [1, 2, 7, 8, 13, 14, 17]
        case .lcx: [5, 6, 11, 12, 16]
        case .rca: [3, 4, 9, 10, 15]
        }
    }
}
