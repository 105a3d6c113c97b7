import Foundation
import LGEEvaluation

/// The rule that turns readers' VAS scores into the paper's two classes (BRIEF §1): low certainty
/// when the mean VAS lies in the equivocal band, or when the readers fall on opposite sides of 50.
///
/// The same rule as the simulator's `CertaintyBand` (a test checks that they agree), here so that
/// real expert scores are labelled without depending on the simulator.
public struct VASCertaintyRule: Sendable, Hashable, Codable {
    /// Inclusive bounds of the equivocal band, VAS points.
    public var lower: Double
    public var upper: Double
    /// Also call a slice low certainty when one reader scores above 50 and another below.
    public var readersOnOppositeSides: Bool

    public init(lower: Double = 25, upper: Double = 75, readersOnOppositeSides: Bool = true) {
        self.lower = lower
        self.upper = upper
        self.readersOnOppositeSides = readersOnOppositeSides
    }

    public static let standard = VASCertaintyRule()

    public func isLowCertainty(_ scores: [Double]) -> Bool {
        guard !scores.isEmpty else { return true }
        let mean = scores.reduce(0, +) / Double(scores.count)
        let split = readersOnOppositeSides && scores.contains { $0 > 50 } && scores.contains { $0 < 50 }
        return (lower...upper).contains(mean) || split
    }

    /// One reader's own class: low certainty inside the band (what inter-reader agreement compares).
    public func isLowCertainty(single score: Double) -> Bool { (lower...upper).contains(score) }
}

/// One slice's expert label, from every reader's score.
public struct ExpertLabel: Sendable, Hashable, Codable {
    /// The image: a SOP Instance UID or an image path, as the score file gives it.
    public var image: String
    /// VAS per reader id.
    public var scores: [String: Double]
    public var meanVAS: Double
    /// The paper's target class.
    public var lowCertainty: Bool
    /// The readers' majority view on LGE itself (mean VAS above 50).
    public var lgeLikely: Bool
}

/// Inter-reader agreement on a set of slices.
public struct InterReaderAgreement: Sendable, Hashable, Codable {
    /// The two readers compared (the first two by id when there are more).
    public var readers: [String]
    /// Slices both readers scored.
    public var slices: Int
    /// Share of slices where the readers' own certainty classes agree (the paper's 0.86).
    public var classAgreement: Double?
    /// Cohen's kappa on the same classes.
    public var cohenKappa: Double?
    /// ICC(2,1), two-way random effects, absolute agreement, single rater, on the raw VAS.
    public var icc21: Double?

    enum CodingKeys: String, CodingKey {
        case readers, slices, classAgreement = "class_agreement", cohenKappa = "cohen_kappa", icc21 = "icc_2_1"
    }

    /// Agreement of the first two readers (sorted by id) on `labels`, classes by `rule`.
    public init(labels: [ExpertLabel], rule: VASCertaintyRule) {
        let ids = Set(labels.flatMap(\.scores.keys)).sorted()
        readers = Array(ids.prefix(2))
        let pairs: [(Double, Double)] = ids.count < 2 ? [] : labels.compactMap { label in
            guard let a = label.scores[ids[0]], let b = label.scores[ids[1]] else { return nil }
            return (a, b)
        }
        slices = pairs.count
        let a = pairs.map { rule.isLowCertainty(single: $0.0) }, b = pairs.map { rule.isLowCertainty(single: $0.1) }
        classAgreement = pairs.isEmpty ? nil : Double(zip(a, b).filter { $0 == $1 }.count) / Double(pairs.count)
        cohenKappa = pairs.isEmpty ? nil : ReaderAgreement.cohenKappa(a, b)
        icc21 = ReaderAgreement.icc21(pairs.map { [$0.0, $0.1] })
    }
}

/// A CSV of per-slice reader scores: one row per reader per image, with columns `reader`, `vas`
/// (0–100) and the image as `sop_instance_uid` or `image` (a path). This is the format the
/// simulator's `readers.csv` uses, so simulated and real expert scores load the same way.
public struct ExpertScores: Sendable {
    /// One per image that has at least one valid score.
    public var labels: [ExpertLabel]
    /// Rows that were excluded, each with its line and why.
    public var problems: [DatasetError]
    /// Which column identified the images.
    public var imageColumn: String
    /// Valid score rows read.
    public var rowsUsed: Int

    /// Reads `path`. A missing file or a header without the needed columns throws; bad rows are
    /// collected in `problems` (never silently dropped) and the rest load.
    public init(path: String, rule: VASCertaintyRule = .standard) throws(DatasetError) {
        let table = try CSVTable(path: path)
        let imageColumn = table.header.contains("sop_instance_uid") ? "sop_instance_uid" : "image"
        let image = try table.column(imageColumn), reader = try table.column("reader"), vas = try table.column("vas")
        var byImage: [String: [String: Double]] = [:]
        var order: [String] = []
        var problems: [DatasetError] = []
        var used = 0
        for (line, fields) in table.rows {
            guard fields.count == table.header.count else {
                problems.append(.badTable(path: path, line: line, reason: "expected \(table.header.count) fields, found \(fields.count)"))
                continue
            }
            let key = fields[image].trimmingCharacters(in: .whitespaces), id = fields[reader].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !id.isEmpty else {
                problems.append(.badTable(path: path, line: line, reason: "empty \(key.isEmpty ? imageColumn : "reader")"))
                continue
            }
            guard let score = Double(fields[vas].trimmingCharacters(in: .whitespaces)), (0...100).contains(score) else {
                problems.append(.badTable(path: path, line: line, reason: "vas '\(fields[vas])' is not a number from 0 to 100"))
                continue
            }
            if byImage[key]?[id] != nil {
                problems.append(.badTable(path: path, line: line, reason: "reader '\(id)' already scored this image; the first score is kept"))
                continue
            }
            if byImage[key] == nil { order.append(key) }
            byImage[key, default: [:]][id] = score
            used += 1
        }
        labels = order.map { key in
            let scores = byImage[key]!
            let values = scores.keys.sorted().map { scores[$0]! }
            let mean = values.reduce(0, +) / Double(values.count)
            return ExpertLabel(image: key, scores: scores, meanVAS: mean, lowCertainty: rule.isLowCertainty(values), lgeLikely: mean > 50)
        }
        self.problems = problems
        self.imageColumn = imageColumn
        rowsUsed = used
    }
}

extension PatientSplit {
    /// Train / validation / test of expert-labelled images by patient (the paper: 70:15:15),
    /// stratified by whether the patient has any low-certainty slice. `patientOf` maps an image
    /// to its patient; images it returns nil for are left out.
    public static func trainValidationTest(
        labels: [ExpertLabel], patientOf: (String) -> String?, fractions: (train: Double, validation: Double) = (0.70, 0.15), seed: UInt64
    ) throws(DatasetError) -> (train: Set<String>, validation: Set<String>, test: Set<String>) {
        var hasLow: [String: Bool] = [:]
        for label in labels {
            guard let patient = patientOf(label.image) else { continue }
            hasLow[patient] = (hasLow[patient] ?? false) || label.lowCertainty
        }
        return try trainValidationTest(patients: hasLow, fractions: fractions, seed: seed)
    }
}
