import Foundation
import LGEDICOM

/// Writes a simulated exam as DICOM plus its ground truth.
///
/// Layout: `dicom/S<series>_<description>/IM<instance>.dcm`, `truth.json` (everything known
/// about every acquisition and image) and `readers.csv` (the virtual panel's scores, in the
/// format lgeqa reads for real expert scores).
public struct ExamWriter: Sendable {
    public var panel: ReaderPanel
    public var band: CertaintyBand

    public init(panel: ReaderPanel = .standard, band: CertaintyBand = .standard) {
        self.panel = panel
        self.band = band
    }

    /// Scores and files for one written exam.
    public struct Written: Sendable {
        public var truth: ExamTruth
        public var files: [String]
    }

    /// Writes `simulator`'s acquisitions under `directory` (created if needed).
    @discardableResult
    public func write(_ simulator: ExamSimulator, to directory: URL) throws -> Written {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        let writer = DICOMWriter()
        let exam = simulator.exam
        let context = simulator.identity.context(for: exam)
        var files: [String] = []
        var acquisitions: [AcquisitionTruth] = []
        for acquisition in simulator.acquisitions {
            var images: [ImageTruth] = []
            for image in acquisition.images {
                let header = image.slice.header
                let folder = String(format: "S%04d_", header.seriesNumber ?? 0) + (header.seriesDescription ?? "series")
                let relative = "dicom/\(folder)/" + String(format: "IM%04d.dcm", header.instanceNumber ?? 1)
                let url = directory.appendingPathComponent(relative)
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try writer.write(image.slice, context: context, to: url.path)
                files.append(url.path)
                let scores = panel.scores(for: image.evidence, seed: exam.seed, key: header.sopInstanceUID)
                images.append(ImageTruth(
                    file: relative, sopInstanceUID: header.sopInstanceUID, seriesNumber: header.seriesNumber ?? 0,
                    instanceNumber: header.instanceNumber ?? 1, reconstruction: image.reconstruction,
                    evidence: image.evidence, readers: scores,
                    lowCertainty: band.isLowCertainty(scores.map(\.vas))))
            }
            let maskPath = String(format: "masks/A%03d.png", acquisition.index)
            let myocardiumPath = String(format: "masks/A%03d-myocardium.png", acquisition.index)
            try manager.createDirectory(at: directory.appendingPathComponent("masks"), withIntermediateDirectories: true)
            for (path, fractions) in [(maskPath, acquisition.lesionFractions), (myocardiumPath, acquisition.myocardiumFractions)] {
                try GrayscalePNG.write(
                    fractions.map { UInt8(($0 * 255).rounded()) }, rows: acquisition.geometry.rows,
                    columns: acquisition.geometry.columns, to: directory.appendingPathComponent(path).path)
            }
            acquisitions.append(AcquisitionTruth(
                index: acquisition.index, target: acquisition.target.description, action: acquisition.action?.name,
                actionDetail: acquisition.action?.description, followsUp: acquisition.followsUp,
                startMinute: acquisition.startMinute, durationSeconds: acquisition.duration,
                inversionTime: acquisition.inversionTime, phaseEncodeDirection: acquisition.phaseEncodeDirection.rawValue,
                truth: acquisition.truth, lesionMask: maskPath, myocardiumMask: myocardiumPath, images: images))
        }
        let truth = ExamTruth(
            caseName: exam.name, title: exam.title, seed: exam.seed, fieldStrengthTesla: exam.patient.fieldStrength.tesla,
            amyloid: exam.patient.amyloid, scars: exam.scars.map { String(describing: $0) },
            minutesAtEnd: simulator.clock, acquisitions: acquisitions,
            expertActions: exam.expertActions.map { "\($0.after): \($0.action) — \($0.why)" },
            teaching: exam.teaching)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(truth).write(to: directory.appendingPathComponent("truth.json"))
        try ReadersCSV.header.appending(truth.readerRows(session: nil)).write(
            to: directory.appendingPathComponent("readers.csv"), atomically: true, encoding: .utf8)
        return Written(truth: truth, files: files)
    }
}

/// Ground truth of one simulated exam: `truth.json`.
public struct ExamTruth: Sendable, Codable {
    /// Always true: this exam was simulated.
    public var synthetic = true
    public var note = "SYNTHETIC data from the lgeqa simulator: not patient data, not for diagnosis."
    public var caseName: String
    public var title: String
    public var seed: UInt64
    public var fieldStrengthTesla: Double
    public var amyloid: Bool
    public var scars: [String]
    public var minutesAtEnd: Double
    public var acquisitions: [AcquisitionTruth]
    public var expertActions: [String]
    public var teaching: TeachingNotes?

    init(
        caseName: String, title: String, seed: UInt64, fieldStrengthTesla: Double, amyloid: Bool, scars: [String],
        minutesAtEnd: Double, acquisitions: [AcquisitionTruth], expertActions: [String], teaching: TeachingNotes?
    ) {
        self.caseName = caseName
        self.title = title
        self.seed = seed
        self.fieldStrengthTesla = fieldStrengthTesla
        self.amyloid = amyloid
        self.scars = scars
        self.minutesAtEnd = minutesAtEnd
        self.acquisitions = acquisitions
        self.expertActions = expertActions
        self.teaching = teaching
    }

    /// readers.csv rows (no header) for every image.
    func readerRows(session: String?) -> String {
        var text = ""
        for acquisition in acquisitions {
            for image in acquisition.images {
                for score in image.readers {
                    text += "\(image.sopInstanceUID),\(score.reader),\(Int(score.vas))\n"
                }
            }
        }
        return text
    }
}

/// One acquisition in `truth.json`.
public struct AcquisitionTruth: Sendable, Codable {
    public var index: Int
    public var target: String
    public var action: String?
    public var actionDetail: String?
    public var followsUp: Int?
    public var startMinute: Double
    public var durationSeconds: Double
    public var inversionTime: Double
    public var phaseEncodeDirection: String
    public var truth: SliceTruth
    /// The PNG (relative to the exam folder) of where the LGE truly is: 255 × the fraction of each
    /// pixel that is scar or microvascular obstruction, on the images' grid. Absent in exams written
    /// before lgeqa 0.3.
    public var lesionMask: String?
    /// The PNG (relative to the exam folder) of where the left-ventricular wall is, scarred or not:
    /// 255 × the fraction of each pixel in it, on the images' grid. Absent in exams written before
    /// December 2026.
    public var myocardiumMask: String?
    public var images: [ImageTruth]
}

/// One image (one reconstruction) in `truth.json`.
public struct ImageTruth: Sendable, Codable {
    public var file: String
    public var sopInstanceUID: String
    public var seriesNumber: Int
    public var instanceNumber: Int
    public var reconstruction: ReconstructionKind
    public var evidence: ImageEvidence
    public var readers: [ReaderScore]
    public var lowCertainty: Bool

    enum CodingKeys: String, CodingKey {
        case file, sopInstanceUID = "sop_instance_uid", seriesNumber, instanceNumber, reconstruction, evidence, readers
        case lowCertainty
    }
}

/// The expert-score CSV lgeqa reads (one row per reader per image).
public enum ReadersCSV {
    public static let header = "sop_instance_uid,reader,vas\n"
}
