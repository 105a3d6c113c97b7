import ArgumentParser
import Foundation
import LGEDatasets
import LGEEvaluation

/// `lgeqa model compare A.csv B.csv`: whether one recipe really beats another on the same
/// slices, from the out-of-fold predictions `model cross-validate --predictions` writes.
///
/// Two cross-validated AUCs with overlapping intervals say little: both models meet the same
/// hard slices, so their difference is much better determined than either figure. This pairs
/// every slice's two predictions and resamples patients once for both.
struct ModelCompare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two recipes' out-of-fold predictions on the same slices (paired patient bootstrap).",
        discussion: """
            Give two files written by `lgeqa model cross-validate --predictions` on the same data (any folds or \
            seeds). Every slice must be in both, with the same label. Prints the pooled, within-patient and \
            patient-level ROC AUC of each and the difference A − B with a 95% interval from resampling patients \
            with both predictions kept together, and the share of replicates in which A was not better.
            """
    )

    @Argument(help: "Predictions of recipe A (CSV: fold,case,file,lge,p_lge[,p_lesion_map,p_combined]).") var first: String
    @Argument(help: "Predictions of recipe B, on the same slices (may be the same file, with another --second-column).") var second: String
    @Option(help: "Which score to compare: p_lge (the head), p_lesion_map (the lesion map's highest cell) or p_combined (their mean).")
    var column = "p_lge"
    @Option(help: "The score to read from B, when it differs from --column (e.g. a recipe's map against its own head).")
    var secondColumn: String?
    @Option(help: "Bootstrap replicates.") var replicates = 2000
    @Option(help: "Seed for the resampling.") var seed: UInt64 = 1
    @Option(help: "Output format: table or json.") var format: ReportFormat = .table
    @OptionGroup var global: GlobalOptions

    struct Row: Codable {
        var statistic: String
        var comparison: PairedDifference
    }

    struct Report: Codable {
        var first: String
        var second: String
        var slices: Int
        var patients: Int
        /// Slices left out because either file has no prediction for them (no assessment).
        var unscored: Int
        var replicates: Int
        var rows: [Row]
    }

    func validate() throws {
        guard replicates > 0 else { throw ValidationError("--replicates must be 1 or more (found \(replicates))") }
    }

    func run() async throws {
        let a = try OutOfFoldPredictions(path: first, column: column)
        let b = try OutOfFoldPredictions(path: second, column: secondColumn ?? column)
        let (cases, unscored) = try OutOfFoldPredictions.paired(a, b)
        let bootstrap = PatientBootstrap(replicates: replicates, seed: seed)
        let statistics: [(String, ([ScoredCase]) -> Double?)] = [
            ("ROC AUC, pooled", rocAUC),
            ("within-patient ROC AUC", { withinPatientROCAUC($0)?.auc }),
            ("patient-level ROC AUC", patientLevelROCAUC),
        ]
        let rows = statistics.compactMap { name, statistic in
            bootstrap.difference(cases, statistic: statistic).map { Row(statistic: name, comparison: $0) }
        }
        guard !rows.isEmpty else {
            throw CommandError("\(first), \(second): the slices hold only one label, so there is no ROC AUC to compare")
        }
        let report = Report(
            first: first, second: second, slices: cases.count, patients: Set(cases.map(\.patient)).count,
            unscored: unscored, replicates: replicates, rows: rows)
        switch format {
        case .json:
            print(try prettyJSON(report))
        case .table:
            print("A: \(first) (\(column))")
            print("B: \(second) (\(secondColumn ?? column))")
            print("  \(report.slices) slices of \(report.patients) patients in both\(unscored > 0 ? " (\(unscored) left out: no prediction in one file)" : "")")
            for row in rows {
                let c = row.comparison
                print("  " + row.statistic.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(format: "A %.3f  B %.3f  A − B %+.3f [%+.3f, %+.3f]  A not better in %.1f%% of replicates",
                             c.first, c.second, c.difference.value, c.difference.lower, c.difference.upper, 100 * c.shareNotBetter))
            }
            print("  95% intervals: percentile bootstrap over patients, both predictions of a slice kept together (\(replicates) replicates).")
        }
    }
}

