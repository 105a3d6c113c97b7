import Foundation
import LGEDICOM

/// How an LGE image was reconstructed from the inversion-recovery signal.
public enum Reconstruction: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Phase-sensitive (real) reconstruction: signed values, insensitive to the TI choice.
    case psir = "PSIR"
    /// Magnitude reconstruction: nulling depends on the chosen TI.
    case magnitude = "MAG"
    /// The headers do not say.
    case unknown

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A reconstruction decision and, in plain English, what it rests on.
public struct ReconstructionEvidence: Sendable, Hashable, Codable {
    public var kind: Reconstruction
    public var basis: String

    public init(kind: Reconstruction, basis: String) {
        self.kind = kind
        self.basis = basis
    }
}

/// Tells PSIR from magnitude images by their headers.
///
/// Attributes written by the reconstruction (ComplexImageComponent, ImageType) are trusted over
/// the series description, which a technologist or protocol author typed.
public enum ReconstructionClassifier {
    /// Classifies one slice.
    public static func classify(_ header: MRSliceHeader) -> ReconstructionEvidence {
        classify(
            imageType: header.imageType, complexImageComponent: header.complexImageComponent,
            seriesDescription: header.seriesDescription)
    }

    /// Classifies from the three attributes that bear on it.
    public static func classify(
        imageType: [String], complexImageComponent: String?, seriesDescription: String?
    ) -> ReconstructionEvidence {
        let fromDescription = descriptionEvidence(seriesDescription)
        func withDescriptionNote(_ evidence: ReconstructionEvidence) -> ReconstructionEvidence {
            guard let described = fromDescription, described.kind != evidence.kind else { return evidence }
            return ReconstructionEvidence(
                kind: evidence.kind,
                basis: evidence.basis + "; the series description suggests \(described.kind.rawValue), but the header wins")
        }

        switch complexImageComponent?.trimmingCharacters(in: .whitespaces).uppercased() {
        case "REAL":
            return withDescriptionNote(.init(kind: .psir, basis: "ComplexImageComponent is REAL"))
        case "MAGNITUDE":
            return withDescriptionNote(.init(kind: .magnitude, basis: "ComplexImageComponent is MAGNITUDE"))
        default: break
        }

        let values = imageType.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        if values.contains(where: { $0.contains("R_IR") }) {
            return withDescriptionNote(.init(kind: .psir, basis: "ImageType contains R_IR (Philips real IR)"))
        }
        if values.contains(where: { $0.contains("M_IR") }) {
            return withDescriptionNote(.init(kind: .magnitude, basis: "ImageType contains M_IR (Philips magnitude IR)"))
        }
        if values.contains(where: { $0.contains("PSIR") }) {
            return withDescriptionNote(.init(kind: .psir, basis: "ImageType contains PSIR"))
        }
        if values.count > 2, values[2] == "R" {
            return withDescriptionNote(.init(kind: .psir, basis: "ImageType says R (real)"))
        }

        if let fromDescription { return fromDescription }

        // Weakest evidence: many scanners write M here for every image, PSIR included.
        if values.count > 2, values[2] == "M" {
            return .init(kind: .magnitude, basis: "ImageType says M (magnitude)")
        }
        return .init(kind: .unknown, basis: "no ComplexImageComponent, ImageType or series description evidence")
    }

    /// What the series description suggests, or nil when it says nothing about reconstruction.
    static func descriptionEvidence(_ description: String?) -> ReconstructionEvidence? {
        guard let description else { return nil }
        let tokens = DescriptionTokens(description)
        // Siemens names both halves of a PSIR pair after the sequence ("…psir…_MAG" and
        // "…_PSIR"), so an explicit MAG token outranks a PSIR mentioned elsewhere.
        if tokens.contains(where: { ["MAG", "MAGN", "MAGNITUDE"].contains($0) }) {
            return .init(kind: .magnitude, basis: "series description says MAG")
        }
        if tokens.contains(where: { $0.contains("PSIR") }) {
            return .init(kind: .psir, basis: "series description says PSIR")
        }
        if tokens.contains(where: { $0.contains("PSMDE") }) {
            return .init(kind: .psir, basis: "series description says PSMDE (GE phase-sensitive MDE)")
        }
        if tokens.containsSequence(["PHASE", "SENSITIVE"]) || tokens.contains("PHASESENSITIVE") {
            return .init(kind: .psir, basis: "series description says phase sensitive")
        }
        if tokens.contains("PS") {
            return .init(kind: .psir, basis: "series description has a PS (phase-sensitive) prefix")
        }
        if tokens.contains("REAL") {
            return .init(kind: .psir, basis: "series description says REAL")
        }
        if tokens.contains("MDE") {
            return .init(kind: .magnitude, basis: "series description says MDE without PS (GE magnitude)")
        }
        return nil
    }
}

/// A series description split into upper-case words at anything that is not a letter or digit,
/// so that "REAL" matches "LGE_REAL" but not "REALTIME".
struct DescriptionTokens: Sequence {
    let tokens: [String]

    init(_ text: String) {
        tokens = text.uppercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    }

    func makeIterator() -> IndexingIterator<[String]> { tokens.makeIterator() }

    func containsSequence(_ words: [String]) -> Bool {
        guard words.count <= tokens.count else { return false }
        return (0...(tokens.count - words.count)).contains { Array(tokens[$0..<($0 + words.count)]) == words }
    }

    /// The views a description names ("SAX", "short axis", "2CH", "VLA", "LVOT", "4 ch", ...).
    var namedViews: Set<ViewOrientation> {
        var views: Set<ViewOrientation> = []
        for (index, token) in tokens.enumerated() {
            switch token {
            case "SA", "SAX", "SHORTAXIS": views.insert(.shortAxis)
            case "2CH", "2CHAMBER", "VLA": views.insert(.twoChamber)
            case "3CH", "3CHAMBER", "LVOT": views.insert(.threeChamber)
            case "4CH", "4CHAMBER", "HLA": views.insert(.fourChamber)
            case "2", "3", "4":
                guard index + 1 < tokens.count, ["CH", "CHAMBER"].contains(tokens[index + 1]) else { break }
                views.insert(token == "2" ? .twoChamber : token == "3" ? .threeChamber : .fourChamber)
            default: break
            }
        }
        if containsSequence(["SHORT", "AXIS"]) { views.insert(.shortAxis) }
        return views
    }
}
