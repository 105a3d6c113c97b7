import Foundation

/// Weights + configuration as one `Data` blob (the model file embeds it).
///
/// Layout, all integers little-endian:
/// ```
/// "LGNW"                          4 bytes magic
/// version: UInt32                 currently 1
/// flags: UInt32                   bit 0: BatchNorm folded into the convolutions
/// totalLength: UInt32             byte count of the whole blob, checksum included
/// configLength: UInt32, config    NetworkConfiguration as UTF-8 JSON (sorted keys)
/// tensorCount: UInt32
/// tensorCount × { nameLength: UInt32, name (UTF-8), rank: UInt32, dims: UInt32 × rank, values: Float32 × ∏dims }
/// crc32: UInt32                   CRC-32 (IEEE 802.3) of every preceding byte
/// ```
/// Tensors are the parameters in `visitParameters` order followed by the buffers (BatchNorm running
/// statistics) in `visitBuffers` order; loading checks each name and shape against the configuration.
public enum NetworkSerialization {
    public static let magic: [UInt8] = Array("LGNW".utf8)
    public static let version: UInt32 = 1
}

/// Why a blob could not be read as a network.
public enum NetworkSerializationError: Error, Equatable, CustomStringConvertible {
    case truncated(wholeBlob: Int, available: Int)
    case malformed(reading: String, offset: Int, needed: Int, available: Int)
    case badMagic([UInt8])
    case unsupportedVersion(UInt32)
    case checksumMismatch(stored: UInt32, computed: UInt32)
    case invalidConfiguration(String)
    case tensorCountMismatch(expected: Int, found: Int)
    case unexpectedTensor(index: Int, expected: String, found: String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case let .truncated(whole, available):
            "network blob is truncated: \(available) bytes present, \(whole) expected"
        case let .malformed(what, offset, needed, available):
            "network blob is malformed: reading \(what) at byte \(offset) needs \(needed) bytes, \(available) remain"
        case .badMagic(let bytes):
            "not a network blob: magic is \(bytes) instead of \"LGNW\""
        case .unsupportedVersion(let v):
            "network blob version \(v) is not supported (this build reads version \(NetworkSerialization.version))"
        case let .checksumMismatch(stored, computed):
            "network blob is corrupt: CRC-32 is 0x\(String(computed, radix: 16)), the blob says 0x\(String(stored, radix: 16))"
        case .invalidConfiguration(let why):
            "network blob has an unusable configuration: \(why)"
        case let .tensorCountMismatch(expected, found):
            "network blob holds \(found) tensors; its configuration needs \(expected)"
        case let .unexpectedTensor(index, expected, found):
            "network blob tensor #\(index) is \"\(found)\"; the configuration expects \"\(expected)\""
        case let .shapeMismatch(name, expected, found):
            "network blob tensor \"\(name)\" has shape \(found); the configuration expects \(expected)"
        case .trailingBytes(let n):
            "network blob has \(n) unexpected bytes (after its declared end, or before its checksum)"
        }
    }
}

