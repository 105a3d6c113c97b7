import Foundation
import Testing
@testable import LGENeural

@Suite("Serialization")
struct SerializationTests {
    func trainedNetwork() throws -> Network {
        _ = blasSetUp
        var net = try Network(configuration: .tiny, seed: 3)
        randomizeBatchNorm(&net, seed: 4)
        _ = net.forward(randomTensor([4, 1, 8, 8], seed: 5), training: true)  // moves the running statistics
        return net
    }

    func tensors(_ network: Network) -> [String: Tensor] {
        var copy = network
        var all: [String: Tensor] = [:]
        copy.visitParameters { name, p, _ in all[name] = p }
        copy.visitBuffers { name, b in all["buffer:" + name] = b }
        return all
    }

    @Test("Round trip is exact, folded networks included")
    func roundTrip() throws {
        let net = try trainedNetwork()
        let data = net.serialized()
        let loaded = try Network(serialized: data)
        #expect(loaded.configuration == net.configuration)
        #expect(tensors(loaded) == tensors(net))
        #expect(tensors(net).keys.contains("buffer:stem.bn.running_mean"))
        #expect(loaded.serialized() == data)
        let x = randomTensor([2, 1, 8, 8], seed: 6)
        #expect(loaded.infer(x) == net.infer(x))
        let folded = net.foldedForInference()
        let loadedFolded = try Network(serialized: folded.serialized())
        #expect(loadedFolded.isFolded)
        #expect(loadedFolded.infer(x) == folded.infer(x))
    }

    @Test("Truncated blobs throw .truncated")
    func truncated() throws {
        let data = try trainedNetwork().serialized()
        for length in [0, 10, 40, data.count / 2, data.count - 1] {
            #expect {
                _ = try Network(serialized: data.prefix(length))
            } throws: { error in
                guard case NetworkSerializationError.truncated = error else { return false }
                return "\(error)".contains("truncated")
            }
        }
    }

    @Test("Altered blobs throw typed errors with clear messages")
    func altered() throws {
        let data = try trainedNetwork().serialized()
        var flipped = data
        flipped[data.count / 2] ^= 0x40
        #expect {
            _ = try Network(serialized: flipped)
        } throws: { error in
            guard case NetworkSerializationError.checksumMismatch = error else { return false }
            return "\(error)".contains("corrupt")
        }
        var magic = data
        magic[0] = UInt8(ascii: "X")
        #expect(throws: NetworkSerializationError.badMagic(Array("XGNW".utf8))) {
            _ = try Network(serialized: magic)
        }
        var version = data
        version[4] = 9
        #expect(throws: NetworkSerializationError.unsupportedVersion(9)) { _ = try Network(serialized: version) }
        #expect(throws: NetworkSerializationError.trailingBytes(3)) {
            _ = try Network(serialized: data + Data([1, 2, 3]))
        }
    }

    @Test("A blob whose configuration disagrees with its tensors is rejected")
    func mismatchedConfiguration() throws {
        let net = try trainedNetwork()
        let data = net.serialized()
        // Rewrite the configuration JSON with a wider head and re-seal length and checksum.
        var bytes = [UInt8](data)
        let jsonLength = Int(bytes[16]) | Int(bytes[17]) << 8 | Int(bytes[18]) << 16 | Int(bytes[19]) << 24
        var configuration = net.configuration
        configuration.headChannels = 13
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = [UInt8](try encoder.encode(configuration))
        bytes.replaceSubrange(20..<(20 + jsonLength), with: json)
        bytes.removeLast(4)
        func le(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * UInt32($0)) & 0xFF) } }
        bytes.replaceSubrange(16..<20, with: le(UInt32(json.count)))
        bytes.replaceSubrange(12..<16, with: le(UInt32(bytes.count + 4)))
        bytes += le(crc32(bytes))
        #expect {
            _ = try Network(serialized: Data(bytes))
        } throws: { error in
            guard case let NetworkSerializationError.shapeMismatch(name, _, _) = error else { return false }
            return name == "head.conv.weight" && "\(error)".contains("head.conv.weight")
        }
    }
}
