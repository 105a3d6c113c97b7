import LGEDICOM

@testable import LGESession

/// Builds slice headers for synthetic LGE exams from planned geometry.
struct SyntheticExam {
    var studyUID = "1.2.826.0.1.3680043.9.7777.1"
    var frameOfReferenceUID = "1.2.826.0.1.3680043.9.7777.1.99"
    var day = DICOMDateTime(date: "20240301", time: "000000")!.day
    var axes = HeartAxes(longAxis: PatientVector(0.6, -0.5, -0.6), centre: PatientVector(20, -10, 30))
    var patient: PatientIdentity?

    var planner: CardiacViewPlanner { CardiacViewPlanner(axes: axes) }

    /// One header; `second` is the acquisition time in seconds after 10:00.
    func header(
        series: Int, instance: Int, geometry: SliceGeometry?, second: Double, description: String,
        ti: Double? = 300, phaseEncode: PhaseEncodeDirection? = .row, imageType: [String] = ["ORIGINAL", "PRIMARY", "M"],
        sop: String? = nil, seriesUID: String? = nil
    ) -> MRSliceHeader {
        let time = DICOMDateTime(day: day, secondsOfDay: 36_000 + second)
        return MRSliceHeader(
            source: SliceSource(path: "/data/exam/s\(series)/i\(instance).dcm"),
            studyInstanceUID: studyUID,
            seriesInstanceUID: seriesUID ?? "\(studyUID).\(series)",
            sopInstanceUID: sop ?? "\(studyUID).\(series).\(instance)",
            frameOfReferenceUID: frameOfReferenceUID,
            studyDateTime: DICOMDateTime(day: day, secondsOfDay: 35_000),
            seriesNumber: series, seriesDescription: description, instanceNumber: instance,
            imageType: imageType, acquisitionDateTime: time, contentDateTime: time, geometry: geometry,
            inversionTime: ti, phaseEncodeDirection: phaseEncode, manufacturer: "SIEMENS", patient: patient)
    }

    /// A 10-slice SA stack (series 5, one slice per 12 s breath-hold, acquired base to apex),
    /// then single-slice 2CH (6), 3CH (7) and 4CH (8).
    func standardHeaders(saCount: Int = 10) -> [MRSliceHeader] {
        let stack = planner.shortAxisStack(count: saCount, thickness: 8, gap: 2)
        var headers = stack.enumerated().map { index, geometry in
            header(series: 5, instance: index + 1, geometry: geometry, second: Double(index) * 12, description: "LGE_PSIR_SAX")
        }
        for (offset, view) in ViewOrientation.longAxisViews.enumerated() {
            headers.append(
                header(
                    series: 6 + offset, instance: 1, geometry: planner.longAxis(view), second: 300 + Double(offset) * 20,
                    description: "LGE_PSIR_\(view.rawValue)"))
        }
        return headers
    }
}
