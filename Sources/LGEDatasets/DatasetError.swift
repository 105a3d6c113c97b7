/// Why a data set (or part of it) could not be loaded: names the file and, for tables, the line.
public enum DatasetError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingFile(path: String)
    case unreadableImage(path: String, reason: String)
    case badTable(path: String, line: Int, reason: String)
    /// A segmentation mask that cannot be used with its image.
    case badMask(path: String, reason: String)
    case missingColumn(path: String, column: String, available: [String])
    case impossibleSplit(String)

    public var description: String {
        switch self {
        case .missingFile(let path): "\(path): no such file"
        case .unreadableImage(let path, let reason): "\(path): cannot read the image: \(reason)"
        case .badTable(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .badMask(let path, let reason): "\(path): unusable lesion mask: \(reason)"
        case .missingColumn(let path, let column, let available):
            "\(path): no column '\(column)' (the header has \(available.joined(separator: ", ")))"
        case .impossibleSplit(let why): "cannot split: \(why)"
        }
    }
}
