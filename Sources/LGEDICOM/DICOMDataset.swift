import CDCMTKShim

/// A loaded DICOM file, owned by this object and released with it.
///
/// Not `Sendable`: dcmtk objects are not safe to share between threads. Read what you need
/// into value types (``MRSliceHeader``, ``PixelImage``) and let the dataset go.
final class DICOMDataset {
    let handle: OpaquePointer
    let path: String

    /// Opens `path`; the reason for a failure comes from the shim, one line.
    init(contentsOf path: String) throws(DICOMReadError) {
        var reason = [CChar](repeating: 0, count: 512)
        var handle: OpaquePointer?
        let status = lgeqa_dataset_open(path, &handle, &reason, reason.count)
        guard status == LGEQA_OK, let handle else {
            throw DICOMReadError(path: path, problem: DICOMDataset.problem(for: status, reason: reason))
        }
        self.handle = handle
        self.path = path
    }

    /// A new, empty dataset for writing.
    init(creatingFor path: String) {
        self.handle = lgeqa_dataset_create()
        self.path = path
    }

    deinit { lgeqa_dataset_close(handle) }

    var root: DICOMItem { DICOMItem(handle: lgeqa_dataset_root(handle), owner: self) }

    var transferSyntaxUID: String {
        var buffer = [CChar](repeating: 0, count: 80)
        lgeqa_dataset_transfer_syntax(handle, &buffer, buffer.count)
        return String(nulTerminated: buffer)
    }

    func pixelInfo() throws(DICOMReadError) -> lgeqa_pixel_info {
        var info = lgeqa_pixel_info()
        var reason = [CChar](repeating: 0, count: 512)
        let status = lgeqa_dataset_pixel_info(handle, &info, &reason, reason.count)
        guard status == LGEQA_OK else {
            throw DICOMReadError(path: path, problem: DICOMDataset.problem(for: status, reason: reason))
        }
        return info
    }

    /// Stored values of one frame (0-based), masked and sign-extended, before rescaling.
    func storedValues(frame: Int, count: Int) throws(DICOMReadError) -> [Float] {
        var reason = [CChar](repeating: 0, count: 512)
        var status = LGEQA_OK
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = lgeqa_dataset_frame_values(handle, UInt32(frame), buffer.baseAddress, count, &reason, reason.count)
            initialized = status == LGEQA_OK ? count : 0
        }
        guard status == LGEQA_OK else {
            throw DICOMReadError(path: path, problem: DICOMDataset.problem(for: status, reason: reason))
        }
        return values
    }

    func save() throws(DICOMWriteError) {
        var reason = [CChar](repeating: 0, count: 512)
        guard lgeqa_dataset_save(handle, path, &reason, reason.count) == LGEQA_OK else {
            throw DICOMWriteError(path: path, reason: String(nulTerminated: reason))
        }
    }

    private static func problem(for status: lgeqa_status, reason: [CChar]) -> DICOMReadProblem {
        let text = String(nulTerminated: reason)
        switch status {
        case LGEQA_ERR_IO: return .cannotOpen(text)
        case LGEQA_ERR_NOT_DICOM: return .notDICOM(text)
        case LGEQA_ERR_TRUNCATED: return .truncated(text)
        case LGEQA_ERR_UNSUPPORTED_SYNTAX: return .unsupportedTransferSyntax(text)
        case LGEQA_ERR_NO_PIXELS: return .notAnImage(text)
        case LGEQA_ERR_BAD_PIXELS: return .unsupportedPixels(text)
        default: return .damaged(text)
        }
    }
}

/// A data set or sequence item inside a ``DICOMDataset``; keeps its dataset alive.
struct DICOMItem {
    let handle: OpaquePointer
    let owner: DICOMDataset

    func string(_ tag: DICOMTag) -> String? {
        var buffer = [CChar](repeating: 0, count: 1024)
        var status = lgeqa_item_get_string(handle, tag.packed, &buffer, buffer.count)
        if status == LGEQA_ERR_ARGUMENT {
            // Rare long values (e.g. a long ImageComments): retry with room for the largest.
            buffer = [CChar](repeating: 0, count: 1 << 16)
            status = lgeqa_item_get_string(handle, tag.packed, &buffer, buffer.count)
        }
        return status == LGEQA_OK ? String(nulTerminated: buffer) : nil
    }

    /// Values of a multi-valued attribute, split at backslashes.
    func strings(_ tag: DICOMTag) -> [String]? {
        string(tag).map { $0.split(separator: "\\", omittingEmptySubsequences: false).map { $0.trimmingSpaces } }
    }

    /// Decimal (DS/FD/IS) values.
    func numbers(_ tag: DICOMTag) -> [Double]? {
        guard let values = strings(tag) else { return nil }
        let parsed = values.compactMap { Double($0) }
        return parsed.count == values.count ? parsed : nil
    }

    func number(_ tag: DICOMTag) -> Double? { numbers(tag)?.first }

    func integer(_ tag: DICOMTag) -> Int? {
        guard let text = string(tag) else { return nil }
        return Int(text) ?? Double(text).flatMap { $0.isFinite ? Int($0) : nil }
    }

    func sequenceCount(_ tag: DICOMTag) -> Int { lgeqa_item_sequence_count(handle, tag.packed) }

    func item(_ tag: DICOMTag, _ index: Int = 0) -> DICOMItem? {
        lgeqa_item_sequence_item(handle, tag.packed, index).map { DICOMItem(handle: $0, owner: owner) }
    }

    // Writing.

    func set(_ tag: DICOMTag, _ value: String) {
        _ = lgeqa_item_put_string(handle, tag.packed, value)
    }

    func appendItem(to tag: DICOMTag) -> DICOMItem? {
        lgeqa_item_append_sequence_item(handle, tag.packed).map { DICOMItem(handle: $0, owner: owner) }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " || s.last == "\0" { s.removeLast() }
        return String(s)
    }
}

extension String {
    /// Text from a NUL-terminated C buffer the shim filled.
    init(nulTerminated buffer: [CChar]) {
        let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
        self = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
