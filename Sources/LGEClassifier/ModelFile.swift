import Foundation
import LGENeural
import LGEPreprocessing

/// Where a model's training data came from, and under which licence.
public struct DatasetProvenance: Sendable, Hashable, Codable {
    public var name: String
    public var licence: String
    public var slices: Int
    public var patients: Int
    /// Simulated data (no patient behind it).
    public var synthetic: Bool

    public init(name: String, licence: String, slices: Int, patients: Int, synthetic: Bool) {
        self.name = name
        self.licence = licence
        self.slices = slices
        self.patients = patients
        self.synthetic = synthetic
    }
}

/// Everything a model says about itself: the header of a model file.
public struct ModelCard: Sendable, Hashable, Codable {
    public var formatVersion: Int
    /// The model's own version, e.g. "2026.11-1".
    public var modelVersion: String
    public var created: String
    public var network: NetworkConfiguration
    public var preprocessing: SlicePreprocessor
    /// Output order; must match the network's outputs.
    public var heads: [ClassifierHead]
    /// Temperature per head (logit / T before the sigmoid), fitted on validation data.
    public var temperatures: [Double]
    /// Offset per head added after the temperature (sigmoid(logit / T + offset)), fitted with the
    /// temperature by `lgeqa model calibrate` on data at a centre's prevalence; nil (older files, or a
    /// model calibrated by temperature only) means 0 for every head.
    public var calibrationOffsets: [Double]?
    /// p_low_certainty at or above which a slice is called low certainty.
    public var lowCertaintyThreshold: Double
    public var trainingData: [DatasetProvenance]
    /// The licence the weights carry (CC BY-NC-SA 4.0 whenever EMIDEC is among the training data).
    public var licence: String
    public var recipe: String
    /// Figures from `lgeqa model evaluate`, by name.
    public var evaluation: [String: Double]
    public var intendedUse: String

    public init(
        modelVersion: String, created: String, network: NetworkConfiguration, preprocessing: SlicePreprocessor,
        heads: [ClassifierHead] = ClassifierHead.allCases, temperatures: [Double]? = nil, lowCertaintyThreshold: Double = 0.5,
        trainingData: [DatasetProvenance], recipe: String, evaluation: [String: Double] = [:]
    ) {
        formatVersion = ModelFile.formatVersion
        self.modelVersion = modelVersion
        self.created = created
        self.network = network
        self.preprocessing = preprocessing
        self.heads = heads
        self.temperatures = temperatures ?? Array(repeating: 1, count: heads.count)
        self.lowCertaintyThreshold = lowCertaintyThreshold
        self.trainingData = trainingData
        licence = trainingData.contains { $0.licence.contains("NC-SA") }
            ? "CC BY-NC-SA 4.0 (trained on EMIDEC data; non-commercial use, share alike, credit EMIDEC)"
            : "same as lgeqa"
        self.recipe = recipe
        self.evaluation = evaluation
        intendedUse = "Research and training in LGE image quality. Not a diagnostic device."
    }
}

extension ModelCard {
    /// Each head's calibration, in head order.
    public var calibrations: [LogisticCalibration] {
        temperatures.indices.map { h in
            LogisticCalibration(temperature: temperatures[h], offset: calibrationOffsets?[h] ?? 0)
        }
    }

    /// This model's training data as a model fine-tuned from it lists them: each entry marked
    /// as an earlier stage. A fine-tuned network still carries what its starting point
    /// learned, so its card lists these before its own data, and inherits their licences.
    public var trainingDataAsEarlierStage: [DatasetProvenance] {
        trainingData.map { data in
            var earlier = data
            earlier.name += " (earlier stage: model \(modelVersion) of \(created))"
            return earlier
        }
    }
}

/// Why a model file cannot be used.
public enum ModelFileError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notAModelFile(path: String)
    case unsupportedVersion(path: String, found: Int, supported: Int)
    case corruptHeader(path: String, reason: String)
    case corruptWeights(path: String, reason: String)
    case mismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the model file: \(reason)"
        case .notAModelFile(let path): "\(path): not an lgeqa model file (it does not start with 'LGEQAMODEL')"
        case .unsupportedVersion(let path, let found, let supported):
            "\(path): model file format \(found) is not supported by this lgeqa (it reads format \(supported)); use a matching lgeqa or retrain with `make model`"
        case .corruptHeader(let path, let reason): "\(path): the model file's header is damaged: \(reason)"
        case .corruptWeights(let path, let reason): "\(path): the model file's weights are damaged: \(reason)"
        case .mismatch(let path, let reason): "\(path): header and weights do not match: \(reason)"
        }
    }
}

/// One self-describing file: `LGEQAMODEL`, format version, header length, the ``ModelCard``
/// as JSON, then the network weights (their own checksummed blob).
public enum ModelFile {
    public static let formatVersion = 1
    static let magic = Array("LGEQAMODEL".utf8)

    public static func encode(card: ModelCard, network: Network) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let header = try encoder.encode(card)
        var data = Data(magic)
        append(UInt32(formatVersion), to: &data)
        append(UInt32(header.count), to: &data)
        data += header
        data += network.serialized()
        return data
    }

    public static func write(card: ModelCard, network: Network, to path: String) throws {
        try encode(card: card, network: network).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads and checks a model file: format, header, weights, and that they agree.
    public static func read(_ path: String) throws(ModelFileError) -> (card: ModelCard, network: Network) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String) throws(ModelFileError) -> (card: ModelCard, network: Network) {
        let bytes = [UInt8](data)
        guard bytes.count >= magic.count + 8, Array(bytes[0..<magic.count]) == magic else { throw .notAModelFile(path: path) }
        let version = Int(readUInt32(bytes, at: magic.count))
        guard version == formatVersion else { throw .unsupportedVersion(path: path, found: version, supported: formatVersion) }
        let headerLength = Int(readUInt32(bytes, at: magic.count + 4))
        let headerStart = magic.count + 8
        guard headerLength > 0, headerStart + headerLength <= bytes.count else {
            throw .corruptHeader(path: path, reason: "it claims \(headerLength) bytes but the file ends first")
        }
        let card: ModelCard
        do {
            card = try JSONDecoder().decode(ModelCard.self, from: Data(bytes[headerStart..<(headerStart + headerLength)]))
        } catch {
            throw .corruptHeader(path: path, reason: String(describing: error))
        }
        let network: Network
        do {
            network = try Network(serialized: Data(bytes[(headerStart + headerLength)...]))
        } catch {
            throw .corruptWeights(path: path, reason: error.description)
        }
        guard network.configuration == card.network else {
            throw .mismatch(path: path, reason: "the weights were saved for another architecture than the header describes")
        }
        guard card.heads.count == card.network.outputs, card.temperatures.count == card.heads.count else {
            throw .mismatch(path: path, reason: "\(card.heads.count) heads and \(card.temperatures.count) temperatures for \(card.network.outputs) outputs")
        }
        if let offsets = card.calibrationOffsets, offsets.count != card.heads.count {
            throw .mismatch(path: path, reason: "\(offsets.count) calibration offsets for \(card.heads.count) heads")
        }
        return (card, network)
    }

    private static func append(_ value: UInt32, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data += $0 }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}
