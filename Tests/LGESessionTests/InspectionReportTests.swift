import Foundation
import LGEDICOM
import Testing

@testable import LGESession

@Suite struct InspectionReportTests {
    func report(patient: PatientIdentity? = nil) -> InspectionReport {
        var exam = SyntheticExam()
        exam.patient = patient
        var headers = exam.standardHeaders()
        let stack = exam.planner.shortAxisStack(count: 10, thickness: 8, gap: 2)
        headers.append(exam.header(series: 9, instance: 1, geometry: stack[4], second: 400, description: "LGE_PSIR_SAX repeat", ti: 350, phaseEncode: .column))
        headers[0].inversionTime = nil
        return InspectionReport(
            session: SessionBuilder.build(from: headers),
            unreadable: [InputProblem(path: "/incoming/notes.txt", reason: "not a DICOM file")])
    }

    @Test func summarisesSeries() throws {
        let report = report()
        let study = try #require(report.studies.first)
        #expect(study.label == "study 1")
        #expect(study.date == "2024-03-01 09:43:20")
        #expect(study.series.map(\.seriesNumber) == [5, 6, 7, 8, 9])
        let stack = study.series[0]
        #expect(stack.sliceCount == 10)
        #expect(stack.orientation == .shortAxis)
        #expect(stack.inversionTimeMin == 300 && stack.inversionTimeMax == 300)
        #expect(stack.repeatCount == 1)
        #expect(study.series[1].repeatCount == 0)
        #expect(study.series[4].repeatCount == 1)
        #expect(stack.problems.map(\.kind) == ["missing_inversion_time"])
        #expect(study.repeats.first?.changes == ["series 5 -> series 9: TI 300 ms -> 350 ms; phase encode ROW -> COL"])
    }

    @Test func jsonRoundTripsWithSnakeCaseKeysAndNoPatientIdentity() throws {
        let patient = PatientIdentity(name: "DOE^JANE", id: "PID-424242", birthDate: "19700101", sex: "F")
        let report = report(patient: patient)
        let data = try report.jsonData()
        #expect(try InspectionReport.decode(json: data) == report)

        let text = String(decoding: data, as: UTF8.self)
        for key in ["\"study_instance_uid\"", "\"slice_count\"", "\"inversion_time_min_ms\"", "\"phase_encode_directions\"", "\"repeat_count\"", "\"sop_instance_uid\""] {
            #expect(text.contains(key), "missing \(key)")
        }
        #expect(!text.contains("studyInstanceUID"))
        for secret in ["DOE", "JANE", "PID-424242", "19700101"] {
            #expect(!text.contains(secret))
            #expect(!report.renderTable().contains(secret))
        }
        // Keys are sorted: "label" comes before "problems" within a study.
        let study = try #require(text.range(of: "\"label\""))
        let axes = try #require(text.range(of: "\"axes_basis\""))
        #expect(axes.lowerBound < study.lowerBound)
    }

    @Test func tableHasAlignedColumnsAndIndentedProblems() throws {
        let table = report().renderTable()
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.first { $0.contains("DESCRIPTION") })
        let rows = lines.filter { $0.range(of: #"^\s+\d+\s{2}"#, options: .regularExpression) != nil }
        #expect(rows.count == 5)
        // Each row's view sits under the VIEW heading, and its slice count ends under SLICES.
        let viewColumn = try #require(header.range(of: "VIEW")).lowerBound.utf16Offset(in: header)
        let slicesEnd = try #require(header.range(of: "SLICES")).upperBound.utf16Offset(in: header)
        for (row, view) in zip(rows, ["SA  ", "2CH ", "3CH ", "4CH ", "SA  "]) {
            let start = row.index(row.startIndex, offsetBy: viewColumn)
            #expect(row[start...].hasPrefix(view), "\(row)")
            let countEnd = row.index(row.startIndex, offsetBy: slicesEnd)
            #expect(row[..<countEnd].last?.isNumber == true, "\(row)")
        }
        // The problem follows its series line, indented deeper than the rows.
        let stackRow = try #require(lines.firstIndex(of: rows[0]))
        #expect(lines[stackRow + 1].hasPrefix("      ! series 5: 1 of 10 slices without inversion time"))
        #expect(table.contains("SA slice 5 from base: series 5 -> series 9"))
        #expect(table.contains("  - /incoming/notes.txt: not a DICOM file"))
        #expect(table.contains("study 1  1.2.826.0.1.3680043.9.7777.1  2024-03-01 09:43:20"))
    }

    @Test func emptySessionSaysSo() {
        let report = InspectionReport(session: Session(studies: []), unreadable: [InputProblem(path: "x", reason: "empty")])
        #expect(report.renderTable().hasPrefix("no MR slices found"))
        #expect(report.renderTable().contains("unreadable inputs (1)"))
    }
}
