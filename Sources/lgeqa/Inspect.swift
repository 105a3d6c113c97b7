import ArgumentParser
import Foundation
import LGEDICOM
import LGESession

/// `lgeqa inspect`: what is in a set of DICOM files, as an LGE exam.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise the LGE studies and series in DICOM files or folders.",
        discussion: """
            Groups files into studies and series, orders slices by acquisition time and position, \
            classifies each series' orientation (short axis, 2CH/3CH/4CH long axis, other), tells PSIR \
            from magnitude reconstructions, finds repeated acquisitions of one position (another TI, \
            another phase-encode direction) and lists problems. Files that cannot be read are listed \
            with the reason and skipped. No file is ever modified, and no patient identifier is printed.
            """
    )

    @Argument(help: "DICOM files or folders (searched recursively).")
    var paths: [String]

    @Option(help: "Output format: table or json.")
    var format: ReportFormat = .table

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrapLogging("lgeqa.inspect")
        let (report, batch) = Inspect.report(for: paths)
        logger.info("read \(batch.slices.count) slices from \(batch.filesTried - batch.failures.count) of \(batch.filesTried) files")
        switch format {
        case .table: print(report.renderTable(), terminator: "")
        case .json: print(String(decoding: try report.jsonData(), as: UTF8.self))
        }

        if batch.slices.isEmpty {
            printError("lgeqa: no MR slice could be read from \(batch.filesTried) file(s)")
            throw ExitStatus.noUsableInput
        }
        if !batch.failures.isEmpty {
            printError("lgeqa: skipped \(batch.failures.count) of \(batch.filesTried) files (listed in the report)")
            throw ExitStatus.partial
        }
    }
}

extension Inspect {
    /// Headers of every file under `paths` (pixels checked, not decoded), grouped into a report.
    static func report(for paths: [String]) -> (InspectionReport, DICOMBatchReader.Result) {
        let batch = DICOMBatchReader(reader: DICOMReader(options: .init(loadPixels: false))).read(paths: paths)
        let report = InspectionReport(
            session: SessionBuilder.build(from: batch.slices.map(\.header)),
            unreadable: batch.failures.map { InputProblem(path: $0.path, reason: $0.problem.description) })
        return (report, batch)
    }
}
