import Foundation
import LGEDICOM

/// An input that could not be read as an MR slice, and why.
public struct InputProblem: Sendable, Hashable, Codable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// What `lgeqa inspect` reports: studies and series as summaries, and the inputs it skipped.
///
/// Holds no patient names, IDs or birth dates; studies are named "study 1", "study 2", ... and
/// by their StudyInstanceUID.
public struct InspectionReport: Sendable, Hashable, Codable {
    public var studies: [StudySummary]
    /// Inputs that could not be read, as given.
    public var unreadable: [InputProblem]

    enum CodingKeys: String, CodingKey {
        case studies, unreadable
    }

    public init(studies: [StudySummary], unreadable: [InputProblem] = []) {
        self.studies = studies
        self.unreadable = unreadable
    }

    /// Summarises a session.
    public init(session: Session, unreadable: [InputProblem] = []) {
        self.studies = session.studies.enumerated().map { StudySummary(study: $1, label: "study \($0 + 1)") }
        self.unreadable = unreadable
    }

    /// The report as pretty-printed JSON with sorted snake_case keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a report written by `jsonData()`.
    public static func decode(json: Data) throws -> InspectionReport {
        try JSONDecoder().decode(InspectionReport.self, from: json)
    }

    /// A fixed-width text table: per study a heading, one line per series with its problems
    /// indented underneath, then the study's repeats and problems; finally unreadable inputs.
    public func renderTable() -> String {
        var out = ""
        if studies.isEmpty { out += "no MR slices found\n" }
        let header = ["SERIES", "DESCRIPTION", "SLICES", "VIEW", "TI (ms)", "PE", "RECON", "REPEATS"]
        let rightAligned: Set<Int> = [0, 2, 7]
        let rows = studies.map { $0.series.map(\.tableCells) }
        // One set of widths for the whole report, so columns line up across studies.
        let widths = header.indices.map { column in
            ([header] + rows.flatMap { $0 }).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }
            var text = "  " + padded.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }

        for (index, study) in studies.enumerated() {
            if index > 0 { out += "\n" }
            out += [study.label, study.studyInstanceUID, study.date].compactMap { $0 }.joined(separator: "  ") + "\n"
            out += "  heart axes: \(study.axesBasis)\n"
            out += line(header) + "\n"
            for (series, cells) in zip(study.series, rows[index]) {
                out += line(cells) + "\n"
                for problem in series.problems { out += "      ! \(problem.message)\n" }
            }
            if !study.repeats.isEmpty {
                out += "  repeats:\n"
                for repeated in study.repeats { out += "    - \(repeated.summary)\n" }
            }
            if !study.problems.isEmpty {
                out += "  study problems:\n"
                for problem in study.problems { out += "    ! \(problem.message)\n" }
            }
        }
        if !unreadable.isEmpty {
            out += "\nunreadable inputs (\(unreadable.count)):\n"
            for input in unreadable { out += "  - \(input.path): \(input.reason)\n" }
        }
        return out
    }
}

/// One study in a report.
public struct StudySummary: Sendable, Hashable, Codable {
    /// "study 1", "study 2", ... in acquisition order.
    public var label: String
    public var studyInstanceUID: String
    /// Study date and time as "YYYY-MM-DD HH:MM:SS", when known.
    public var date: String?
    public var axesBasis: String
    public var series: [SeriesSummary]
    public var repeats: [RepeatSummary]
    /// Problems of the study as a whole; series problems are under each series.
    public var problems: [ProblemSummary]

    enum CodingKeys: String, CodingKey {
        case label, date, series, repeats, problems
        case studyInstanceUID = "study_instance_uid"
        case axesBasis = "axes_basis"
    }

    public init(study: Study, label: String) {
        self.label = label
        self.studyInstanceUID = study.studyInstanceUID
        self.date = study.studyDateTime?.description
        self.axesBasis = study.axesBasis
        self.series = study.series.map { series in
            SeriesSummary(
                series: series,
                repeatCount: study.repeats.filter { $0.seriesInstanceUIDs.contains(series.seriesInstanceUID) }.count)
        }
        self.repeats = study.repeats.map(RepeatSummary.init)
        self.problems = study.problems.map(ProblemSummary.init)
    }
}

/// One series in a report.
public struct SeriesSummary: Sendable, Hashable, Codable {
    public var seriesNumber: Int?
    public var seriesInstanceUID: String
    public var description: String?
    public var sliceCount: Int
    public var orientation: ViewOrientation
    /// Inversion time range, ms.
    public var inversionTimeMin: Double?
    public var inversionTimeMax: Double?
    public var phaseEncodeDirections: [PhaseEncodeDirection]
    /// The series' (majority) reconstruction, and why.
    public var reconstruction: Reconstruction
    public var reconstructionBasis: String
    /// Every reconstruction in the series (two for a Philips series holding both).
    public var reconstructions: [Reconstruction]
    /// How many of the study's repeated acquisitions involve this series.
    public var repeatCount: Int
    public var problems: [ProblemSummary]

