/// Why a file could not be read as an MR slice. Each case says what is wrong and, where
/// there is one, what would be right.
public enum DICOMReadProblem: Sendable, Hashable, CustomStringConvertible {
    case cannotOpen(String)
    case notDICOM(String)
    case damaged(String)
    case truncated(String)
    case unsupportedTransferSyntax(String)
    case notAnImage(String)
    case notMR(modality: String?, sopClass: String?)
    case unsupportedPixels(String)
    case missingAttribute(name: String, tag: String)

    public var description: String {
        switch self {
        case .cannotOpen(let why): why
        case .notDICOM(let why): why
        case .damaged(let why): why
        case .truncated(let why): why
        case .unsupportedTransferSyntax(let why): why
        case .notAnImage(let why): why
        case .notMR(let modality, let sopClass):
            "not an MR image (modality \(modality ?? "absent"), \(sopClass.map(DICOMUID.name(ofSOPClass:)) ?? "no SOP class")); lgeqa reads MR Image Storage and Enhanced MR Image Storage objects"
        case .unsupportedPixels(let why): why
        case .missingAttribute(let name, let tag): "required attribute \(name) \(tag) is missing or empty"
        }
    }

    /// A short, stable name for JSON output and exit-code decisions.
    public var kind: String {
        switch self {
        case .cannotOpen: "cannot_open"
        case .notDICOM: "not_dicom"
        case .damaged: "damaged"
        case .truncated: "truncated"
        case .unsupportedTransferSyntax: "unsupported_transfer_syntax"
        case .notAnImage: "not_an_image"
        case .notMR: "not_mr"
        case .unsupportedPixels: "unsupported_pixels"
        case .missingAttribute: "missing_attribute"
        }
    }
}

/// A file that could not be read, and why: printed as one line, `path: reason`.
public struct DICOMReadError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var problem: DICOMReadProblem

    public init(path: String, problem: DICOMReadProblem) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

/// Why a slice could not be written.
public struct DICOMWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
