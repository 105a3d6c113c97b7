import CSV
import Foundation

/// A CSV file with a header row, read through CSV.swift, that remembers line numbers so a bad
/// row can be reported where it is.
public struct CSVTable: Sendable {
    public let path: String
    public let header: [String]
    /// Rows with their 1-based line numbers in the file (the header is line 1).
    public let rows: [(line: Int, fields: [String])]

    public init(path: String) throws(DatasetError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .badTable(path: path, line: 1, reason: "not readable as UTF-8 text")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true)
        } catch {
            throw .badTable(path: path, line: 1, reason: "not a CSV table: \(error)")
        }
        self.path = path
        header = reader.headerRow ?? []
        var rows: [(Int, [String])] = []
        var line = 1
        while let fields = reader.next() {
            line += 1
            rows.append((line, fields))
        }
        if let error = reader.error {
            throw .badTable(path: path, line: line + 1, reason: "malformed CSV: \(error)")
        }
        self.rows = rows
    }

    /// The index of a required column.
    public func column(_ name: String) throws(DatasetError) -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw .missingColumn(path: path, column: name, available: header)
        }
        return index
    }
}
