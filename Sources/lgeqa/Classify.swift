import ArgumentParser
import Foundation
import LGEClassifier
import LGEDICOM
import LGEQualityMetrics
import LGESession

/// `lgeqa classify`: the classifier and the QA metrics on every slice.
struct Classify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Assess LGE slices: LGE likelihood, reader certainty, causes of doubt and quality metrics.",
        discussion: """
            One record per slice. A slice that cannot be assessed gets an explicit "no assessment" record with \
            the reason, never a made-up probability. Research and training use only: not a diagnostic device.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, jsonl, csv }

    @Argument(help: "DICOM files or folders (searched recursively).")
    var paths: [String]

    @Option(help: "Output format: table, json, jsonl or csv.")
    var format: Format = .table

    @Option(help: "Model file (default: models/lgeqa-default.lgeqa).")
    var model: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = global.bootstrapLogging("lgeqa.classify")
        let classifier = try SliceClassifier(modelPath: model ?? ModelCommand.defaultModelPath)
        let batch = DICOMBatchReader().read(paths: paths)
        var records = batch.slices.map { ClassificationRecord(slice: $0, classifier: classifier) }
        records += batch.failures.map { ClassificationRecord(path: $0.path, noAssessment: $0.problem.description) }
        output(records)
        let assessed = records.filter { $0.pLGE != nil }.count
        if assessed == 0 { throw ExitStatus.noUsableInput }
        if assessed < records.count { throw ExitStatus.partial }
    }

    private func output(_ records: [ClassificationRecord]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        switch format {
        case .json:
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: (try? encoder.encode(records)) ?? Data(), as: UTF8.self))
        case .jsonl:
            for record in records { print(String(decoding: (try? encoder.encode(record)) ?? Data(), as: UTF8.self)) }
        case .csv:
            print(ClassificationRecord.csvHeader)
            for record in records { print(record.csvRow) }
        case .table:
            print("SERIES  INST  P_LGE  P_LOW  CERTAINTY  LIKELY CAUSE            SNR    MS  FILE")
            for record in records {
                guard let pLGE = record.pLGE, let pLow = record.pLowCertainty else {
                    print("     -     -      -      -  -          no assessment: \(record.noAssessment ?? "")  \(record.path)")
                    continue
                }
                let cause = record.causes?.max { $0.value < $1.value }.map { "\($0.key) \(String(format: "%.2f", $0.value))" } ?? "-"
                let snr = record.qa.map { String(format: "%.0f", $0.snr) } ?? "-"
                print(pad(record.series, 6) + "  " + pad(record.instance, 4) + String(format: "  %5.2f  %5.2f  ", pLGE, pLow)
                    + (record.certainty ?? "-").padding(toLength: 9, withPad: " ", startingAt: 0) + "  "
                    + cause.padding(toLength: 22, withPad: " ", startingAt: 0) + "  "
                    + snr.padding(toLength: 4, withPad: " ", startingAt: 0) + String(format: "  %4.0f  ", record.milliseconds ?? 0)
                    + record.path)
            }
            print("\nResearch and training tool, not a diagnostic device. Probabilities come from a model trained on SYNTHETIC and EMIDEC data (see `lgeqa model info`).")
        }
    }

    /// Right-aligned in `width` characters.
    private func pad(_ value: Int?, _ width: Int) -> String {
        let text = value.map(String.init) ?? "-"
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

/// One slice's result, as every output format writes it.
struct ClassificationRecord: Codable {
    var path: String
    var frame: Int?
    var sopInstanceUID: String?
    var series: Int?
    var instance: Int?
    var pLGE: Double?
    var pLowCertainty: Double?
    var certainty: String?
    var causes: [String: Double]?
    var qa: SliceQuality?
    var qaProblem: String?
    var milliseconds: Double?
    var noAssessment: String?

    enum CodingKeys: String, CodingKey {
        case path, frame, sopInstanceUID = "sop_instance_uid", series, instance, pLGE = "p_lge"
        case pLowCertainty = "p_low_certainty", certainty, causes, qa, qaProblem = "qa_problem", milliseconds = "ms"
        case noAssessment = "no_assessment"
    }

    init(path: String, noAssessment: String) {
        self.path = path
        self.noAssessment = noAssessment
    }

    init(slice: MRSlice, classifier: SliceClassifier) {
        let header = slice.header
        path = header.source.path
        frame = header.source.frame
        sopInstanceUID = header.sopInstanceUID
        series = header.seriesNumber
        instance = header.instanceNumber
        guard let pixels = slice.pixels else {
            noAssessment = "no pixel data"
            return
        }
        let isSigned = Self.isSigned(header, pixels)
        do {
            let verdict = try classifier.assess(pixels, pixelSpacing: header.geometry?.pixelSpacing, isSigned: isSigned, phaseEncode: header.phaseEncodeDirection)
            pLGE = verdict.pLGE
            pLowCertainty = verdict.pLowCertainty
            certainty = verdict.certainty.rawValue
            causes = verdict.causes
            milliseconds = verdict.milliseconds
        } catch {
            noAssessment = error.description
        }
        do {
            qa = try SliceQualityMetrics.measure(pixels, pixelSpacing: header.geometry?.pixelSpacing, phaseEncode: header.phaseEncodeDirection, isSigned: isSigned)
        } catch {
            qaProblem = error.description
        }
    }

    /// PSIR (signed) or magnitude: by the header, or by negative pixel values.
    static func isSigned(_ header: MRSliceHeader, _ pixels: PixelImage) -> Bool {
        ReconstructionClassifier.classify(header).kind == .psir || (pixels.values.min() ?? 0) < 0
    }

    static let csvHeader = "path,frame,sop_instance_uid,series,instance,p_lge,p_low_certainty,certainty,ti_nulling,ghosting,motion,focal_equivocal,snr,cnr,ghost_ratio,ms,no_assessment"

    var csvRow: String {
        func number(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "" }
        func quoted(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        let causeValues = ["ti_nulling", "ghosting", "motion", "focal_equivocal"].map { number(causes?[$0]) }
        return ([quoted(path), frame.map(String.init) ?? "", sopInstanceUID ?? "", series.map(String.init) ?? "", instance.map(String.init) ?? "",
                 number(pLGE), number(pLowCertainty), certainty ?? ""] + causeValues
                + [number(qa?.snr), number(qa?.cnr), number(qa?.ghostRatio), number(milliseconds), quoted(noAssessment ?? "")]).joined(separator: ",")
    }
}
