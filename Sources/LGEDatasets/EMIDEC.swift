import Foundation
import LGEDICOM

/// The EMIDEC LGE slices in `shared/data/emidec` (CC BY-NC-SA 4.0; see its README).
///
/// Known properties the loader accounts for: the PNGs hold a PSIR-like signed signal under one
/// fixed 8-bit mapping with zero at about 127, so values are shifted to put that level at 0; the
/// pixel size is not recorded; grey level 0 is the zero padding the source's resampling left
/// around the field of view (about 12 % of every image, while levels 1–20 together hold 0.2 %), so
/// it is read as "no signal" like the padding of any other field of view, not as strongly
/// negative tissue. Labels are LGE presence only (from the infarct/MVO masks), never
/// reader certainty.
public enum EMIDECDataset {
    /// Grey level of zero signal in the 8-bit mapping (measured on the empty background).
    public static let zeroLevel: Float = 127
    /// Grey level of the resampling padding outside the acquired field of view.
    public static let paddingLevel: Float = 0

    /// The signed signal of one 8-bit grey level.
    public static func signal(greyLevel: Float) -> Float {
        greyLevel == paddingLevel ? 0 : greyLevel - zeroLevel
    }

    /// Every slice in `directory` (which holds `manifest.csv` and `images/`). A slice whose
    /// image cannot be read is reported in `failures`; the others load.
    public static func load(directory: URL) throws(DatasetError) -> (slices: [LabeledSlice], failures: [DatasetError]) {
        let manifestPath = directory.appendingPathComponent("manifest.csv").path
        let table = try CSVTable(path: manifestPath)
        let caseColumn = try table.column("case"), fileColumn = try table.column("file"), lgeColumn = try table.column("lge")
        var slices: [LabeledSlice] = []
        var failures: [DatasetError] = []
        for (line, fields) in table.rows {
            guard fields.count == table.header.count else {
                failures.append(.badTable(path: manifestPath, line: line, reason: "expected \(table.header.count) fields, found \(fields.count)"))
                continue
            }
            guard let lge = Int(fields[lgeColumn]), lge == 0 || lge == 1 else {
                failures.append(.badTable(path: manifestPath, line: line, reason: "lge must be 0 or 1, found '\(fields[lgeColumn])'"))
                continue
            }
            let imagePath = directory.appendingPathComponent("images").appendingPathComponent(fields[fileColumn]).path
            do throws(DatasetError) {
                var pixels = try ImageFiles.readPNG(imagePath)
                pixels.values = pixels.values.map(signal(greyLevel:))
                let maskPath = directory.appendingPathComponent("masks").appendingPathComponent(fields[fileColumn]).path
                let masks = try segmentation(maskPath, matching: pixels, lge: lge == 1)
                slices.append(LabeledSlice(
                    id: fields[fileColumn], patient: fields[caseColumn], pixels: pixels, pixelSpacing: nil, isSigned: true,
                    lge: lge == 1, lowCertainty: nil, causes: nil, source: "EMIDEC (CC BY-NC-SA 4.0)",
                    lesionMask: masks?.lesion, myocardiumMask: masks?.myocardium))
            } catch {
                failures.append(error)
            }
        }
        return (slices, failures)
    }

    /// Mask label of infarct; microvascular obstruction (label 4) lies inside an infarct and counts too.
    public static let infarctLabels: Set<Float> = [3, 4]
    /// Mask labels of the myocardium: healthy (2) and the infarct and MVO within it.
    public static let myocardiumLabels: Set<Float> = [2, 3, 4]

    /// The slice's infarct and myocardium masks, or nil where the set has no mask file (the slice still
    /// trains its label). A mask that exists but is unreadable, on another grid, or disagrees with the
    /// manifest's `lge` is an error: training on it would teach the wrong place.
    static func segmentation(_ path: String, matching image: PixelImage, lge: Bool) throws(DatasetError) -> (lesion: PixelImage, myocardium: PixelImage)? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let labels = try ImageFiles.readMask(path, matching: image)
        var lesion = labels, myocardium = labels
        lesion.values = labels.values.map { infarctLabels.contains($0) ? 1 : 0 }
        myocardium.values = labels.values.map { myocardiumLabels.contains($0) ? 1 : 0 }
        guard lesion.values.contains(1) == lge else {
            throw .badMask(path: path, reason: "mask \(lge ? "has no" : "has") infarct pixels but manifest.csv says lge = \(lge ? 1 : 0)")
        }
        return (lesion, myocardium)
    }
}
