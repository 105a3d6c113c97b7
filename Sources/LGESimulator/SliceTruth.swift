import Foundation
import LGEDICOM
import LGEPhantom
import LGEPhysics

/// What is really there on one acquisition, known only because it is simulated.
public struct SliceTruth: Sendable, Hashable, Codable {
    /// Scar (infarct, fibrosis or MVO) intersects the slice.
    public var lgePresent: Bool
    /// AHA segments with scar in this slice.
    public var segments: [Int]
    public var scarAreaMM2: Double
    public var scarCentroid: PatientVector?
    /// Artifact causes present in the acquisition (the image-specific TI/nulling cause is in
    /// each image's ``ImageEvidence``).
    public var causes: [ArtifactCause]
    /// TI used and the myocardial null at that moment, ms.
    public var inversionTime: Double
    public var optimalInversionTime: Double
    /// Ghosts or blur reach the myocardium in at least one reconstruction.
    public var ghostOverlapsMyocardium: Bool

    enum CodingKeys: String, CodingKey {
        case lgePresent = "lge_present", segments, scarAreaMM2 = "scar_area_mm2", scarCentroid = "scar_centroid"
        case causes, inversionTime = "inversion_time", optimalInversionTime = "optimal_inversion_time"
        case ghostOverlapsMyocardium = "ghost_overlaps_myocardium"
    }
}

/// Pure-tissue masks on the reconstructed grid (pixels ≥ 90% one tissue).
struct TissueMasks {
    var myocardium: [Int] = []
    var scar: [Int] = []
    var blood: [Int] = []
    var air: [Int] = []

    init(fractions: TissueFractions, crop: FoldGeometry) {
        let full = crop.original
        let rows = crop.geometry.rows, columns = crop.geometry.columns
        let myo = fractions[.myocardium], scarMap = fractions[.scar], mvo = fractions[.mvo]
        let bloodMap = fractions[.blood], airMap = fractions[.air]
        for r in 0..<rows {
            for c in 0..<columns {
                let (fr, fc) = crop.peAlongColumns ? (r + crop.offset, c) : (r, c + crop.offset)
                let source = fr * full.columns + fc
                let target = r * columns + c
                if myo[source] >= 0.9 { myocardium.append(target) }
                if scarMap[source] + mvo[source] >= 0.9 && scarMap[source] > 0.5 { scar.append(target) }
                if bloodMap[source] >= 0.9 { blood.append(target) }
                if airMap[source] >= 0.99 { air.append(target) }
            }
        }
    }
}

extension TissueMasks {
    /// Scar plus microvascular obstruction fraction of every image pixel (clipped to 1), on the grid
    /// the phase-encode crop leaves.
    static func lesionFractions(_ fractions: TissueFractions, crop: FoldGeometry) -> [Float] {
        let scar = fractions[.scar], mvo = fractions[.mvo]
        return cropped(zip(scar, mvo).map { min(1, $0 + $1) }, crop: crop)
    }

    /// A row-major map on the sampled plane, cut to the grid the phase-encode crop leaves.
    static func cropped(_ map: [Float], crop: FoldGeometry) -> [Float] {
        let full = crop.original
        let rows = crop.geometry.rows, columns = crop.geometry.columns
        var out = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let (fr, fc) = crop.peAlongColumns ? (r + crop.offset, c) : (r, c + crop.offset)
                out[r * columns + c] = map[fr * full.columns + fc]
            }
        }
        return out
    }
}

