import Foundation
import Testing
@testable import LGEPhysics

/// BRIEF §4's reference set-up: 25 lines, TR 8 ms, 25°, linear, every 2nd beat at 60 bpm.
private func briefParameters(ti: Double = 225, ordering: KSpaceOrdering = .linear) throws -> ReadoutParameters {
    try ReadoutParameters(
        heartRate: 60, gatingFactor: 2, linesPerShot: 25, repetitionTime: 8, flipAngle: 25,
        inversionTime: ti, ordering: ordering)
}

@Suite("Segmented IR readout")
struct SegmentedIRReadoutTests {
    @Test("myocardium (T1 450 ms) nulls well below T1·ln2 with linear ordering")
    func nullBelowSimpleFormula() throws {
        let null = SegmentedIRReadout.nullInversionTime(t1: 450, parameters: try briefParameters())
        #expect((180...280).contains(null), "null TI \(null) ms")
        #expect(null < 450 * log(2) - 50)
        // With the centre line first no saturation precedes it: the null moves towards T1·ln2.
        let centric = SegmentedIRReadout.nullInversionTime(t1: 450, parameters: try briefParameters(ordering: .centric))
        #expect(centric > null + 40)
    }

    @Test("centre signal is zero at the null TI and changes sign across it", arguments: FieldStrength.allCases)
    func signChange(field: FieldStrength) throws {
        let p = ReadoutParameters.typical(for: field)
        let t1 = ContrastKinetics(fieldStrength: field).t1(.myocardium, minutesSinceInjection: 12)
        let null = SegmentedIRReadout.nullInversionTime(t1: t1, parameters: p)
        func centre(_ ti: Double) throws -> Double {
            SegmentedIRReadout(parameters: try p.with(inversionTime: ti)).centreLineSignal(t1: t1, protonDensity: 0.8)
        }
        #expect(abs(try centre(null)) < 1e-6)
        #expect(try centre(null - 5) < -1e-3)
        #expect(try centre(null + 5) > 1e-3)
    }

    @Test("a TI sweep of |centre signal| bottoms out at the null TI", arguments: FieldStrength.allCases)
    func sweepMinimum(field: FieldStrength) throws {
        let p = ReadoutParameters.typical(for: field)
        let t1 = ContrastKinetics(fieldStrength: field).t1(.myocardium, minutesSinceInjection: 15)
        let null = SegmentedIRReadout.nullInversionTime(t1: t1, parameters: p)
        var best = (ti: 0.0, magnitude: Double.infinity)
        for ti in stride(from: 100.0, through: 600, by: 1) {
            let m = abs(SegmentedIRReadout(parameters: try p.with(inversionTime: ti)).centreLineSignal(t1: t1, protonDensity: 1))
            if m < best.magnitude { best = (ti, m) }
        }
        #expect(abs(best.ti - null) <= 5, "sweep minimum \(best.ti) ms, bisection \(null) ms")
    }

    @Test("null TI rises 1.5–3.5 ms per minute between 10 and 25 minutes at 1.5 T")
    func nullDrift() {
        let readout = SegmentedIRReadout(parameters: .typical(for: .t1_5))
        let kinetics = ContrastKinetics(fieldStrength: .t1_5)
        let at10 = readout.optimalInversionTime(kinetics: kinetics, minutesSinceInjection: 10)
        let at25 = readout.optimalInversionTime(kinetics: kinetics, minutesSinceInjection: 25)
        let drift = (at25 - at10) / 15
        #expect((1.5...3.5).contains(drift), "drift \(drift) ms/min (\(at10) → \(at25) ms)")
        // And the null stays inside BRIEF's 200–350 ms window.
        #expect(at10 >= 200 && at25 <= 350)
    }