    enum CodingKeys: String, CodingKey {
        case description, orientation, reconstruction, reconstructions, problems
        case seriesNumber = "series_number"
        case seriesInstanceUID = "series_instance_uid"
        case sliceCount = "slice_count"
        case inversionTimeMin = "inversion_time_min_ms"
        case inversionTimeMax = "inversion_time_max_ms"
        case phaseEncodeDirections = "phase_encode_directions"
        case reconstructionBasis = "reconstruction_basis"
        case repeatCount = "repeat_count"
    }

    public init(series: Series, repeatCount: Int) {
        self.seriesNumber = series.seriesNumber
        self.seriesInstanceUID = series.seriesInstanceUID
        self.description = series.seriesDescription
        self.sliceCount = series.slices.count
        self.orientation = series.orientation
        self.inversionTimeMin = series.inversionTimeRange?.lowerBound
        self.inversionTimeMax = series.inversionTimeRange?.upperBound
        self.phaseEncodeDirections = series.phaseEncodeDirections
        self.reconstruction = series.reconstruction.kind
        self.reconstructionBasis = series.reconstruction.basis
        self.reconstructions = series.reconstructions
        self.repeatCount = repeatCount
        self.problems = series.problems.map(ProblemSummary.init)
    }

    /// Longest description the table shows before shortening it.
    static let descriptionWidth = 32

    var tableCells: [String] {
        var text = description ?? "-"
        if text.count > Self.descriptionWidth { text = String(text.prefix(Self.descriptionWidth - 3)) + "..." }
        let ti: String = switch (inversionTimeMin, inversionTimeMax) {
        case let (low?, high?) where low == high: SessionFormat.number(low)
        case let (low?, high?): "\(SessionFormat.number(low))-\(SessionFormat.number(high))"
        default: "-"
        }
        let known = reconstructions.filter { $0 != .unknown }
        let recon = known.count > 1 ? known.map(\.rawValue).joined(separator: "+") : reconstruction.rawValue
        return [
            seriesNumber.map(String.init) ?? "-", text, String(sliceCount), orientation.rawValue, ti,
            phaseEncodeDirections.isEmpty ? "-" : phaseEncodeDirections.map(\.rawValue).joined(separator: "+"),
            recon, String(repeatCount),
        ]
    }
}

/// A repeated acquisition in a report.
public struct RepeatSummary: Sendable, Hashable, Codable {
    public var orientation: ViewOrientation
    public var stackPosition: Int?
    /// Every image of every try, in time order.
    public var slices: [RepeatSliceSummary]
    /// What changed from each try to the next, one entry per step.
    public var changes: [String]

    enum CodingKeys: String, CodingKey {
        case orientation, slices, changes
        case stackPosition = "stack_position"
    }

    public init(_ repeated: RepeatedAcquisition) {
        orientation = repeated.orientation
        stackPosition = repeated.stackPosition
        slices = repeated.slices.map { RepeatSliceSummary(sopInstanceUID: $0.sopInstanceUID, seriesNumber: $0.seriesNumber) }
        changes = zip(zip(repeated.tries, repeated.tries.dropFirst()), repeated.changes).map { pair, changes in
            "\(RepeatSummary.name(pair.0)) -> \(RepeatSummary.name(pair.1)): "
                + changes.map(\.description).joined(separator: "; ")
        }
    }

    static func name(_ attempt: AcquisitionTry) -> String {
        var names: [String] = []
        for slice in attempt.slices {
            let name = Series.label(number: slice.seriesNumber, uid: slice.seriesInstanceUID)
            if !names.contains(name) { names.append(name) }
        }
        return names.joined(separator: "+")
    }

    /// One line: where, and what changed at each retake.
    var summary: String {
        // Technologists count slices from 1 (base); the JSON keeps the 0-based position.
        let place = orientation.rawValue + (stackPosition.map { " slice \($0 + 1) from base" } ?? "")
        return "\(place): " + changes.joined(separator: "; then ")
    }
}

/// Names one image of a repeat.
public struct RepeatSliceSummary: Sendable, Hashable, Codable {
    public var sopInstanceUID: String
    public var seriesNumber: Int?

    enum CodingKeys: String, CodingKey {
        case sopInstanceUID = "sop_instance_uid"
        case seriesNumber = "series_number"
    }

    public init(sopInstanceUID: String, seriesNumber: Int?) {
        self.sopInstanceUID = sopInstanceUID
        self.seriesNumber = seriesNumber
    }
}

/// A problem in a report: a stable kind and a sentence.
public struct ProblemSummary: Sendable, Hashable, Codable {
    public var kind: String
    public var message: String

    public init(_ problem: SessionProblem) {
        kind = problem.kind
        message = problem.description
    }
}
