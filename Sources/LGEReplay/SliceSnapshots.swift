import Foundation
import LGEDICOM
import LGEImageAnalysis
import LGEProtocol

/// Writes each arriving image as an 8-bit PNG in a reading window, so a technologist in training
/// replaying in a terminal can look at the slice before deciding what to do.
///
/// Magnitude images are shown from 0 (the null is black) to their 99.5th percentile; PSIR images
/// from their 0.5th to 99.5th percentile, as a reader windows them. Files are named
/// `NNN-TARGET-RECONSTRUCTION.png` by arrival (`006-SA_6-psir.png`), so they sort in replay order.
public struct SliceSnapshotWriter: Sendable {
    public let directory: URL

    /// Creates the folder if needed.
    public init(directory: URL) throws(SnapshotError) {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw .cannotCreate(path: directory.path, reason: error.localizedDescription)
        }
        self.directory = directory
    }

    /// Writes the slice's images; returns the paths written, PSIR first.
    public func write(_ slice: ArrivingSlice, number: Int) throws(SnapshotError) -> [String] {
        var paths: [String] = []
        let target = slice.target.map { $0.isLetter || $0.isNumber ? $0 : "_" }
        for image in slice.images {
            guard let pixels = image.pixels, !pixels.values.isEmpty else { continue }
            let name = String(format: "%03d", number) + "-\(String(target))-\(image.reconstruction.name).png"
            let path = directory.appendingPathComponent(name).path
            do {
                try GrayscalePNG.write(Self.windowed(pixels, signed: image.reconstruction == .psir), rows: pixels.rows, columns: pixels.columns, to: path)
            } catch { throw .cannotWrite(path: path, reason: error.reason) }
            paths.append(path)
        }
        return paths
    }

    /// 0–255 grey levels in the reading window (non-finite pixels black).
    static func windowed(_ pixels: PixelImage, signed: Bool) -> [UInt8] {
        let finite = pixels.values.filter(\.isFinite)
        guard !finite.isEmpty else { return [UInt8](repeating: 0, count: pixels.values.count) }
        let bounds = ImageStatistics.percentiles(finite, signed ? [0.5, 99.5] : [0, 99.5])
        let low = signed ? bounds[0] : min(0, bounds[0])
        let width = max(bounds[1] - low, 1e-6)
        return pixels.values.map { value in
            guard value.isFinite else { return 0 }
            return UInt8(max(0, min(255, ((Double(value) - low) / width * 255).rounded())))
        }
    }
}

/// Why a slice's images could not be written.
public enum SnapshotError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): "cannot create the image folder \(path): \(reason)"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}

/// A source whose acquisitions are also written as PNGs (``SliceSnapshotWriter``) as they arrive.
/// `written` hears, for each acquisition by arrival number, the files or why they could not be
/// written: the replay goes on either way.
public struct SnapshottingSource<Base: ReplaySource>: ReplaySource {
    public var base: Base
    public let writer: SliceSnapshotWriter
    private let written: (Int, Result<[String], SnapshotError>) -> Void
    private var arrivals = 0

    public init(_ base: Base, writer: SliceSnapshotWriter, written: @escaping (Int, Result<[String], SnapshotError>) -> Void) {
        self.base = base
        self.writer = writer
        self.written = written
    }

    public var info: SourceInfo { base.info }

    public mutating func next() throws(ReplayError) -> ArrivingSlice? {
        guard let slice = try base.next() else { return nil }
        arrivals += 1
        let number = arrivals
        written(number, Result { () throws(SnapshotError) in try writer.write(slice, number: number) })
        return slice
    }

    public mutating func carryOut(_ recommendation: Recommendation, after slice: ArrivingSlice) throws(ReplayError) -> CarriedOutAction? {
        try base.carryOut(recommendation, after: slice)
    }
}
