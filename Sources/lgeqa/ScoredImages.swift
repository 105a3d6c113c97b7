import Foundation
import LGEDatasets
import LGEDICOM

/// The DICOM slices under a folder joined with expert scores for them: what `lgeqa evaluate` scores
/// and what `lgeqa model calibrate --images` fits to. Problems (unreadable files, slices without
/// scores, scores without slices, bad score rows) are printed as they are found and counted.
struct ScoredImages {
    struct Item {
        var slice: MRSlice
        var label: ExpertLabel
        /// A hash of PatientID, else of StudyInstanceUID: the bootstrap's patient (never printed).
        var patient: String
    }

    var items: [Item] = []
    var synthetic = false
    var slicesRead = 0
    var unreadableFiles = 0
    var slicesWithoutScores = 0
    var scoredImagesWithoutSlices = 0
    var scoreRowsExcluded = 0

    init(images: String, scores: String, rule: VASCertaintyRule) throws {
        let expert = try ExpertScores(path: scores, rule: rule)
        expert.problems.forEach { printError("lgeqa: \($0)") }
        scoreRowsExcluded = expert.problems.count
        if scoreRowsExcluded > 0 { printError("lgeqa: \(scoreRowsExcluded) score row(s) in \(scores) excluded (listed above)") }
        let byImage = Dictionary(expert.labels.map { ($0.image, $0) }, uniquingKeysWith: { first, _ in first })

        // PatientID is read only to be hashed into the patient key; it is never printed.
        let batch = DICOMBatchReader(reader: DICOMReader(options: .init(includePatientIdentity: true))).read(paths: [images])
        // Files that are not DICOM at all (a cohort's truth.csv, notes) are counted, not errors;
        // DICOM files that cannot be used are listed.
        let notDICOM = batch.failures.filter { if case .notDICOM = $0.problem { true } else { false } }.count
        if notDICOM > 0 { printError("lgeqa: \(notDICOM) non-DICOM file(s) under \(images) ignored") }
        let failures = batch.failures.filter { if case .notDICOM = $0.problem { false } else { true } }
        failures.forEach { printError("lgeqa: \($0.path): \($0.problem)") }
        unreadableFiles = failures.count
        slicesRead = batch.slices.count
        let root = URL(fileURLWithPath: images).standardizedFileURL.path
        var matched: Set<String> = []
        for slice in batch.slices {
            let header = slice.header
            synthetic = synthetic || header.isSynthetic || (header.manufacturer?.contains("lgeqa simulator") ?? false)
            let path = URL(fileURLWithPath: header.source.path).standardizedFileURL.path
            let relative = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
            let key = expert.imageColumn == "sop_instance_uid" ? header.sopInstanceUID : relative
            guard let label = byImage[key] ?? byImage[path] else {
                slicesWithoutScores += 1
                continue
            }
            matched.insert(label.image)
            items.append(Item(slice: slice, label: label, patient: Self.patientKey(header)))
        }
        if slicesWithoutScores > 0 { printError("lgeqa: \(slicesWithoutScores) slice(s) in \(images) have no expert scores and are not counted") }
        scoredImagesWithoutSlices = byImage.count - matched.count
        if scoredImagesWithoutSlices > 0 { printError("lgeqa: \(scoredImagesWithoutSlices) scored image(s) in \(scores) have no slice in \(images) and are not counted") }
    }

    /// The bootstrap's patient: a hash of PatientID, else of StudyInstanceUID (never printed).
    static func patientKey(_ header: MRSliceHeader) -> String {
        let id = header.patient?.id.trimmingCharacters(in: .whitespaces) ?? ""
        let source = id.isEmpty ? "study:" + header.studyInstanceUID : "patient:" + id
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in source.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }

    /// The scored slices as labelled slices: reader certainty from the experts, and LGE presence
    /// where they were sure (mean VAS above 50), as `lgeqa evaluate` judges the LGE head.
    var labeledSlices: [LabeledSlice] {
        items.compactMap { item in
            guard let pixels = item.slice.pixels else { return nil }
            return LabeledSlice(
                id: item.slice.header.sopInstanceUID, patient: item.patient, pixels: pixels,
                pixelSpacing: item.slice.header.geometry?.pixelSpacing,
                isSigned: ClassificationRecord.isSigned(item.slice.header, pixels),
                lge: item.label.lowCertainty ? nil : item.label.lgeLikely, lowCertainty: item.label.lowCertainty,
                causes: nil, source: "expert-scored images")
        }
    }
}
