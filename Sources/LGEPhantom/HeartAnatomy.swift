import Foundation
import LGEDICOM
import LGESession

/// The shape and placement of the analytic heart and the organs around it.
///
/// Geometry is defined in the *heart frame*: origin at `axes.centre` (the middle of the LV cavity
/// along the long axis), with coordinates along `axes.anterior`, `axes.septal` and `axes.longAxis`
/// (base → apex). The LV is a truncated prolate-ellipsoidal shell: the endocardium is an
/// ellipsoid of revolution about the long axis, cut by the base (mitral/AV) plane; the epicardium
/// is a concentric ellipsoid whose short-axis semi-axis is the endocardial one plus the local wall
/// thickness. The RV is an ellipsoidal shell centred toward the septum with the LV carved out of it,
/// so it forms a crescent whose horns meet the LV at the anterior (superior) and inferior RV
/// insertion points. The torso, lungs and liver are fixed in patient coordinates relative to
/// `torsoCentre`. All lengths are mm.
public struct HeartAnatomy: Codable, Sendable, Hashable {
    /// The heart's frame in the patient; `axes.centre` is the middle of the LV cavity.
    public var axes: HeartAxes
    /// Centre of the torso (an elliptical cylinder along the patient's head–foot axis).
    public var torsoCentre: PatientVector

    // MARK: Left ventricle

    /// LV end-diastolic cavity diameter (twice the endocardial short-axis semi-axis at the
    /// ellipsoid's equator), mm.
    public var lvEndDiastolicDiameter: Double
    /// LV cavity length from the base plane to the endocardial apex, mm.
    public var lvCavityLength: Double
    /// Where the base plane cuts the endocardial ellipsoid, as a fraction of its long semi-axis on
    /// the base side of the equator (0: at the equator; larger: a narrower base).
    public var baseTruncation: Double
    /// Wall thickness of the anterior, inferior and lateral (free) walls, mm.
    public var freeWallThickness: Double
    /// Wall thickness at the middle of the interventricular septum, mm; blends smoothly into
    /// `freeWallThickness` toward the anterior and inferior walls.
    public var septalWallThickness: Double
    /// Myocardial thickness at the apex (the apical cap), mm.
    public var apicalWallThickness: Double

    // MARK: Right ventricle

    /// AHA angle (degrees from anterior toward the septum) at which the RV free wall meets the
    /// LV at mid-ventricular level on the anterior side; the inferior insertion is mirrored about
    /// the septum (180° − this). Basal and mid AHA rings start here.
    public var rvInsertionAngle: Double
    /// How far the RV cavity reaches beyond the septal epicardium at mid-ventricular level, mm.
    public var rvCavityDepth: Double
    /// RV free-wall thickness, mm.
    public var rvFreeWallThickness: Double
    /// RV length from the base plane, as a fraction of the LV length (the LV forms the apex).
    public var rvLengthFraction: Double

    // MARK: Surroundings

    /// Thickness of the epicardial fat layer over the RV free wall, mm.
    public var epicardialFatThickness: Double
    /// Extra fat depth in the atrioventricular and interventricular grooves, mm.
    public var grooveFatThickness: Double
    /// Semi-axes of the torso's elliptical cross-section: left–right and anterior–posterior, mm.
    public var torsoSemiAxes: SIMD2<Double>

    /// Creates an anatomy; every parameter has a typical adult default.
    public init(
        axes: HeartAxes = .typical, torsoCentre: PatientVector = PatientVector(-30, 40, 0),
        lvEndDiastolicDiameter: Double = 50, lvCavityLength: Double = 78, baseTruncation: Double = 0.3,
        freeWallThickness: Double = 10, septalWallThickness: Double = 10, apicalWallThickness: Double = 8,
        rvInsertionAngle: Double = 30, rvCavityDepth: Double = 24, rvFreeWallThickness: Double = 3.5,
        rvLengthFraction: Double = 0.8, epicardialFatThickness: Double = 2, grooveFatThickness: Double = 4,
        torsoSemiAxes: SIMD2<Double> = SIMD2(165, 115)
    ) {
        self.axes = axes
        self.torsoCentre = torsoCentre
        self.lvEndDiastolicDiameter = lvEndDiastolicDiameter
        self.lvCavityLength = lvCavityLength
        self.baseTruncation = baseTruncation
        self.freeWallThickness = freeWallThickness
        self.septalWallThickness = septalWallThickness
        self.apicalWallThickness = apicalWallThickness
        self.rvInsertionAngle = rvInsertionAngle
        self.rvCavityDepth = rvCavityDepth
        self.rvFreeWallThickness = rvFreeWallThickness
        self.rvLengthFraction = rvLengthFraction
        self.epicardialFatThickness = epicardialFatThickness
        self.grooveFatThickness = grooveFatThickness
        self.torsoSemiAxes = torsoSemiAxes
    }

    /// A typical adult heart (EDD 50 mm, 10 mm walls) in `HeartAxes.typical`, anterior and to the
    /// left in the chest.
    public static let typical = HeartAnatomy()

    /// The LV length from the base plane to the epicardial apex, mm.
    public var lvLength: Double { lvCavityLength + apicalWallThickness }

    /// Distance along the long axis from `axes.centre` to the base plane (negative: toward the
    /// base), mm.
    public var basePlaneOffset: Double { -lvCavityLength / 2 }

