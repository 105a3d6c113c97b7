import Foundation
import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGESession
import Testing

@testable import LGESimulator

/// Physics a reader can check: nulling, PSIR ordering, ghosts, noise.
@Suite struct SimulatorPhysicsTests {
    let phantom = HeartPhantom(anatomy: .typical, scars: [.ischemic(territory: .lad, transmurality: 1, borderZone: 1, mvo: false)])
    let kinetics = ContrastKinetics(fieldStrength: .t1_5)
    let minute = 12.0

    /// A mid-ventricular short-axis plane at test resolution (128², 2.5 mm).
    var midPlane: SliceGeometry {
        let axes = phantom.anatomy.axes
        let planner = CardiacViewPlanner(axes: HeartAxes(longAxis: axes.longAxis, anterior: axes.anterior, centre: phantom.lvCentroid()))
        return planner.shortAxisStack(count: 3, thickness: 8, gap: 2, rows: 128, columns: 128, pixelSpacing: PixelSpacing(betweenRows: 2.5, betweenColumns: 2.5))[1]
    }

    var t1: [Tissue: Double] {
        Dictionary(uniqueKeysWithValues: Tissue.allCases.map { ($0, kinetics.t1($0, minutesSinceInjection: minute)) })
    }

    func readout(_ ti: Double) throws -> ReadoutParameters {
        try ReadoutParameters(heartRate: 65, gatingFactor: 2, linesPerShot: 25, repetitionTime: 8, flipAngle: 25, inversionTime: ti, ordering: .linear)
    }

    func acquire(ti: Double, snr: Double = 1e6, phaseEncode: PhaseEncodeDirection = .row, motion: MotionConditions = .still, fractions: TissueFractions? = nil, phaseFOV: Double = 1, seed: UInt64 = 42) throws -> (AcquiredImages, TissueMasks) {
        let plane = midPlane
        let maps = fractions ?? phantom.sample(on: plane)
        let settings = AcquisitionSettings(plane: plane, phaseEncodeDirection: phaseEncode, phaseFieldOfView: phaseFOV, readout: try readout(ti), bloodSNR: snr)
        let images = try KSpaceSimulator().acquire(fractions: maps, t1: t1, settings: settings, motion: motion, seed: seed)
        let crop = FoldGeometry(plane: plane, peAlongColumns: phaseEncode == .column, lines: phaseEncode == .column ? images.geometry.rows : images.geometry.columns)
        return (images, TissueMasks(fractions: maps, crop: crop))
    }

    func mean(_ indices: [Int], _ values: [Float]) -> Double {
        indices.reduce(0.0) { $0 + Double(values[$1]) } / Double(max(indices.count, 1))
    }

    @Test func magnitudeMyocardiumBottomsOutAtTheReadoutModelsNull() throws {
        let null = SegmentedIRReadout.nullInversionTime(t1: t1[.myocardium]!, parameters: try readout(300))
        let maps = phantom.sample(on: midPlane)
        func myocardium(_ ti: Double) throws -> Double {
            let (images, masks) = try acquire(ti: ti, fractions: maps)
            return mean(masks.myocardium, images.magnitude)
        }
        var best = (ti: 0.0, value: Double.infinity)
        for ti in stride(from: null - 30, through: null + 30, by: 2.0) {
            let value = try myocardium(ti)
            if value < best.value { best = (ti, value) }
        }
        #expect(abs(best.ti - null) <= 5, "minimum at \(best.ti) ms, readout model's null \(null) ms")
        #expect(try myocardium(null + 40) > 3 * best.value)
    }

    @Test func psirKeepsScarAboveBloodAboveMyocardiumAtEveryTI() throws {
        let maps = phantom.sample(on: midPlane)
        for ti in stride(from: 150.0, through: 420, by: 30) {
            let (images, masks) = try acquire(ti: ti, snr: 40, fractions: maps)
            let scar = mean(masks.scar, images.psir), blood = mean(masks.blood, images.psir), myo = mean(masks.myocardium, images.psir)
            #expect(!masks.scar.isEmpty && !masks.blood.isEmpty && !masks.myocardium.isEmpty)
            #expect(scar > blood && blood > myo, "TI \(ti): scar \(scar), blood \(blood), myocardium \(myo)")
        }
    }

