import LGEDICOM
import LGEPhysics
import LGESession

/// UIDs, series numbering and headers of a simulated exam: derived from the case name and
/// seed, so the same case gives the same files.
struct ExamIdentity: Sendable {
    let root: String
    let studyInstanceUID: String
    let frameOfReferenceUID: String
    /// Injection at 08:00:00 on 2026-01-05 (a fixed, obviously synthetic date).
    let injection = DICOMDateTime(day: DICOMDateTime.daysFromCivil(year: 2026, month: 1, day: 5), secondsOfDay: 8 * 3600)

    init(exam: ExamCase) {
        root = "lgeqa-simulator/\(exam.name)/\(exam.seed)"
        studyInstanceUID = DICOMUID.derived(from: root + "/study")
        frameOfReferenceUID = DICOMUID.derived(from: root + "/frame-of-reference")
    }

    /// Synthetic patient identity: says what it is.
    func patient(for exam: ExamCase) -> PatientIdentity {
        PatientIdentity(name: "SYNTHETIC^\(exam.name.uppercased())", id: "SIM-\(exam.seed)", birthDate: "19700101", sex: "O")
    }

    func context(for exam: ExamCase) -> StudyContext {
        StudyContext(
            patient: patient(for: exam), studyID: String(exam.seed % 100_000), accessionNumber: "",
            studyDescription: "SYNTHETIC cardiac LGE (lgeqa simulator)", institutionName: nil, stationName: "LGEQASIM",
            manufacturerModelName: "lgeqa simulator", heartRate: exam.patient.heartRate)
    }

    /// Series number and description of an acquisition's reconstruction. Planned short-axis
    /// slices share one series per reconstruction; every long-axis view and every action gets
    /// its own, as on a scanner.
    func series(
        for kind: ReconstructionKind, acquisitionIndex: Int, target: AcquisitionTarget, action: ScanAction?,
        style: VendorStyle = .siemens
    ) -> (number: Int, description: String) {
        let (number, description) = siemensSeries(for: kind, acquisitionIndex: acquisitionIndex, target: target, action: action)
        switch style {
        case .siemens:
            return (number, description)
        case .ge:
            let body = description.dropFirst(4).replacingOccurrences(of: "_PSIR", with: "").replacingOccurrences(of: "_MAG", with: "")
            return (number, (kind == .psir ? "PS MDE " : "MDE ") + body.replacingOccurrences(of: "_", with: " "))
        case .philips:
            let body = description.replacingOccurrences(of: "_PSIR", with: "").replacingOccurrences(of: "_MAG", with: "")
            return (number, body.replacingOccurrences(of: "LGE_", with: "LGE ").replacingOccurrences(of: "_", with: " "))
        }
    }

    func imageType(for kind: ReconstructionKind, style: VendorStyle) -> [String] {
        switch (style, kind) {
        case (.philips, .psir): ["ORIGINAL", "PRIMARY", "R_IR", "R", "IR"]
        case (.philips, .magnitude): ["ORIGINAL", "PRIMARY", "M_IR", "M", "IR"]
        case (_, .psir): ["DERIVED", "PRIMARY", "R", "PSIR"]
        case (_, .magnitude): ["ORIGINAL", "PRIMARY", "M", "IR"]
        }
    }

    private func siemensSeries(for kind: ReconstructionKind, acquisitionIndex: Int, target: AcquisitionTarget, action: ScanAction?) -> (number: Int, description: String) {
        let suffix = kind == .psir ? "PSIR" : "MAG"
        let offset = kind == .psir ? 1 : 0
        if let action {
            let what: String
            switch action {
            case .repeatAcquisition: what = "\(target) REPEAT"
            case .repeatWithInversionTime: what = "\(target) REPEAT NEW TI"
            case .swapPhaseEncode: what = "\(target) REPEAT PE SWAP"
            case .longAxisCrosscut: what = "\(target)"
            }
            return (1000 + 10 * acquisitionIndex + offset, "LGE_\(what.replacingOccurrences(of: " ", with: "_"))_\(suffix)")
        }
        switch target {
        case .shortAxis: return (100 + offset, "LGE_SAX_\(suffix)")
        case .longAxis(let view): return (200 + 10 * acquisitionIndex + offset, "LGE_\(view.rawValue)_\(suffix)")
        case .crosscut(_, let view): return (300 + 10 * acquisitionIndex + offset, "LGE_\(view.rawValue)_CROSSCUT_\(suffix)")
        }
    }

    func header(
        for kind: ReconstructionKind, acquisitionIndex: Int, target: AcquisitionTarget, action: ScanAction?,
        geometry: SliceGeometry, inversionTime: Double, phaseEncode: PhaseEncodeDirection, minute: Double, exam: ExamCase,
        readout: ReadoutParameters, rrIntervals: [Double]
    ) -> MRSliceHeader {
        let series = series(for: kind, acquisitionIndex: acquisitionIndex, target: target, action: action, style: exam.plan.vendorStyle)
        let seriesUID = DICOMUID.derived(from: root + "/series/\(series.number)")
        let time = DICOMDateTime(day: injection.day, secondsOfDay: injection.secondsOfDay + minute * 60)
        var instance = 1
        if action == nil, case .shortAxis(let index) = target { instance = index + 1 }
        let roundedTI = (inversionTime * 10).rounded() / 10
        return MRSliceHeader(
            source: SliceSource(path: ""),
            studyInstanceUID: studyInstanceUID, seriesInstanceUID: seriesUID,
            sopInstanceUID: DICOMUID.derived(from: root + "/image/\(acquisitionIndex)/\(kind.rawValue)"),
            frameOfReferenceUID: frameOfReferenceUID, studyDateTime: injection, seriesNumber: series.number,
            seriesDescription: series.description, instanceNumber: instance,
            imageType: imageType(for: kind, style: exam.plan.vendorStyle),
            acquisitionDateTime: time, contentDateTime: time, geometry: geometry,
            sliceLocation: (geometry.centre.dot(geometry.normal) * 10).rounded() / 10,
            inversionTime: roundedTI, phaseEncodeDirection: phaseEncode,
            magneticFieldStrength: exam.patient.fieldStrength.tesla, manufacturer: "lgeqa simulator",
            repetitionTime: readout.repetitionTime, echoTime: readout.repetitionTime / 2.5, flipAngle: readout.flipAngle,
            triggerTime: max(0, 60_000 / exam.patient.heartRate - readout.readoutDuration - 50),
            // Rounded as IS stores them, so the header in memory is the one a reader sees.
            lowRRInterval: rrIntervals.min().map { $0.rounded() }, highRRInterval: rrIntervals.max().map { $0.rounded() },
            intervalsAcquired: rrIntervals.count,
            // The simulator rejects no beats: an irregular one goes into k-space, which is why it ghosts.
            intervalsRejected: 0, beatRejection: false,
            imageComments: "SYNTHETIC: lgeqa simulator, case \(exam.name), seed \(exam.seed). Not for diagnosis.")
    }
}
