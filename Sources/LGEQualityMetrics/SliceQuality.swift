import LGEDICOM

/// Classical, model-free quality figures of one MR slice (MRQy / MRIQC style), each one a
/// number an MR physicist can check by hand on the image.
///
/// "Foreground" is the body as ``SliceQualityMetrics`` segments it (lungs and other dark
/// tissue inside the chest included); "background" is the air outside it, a few millimetres
/// away from the skin. For signed (PSIR) images the signal levels are taken on |value|
/// and the noise on the signed values.
///
/// Encoded with snake_case keys (`snr`, `ghost_to_signal_along_phase_encode`, …); the
/// optional figures are left out of the JSON when they could not be measured.
public struct SliceQuality: Sendable, Hashable, Codable {
    /// Signal-to-noise ratio: mean foreground signal over the noise standard deviation σ
    /// (``backgroundNoise``).
    ///
    /// Because the foreground includes dark lung and nulled myocardium, this is lower than the
    /// blood-pool or infarct SNR quoted in papers: expect roughly 5–20 for clinical 1.5 T LGE,
    /// more at 3 T; below ~4 the image is noise-dominated.
    public var snr: Double

    /// Contrast-to-noise ratio between the brightest tissue class and the typical one: the
    /// 95th minus the 50th percentile of the foreground, over σ.
    ///
    /// In LGE the 95th percentile is bright blood, fat or enhancement and the median is
    /// (nulled) myocardium, muscle and lung, so this tracks how well the inversion time nulled
    /// the myocardium as well as the noise. On simulated 1.5 T LGE at a blood SNR of 40 it is
    /// about 10–14 for magnitude and 30–40 for PSIR (whose median sits at zero); under ~3
    /// means little usable contrast (poor nulling, heavy noise).
    public var cnr: Double

    /// Entropy focus criterion (Atkinson 1997), normalised to 0…1 by the entropy of an image
    /// with the same energy spread uniformly over all pixels.
    ///
    /// Low values mean the energy is concentrated in few, sharp structures; blur and ghosting
    /// spread it and raise EFC. Values depend on the anatomy and field of view, so compare
    /// slices of one protocol: typical cardiac slices sit around 0.5–0.8, and a rise of a few
    /// hundredths between comparable slices is a real loss of focus.
    public var efc: Double

    /// Foreground-to-background energy ratio: mean squared foreground value over mean squared
    /// background value (MRQy).
    ///
    /// With a pure-noise background it is about SNR²/2 for magnitude images (Rayleigh
    /// background energy is 2σ²) and about SNR² for PSIR, so it runs from tens to thousands;
    /// ghosts and aliasing in the air lower it.
    public var fber: Double

    /// Excess signal over the noise floor in the air beside the body along the phase-encode
    /// axis, as a fraction of the mean foreground signal; nil when the phase-encode direction
    /// is unknown or there is no air on that axis.
    ///
    /// Motion and arrhythmia replicate the object along phase encode only, so this is the
    /// ghost-to-signal ratio that matters: about 0 (± noise, may be slightly negative) for a
    /// clean single-shot image. A segmented readout always leaves some phase-encode artefact
    /// (shot-to-shot signal modulation, wrap of anatomy cut at the FOV edge): 0.01–0.08 on the
    /// simulator's still slices, 0.10–0.15 with 12 mm of breathing. Compare slices of one
    /// protocol, or use ``ghostRatio``.
    public var ghostToSignalAlongPhaseEncode: Double?

    /// The same measurement in the air beside the body along the readout (frequency-encode)
    /// axis, where motion cannot put ghosts: the reference against which to judge
    /// ``ghostToSignalAlongPhaseEncode`` (wrap-around or a bright coil element raise both).
    public var ghostToSignalAlongReadout: Double?

    /// Mean air signal beside the body along phase encode over that along readout, noise floor
    /// included: ≈1 when there is no directional ghosting, clearly above 1 (1.3–3 and more)
    /// when ghosts run along phase encode — the motion signature, which a swap of the
    /// phase-encode direction would turn by 90°. Including the noise floor keeps the ratio
    /// finite and near 1 for clean images, where both excesses are ≈0.
    public var ghostRatio: Double?

    /// ``ghostToSignalAlongPhaseEncode``'s measurement in the air left and right of the body
    /// (displaced along a row), whatever the phase-encode direction; nil when the body spans
    /// the full width.
    public var ghostToSignalAlongRows: Double?

    /// The same in the air above and below the body (displaced along a column).
    public var ghostToSignalAlongColumns: Double?

    /// Noise standard deviation σ per real channel, in image units, from the air beside the
    /// body along readout when the phase-encode direction is known and that air has at least
    /// 64 pixels (phase-encode artefacts cannot reach it), else from all the air; the
    /// outermost two pixels of the image are left out. Magnitude images: the Rician
    /// (Rayleigh) correction, taken on the median — σ = median/1.1774, which for pure noise
    /// equals std/0.655 — because the median ignores ghosts, ringing and wrap in the air that
    /// inflate the std. Signed (PSIR) images: Gaussian noise, σ = 1.4826 × MAD, the robust
    /// form of the plain std. Single-coil noise model: for sum-of-squares multi-coil
    /// magnitude images σ comes out somewhat high.
    public var backgroundNoise: Double

    /// Mean foreground signal (|value| for signed images), image units: the numerator of SNR.
    public var foregroundMean: Double

    /// Fraction of the image inside the body, 0…1: typically 0.3–0.7 for a cardiac slice;
    /// near 1 means too little air to trust the background figures.
    public var foregroundFraction: Double

    public init(
        snr: Double, cnr: Double, efc: Double, fber: Double, ghostToSignalAlongPhaseEncode: Double?,
        ghostToSignalAlongReadout: Double?, ghostRatio: Double?, ghostToSignalAlongRows: Double?,
        ghostToSignalAlongColumns: Double?, backgroundNoise: Double, foregroundMean: Double,
        foregroundFraction: Double
    ) {
        self.snr = snr
        self.cnr = cnr
        self.efc = efc
        self.fber = fber
        self.ghostToSignalAlongPhaseEncode = ghostToSignalAlongPhaseEncode
        self.ghostToSignalAlongReadout = ghostToSignalAlongReadout
        self.ghostRatio = ghostRatio
        self.ghostToSignalAlongRows = ghostToSignalAlongRows
        self.ghostToSignalAlongColumns = ghostToSignalAlongColumns
        self.backgroundNoise = backgroundNoise
        self.foregroundMean = foregroundMean
        self.foregroundFraction = foregroundFraction
    }

    enum CodingKeys: String, CodingKey {
        case snr, cnr, efc, fber
        case ghostToSignalAlongPhaseEncode = "ghost_to_signal_along_phase_encode"
        case ghostToSignalAlongReadout = "ghost_to_signal_along_readout"
        case ghostRatio = "ghost_ratio"
        case ghostToSignalAlongRows = "ghost_to_signal_along_rows"
        case ghostToSignalAlongColumns = "ghost_to_signal_along_columns"
        case backgroundNoise = "background_noise"
        case foregroundMean = "foreground_mean"
        case foregroundFraction = "foreground_fraction"
    }
}
