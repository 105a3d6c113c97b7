import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGESession

/// SplitMix64: a tiny seeded generator so anatomy draws are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension HeartPhantom {
    /// A single short-axis slice through the LV centre (mid-ventricular), planned clinically.
    var midShortAxis: SliceGeometry {
        CardiacViewPlanner(axes: anatomy.axes).shortAxisStack(count: 1, thickness: 8, gap: 0)[0]
    }

    /// The point at a given AHA angle, distance from the base plane and transmural position
    /// (0 endocardium … 1 epicardium), found by walking outward from the long axis.
    func wallPoint(angle: Double, fromBase: Double, transmural: Double) -> PatientVector? {
        let axes = anatomy.axes
        let onAxis = axes.centre + axes.longAxis * (anatomy.basePlaneOffset + fromBase)
        let direction = axes.direction(atAngle: angle)
        var best: (point: PatientVector, error: Double)?
        var r = 0.0
        while r < 60 {
            let point = onAxis + direction * r
            if let f = transmuralPosition(at: point), abs(f - transmural) < (best?.error ?? 0.05) {
                best = (point, abs(f - transmural))
            }
            r += 0.05
        }
        return best?.point
    }
}

extension SliceGeometry {
    /// The (row, column) of the pixel nearest a patient point lying in this plane.
    func pixel(nearest point: PatientVector) -> (row: Int, column: Int) {
        let d = point - position
        return (
            Int((d.dot(columnDirection) / pixelSpacing.betweenRows).rounded()),
            Int((d.dot(rowDirection) / pixelSpacing.betweenColumns).rounded())
        )
    }
}

extension TissueFractions {
    /// Fraction of `tissue` in the pixel nearest `point`.
    func fraction(of tissue: Tissue, at point: PatientVector, on plane: SliceGeometry) -> Float {
        let (row, column) = plane.pixel(nearest: point)
        return fraction(of: tissue, row: row, column: column)
    }
}

extension HeartPhantom {
    /// The mid short-axis plane moved along the long axis to `fromBase` mm below the base plane.
    func shortAxis(fromBase: Double) -> SliceGeometry {
        var plane = midShortAxis
        plane.position += anatomy.axes.longAxis * (anatomy.basePlaneOffset + fromBase)
        return plane
    }
}
