import Foundation
import LGEDatasets
import LGEProtocol
import LGESimulator

/// The virtual readers' assessment of each image of a simulated recording, by SOP Instance UID,
/// from the simulator's truth written beside it: `truth.json` of `lgeqa simulate SCENARIO --out
/// DIR`, or `truth.csv` of `lgeqa simulate cohort`. What ``ReplayAssessor/virtualReaders`` gives a
/// recording; a real recording has no such file.
public struct VirtualReaderOdds: Sendable {
    public let assessments: [String: Assessment]
    /// The truth file the odds came from.
    public let file: String

    /// The truth file names looked for, in the recording's folder and the two above it (a
    /// scenario's `DIR/dicom`, a cohort's `COHORT/exam`).
    public static let fileNames = ["truth.json", "truth.csv"]

    /// Finds and reads the truth of the simulated recording at `directory`; nil when there is none.
    public static func find(near directory: String, panel: ReaderPanel = .standard, band: LGESimulator.CertaintyBand = .standard) throws(ReplayError)
        -> VirtualReaderOdds?
    {
        var folder = URL(fileURLWithPath: directory).standardizedFileURL
        for _ in 0..<3 {
            for name in fileNames {
                let path = folder.appendingPathComponent(name).path
                if FileManager.default.fileExists(atPath: path) {
                    return try read(path, panel: panel, band: band)
                }
            }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// ``find(near:panel:band:)``, for a caller that cannot go on without the odds.
    public static func required(near directory: String, panel: ReaderPanel = .standard, band: LGESimulator.CertaintyBand = .standard)
        throws(ReplayError) -> VirtualReaderOdds
    {
        guard let odds = try find(near: directory, panel: panel, band: band) else { throw .noVirtualReaders(path: directory) }
        return odds
    }

    /// The assessment a classifier as good as the readers allow would give an image with this
    /// evidence: the exact chance that `panel` calls it low certainty (only the readers' own noise
    /// left to chance, as `lgeqa model evaluate`'s reader-noise ceiling), the true LGE, and each
    /// cause of doubt as present (1) or not (0).
    public static func assessment(
        conspicuity: Double, scarArea: Double, mimicry: Double, lge: Bool, causes: Set<String>,
        panel: ReaderPanel = .standard, band: LGESimulator.CertaintyBand = .standard
    ) -> Assessment {
        Assessment(
            pLGE: lge ? 1 : 0,
            pLowCertainty: panel.lowCertaintyProbability(conspicuity: conspicuity, scarArea: scarArea, mimicry: mimicry, band: band),
            causes: Dictionary(uniqueKeysWithValues: Cause.allCases.map { ($0, causes.contains($0.rawValue) ? 1 : 0) }))
    }

    /// Reads a `truth.json` or `truth.csv`.
    public static func read(_ path: String, panel: ReaderPanel = .standard, band: LGESimulator.CertaintyBand = .standard) throws(ReplayError)
        -> VirtualReaderOdds
    {
        func odds(conspicuity: Double, mimicry: Double, scarArea: Double, lge: Bool, causes: Set<String>) -> Assessment {
            assessment(conspicuity: conspicuity, scarArea: scarArea, mimicry: mimicry, lge: lge, causes: causes, panel: panel, band: band)
        }
        var assessments: [String: Assessment] = [:]
        if path.hasSuffix(".csv") {
            let table: CSVTable
            do { table = try CSVTable(path: path) } catch { throw .badTruth(path: path, reason: error.description) }
            let needed = ["sop_instance_uid", "lge", "causes", "conspicuity", "mimicry", "scar_area_mm2"]
            var column: [String: Int] = [:]
            for name in needed {
                guard let index = table.header.firstIndex(of: name) else {
                    throw .badTruth(path: path, reason: "no column '\(name)' (a truth.csv of `lgeqa simulate cohort` has \(needed.joined(separator: ", ")))")
                }
                column[name] = index
            }
            for (line, fields) in table.rows {
                func number(_ name: String) throws(ReplayError) -> Double {
                    guard let value = Double(fields[column[name]!]), value.isFinite, value >= 0 else {
                        throw .badTruth(path: path, reason: "line \(line): \(name) must be a number of 0 or more (found '\(fields[column[name]!])')")
                    }
                    return value
                }
                assessments[fields[column["sop_instance_uid"]!]] = odds(
                    conspicuity: try number("conspicuity"), mimicry: try number("mimicry"), scarArea: try number("scar_area_mm2"),
                    lge: fields[column["lge"]!] == "1", causes: Set(fields[column["causes"]!].split(separator: ";").map(String.init)))
            }
        } else {
            guard let data = FileManager.default.contents(atPath: path),
                let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let acquisitions = root["acquisitions"] as? [[String: Any]]
            else { throw .badTruth(path: path, reason: "not the truth.json of a simulated exam (no 'acquisitions')") }
            for acquisition in acquisitions {
                let lge = (acquisition["truth"] as? [String: Any])?["lge_present"] as? Bool ?? false
                for image in acquisition["images"] as? [[String: Any]] ?? [] {
                    guard let uid = image["sop_instance_uid"] as? String, let evidence = image["evidence"] as? [String: Any],
                        let conspicuity = (evidence["conspicuity"] as? NSNumber)?.doubleValue,
                        let mimicry = (evidence["mimicry"] as? NSNumber)?.doubleValue,
                        let area = (evidence["scar_area_mm2"] as? NSNumber)?.doubleValue
                    else { throw .badTruth(path: path, reason: "an image without sop_instance_uid or evidence (conspicuity, mimicry, scar_area_mm2)") }
                    assessments[uid] = odds(
                        conspicuity: conspicuity, mimicry: mimicry, scarArea: area, lge: lge,
                        causes: Set(evidence["causes"] as? [String] ?? []))
                }
            }
        }
        return VirtualReaderOdds(assessments: assessments, file: path)
    }
}
