import LGEDICOM

/// One training or evaluation image with whatever labels exist for it. A label that is
/// unknown is nil, and losses and metrics skip it rather than guessing.
public struct LabeledSlice: Sendable {
    /// Stable identifier (file name or SOP Instance UID).
    public var id: String
    /// The patient (or simulated exam) it belongs to: splits never separate a patient's slices.
    public var patient: String
    public var pixels: PixelImage
    /// Physical pixel size when known.
    public var pixelSpacing: PixelSpacing?
    /// Signed (PSIR-like) intensities, as opposed to magnitude.
    public var isSigned: Bool
    /// Genuine LGE present in the slice.
    public var lge: Bool?
    /// The readers were unsure (the paper's target).
    public var lowCertainty: Bool?
    /// Causes of doubt by name (`ti_nulling`, `ghosting`, `motion`, `focal_equivocal`), when labelled.
    public var causes: [String: Bool]?
    /// Where it came from, for reports.
    public var source: String
    /// Where the enhancement is, on the grid of `pixels` (1 inside infarct or microvascular obstruction,
    /// 0 elsewhere), when a segmentation exists; trains the classifier's auxiliary lesion map.
    public var lesionMask: PixelImage?
    /// Where the myocardium is, on the grid of `pixels` (1 in the wall, enhancing or not), when a
    /// segmentation exists; trains the classifier's auxiliary myocardium map.
    public var myocardiumMask: PixelImage?
    /// The readers' mean LGE-likelihood score (VAS, 0–100) when the image was scored: the continuous
    /// judgement that `lowCertainty` thresholds.
    public var readerScore: Double?
    /// |myocardium| / blood on the image, from the simulator's truth (nil where unknown).
    public var myocardialNulling: Double?
    /// What the simulator's virtual readers judged the image by (nil where unknown).
    public var readerEvidence: ReaderEvidence?
    /// The acquisition's in-plane phase-encode direction, when the header says.
    public var phaseEncodeDirection: PhaseEncodeDirection?

    public init(
        id: String, patient: String, pixels: PixelImage, pixelSpacing: PixelSpacing?, isSigned: Bool, lge: Bool?,
        lowCertainty: Bool?, causes: [String: Bool]?, source: String, lesionMask: PixelImage? = nil, readerScore: Double? = nil,
        myocardialNulling: Double? = nil, readerEvidence: ReaderEvidence? = nil, phaseEncodeDirection: PhaseEncodeDirection? = nil,
        myocardiumMask: PixelImage? = nil
    ) {
        precondition(lesionMask.map { $0.rows == pixels.rows && $0.columns == pixels.columns } ?? true,
                     "a lesion mask must be on the image's grid")
        precondition(myocardiumMask.map { $0.rows == pixels.rows && $0.columns == pixels.columns } ?? true,
                     "a myocardium mask must be on the image's grid")
        self.id = id
        self.patient = patient
        self.pixels = pixels
        self.pixelSpacing = pixelSpacing
        self.isSigned = isSigned
        self.lge = lge
        self.lowCertainty = lowCertainty
        self.causes = causes
        self.source = source
        self.lesionMask = lesionMask
        self.readerScore = readerScore
        self.myocardialNulling = myocardialNulling
        self.readerEvidence = readerEvidence
        self.phaseEncodeDirection = phaseEncodeDirection
        self.myocardiumMask = myocardiumMask
    }

    /// The cause names the classifier's heads use.
    public static let causeNames = ["ti_nulling", "ghosting", "motion", "focal_equivocal"]
}

/// The simulator's truth about an image that its virtual readers scored it by: how conspicuous
/// genuine enhancement is, how much confounders mimic it, and how large the scar is. Known only for
/// SYNTHETIC images; nothing here is measured on the pixels.
public struct ReaderEvidence: Sendable, Hashable {
    /// Contrast of genuine enhancement against myocardium and blood, noise units (0 without scar).
    public var conspicuity: Double
    /// How strongly confounders (unnulled myocardium, ghosts across the wall, blur) mimic enhancement, 0–1.5.
    public var mimicry: Double
    /// Scar area in the slice, mm².
    public var scarArea: Double

    public init(conspicuity: Double, mimicry: Double, scarArea: Double) {
        self.conspicuity = conspicuity
        self.mimicry = mimicry
        self.scarArea = scarArea
    }
}
