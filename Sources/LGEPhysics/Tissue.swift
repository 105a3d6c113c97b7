/// Tissue classes that appear in a short-axis or long-axis LGE image of the chest.
///
/// Each class carries the properties that do not depend on contrast: relative proton density
/// and native (pre-contrast) T1. What gadolinium does to T1 lives in ``ContrastKinetics``.
public enum Tissue: String, Sendable, Hashable, Codable, CaseIterable {
    /// Normal (remote) left-ventricular myocardium.
    case myocardium
    /// Infarct core or replacement fibrosis: expanded extracellular space, the brightest tissue in LGE.
    case scar
    /// Peri-infarct grey zone: a mixture of viable myocytes and fibrosis, T1 between scar and myocardium.
    case borderZone
    /// Microvascular obstruction: the no-reflow core of an acute infarct, which contrast cannot reach
    /// and which therefore stays dark inside bright scar.
    case mvo
    /// Left- and right-ventricular blood pool.
    case blood
    /// Epicardial, pericardial and subcutaneous fat.
    case fat
    /// Liver parenchyma (in basal short-axis slices).
    case liver
    /// Chest-wall skeletal muscle.
    case skeletalMuscle
    /// Lung parenchyma: mostly air, little signal.
    case lung
    /// Air outside the body: no protons, no signal.
    case air

    /// Proton density relative to pure water (0 … 1).
    ///
    /// Air has none; lung is about 15 % tissue by volume; the soft tissues sit between 0.7 and 1.0.
    public var protonDensity: Double {
        switch self {
        case .myocardium: 0.80
        case .scar: 0.80
        case .borderZone: 0.80
        case .mvo: 0.85  // oedematous acute-infarct core
        case .blood: 0.95
        case .fat: 0.90
        case .liver: 0.75
        case .skeletalMuscle: 0.75
        case .lung: 0.15
        case .air: 0.0
        }
    }

    /// Native (pre-contrast) longitudinal relaxation time T1 in milliseconds.
    ///
    /// Literature values for inversion-recovery / MOLLI-type mapping: myocardium 1000 / 1200 ms,
    /// blood 1550 / 1900 ms, fat 290 / 370 ms, liver 580 / 810 ms, skeletal muscle 1000 / 1400 ms,
    /// lung 1200 / 1300 ms at 1.5 / 3 T. Scar, border zone and MVO are raised by oedema and fibrosis.
    /// Air has no protons; its value is nominal and only keeps the arithmetic finite.
    public func nativeT1(at field: FieldStrength) -> Double {
        switch (self, field) {
        case (.myocardium, .t1_5): 1000
        case (.myocardium, .t3): 1200
        case (.scar, .t1_5): 1100
        case (.scar, .t3): 1400
        case (.borderZone, .t1_5): 1050
        case (.borderZone, .t3): 1300
        case (.mvo, .t1_5): 1200
        case (.mvo, .t3): 1500
        case (.blood, .t1_5): 1550
        case (.blood, .t3): 1900
        // 290 ms sits inside the literature range 260–340 ms and within 4 % of BRIEF §4's 300 ms;
        // fat takes up no gadolinium, so this is also its post-contrast T1.
        case (.fat, .t1_5): 290
        case (.fat, .t3): 370
        case (.liver, .t1_5): 580
        case (.liver, .t3): 810
        case (.skeletalMuscle, .t1_5): 1000
        case (.skeletalMuscle, .t3): 1400
        case (.lung, .t1_5): 1200
        case (.lung, .t3): 1300
        case (.air, _): 3000
        }
    }
}
