import Foundation
import LGENeural

/// ONNX Runtime in a Python process (`Tests/peers/onnx_runtime.py`), the reference lgeqa's exported
/// graphs are checked and timed against. Needs a Python with `onnx` and `onnxruntime` (the project's
/// `.venv`, made by `make test`). Not used for inference by lgeqa itself.
public struct ONNXRuntimePeer: Sendable {
    public var python: String
    public var script: String

    public init(python: String, script: String) {
        self.python = python
        self.script = script
    }

    /// What `onnx.checker.check_model` said.
    public struct CheckReport: Sendable, Decodable {
        public var ok: Bool
        public var opset: [Opset]
        public var inputs: [String]
        public var outputs: [String]
        public var nodes: Int
        public var onnx: String

        public struct Opset: Sendable, Decodable {
            public var domain: String
            public var version: Int
        }
    }

    /// One output of a run.
    public struct Output: Sendable, Decodable {
        public var shape: [Int]
        public var values: [Double]
    }

    struct RunReport: Decodable {
        var outputs: [String: Output]
    }

    /// Timings of a benchmark run.
    public struct BenchReport: Sendable, Decodable {
        public var milliseconds: [Double]
        /// CPU time of the calling thread per run (all of the work when ONNX Runtime has one intra-op thread).
        public var cpuMilliseconds: [Double]
        public var onnxruntime: String
        public var threads: Int

        enum CodingKeys: String, CodingKey {
            case milliseconds, cpuMilliseconds = "cpu_milliseconds", onnxruntime, threads
        }
    }

    /// Per-node kernel times from ONNX Runtime's profiler.
    public struct ProfileReport: Sendable, Decodable {
        /// One node of the optimized graph ONNX Runtime ran, in graph order.
        public struct Node: Sendable, Decodable {
            /// The node's name: lgeqa's layer name (`stages.3.blocks.0.se.scale/Mul`) for nodes of the
            /// exported graph, a generated one for layout nodes ONNX Runtime inserts.
            public var name: String
            public var `operator`: String
            /// Median over the profiled runs, profiler overhead included.
            public var microseconds: Double
        }
        public var nodes: [Node]
        public var onnxruntime: String

        /// Where ONNX Runtime's own layout changes (its NCHWc reorders, which lgeqa has no counterpart
        /// for) are counted in ``millisecondsByBlock()``.
        public static let layoutChanges = "layout changes (ORT only)"

        /// Milliseconds per block of lgeqa's network: `stem`, `stages.S.blocks.B`, `head`,
        /// `pool + classifier`, and ``layoutChanges``.
        public func millisecondsByBlock() -> [String: Double] {
            var result: [String: Double] = [:]
            for node in nodes { result[Self.block(ofNode: node.name, operator: node.operator), default: 0] += node.microseconds / 1000 }
            return result
        }

        /// The block a node belongs to, from the layer names the export gives nodes
        /// (`stages.4.blocks.1.se.scale/Mul` → `stages.4.blocks.1`).
        public static func block(ofNode name: String, operator: String) -> String {
            if name.hasPrefix("stem") { return "stem" }
            if name.hasPrefix("head") { return "head" }
            if name.hasPrefix("stages.") {
                let parts = name.split(separator: ".", maxSplits: 4)
                if parts.count >= 4, parts[2] == "blocks" { return parts.prefix(4).joined(separator: ".") }
            }
            if `operator`.hasPrefix("Reorder") { return layoutChanges }
            return "pool + classifier"
        }
    }

    /// Runs `onnx.checker.check_model(full_check=True)`; throws with the checker's message when it fails.
    public func check(model: String) throws(ONNXRuntimePeerError) -> CheckReport {
        try decode(call(["check", model]))
    }

    /// Runs the model on `input` with `threads` intra-op threads; outputs by name.
    public func run(model: String, input: Tensor, threads: Int = 1) throws(ONNXRuntimePeerError) -> [String: Output] {
        let file = try writeInput(input)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let report: RunReport = try decode(call(["run", model, file, shapeArgument(input), "--threads", "\(threads)"]))
        return report.outputs
    }

    /// Times `runs` inferences of the whole batch `input` after `warmup` untimed ones.
    public func bench(model: String, input: Tensor, threads: Int, runs: Int, warmup: Int = 10) throws(ONNXRuntimePeerError) -> BenchReport {
        let file = try writeInput(input)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try decode(call(["bench", model, file, shapeArgument(input), "--threads", "\(threads)",
                                "--runs", "\(runs)", "--warmup", "\(warmup)"]))
    }

    /// Profiles `runs` inferences of `input` after `warmup` untimed ones: each node's median kernel time.
    public func profile(model: String, input: Tensor, threads: Int, runs: Int, warmup: Int = 10) throws(ONNXRuntimePeerError) -> ProfileReport {
        let file = try writeInput(input)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try decode(call(["profile", model, file, shapeArgument(input), "--threads", "\(threads)",
                                "--runs", "\(runs)", "--warmup", "\(warmup)"]))
    }

    private func shapeArgument(_ t: Tensor) -> String { t.shape.map(String.init).joined(separator: ",") }

    /// The tensor as raw little-endian float32 in a temporary file.
    private func writeInput(_ input: Tensor) throws(ONNXRuntimePeerError) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-onnx-input-\(UUID().uuidString).f32").path
        var data = Data(capacity: input.count * 4)
        for v in input.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw .failed(command: "write \(path)", status: -1, message: error.localizedDescription)
        }
        return path
    }

    private func call(_ arguments: [String]) throws(ONNXRuntimePeerError) -> Data {
        guard FileManager.default.isExecutableFile(atPath: python) else { throw .missingPython(python) }
        guard FileManager.default.fileExists(atPath: script) else { throw .missingScript(script) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw .failed(command: python, status: -1, message: error.localizedDescription)
        }
        let errorData = ErrorCollector(err)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .failed(command: "\(script) \(arguments.first ?? "")", status: process.terminationStatus,
                          message: errorData.text.split(separator: "\n").suffix(5).joined(separator: "\n"))
        }
        return data
    }

    private func decode<T: Decodable>(_ data: Data) throws(ONNXRuntimePeerError) -> T {
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw .unexpectedOutput(String(decoding: data.prefix(300), as: UTF8.self))
        }
    }
}

/// Reads a pipe to the end on another thread, so a chatty child cannot block on a full pipe.
private final class ErrorCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        DispatchQueue.global().async {
            self.data = pipe.fileHandleForReading.readDataToEndOfFile()
            self.done.signal()
        }
    }

    var text: String {
        done.wait()
        done.signal()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Why the ONNX Runtime peer could not answer.
public enum ONNXRuntimePeerError: Error, Sendable, CustomStringConvertible {
    case missingPython(String)
    case missingScript(String)
    case failed(command: String, status: Int32, message: String)
    case unexpectedOutput(String)

    public var description: String {
        switch self {
        case .missingPython(let p):
            "no Python at \(p): `make venv` creates .venv with onnx and onnxruntime (or pass --python)"
        case .missingScript(let s): "the ONNX Runtime peer script \(s) is missing"
        case let .failed(command, status, message): "\(command) failed (exit \(status)): \(message)"
        case .unexpectedOutput(let text): "the ONNX Runtime peer printed something that is not its JSON report: \(text)"
        }
    }
}