    @Test("null TI at 3 T lies in BRIEF's 250–400 ms window and above 1.5 T")
    func nullAt3T() {
        let at3 = SegmentedIRReadout(parameters: .typical(for: .t3))
            .optimalInversionTime(kinetics: ContrastKinetics(fieldStrength: .t3), minutesSinceInjection: 15)
        let at15 = SegmentedIRReadout(parameters: .typical(for: .t1_5))
            .optimalInversionTime(kinetics: ContrastKinetics(fieldStrength: .t1_5), minutesSinceInjection: 15)
        #expect((250...400).contains(at3), "3 T null \(at3) ms")
        #expect(at3 > at15)
    }

    @Test("steady state does not depend on the number of dummy shots")
    func steadyStateIndependentOfDummies() throws {
        let p = try briefParameters()
        for t1 in [260.0, 450, 1000, 3000] {
            let reference = SegmentedIRReadout(parameters: p, dummyShots: .analytic).steadyStatePreInversionMz(t1: t1)
            for policy: DummyShots in [.count(50), .count(500), .converged] {
                let m = SegmentedIRReadout(parameters: p, dummyShots: policy).steadyStatePreInversionMz(t1: t1)
                #expect(abs(m - reference) < 1e-9, "T1 \(t1), \(policy): \(m) vs \(reference)")
            }
            // The recorded shots of a regular rhythm are all equal to the steady-state shot.
            let readout = SegmentedIRReadout(parameters: p)
            let shots = readout.shotSignals(t1: t1, protonDensity: 1, rrIntervals: Array(repeating: 1000, count: 8))
            let steady = readout.steadyStateLineSignals(t1: t1, protonDensity: 1)
            for shot in shots {
                #expect(zip(shot, steady).allSatisfy { abs($0 - $1) < 1e-9 })
            }
        }
        // Without dummy shots (the first shot starts from rest) the magnetisation is not in steady
        // state, which is what the dummy shots are for.
        let noDummy = SegmentedIRReadout(parameters: p, dummyShots: .count(0)).steadyStatePreInversionMz(t1: 1000)
        let steady = SegmentedIRReadout(parameters: p).steadyStatePreInversionMz(t1: 1000)
        #expect(abs(noDummy - steady) > 0.01)
    }

    @Test("shot and line counts follow the R-R list and the gating factor")
    func shapes() throws {
        let readout = SegmentedIRReadout(parameters: try briefParameters())
        let shots = readout.shotSignals(t1: 450, protonDensity: 1, rrIntervals: Array(repeating: 1000, count: 7))
        #expect(shots.count == 3)  // the 7th beat does not complete a shot
        #expect(shots.allSatisfy { $0.count == 25 })
        #expect(readout.shotSignals(t1: 450, protonDensity: 1, rrIntervals: []).isEmpty)
        // Proton density scales the signal; air gives none.
        let a = readout.centreLineSignal(t1: 1000, protonDensity: 1)
        #expect(abs(readout.centreLineSignal(t1: 1000, protonDensity: 0.5) - 0.5 * a) < 1e-12)
        #expect(readout.centreLineSignal(t1: 3000, protonDensity: Tissue.air.protonDensity) == 0)
    }

    @Test("a missed beat raises the next shot's signal of long-T1 tissue, then it settles")
    func missedBeat() throws {
        let kinetics = ContrastKinetics(fieldStrength: .t1_5)
        let p = ReadoutParameters.typical(for: .t1_5)
        let readout = SegmentedIRReadout(parameters: try p.with(inversionTime: readout0(p, kinetics)))
        let rr = p.nominalRRInterval
        // Shot 1 opens with a doubled R-R interval (missed beat): more recovery before shot 2's inversion.
        let intervals = [rr, rr, 2 * rr, rr, rr, rr, rr, rr, rr, rr]
        for tissue in [Tissue.mvo, .skeletalMuscle] {
            let t1 = kinetics.t1(tissue, minutesSinceInjection: 12)
            let shots = readout.shotSignals(t1: t1, protonDensity: tissue.protonDensity, rrIntervals: intervals)
            let steady = readout.steadyStateLineSignals(t1: t1, protonDensity: tissue.protonDensity)
            let c = p.centreLineIndex
            // Shot 1 itself was acquired before the long pause: unchanged.
            #expect(abs(shots[1][c] - steady[c]) < 1e-9)
            // Shot 2 follows the pause: the longer recovery before its inversion leaves Mz more
            // negative at the centre line (and the first line), so those are larger in magnitude.
            #expect(steady[c] < 0 && steady[0] < 0)
            for line in [0, c] {
                #expect(abs(shots[2][line]) > abs(steady[line]) + 1e-4, "\(tissue) line \(line)")
            }
            // Shot 3 is back towards steady state, shot 4 closer still.
            let d2 = abs(shots[2][c] - steady[c]), d3 = abs(shots[3][c] - steady[c]), d4 = abs(shots[4][c] - steady[c])
            #expect(d3 < d2 && d4 <= d3)
            #expect(d3 < 0.2 * d2)
        }
    }

