/// A pattern of late gadolinium enhancement in the LV myocardium.
///
/// Transmural positions are fractions of the local wall thickness measured from the endocardium
/// (0) to the epicardium (1). Scar, border zone and MVO replace myocardium only inside the LV wall.
public enum ScarPattern: Codable, Sendable, Hashable {
    /// A myocardial infarct: subendocardial, extending a fraction `transmurality` of the wall
    /// toward the epicardium (1 = transmural), over `segments` (default: the territory's standard
    /// AHA segments). A border (grey) zone `borderZone` mm wide surrounds it in the myocardium.
    /// With `mvo`, an acute infarct that reaches at least half the wall gets a microvascular
    /// obstruction: a dark core in the endocardial half of the infarct, at its centre.
    case ischemic(
        territory: CoronaryTerritory, transmurality: Double, segments: Set<Int>? = nil, borderZone: Double = 2,
        mvo: Bool = false)

    /// A non-ischemic mid-wall stripe in the septum, as in dilated cardiomyopathy: enhancement in
    /// the `band` of the wall (default the middle third), sparing the endo- and epicardial layers,
    /// over `segments` (default the basal and mid septum, 2, 3, 8, 9).
    case midWallSeptal(segments: Set<Int> = [2, 3, 8, 9], band: ClosedRange<Double> = (1.0 / 3)...(2.0 / 3))

    /// Subepicardial patches in the lateral wall, as in myocarditis: enhancement reaching inward
    /// from the epicardium by up to `depth` of the wall (default the outer third), over `segments`
    /// (default 5, 6, 11, 12). With `patchy`, the depth undulates around the wall and along the
    /// long axis, so the enhancement breaks into separate patches.
    case epicardialLateral(segments: Set<Int> = [5, 6, 11, 12], depth: Double = 1.0 / 3, patchy: Bool = true)

    /// Enhancement at the RV insertion points (pressure/volume overload, HCM): a mid-wall to
    /// epicardial strip `width` mm wide centred on the insertion angle, through the basal and mid
    /// levels. `.superior` is the anterior insertion.
    case rvInsertion(site: RVInsertionSite = .both, width: Double = 12)

    /// A small spot of enhancement (the equivocal, hard case): a sphere `diameter` mm across at
    /// the centre of `segment`, touching the endocardium (`.subendocardial`) or centred in the
    /// wall (`.midwall`), clipped to the myocardium.
    case focal(segment: Int, diameter: Double, depth: FocalDepth)

    /// No enhancement.
    case noScar
}

/// Which RV insertion point enhances.
public enum RVInsertionSite: String, Codable, Sendable, CaseIterable {
    /// The anterior (superior) insertion.
    case superior
    /// The inferior insertion.
    case inferior
    /// Both insertion points.
    case both
}

/// How deep in the wall a focal scar sits.
public enum FocalDepth: String, Codable, Sendable, CaseIterable {
    /// Touching the endocardium, next to the blood pool.
    case subendocardial
    /// Centred between the endo- and epicardium.
    case midwall
}