extension Network {
    /// The weights, running statistics and configuration in the layout documented on `NetworkSerialization`.
    public func serialized() -> Data {
        var copy = self
        var bytes: [UInt8] = NetworkSerialization.magic
        bytes.appendLE(NetworkSerialization.version)
        bytes.appendLE(UInt32(isFolded ? 1 : 0))
        bytes.appendLE(0)  // total length, patched below
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try! encoder.encode(configuration)  // plain numbers and strings: cannot fail
        bytes.appendLE(UInt32(json.count))
        bytes.append(contentsOf: json)
        var tensors: [(String, Tensor)] = []
        copy.visitParameters { name, p, _ in tensors.append((name, p)) }
        copy.visitBuffers { name, b in tensors.append((name, b)) }
        bytes.appendLE(UInt32(tensors.count))
        for (name, tensor) in tensors {
            let utf8 = Array(name.utf8)
            bytes.appendLE(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
            bytes.appendLE(UInt32(tensor.rank))
            for d in tensor.shape { bytes.appendLE(UInt32(d)) }
            bytes.reserveCapacity(bytes.count + 4 * tensor.count + 4)
            for v in tensor.values { bytes.appendLE(v.bitPattern) }
        }
        let total = UInt32(bytes.count + 4)
        for i in 0..<4 { bytes[12 + i] = UInt8(total >> (8 * UInt32(i)) & 0xFF) }
        bytes.appendLE(crc32(bytes))
        return Data(bytes)
    }

    /// Reads a blob written by `serialized()`.
    public init(serialized data: Data) throws(NetworkSerializationError) {
        let headerLength = 16
        if data.count < headerLength { throw .truncated(wholeBlob: headerLength, available: data.count) }
        var reader = ByteReader(bytes: [UInt8](data))
        let magic = try reader.bytes(4, "magic")
        guard magic == NetworkSerialization.magic else { throw .badMagic(magic) }
        let version = try reader.uint32("version")
        guard version == NetworkSerialization.version else { throw .unsupportedVersion(version) }
        let flags = try reader.uint32("flags")
        let totalLength = Int(try reader.uint32("total length"))
        // The declared length tells a cut-off blob apart from a damaged one before the checksum is read.
        guard data.count >= totalLength else { throw .truncated(wholeBlob: totalLength, available: data.count) }
        guard data.count == totalLength, totalLength >= 20 else { throw .trailingBytes(data.count - totalLength) }
        let stored = UInt32(littleEndianBytes: reader.all[(totalLength - 4)...])
        let computed = crc32(reader.all[..<(totalLength - 4)])
        guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
        reader.end -= 4  // the checksum is not payload
        let configurationLength = Int(try reader.uint32("configuration length"))
        let json = try reader.bytes(configurationLength, "configuration")
        let configuration: NetworkConfiguration
        do {
            configuration = try JSONDecoder().decode(NetworkConfiguration.self, from: Data(json))
        } catch {
            throw .invalidConfiguration("\(error)")
        }
        var network: Network
        do {
            network = try Network(configuration: configuration, seed: 0)
        } catch {
            throw .invalidConfiguration(error.description)
        }
        if flags & 1 != 0 { network = network.foldedForInference() }
        var expected: [(String, [Int])] = []
        network.visitParameters { name, p, _ in expected.append((name, p.shape)) }
        network.visitBuffers { name, b in expected.append((name, b.shape)) }
        let count = Int(try reader.uint32("tensor count"))
        guard count == expected.count else { throw .tensorCountMismatch(expected: expected.count, found: count) }
        var loaded: [Tensor] = []
        loaded.reserveCapacity(count)
        for (index, (expectedName, expectedShape)) in expected.enumerated() {
            let nameLength = Int(try reader.uint32("tensor name length"))
            let name = String(decoding: try reader.bytes(nameLength, "tensor name"), as: UTF8.self)
            guard name == expectedName else { throw .unexpectedTensor(index: index, expected: expectedName, found: name) }
            let rank = Int(try reader.uint32("rank of \(name)"))
            guard rank <= 8 else { throw .shapeMismatch(name: name, expected: expectedShape, found: [rank]) }
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try reader.uint32("shape of \(name)"))) }
            guard shape == expectedShape else { throw .shapeMismatch(name: name, expected: expectedShape, found: shape) }
            let raw = try reader.bytes(4 * shape.reduce(1, *), "values of \(name)")
            var values = [Float](repeating: 0, count: raw.count / 4)
            for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndianBytes: raw[(4 * i)..<(4 * i + 4)])) }
            loaded.append(Tensor(shape: shape, values: values))
        }
        guard reader.offset == reader.end else { throw .trailingBytes(reader.end - reader.offset) }
        var next = 0
        network.visitParameters { _, p, _ in p = loaded[next]; next += 1 }
        network.visitBuffers { _, b in b = loaded[next]; next += 1 }
        // Setting the weights dropped the packing of the folded skeleton: pack the loaded ones.
        self = network.isFolded ? network.foldedForInference() : network
    }
}

/// Bounds-checked little-endian reads that throw instead of trapping.
private struct ByteReader {
    let all: [UInt8]
    var offset = 0
    var end: Int

    init(bytes: [UInt8]) {
        all = bytes
        end = bytes.count
    }

    mutating func bytes(_ n: Int, _ what: String) throws(NetworkSerializationError) -> [UInt8] {
        guard n >= 0, end - offset >= n else {
            // The checksum passed, so a short read means the writer and reader disagree on the layout.
            throw .malformed(reading: what, offset: offset, needed: n, available: end - offset)
        }
        defer { offset += n }
        return Array(all[offset..<(offset + n)])
    }

    mutating func uint32(_ what: String) throws(NetworkSerializationError) -> UInt32 {
        UInt32(littleEndianBytes: try bytes(4, what)[...])
    }
}

extension UInt32 {
    fileprivate init(littleEndianBytes b: ArraySlice<UInt8>) {
        let i = b.startIndex
        self = UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func appendLE(_ v: UInt32) {
        append(UInt8(v & 0xFF)); append(UInt8(v >> 8 & 0xFF)); append(UInt8(v >> 16 & 0xFF)); append(UInt8(v >> 24))
    }
}

private let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

/// CRC-32 (IEEE 802.3, as zlib's `crc32`).
func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
}