/// What a reader can see in one image: contrasts in noise units and the confounders.
public struct ImageEvidence: Sendable, Hashable, Codable {
    public var reconstruction: ReconstructionKind
    /// (scar − normal myocardium) / σ; nil without scar in the slice.
    public var scarToMyocardiumCNR: Double?
    /// (scar − blood) / σ: small for subendocardial scar next to bright blood.
    public var scarToBloodCNR: Double?
    /// |normal myocardium| / blood: 0 when nulled, high when TI is off or the myocardium will not null.
    public var myocardialNulling: Double
    /// Mean artifact (ghost/blur) amplitude over the myocardium, in noise units.
    public var ghostOverMyocardium: Double
    public var ghostOverlapsMyocardium: Bool
    /// Scar area on the slice, mm².
    public var scarArea: Double
    /// Causes of doubt present in this image.
    public var causes: [ArtifactCause]
    /// How conspicuous genuine enhancement is once confounders are counted (noise units).
    public var conspicuity: Double
    /// How strongly confounders mimic enhancement (0 none, ~1 a convincing mimic).
    public var mimicry: Double
    /// A reader would see the genuine enhancement.
    public var evidenceVisible: Bool

    enum CodingKeys: String, CodingKey {
        case reconstruction, scarToMyocardiumCNR = "scar_to_myocardium_cnr", scarToBloodCNR = "scar_to_blood_cnr"
        case myocardialNulling = "myocardial_nulling", ghostOverMyocardium = "ghost_over_myocardium"
        case ghostOverlapsMyocardium = "ghost_overlaps_myocardium", scarArea = "scar_area_mm2", causes
        case conspicuity, mimicry, evidenceVisible = "evidence_visible"
    }

    /// Conspicuity above which readers see enhancement (noise units).
    static let visibilityThreshold = 4.0

    static func measure(
        pixels: [Float], masks: TissueMasks, sigma: Float, artifact: [Float]?, scar: ScarTruth, causes: Set<ArtifactCause>,
        reconstruction: ReconstructionKind
    ) -> ImageEvidence {
        func mean(_ indices: [Int], _ values: [Float]) -> Double? {
            indices.isEmpty ? nil : indices.reduce(0.0) { $0 + Double(values[$1]) } / Double(indices.count)
        }
        let noise = Double(max(sigma, 1e-6))
        let myocardium = mean(masks.myocardium, pixels) ?? 0
        let blood = mean(masks.blood, pixels) ?? 0
        let scarSignal = mean(masks.scar, pixels)
        let scarToMyo = scarSignal.map { ($0 - myocardium) / noise }
        let scarToBlood = scarSignal.map { ($0 - blood) / noise }
        let nulling = abs(myocardium) / max(abs(blood), noise)
        let ghost = artifact.flatMap { mean(masks.myocardium, $0) }.map { $0 / noise } ?? 0
        let overlaps = ghost > 1.5

        // Genuine enhancement must stand out from the myocardium and, where it touches the
        // cavity, from the blood; small areas and ghosts crossing the wall hide it.
        var conspicuity = 0.0
        if let scarToMyo, let scarToBlood, scar.isPresent {
            let againstBlood = 2 + 2.5 * abs(scarToBlood)
            let sizeFactor = min(1, (scar.areaMM2 / 80).squareRoot())
            conspicuity = max(0, min(scarToMyo, againstBlood) * sizeFactor - 0.6 * ghost)
            if nulling > 0.35 { conspicuity *= max(0.3, 1 - (nulling - 0.35)) }
        }
        // Confounders that look like enhancement: unnulled myocardium in magnitude (a bright
        // mid-wall band), ghosts across the wall, blur.
        var mimicry = 0.0
        if causes.contains(.tiNulling) { mimicry += min(1, max(0, nulling - 0.15) * 2) }
        if overlaps { mimicry += min(1, ghost / 6) }
        if causes.contains(.motion) { mimicry += 0.4 }
        mimicry = min(mimicry, 1.5)
        return ImageEvidence(
            reconstruction: reconstruction, scarToMyocardiumCNR: scarToMyo, scarToBloodCNR: scarToBlood,
            myocardialNulling: nulling, ghostOverMyocardium: ghost, ghostOverlapsMyocardium: overlaps,
            scarArea: scar.areaMM2, causes: causes.sorted(), conspicuity: conspicuity, mimicry: mimicry,
            evidenceVisible: conspicuity >= visibilityThreshold)
    }
}