    /// Nominal LV wall thickness at an AHA angle (degrees from anterior toward the septum) at
    /// mid-ventricular level, mm.
    public func wallThickness(atAngle degrees: Double) -> Double {
        let s = sin(degrees * .pi / 180)
        let septalWeight = s > 0 ? s * s : 0
        return freeWallThickness + (septalWallThickness - freeWallThickness) * septalWeight
    }

    /// A patient-to-patient variant of `typical`, drawn from `variation`'s ranges.
    ///
    /// Deterministic for a given generator state: a seeded generator reproduces the anatomy.
    public static func random(
        using generator: inout some RandomNumberGenerator, variation: AnatomyVariation = .normal
    ) -> HeartAnatomy {
        var anatomy = HeartAnatomy()
        let diameter = Double.random(in: variation.lvEndDiastolicDiameter, using: &generator)
        anatomy.lvEndDiastolicDiameter = diameter
        let wall = Double.random(in: variation.wallThickness, using: &generator)
        anatomy.freeWallThickness = wall
        anatomy.septalWallThickness = wall * Double.random(in: 0.95...1.15, using: &generator)
        anatomy.apicalWallThickness = max(4, wall * Double.random(in: 0.7...0.9, using: &generator))
        // Cavity length scales with the diameter; dilated ventricles become more spherical.
        let sphericity = Double.random(in: variation.lengthToDiameterRatio, using: &generator)
        anatomy.lvCavityLength = diameter * sphericity
        anatomy.rvCavityDepth = Double.random(in: 18...30, using: &generator)
        anatomy.rvInsertionAngle = Double.random(in: 25...35, using: &generator)
        anatomy.epicardialFatThickness = Double.random(in: 1...3.5, using: &generator)

        // Tilt the whole heart frame by up to the allowed angle about a random axis ⟂ long axis.
        let base = HeartAxes.typical
        let tilt = Double.random(in: 0...variation.orientationDegrees, using: &generator) * .pi / 180
        let azimuth = Double.random(in: 0..<(2 * .pi), using: &generator)
        let hinge = base.anterior * cos(azimuth) + base.septal * sin(azimuth)
        let spin = Double.random(in: -variation.orientationDegrees...variation.orientationDegrees, using: &generator)
            * .pi / 180
        let longAxis = rotate(base.longAxis, about: hinge, by: tilt)
        let anterior = rotate(rotate(base.anterior, about: hinge, by: tilt), about: longAxis, by: spin)
        var shift = PatientVector.zero
        for axis in 0..<3 {
            shift[axis] = Double.random(in: -variation.positionMM...variation.positionMM, using: &generator)
        }
        anatomy.axes = HeartAxes(longAxis: longAxis, anterior: anterior, centre: base.centre + shift)
        return anatomy
    }

    /// Rodrigues rotation of `v` about the unit vector `axis` by `angle` radians.
    static func rotate(_ v: PatientVector, about axis: PatientVector, by angle: Double) -> PatientVector {
        let k = axis.normalized
        return v * cos(angle) + k.cross(v) * sin(angle) + k * (k.dot(v) * (1 - cos(angle)))
    }
}

/// The ranges `HeartAnatomy.random` draws from.
public struct AnatomyVariation: Codable, Sendable, Hashable {
    /// LV end-diastolic diameter, mm.
    public var lvEndDiastolicDiameter: ClosedRange<Double>
    /// LV free-wall thickness, mm.
    public var wallThickness: ClosedRange<Double>
    /// LV cavity length divided by the end-diastolic diameter (lower: more spherical).
    public var lengthToDiameterRatio: ClosedRange<Double>
    /// Largest tilt of the long axis (and spin about it) away from `HeartAxes.typical`, degrees.
    public var orientationDegrees: Double
    /// Largest shift of the heart centre along each patient axis, mm.
    public var positionMM: Double

    public init(
        lvEndDiastolicDiameter: ClosedRange<Double>, wallThickness: ClosedRange<Double>,
        lengthToDiameterRatio: ClosedRange<Double>, orientationDegrees: Double = 15, positionMM: Double = 10
    ) {
        self.lvEndDiastolicDiameter = lvEndDiastolicDiameter
        self.wallThickness = wallThickness
        self.lengthToDiameterRatio = lengthToDiameterRatio
        self.orientationDegrees = orientationDegrees
        self.positionMM = positionMM
    }

    /// Normal adult hearts: EDD 40–60 mm, walls 7–13 mm, long axis within ±15°, centre within ±10 mm.
    public static let normal = AnatomyVariation(
        lvEndDiastolicDiameter: 40...60, wallThickness: 7...13, lengthToDiameterRatio: 1.45...1.75)

    /// Dilated cardiomyopathy: EDD 62–75 mm, thinned 6–9 mm walls, a more spherical LV.
    public static let dilated = AnatomyVariation(
        lvEndDiastolicDiameter: 62...75, wallThickness: 6...9, lengthToDiameterRatio: 1.2...1.4)
}

extension HeartAnatomy {
    /// The AHA segment (1–17) of a point in the LV myocardium of this anatomy; nil elsewhere.
    /// See `AHASegmentModel` for the layout.
    public func ahaSegment(at point: PatientVector) -> Int? {
        let model = PhantomModel(anatomy: self, scars: [])
        return model.wallPoint(model.heartFrame(point)).flatMap(model.segment(of:))
    }

    /// The AHA segment layout of this anatomy.
    public var segmentModel: AHASegmentModel {
        AHASegmentModel(rvInsertionAngle: rvInsertionAngle, cavityLength: lvCavityLength)
    }
}