    /// SNR by the NEMA difference method: two acquisitions that differ only in their noise.
    @Test func measuredSNRMatchesTheRequest() throws {
        let maps = phantom.sample(on: midPlane)
        for requested in [15.0, 30.0] {
            let (first, masks) = try acquire(ti: 240, snr: requested, fractions: maps, seed: 1)
            let (second, _) = try acquire(ti: 240, snr: requested, fractions: maps, seed: 2)
            let differences = masks.blood.map { Double(first.magnitude[$0] - second.magnitude[$0]) }
            let meanDifference = differences.reduce(0, +) / Double(differences.count)
            let spread = (differences.reduce(0) { $0 + ($1 - meanDifference) * ($1 - meanDifference) } / Double(differences.count - 1)).squareRoot()
            let signal = (mean(masks.blood, first.magnitude) + mean(masks.blood, second.magnitude)) / 2
            let measured = signal / (spread / 2.0.squareRoot())
            #expect(masks.blood.count > 100)
            #expect(abs(measured / requested - 1) < 0.10, "requested SNR \(requested), measured \(measured)")
        }
    }

    /// Ghost replicas sit beside the heart along the phase-encode axis, and turn with a swap.
    @Test func ghostsLieAlongPhaseEncodeAndMoveWithTheSwap() throws {
        let motion = MotionConditions(respiratory: RespiratoryMotion(amplitude: 12, period: 4))
        /// Artifact energy in the horizontal wings (same rows as the heart, far to the sides)
        /// and in the vertical wings (same columns, far above and below).
        func wings(_ phaseEncode: PhaseEncodeDirection) throws -> (horizontal: Double, vertical: Double) {
            let (images, _) = try acquire(ti: 240, phaseEncode: phaseEncode, motion: motion)
            let artifact = try #require(images.artifact)
            let rows = images.geometry.rows, columns = images.geometry.columns
            let (r0, c0, reach) = (rows / 2, columns / 2, 30)
            var horizontal = 0.0, vertical = 0.0
            for r in 0..<rows {
                for c in 0..<columns {
                    let e = Double(artifact[r * columns + c] * artifact[r * columns + c])
                    if abs(r - r0) < reach && abs(c - c0) > reach { horizontal += e }
                    if abs(c - c0) < reach && abs(r - r0) > reach { vertical += e }
                }
            }
            return (horizontal, vertical)
        }
        let row = try wings(.row), column = try wings(.column)
        #expect(row.horizontal > 2 * row.vertical, "PE ROW: \(row)")
        #expect(column.vertical > 2 * column.horizontal, "PE COL: \(column)")
        // The swap turns the ghosts by 90°: the balance flips by a large factor.
        #expect((row.horizontal / row.vertical) / (column.horizontal / column.vertical) > 8)
    }

    @Test func stillAcquisitionsHaveNoArtifactAndReducedPhaseFOVWraps() throws {
        let (still, _) = try acquire(ti: 240)
        #expect(still.artifact == nil)
        let (reduced, _) = try acquire(ti: 240, phaseEncode: .column, phaseFOV: 0.75)
        #expect(reduced.geometry.rows == 96 && reduced.geometry.columns == 128)
        #expect(reduced.shots < still.shots || still.geometry.columns == 128)
        #expect(reduced.duration < still.duration)
    }

    @Test func missedBeatsMakeGhostsToo() throws {
        let (images, _) = try acquire(ti: 240, motion: MotionConditions(rhythm: HeartRhythm(missedBeats: [3, 8])))
        let artifact = try #require(images.artifact)
        // The irregular shots modulate k-space enough to leave a visible ghost (> 2% of the image).
        #expect(Double(artifact.max()!) > 0.02 * Double(images.magnitude.max()!))
    }
}
