import Foundation
import LGEDICOM
import LGENeural
import LGEPreprocessing

/// The classifier's verdict on one slice.
public struct SliceAssessment: Sendable, Hashable, Codable {
    /// Probability that genuine LGE is present.
    public var pLGE: Double
    /// Probability that a reader would be unsure about LGE on this slice.
    public var pLowCertainty: Double
    public var certainty: Certainty
    /// Probability of each cause of doubt, by name.
    public var causes: [String: Double]
    /// Time from pixels to probabilities, ms.
    public var milliseconds: Double

    enum CodingKeys: String, CodingKey {
        case pLGE = "p_lge", pLowCertainty = "p_low_certainty", certainty, causes, milliseconds = "ms"
    }
}

/// High or low reader certainty, the paper's two classes.
public enum Certainty: String, Sendable, Hashable, Codable {
    case high
    case low
}

/// Why a slice got no assessment: never a made-up probability.
public enum AssessmentError: Error, Sendable, Hashable, CustomStringConvertible {
    case unusableImage(String)

    public var description: String {
        switch self {
        case .unusableImage(let why): "no assessment: \(why)"
        }
    }
}

/// Runs a trained model on slices: preprocessing, the network, calibrated probabilities.
public struct SliceClassifier: Sendable {
    public let card: ModelCard
    let network: Network

    /// A classifier from a model; batch norm is folded once here.
    public init(card: ModelCard, network: Network) {
        self.card = card
        self.network = network.isFolded ? network : network.foldedForInference()
    }

    /// Loads a model file.
    public init(modelPath: String) throws(ModelFileError) {
        let (card, network) = try ModelFile.read(modelPath)
        self.init(card: card, network: network)
    }

    /// Assesses one image. Signed (PSIR) and magnitude images are normalised differently.
    /// `phaseEncode` is the header's InPlanePhaseEncodingDirection (nil when unknown): a model trained
    /// with ``PhaseEncodeAlignment/alongRows`` turns column-encoded images.
    public func assess(
        _ image: PixelImage, pixelSpacing: PixelSpacing?, isSigned: Bool, phaseEncode: PhaseEncodeDirection?
    ) throws(AssessmentError) -> SliceAssessment {
        let start = DispatchTime.now().uptimeNanoseconds
        let probabilities = calibratedProbabilities(logits: try logits(image, pixelSpacing: pixelSpacing, isSigned: isSigned, phaseEncode: phaseEncode))
        guard probabilities.allSatisfy(\.isFinite) else { throw .unusableImage("the network produced a non-finite output") }
        var byHead: [ClassifierHead: Double] = [:]
        for (head, p) in zip(card.heads, probabilities) { byHead[head] = p }
        let low = byHead[.lowCertainty] ?? 0
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        return SliceAssessment(
            pLGE: byHead[.lge] ?? 0, pLowCertainty: low,
            certainty: low >= card.lowCertaintyThreshold ? .low : .high,
            causes: Dictionary(uniqueKeysWithValues: ClassifierHead.causes.compactMap { head in byHead[head].map { (head.rawValue, $0) } }),
            milliseconds: elapsed)
    }

    /// The network's raw output per head, before calibration (what `lgeqa model calibrate` fits to).
    public func logits(
        _ image: PixelImage, pixelSpacing: PixelSpacing?, isSigned: Bool, phaseEncode: PhaseEncodeDirection?
    ) throws(AssessmentError) -> [Float] {
        let prepared: PreprocessedSlice
        do {
            prepared = try card.preprocessing.prepare(image, pixelSpacing: pixelSpacing, isSigned: isSigned, phaseEncode: phaseEncode)
        } catch {
            throw .unusableImage(error.description)
        }
        let input = Tensor(shape: [1, 1, prepared.size, prepared.size], values: prepared.values)
        return network.infer(input).values
    }

    /// sigmoid(logit / T + offset) per head.
    func calibratedProbabilities(logits: [Float]) -> [Double] {
        zip(logits, card.calibrations).map { logit, calibration in calibration.probability(logit: Double(logit)) }
    }
}