/// A `model cross-validate --predictions` file: one held-out slice per row.
struct OutOfFoldPredictions {
    struct Slice {
        var patient: String
        var lge: Bool
        /// nil where the model gave no assessment.
        var probability: Double?
    }

    let path: String
    /// By EMIDEC file name (unique within the data set).
    let slices: [String: Slice]

    /// Reads the score in `column` (`p_lge`, `p_lesion_map` or `p_combined`).
    init(path: String, column: String = "p_lge") throws {
        let table = try CSVTable(path: path)
        let patient = try table.column("case"), file = try table.column("file")
        let lge = try table.column("lge"), probability = try table.column(column)
        var slices: [String: Slice] = [:]
        for (line, fields) in table.rows {
            guard fields.count == table.header.count else {
                throw DatasetError.badTable(path: path, line: line, reason: "expected \(table.header.count) fields, found \(fields.count)")
            }
            guard fields[lge] == "0" || fields[lge] == "1" else {
                throw DatasetError.badTable(path: path, line: line, reason: "lge must be 0 or 1 (found '\(fields[lge])')")
            }
            var p: Double?
            if !fields[probability].isEmpty {
                guard let value = Double(fields[probability]), (0...1).contains(value) else {
                    throw DatasetError.badTable(
                        path: path, line: line, reason: "\(column) must be a probability from 0 to 1, or empty (found '\(fields[probability])')")
                }
                p = value
            }
            guard slices[fields[file]] == nil else {
                throw DatasetError.badTable(path: path, line: line, reason: "slice '\(fields[file])' appears twice")
            }
            slices[fields[file]] = Slice(patient: fields[patient], lge: fields[lge] == "1", probability: p)
        }
        guard !slices.isEmpty else { throw DatasetError.badTable(path: path, line: 1, reason: "no predictions") }
        self.path = path
        self.slices = slices
    }

    /// Every slice with both predictions, and how many had one side unassessed. Throws when the
    /// files hold different slices or disagree about a slice's label or patient: then they are
    /// not predictions on the same data.
    static func paired(_ a: OutOfFoldPredictions, _ b: OutOfFoldPredictions) throws -> (cases: [PairedCase], unscored: Int) {
        let onlyA = Set(a.slices.keys).subtracting(b.slices.keys).sorted()
        let onlyB = Set(b.slices.keys).subtracting(a.slices.keys).sorted()
        func list(_ names: [String]) -> String { names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", …" : "") }
        guard onlyA.isEmpty && onlyB.isEmpty else {
            var parts: [String] = []
            if !onlyA.isEmpty { parts.append("\(onlyA.count) slice(s) only in \(a.path) (\(list(onlyA)))") }
            if !onlyB.isEmpty { parts.append("\(onlyB.count) slice(s) only in \(b.path) (\(list(onlyB)))") }
            throw CommandError("the two files are not predictions on the same slices: " + parts.joined(separator: "; ")
                + ". Cross-validate both recipes on the same EMIDEC folder.")
        }
        var cases: [PairedCase] = []
        var unscored = 0
        for name in a.slices.keys.sorted() {
            let x = a.slices[name]!, y = b.slices[name]!
            guard x.lge == y.lge, x.patient == y.patient else {
                throw CommandError("\(name): \(a.path) says patient \(x.patient), lge \(x.lge ? 1 : 0); \(b.path) says patient \(y.patient), lge \(y.lge ? 1 : 0). Both must come from the same data.")
            }
            guard let p = x.probability, let q = y.probability else {
                unscored += 1
                continue
            }
            cases.append(PairedCase(truth: x.lge, patient: x.patient, first: p, second: q))
        }
        return (cases, unscored)
    }
}