    @Test("a premature beat lowers the next shot's signal magnitude of long-T1 tissue")
    func prematureBeat() throws {
        let p = ReadoutParameters.typical(for: .t1_5)
        let readout = SegmentedIRReadout(parameters: p)
        let rr = p.nominalRRInterval
        let shots = readout.shotSignals(t1: 1000, protonDensity: 1, rrIntervals: [rr, rr, rr, 0.6 * rr, rr, rr])
        let steady = readout.centreLineSignal(t1: 1000, protonDensity: 1)
        #expect(abs(shots[2][p.centreLineIndex]) < abs(steady) - 1e-4)
    }

    @Test("amyloid myocardium nulls within 15 % of blood", arguments: FieldStrength.allCases)
    func amyloid(field: FieldStrength) {
        let p = ReadoutParameters.typical(for: field)
        for minutes in [10.0, 15, 20] {
            let amyloid = ContrastKinetics(fieldStrength: field, amyloid: true)
            let myocardium = SegmentedIRReadout.nullInversionTime(t1: amyloid.t1(.myocardium, minutesSinceInjection: minutes), parameters: p)
            let blood = SegmentedIRReadout.nullInversionTime(t1: amyloid.t1(.blood, minutesSinceInjection: minutes), parameters: p)
            #expect(abs(myocardium - blood) / blood < 0.15, "\(minutes) min: \(myocardium) vs \(blood)")
            // Without amyloid the myocardium nulls distinctly later than blood.
            let normal = ContrastKinetics(fieldStrength: field)
            let normalMyocardium = SegmentedIRReadout.nullInversionTime(t1: normal.t1(.myocardium, minutesSinceInjection: minutes), parameters: p)
            #expect(normalMyocardium > 1.2 * blood)
        }
    }

    @Test("at the myocardial null: scar brighter than blood, fat positive, MVO negative")
    func contrastAtNull() {
        let field = FieldStrength.t1_5
        let kinetics = ContrastKinetics(fieldStrength: field)
        let p = ReadoutParameters.typical(for: field)
        let ti = SegmentedIRReadout(parameters: p).optimalInversionTime(kinetics: kinetics, minutesSinceInjection: 12)
        let readout = SegmentedIRReadout(parameters: p.unchecked(inversionTime: ti))
        func signal(_ t: Tissue) -> Double {
            readout.centreLineSignal(t1: kinetics.t1(t, minutesSinceInjection: 12), protonDensity: t.protonDensity)
        }
        // Signals are small (FLASH saturation caps Mz near Mss ≈ 0.2); what matters is their order.
        #expect(signal(.scar) > 1.3 * signal(.blood))
        #expect(signal(.blood) > 0.01)
        #expect(signal(.fat) > 0.01)
        #expect(abs(signal(.myocardium)) < 1e-6)
        #expect(signal(.mvo) < 0)  // dark (negative in PSIR) inside bright scar
    }
}

/// The myocardial null TI at 12 minutes for these parameters.
private func readout0(_ p: ReadoutParameters, _ k: ContrastKinetics) -> Double {
    SegmentedIRReadout(parameters: p).optimalInversionTime(kinetics: k, minutesSinceInjection: 12)
}
