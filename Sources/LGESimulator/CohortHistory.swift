import Foundation
import LGERandom

/// How a simulated cohort is also written as a historical archive (docs/history.md): the exams
/// under `sessions/`, and `outcomes.csv` with what happened afterwards, derived from the
/// simulator's truth. Everything here is SYNTHETIC: the outcome model is an assumption chosen to
/// give audits something realistic to find, not a measured clinical rate.
///
/// The outcome of exam i is drawn from its own stream ("history/SITE/i"), so writing a history
/// never changes what ``CohortGenerator/exam(_:)`` draws: the exams are the cohort's exams.
public struct CohortHistoryModel: Sendable, Hashable, Codable {
    /// Probability of an in-scope recall or inconclusive report when the readers are unsure about
    /// `n` planned slices: `min(maximum, base + perSlice·n)` for n ≥ 1.
    public var base = 0.2
    public var perSlice = 0.12
    public var maximum = 0.9
    /// Of those, the share recalled (the rest: an inconclusive report, no recall).
    public var recalledShare = 0.6
    /// Recalls for reasons a prompt cannot fix (claustrophobia, another question), any exam.
    public var outOfScopeRecall = 0.03
    /// Exams per day, for the `date` column (from 2025-01-06).
    public var examsPerDay = 6

    public init() {}

    public static let csvHeader = "session_id,date,site,scanner,conclusive,recalled,reason_in_scope,synthetic_unsure_slices\n"

    /// The `outcomes.csv` row of exam `index`, from its truth (planned acquisitions only).
    public func row(for exam: ExamCase, index: Int, site: CohortSite, seed: UInt64, truth: ExamTruth) -> String {
        var random = SeededGenerator(seed: seed, stream: "history/\(site.rawValue)/\(index)")
        let unsure = truth.acquisitions.filter { $0.action == nil && $0.images.contains(where: \.lowCertainty) }.count
        var conclusive = true, recalled = false, inScope = false
        if unsure > 0, random.uniform(0...1) < min(maximum, base + perSlice * Double(unsure)) {
            inScope = true
            if random.uniform(0...1) < recalledShare { recalled = true } else { conclusive = false }
        } else if random.uniform(0...1) < outOfScopeRecall {
            recalled = true
        }
        let day = index / max(examsPerDay, 1)
        let date = Calendar(identifier: .gregorian).date(byAdding: .day, value: day, to: Self.firstDay)!
        // Two scanners per field strength, so an audit has clusters to resample.
        let scanner = (exam.patient.fieldStrength == .t3 ? "3T-" : "1.5T-") + (index % 2 == 0 ? "a" : "b")
        func flag(_ value: Bool) -> String { value ? "yes" : "no" }
        return [exam.name, Self.dateFormatter.string(from: date), site.rawValue, scanner, flag(conclusive), flag(recalled), flag(inScope), String(unsure)]
            .joined(separator: ",") + "\n"
    }

    static let firstDay = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"), year: 2025, month: 1, day: 6).date!

    static var dateFormatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }
}

/// A smaller acquisition for tests and benchmarks, applied after an exam is drawn (so the draws,
/// and the exams' anatomy, scar and artifacts, stay the cohort's).
public struct PlanReduction: Sendable, Hashable, Codable {
    /// Keep at most this many short-axis slices (artifacts on dropped slices go with them).
    public var maximumShortAxisSlices: Int?
    /// Acquisition matrix; the pixel size grows so that the field of view stays.
    public var matrix: Int?
    /// Drop the long-axis views.
    public var dropLongAxis = false

    public init(maximumShortAxisSlices: Int? = nil, matrix: Int? = nil, dropLongAxis: Bool = false) {
        self.maximumShortAxisSlices = maximumShortAxisSlices
        self.matrix = matrix
        self.dropLongAxis = dropLongAxis
    }

    public func apply(to exam: inout ExamCase) {
        if let maximumShortAxisSlices { exam.plan.shortAxisSlices = min(exam.plan.shortAxisSlices, max(1, maximumShortAxisSlices)) }
        if let matrix, matrix > 0 {
            exam.plan.pixelSize *= Double(exam.plan.matrix) / Double(matrix)
            exam.plan.matrix = matrix
        }
        if dropLongAxis { exam.plan.longAxisViews = [] }
    }
}
