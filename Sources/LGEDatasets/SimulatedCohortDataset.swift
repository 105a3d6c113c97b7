import Foundation
import LGEDICOM

/// A cohort written by `lgeqa simulate cohort` (its `truth.csv` and DICOM files), as labelled
/// slices: every label is known, because the data are SYNTHETIC.
public enum SimulatedCohortDataset {
    /// Loads the images listed in `directory/truth.csv`. Rows that are malformed or whose file
    /// cannot be read come back in `failures` with their line; the rest load.
    public static func load(directory: URL, reader: DICOMReader = DICOMReader()) throws(DatasetError) -> (slices: [LabeledSlice], failures: [DatasetError]) {
        let path = directory.appendingPathComponent("truth.csv").path
        let table = try CSVTable(path: path)
        let session = try table.column("session"), file = try table.column("file")
        let uid = try table.column("sop_instance_uid"), reconstruction = try table.column("reconstruction")
        let lge = try table.column("lge"), causes = try table.column("causes"), low = try table.column("low_certainty")
        // Cohorts written before lesion or wall masks existed lack those columns.
        let mask = table.header.firstIndex(of: "lesion_mask"), wallMask = table.header.firstIndex(of: "myocardium_mask")
        let meanVAS = table.header.firstIndex(of: "mean_vas")
        let nullingColumn = table.header.firstIndex(of: "myocardial_nulling")
        let conspicuityColumn = table.header.firstIndex(of: "conspicuity"), mimicryColumn = table.header.firstIndex(of: "mimicry")
        let areaColumn = table.header.firstIndex(of: "scar_area_mm2")
        var slices: [LabeledSlice] = []
        var failures: [DatasetError] = []
        for (line, fields) in table.rows {
            guard fields.count == table.header.count else {
                failures.append(.badTable(path: path, line: line, reason: "expected \(table.header.count) fields, found \(fields.count)"))
                continue
            }
            guard let lgeFlag = Int(fields[lge]), let lowFlag = Int(fields[low]) else {
                failures.append(.badTable(path: path, line: line, reason: "lge and low_certainty must be 0 or 1"))
                continue
            }
            var readerScore: Double?
            if let meanVAS {
                guard let score = Double(fields[meanVAS]), (0...100).contains(score) else {
                    failures.append(.badTable(path: path, line: line, reason: "mean_vas must be a score from 0 to 100 (found '\(fields[meanVAS])')"))
                    continue
                }
                readerScore = score
            }
            var nulling: Double?
            if let nullingColumn {
                guard let ratio = Double(fields[nullingColumn]), ratio >= 0, ratio.isFinite else {
                    failures.append(.badTable(path: path, line: line, reason: "myocardial_nulling must be a ratio of 0 or more (found '\(fields[nullingColumn])')"))
                    continue
                }
                nulling = ratio
            }
            var evidence: ReaderEvidence?
            if let conspicuity = conspicuityColumn, let mimicry = mimicryColumn, let area = areaColumn {
                guard let c = Double(fields[conspicuity]), let m = Double(fields[mimicry]), let a = Double(fields[area]),
                      [c, m, a].allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                    failures.append(.badTable(path: path, line: line, reason: "conspicuity, mimicry and scar_area_mm2 must be numbers of 0 or more (found '\(fields[conspicuity])', '\(fields[mimicry])', '\(fields[area])')"))
                    continue
                }
                evidence = ReaderEvidence(conspicuity: c, mimicry: m, scarArea: a)
            }
            let present = Set(fields[causes].split(separator: ";").map(String.init))
            let imagePath = directory.appendingPathComponent(fields[file]).path
            do {
                guard let slice = try reader.read(path: imagePath).first, let pixels = slice.pixels else {
                    failures.append(.unreadableImage(path: imagePath, reason: "no pixels"))
                    continue
                }
                func fractionMap(_ column: Int?) throws -> PixelImage? {
                    guard let column, !fields[column].isEmpty else { return nil }
                    var map = try ImageFiles.readMask(directory.appendingPathComponent(fields[column]).path, matching: pixels)
                    map.values = map.values.map { $0 / 255 }
                    return map
                }
                let lesionMask = try fractionMap(mask), myocardiumMask = try fractionMap(wallMask)
                slices.append(LabeledSlice(
                    id: fields[uid], patient: fields[session], pixels: pixels, pixelSpacing: slice.header.geometry?.pixelSpacing,
                    isSigned: fields[reconstruction] == "psir", lge: lgeFlag == 1, lowCertainty: lowFlag == 1,
                    causes: Dictionary(uniqueKeysWithValues: LabeledSlice.causeNames.map { ($0, present.contains($0)) }),
                    source: "lgeqa simulator (SYNTHETIC)", lesionMask: lesionMask,
                    readerScore: readerScore, myocardialNulling: nulling, readerEvidence: evidence,
                    phaseEncodeDirection: slice.header.phaseEncodeDirection, myocardiumMask: myocardiumMask))
            } catch let error as DatasetError {
                failures.append(error)
            } catch let error as DICOMReadError {
                failures.append(.unreadableImage(path: imagePath, reason: error.problem.description))
            } catch {
                failures.append(.unreadableImage(path: imagePath, reason: String(describing: error)))
            }
        }
        return (slices, failures)
    }
}
