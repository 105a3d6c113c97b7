import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGESession
import LGESimulator

/// Realistic LGE slices from the simulator: a mid-ventricular short-axis plane through the
/// analytic heart, acquired through k-space at 128² and 2.5 mm (320 mm FOV).
struct SimulatedSlices {
    let phantom: HeartPhantom
    let kinetics = ContrastKinetics(fieldStrength: .t1_5)
    let plane: SliceGeometry
    let fractions: TissueFractions

    /// - Parameters:
    ///   - spacing: pixel spacing, mm (128 pixels: 2.5 mm is a 320 mm FOV).
    ///   - slim: a slim patient (torso 260 × 190 mm instead of 330 × 230 mm), so that air
    ///     surrounds the body in a 384 mm FOV; the typical torso reaches the FOV edges.
    init(spacing: Double = 2.5, slim: Bool = false) {
        var anatomy = HeartAnatomy.typical
        if slim { anatomy.torsoSemiAxes = SIMD2(130, 95) }
        phantom = HeartPhantom(
            anatomy: anatomy, scars: [.ischemic(territory: .lad, transmurality: 1, borderZone: 1, mvo: false)])
        let axes = phantom.anatomy.axes
        let planner = CardiacViewPlanner(
            axes: HeartAxes(longAxis: axes.longAxis, anterior: axes.anterior, centre: phantom.lvCentroid()))
        plane = planner.shortAxisStack(
            count: 3, thickness: 8, gap: 2, rows: 128, columns: 128,
            pixelSpacing: PixelSpacing(betweenRows: spacing, betweenColumns: spacing))[1]
        fractions = phantom.sample(on: plane)
    }

    var t1: [Tissue: Double] {
        Dictionary(uniqueKeysWithValues: Tissue.allCases.map { ($0, kinetics.t1($0, minutesSinceInjection: 12)) })
    }

    /// One acquisition (TI 240 ms, near the myocardial null) at the requested blood-pool SNR.
    func acquire(
        snr: Double, phaseEncode: PhaseEncodeDirection = .row, motion: MotionConditions = .still, seed: UInt64 = 7
    ) throws -> AcquiredImages {
        let readout = try ReadoutParameters(
            heartRate: 65, gatingFactor: 2, linesPerShot: 25, repetitionTime: 8, flipAngle: 25, inversionTime: 240,
            ordering: .linear)
        let settings = AcquisitionSettings(
            plane: plane, phaseEncodeDirection: phaseEncode, readout: readout, bloodSNR: snr)
        return try KSpaceSimulator().acquire(fractions: fractions, t1: t1, settings: settings, motion: motion, seed: seed)
    }

    /// Pixels that hold any tissue: the body as the phantom defines it.
    var bodyIndices: [Int] {
        let air = fractions[.air]
        return air.indices.filter { air[$0] < 0.5 }
    }

    static func image(_ values: [Float]) -> PixelImage { PixelImage(rows: 128, columns: 128, values: values) }
}
