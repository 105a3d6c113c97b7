import Testing
@testable import LGEPhysics

/// BRIEF §4 table: default T1 (ms) 12 minutes after 0.15 mmol/kg.
private let briefTable: [FieldStrength: [Tissue: Double]] = [
    .t1_5: [.myocardium: 450, .scar: 260, .blood: 350, .fat: 300],
    .t3: [.myocardium: 520, .scar: 300, .blood: 390, .fat: 360],
]

@Suite("Contrast kinetics")
struct ContrastKineticsTests {
    @Test("T1 at 12 minutes matches BRIEF §4 within 10 %", arguments: FieldStrength.allCases)
    func calibration(field: FieldStrength) {
        let kinetics = ContrastKinetics(fieldStrength: field)
        for (tissue, expected) in briefTable[field]! {
            let t1 = kinetics.t1(tissue, minutesSinceInjection: 12)
            #expect(abs(t1 - expected) / expected < 0.10, "\(tissue) at \(field): \(t1) ms vs \(expected) ms")
        }
    }

    @Test("scar < blood < myocardium from 5 to 30 minutes", arguments: FieldStrength.allCases)
    func ordering(field: FieldStrength) {
        let kinetics = ContrastKinetics(fieldStrength: field)
        for step in 0...50 {
            let minutes = 5 + 0.5 * Double(step)
            let scar = kinetics.t1(.scar, minutesSinceInjection: minutes)
            let blood = kinetics.t1(.blood, minutesSinceInjection: minutes)
            let myocardium = kinetics.t1(.myocardium, minutesSinceInjection: minutes)
            #expect(scar < blood && blood < myocardium, "at \(minutes) min: \(scar), \(blood), \(myocardium)")
        }
    }

    @Test("border zone lies between scar and myocardium; MVO stays near native T1")
    func borderZoneAndMVO() {
        for field in FieldStrength.allCases {
            let k = ContrastKinetics(fieldStrength: field)
            for minutes in [5.0, 12, 20, 30] {
                let bz = k.t1(.borderZone, minutesSinceInjection: minutes)
                #expect(k.t1(.scar, minutesSinceInjection: minutes) < bz)
                #expect(bz < k.t1(.myocardium, minutesSinceInjection: minutes))
                #expect(k.t1(.mvo, minutesSinceInjection: minutes) == Tissue.mvo.nativeT1(at: field))
                // A dark MVO core needs a T1 far longer than the scar around it.
                #expect(k.t1(.mvo, minutesSinceInjection: minutes) > 3 * k.t1(.scar, minutesSinceInjection: minutes))
            }
        }
    }

    @Test("fat keeps its native T1; before injection every tissue is native")
    func fatAndPreContrast() {
        for field in FieldStrength.allCases {
            let k = ContrastKinetics(fieldStrength: field)
            for minutes in [1.0, 10, 30] {
                #expect(k.t1(.fat, minutesSinceInjection: minutes) == Tissue.fat.nativeT1(at: field))
            }
            for tissue in Tissue.allCases {
                #expect(k.t1(tissue, minutesSinceInjection: -1) == tissue.nativeT1(at: field))
            }
        }
    }

    @Test("blood concentration decays and scales with dose")
    func bloodCurve() {
        let standard = ContrastKinetics(fieldStrength: .t1_5)
        let double = ContrastKinetics(fieldStrength: .t1_5, dose: 0.3)
        var previous = Double.infinity
        for minutes in stride(from: 0.0, through: 40, by: 1) {
            let c = standard.bloodConcentration(minutesSinceInjection: minutes)
            #expect(c < previous && c > 0)
            previous = c
            #expect(abs(double.bloodConcentration(minutesSinceInjection: minutes) - 2 * c) < 1e-12)
        }
        // Myocardial T1 lengthens as contrast washes out.
        #expect(standard.t1(.myocardium, minutesSinceInjection: 25) > standard.t1(.myocardium, minutesSinceInjection: 10))
    }

    @Test("tissue constants are in physical ranges")
    func tissueConstants() {
        #expect(Tissue.air.protonDensity == 0)
        #expect((0.1...0.2).contains(Tissue.lung.protonDensity))
        for tissue in Tissue.allCases where tissue != .air && tissue != .lung {
            #expect((0.7...1.0).contains(tissue.protonDensity), "\(tissue)")
        }
        for tissue in Tissue.allCases where tissue != .fat && tissue != .air {
            // Longer T1 at higher field, for every tissue with a literature value.
            #expect(tissue.nativeT1(at: .t3) > tissue.nativeT1(at: .t1_5), "\(tissue)")
        }
        #expect(FieldStrength.t1_5.tesla == 1.5 && FieldStrength.t3.tesla == 3)
    }

    @Test("amyloid myocardium takes up contrast like blood")
    func amyloidT1() {
        let k = ContrastKinetics(fieldStrength: .t1_5, amyloid: true)
        let myocardium = k.t1(.myocardium, minutesSinceInjection: 12)
        let blood = k.t1(.blood, minutesSinceInjection: 12)
        #expect(abs(myocardium - blood) / blood < 0.15)
        // Other tissues are unaffected.
        #expect(k.t1(.scar, minutesSinceInjection: 12) == ContrastKinetics(fieldStrength: .t1_5).t1(.scar, minutesSinceInjection: 12))
    }
}
