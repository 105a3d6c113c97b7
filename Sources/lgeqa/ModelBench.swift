import ArgumentParser
import COpenBLAS
import Foundation
import LGEClassifier
import LGENeural
import LGEONNX
import LGERandom

/// `lgeqa model bench`: the engine's speed next to ONNX Runtime's on the same exported network.
struct ModelBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the classifier network: lgeqa's engine against ONNX Runtime on the exported model, same inputs.",
        discussion: """
            Single-slice latency at batch 1 on 1 thread (median of --runs) and throughput at --batch on 2 threads, \
            for lgeqa (2 workers) and ONNX Runtime (intra_op_num_threads) in alternating rounds, with the \
            convolution and OpenBLAS kernels that ran, the model's FLOPs, achieved GFLOP/s and this machine's \
            single-thread SGEMM (1024³) in the same run; also lgeqa with its convolutions on OpenBLAS, for \
            comparison. ONNX Runtime runs in the project's Python (.venv, `make venv`). A benchmark: on a shared \
            machine, repeat it and compare the paired ratios (lgeqa and ONNX Runtime timed back to back in each round).
            """
    )

    @Option(help: "Model file (default: the shipped model).") var model: String?
    @Option(help: "Timed single-slice runs per round.") var runs = 200
    @Option(help: "Slices per batch for the throughput figure.") var batch = 16
    @Option(help: "Timed batch runs per round.") var batchRuns = 20
    @Option(help: "Alternating lgeqa / ONNX Runtime rounds; figures are medians over all of them.") var rounds = 3
    @Option(help: "Python with onnx and onnxruntime (default: .venv/bin/python beside the shipped content).")
    var python: String?
    @Flag(help: "Time lgeqa only (no ONNX Runtime).") var lgeqaOnly = false
    @Flag(help: "Also time lgeqa in a child process with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (OpenBLAS picks its kernel itself).")
    var compareCoretype = false
    @Flag(help: "Also time each block of the network alone, next to ONNX Runtime's per-node profile of the same blocks.")
    var layers = false

    func run() async throws {
        let path = model ?? ModelCommand.defaultModelPath
        let (card, loaded) = try ModelFile.read(path)
        let network = loaded.foldedForInference()
        let openBLASNetwork = loaded.foldedForInference(packingWeights: false)
        let size = card.preprocessing.outputSize, channels = network.configuration.inputChannels
        var generator = SeededGenerator(seed: 7, stream: "bench")
        let single = Tensor(shape: [1, channels, size, size], values: (0..<(channels * size * size)).map { _ in generator.nextNormal() })
        let batched = Tensor(shape: [batch, channels, size, size],
                             values: (0..<(batch * channels * size * size)).map { _ in generator.nextNormal() })

        let cost = network.inferenceCost(height: size, width: size)
        let coretype = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { "OPENBLAS_CORETYPE=\($0)" } ?? "OPENBLAS_CORETYPE unset"
        print("model \(path): \(network.parameterCount) parameters, input [N, \(channels), \(size), \(size)]")
        print("OpenBLAS kernel \(BLAS.coreName) (\(coretype)); lgeqa element-wise and depthwise kernels \(BLAS.kernelVariant); inputs: seeded random slices")
        print("convolutions: " + (BLAS.ownConvolutionKernel
            ? "lgeqa's AVX-512 kernel (weights packed once; bias, SiLU and residual fused; no im2col)"
            : "OpenBLAS SGEMM (this processor has no AVX-512 for lgeqa's own kernel)"))
        print("FLOPs per slice: \(mega(cost.flops)) M (2 x \(mega(cost.multiplyAccumulates)) M MACs: conv k>1 \(mega(cost.spatialConvolution)) M, "
            + "1x1 \(mega(cost.pointwiseConvolution)) M, depthwise \(mega(cost.depthwiseConvolution)) M, dense \(mega(cost.dense)) M)")

        BLAS.setThreadCount(1)
        let peak = sgemmGFLOPS(size: 1024, repeats: 3)
        print("SGEMM 1024^3, 1 thread (openblas_get_num_threads = \(BLAS.threadCount)): " + fixed(peak, 1) + " GFLOP/s")

        var peer: ONNXRuntimePeer?
        var onnxPath: String?
        if !lgeqaOnly {
            let root = ShippedContent.root
            peer = ONNXRuntimePeer(
                python: python ?? root.appendingPathComponent(".venv/bin/python").path,
                script: root.appendingPathComponent("Tests/peers/onnx_runtime.py").path)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-bench-\(UUID().uuidString).onnx").path
            try ONNXExport.write(card: card, network: network, to: file)
            onnxPath = file
        }
        defer { if let onnxPath { try? FileManager.default.removeItem(atPath: onnxPath) } }

        var lgeqaLatency: [Double] = [], lgeqaCPU: [Double] = [], openBLASLatency: [Double] = []
        var lgeqaBatch: [Double] = [], lgeqaSplit: [Double] = []
        var ortLatency: [Double] = [], ortBatch: [Double] = [], ortCPU: [Double] = []
        // Per round, lgeqa's median over ONNX Runtime's, timed back to back: drifts in the machine's speed
        // over a run cancel out of these, not out of the pooled medians.
        var pairedLatency: [Double] = [], pairedCPU: [Double] = []
        var ortVersion = ""
        for _ in 0..<max(1, rounds) {
            BLAS.setThreadCount(1)
            let (wall, cpu) = time(network.infer, single, runs: runs, warmup: 10)
            lgeqaLatency += wall
            lgeqaCPU += cpu
            openBLASLatency += time(openBLASNetwork.infer, single, runs: max(1, runs / 4), warmup: 5).wall
            BLAS.setThreadCount(2)
            lgeqaBatch += time(network.infer, batched, runs: batchRuns, warmup: 2).wall
            BLAS.setThreadCount(1)
            lgeqaSplit += timeSplit(network, batched, workers: 2, runs: batchRuns, warmup: 2)
            if let peer, let onnxPath {
                let one = try peer.bench(model: onnxPath, input: single, threads: 1, runs: runs, warmup: 10)
                let many = try peer.bench(model: onnxPath, input: batched, threads: 2, runs: batchRuns, warmup: 2)
                ortLatency += one.milliseconds
                ortCPU += one.cpuMilliseconds
                ortBatch += many.milliseconds
                ortVersion = one.onnxruntime
                pairedLatency.append(median(wall) / median(one.milliseconds))
                pairedCPU.append(median(cpu) / median(one.cpuMilliseconds))
            }
        }
        BLAS.setThreadCount(1)

        let l = median(lgeqaLatency), b = median(lgeqaBatch)
        let gflops = Double(cost.flops) / (l * 1e6)
        print("")
        print("latency, batch 1, 1 thread (median of \(lgeqaLatency.count) runs):")
        print("  lgeqa         " + fixed(l, 3) + " ms   " + spread(lgeqaLatency) + "  " + fixed(gflops, 2) + " GFLOP/s = "
            + fixed(100 * gflops / peak, 1) + "% of SGEMM")
        let o = median(openBLASLatency)
        print("  lgeqa, convolutions on OpenBLAS  " + fixed(o, 3) + " ms  (p10 " + fixed(percentile(openBLASLatency, 0.1), 3)
            + ", median of \(openBLASLatency.count) runs)  " + fixed(Double(cost.flops) / (o * 1e6), 2) + " GFLOP/s")
        if !ortLatency.isEmpty {
            let o = median(ortLatency)
            print("  ONNX Runtime  " + fixed(o, 3) + " ms   " + spread(ortLatency) + "  " + fixed(Double(cost.flops) / (o * 1e6), 2)
                + " GFLOP/s  [onnxruntime \(ortVersion)]")
            print("  lgeqa / ONNX Runtime: " + fixed(l / o, 2) + "x (medians), " + fixed(percentile(lgeqaLatency, 0.1) / percentile(ortLatency, 0.1), 2) + "x (p10)")
            print("  lgeqa / ONNX Runtime: " + fixed((lgeqaLatency.min() ?? .nan) / (ortLatency.min() ?? .nan), 2)
                + "x (fastest run of each: the least disturbed by other work on the machine)")
            print("  paired per round (median of \(pairedLatency.count) rounds): " + fixed(median(pairedLatency), 2)
                + "x  [rounds: " + pairedLatency.map { fixed($0, 2) }.joined(separator: ", ") + "]")
        }
        print("  CPU time of the inferring thread (less sensitive to other jobs on the machine), median:")
        print("  lgeqa         " + fixed(median(lgeqaCPU), 3) + " ms")
        if !ortCPU.isEmpty {
            print("  ONNX Runtime  " + fixed(median(ortCPU), 3) + " ms")
            print("  lgeqa / ONNX Runtime: " + fixed(median(lgeqaCPU) / median(ortCPU), 2) + "x (CPU time), "
                + fixed(median(pairedCPU), 2) + "x (paired per round)")
        }
        print("throughput, batch \(batch), 2 threads (median of \(lgeqaBatch.count) batches):")
        let split = median(lgeqaSplit)
        print("  lgeqa         " + fixed(Double(batch) / split * 1000, 1) + " slices/s  (" + fixed(split, 2) + " ms per batch; 2 workers, one slice per call, as classify and audit run)")
        print("  lgeqa         " + fixed(Double(batch) / b * 1000, 1) + " slices/s  (" + fixed(b, 2)
            + " ms per batch; one call on the whole batch: only OpenBLAS work, if any, uses the 2nd thread)")
        if !ortBatch.isEmpty {
            let o = median(ortBatch)
            print("  ONNX Runtime  " + fixed(Double(batch) / o * 1000, 1) + " slices/s  (" + fixed(o, 2) + " ms per batch)")
            print("  lgeqa / ONNX Runtime time: " + fixed(split / o, 2) + "x (2 workers), " + fixed(b / o, 2) + "x (one call)")
        }
        if compareCoretype { try runWithoutCoretype() }
        if layers { try printLayerBreakdown(network, single, peer: peer, onnxPath: onnxPath) }
    }

    /// Median latency of each block alone (its input computed once beforehand) beside the sum of ONNX
    /// Runtime's node times for the same block: where the time goes, and where lgeqa loses or gains.
    private func printLayerBreakdown(_ network: Network, _ input: Tensor, peer: ONNXRuntimePeer?, onnxPath: String?) throws {
        BLAS.setThreadCount(1)
        var pieces: [(name: String, run: (Tensor) -> Tensor)] = [("stem", { network.stem.infer($0) })]
        for (s, blocks) in network.stages.enumerated() {
            for (b, block) in blocks.enumerated() { pieces.append(("stages.\(s).blocks.\(b)", { block.infer($0) })) }
        }
        let pool = GlobalAveragePool()
        pieces.append(("head", { network.head.infer($0) }))
        pieces.append(("pool + classifier", { network.classifier.infer(pool.infer($0)) }))

        var x = input
        var ours: [Double] = []
        for piece in pieces {
            ours.append(median(time(piece.run, x, runs: runs, warmup: 5).wall))
            x = piece.run(x)
        }
        var theirs: [String: Double] = [:]
        var version = ""
        if let peer, let onnxPath {
            let report = try peer.profile(model: onnxPath, input: input, threads: 1, runs: runs, warmup: 10)
            version = report.onnxruntime
            theirs = report.millisecondsByBlock()
        }
        print("per block, batch 1, 1 thread (median of \(runs) runs of each block alone"
            + (theirs.isEmpty ? "):" : "; ONNX Runtime \(version) from its profiler, whose overhead is included):"))
        let width = (pieces.map(\.name) + [ONNXRuntimePeer.ProfileReport.layoutChanges]).map(\.count).max()! + 2
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        print("  " + pad("block") + "   lgeqa ms" + (theirs.isEmpty ? "" : "    ORT ms   ratio"))
        for (piece, ms) in zip(pieces, ours) {
            var line = "  " + pad(piece.name) + String(format: "%11.3f", ms)
            if let o = theirs[piece.name] { line += String(format: "%10.3f%8.2f", o, ms / o) }
            print(line)
        }
        if let reorders = theirs[ONNXRuntimePeer.ProfileReport.layoutChanges] {
            print("  " + pad(ONNXRuntimePeer.ProfileReport.layoutChanges) + String(repeating: " ", count: 11) + String(format: "%10.3f", reorders))
        }
        let total = ours.reduce(0, +)
        print("  " + pad("sum") + String(format: "%11.3f", total)
            + (theirs.isEmpty ? "" : String(format: "%10.3f%8.2f", theirs.values.reduce(0, +), total / theirs.values.reduce(0, +))))
    }

    /// "(min, p10, p90)" of latencies in ms: the fastest run is the least disturbed by other jobs.
    private func spread(_ values: [Double]) -> String {
        "(min " + fixed(values.min() ?? .nan, 3) + ", p10 " + fixed(percentile(values, 0.1), 3) + ", p90 "
            + fixed(percentile(values, 0.9), 3) + ")"
    }

    /// Re-runs the lgeqa half in a child whose environment lacks OPENBLAS_CORETYPE (read once, at load time).
    private func runWithoutCoretype() throws {
        print("\n--- lgeqa with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (child process) ---")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var arguments = ["model", "bench", "--lgeqa-only", "--runs", "\(runs)", "--batch", "\(batch)",
                         "--batch-runs", "\(batchRuns)", "--rounds", "\(rounds)"]
        if let model { arguments += ["--model", model] }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "OPENBLAS_CORETYPE")
        environment.removeValue(forKey: "OPENBLAS_L2_SIZE")
        process.environment = environment
        // Through a pipe and print(), so the child's lines come after this process's buffered ones.
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        print(String(decoding: output, as: UTF8.self), terminator: "")
    }

    /// Wall-clock and calling-thread CPU milliseconds of each of `runs` calls of `body` (the whole network's
    /// inference, or one block's) after `warmup` untimed ones.
    private func time(_ body: (Tensor) -> Tensor, _ input: Tensor, runs: Int, warmup: Int) -> (wall: [Double], cpu: [Double]) {
        for _ in 0..<warmup { _ = body(input) }
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds, startCPU = threadCPUNanoseconds()
            let out = body(input)
            let endCPU = threadCPUNanoseconds(), end = DispatchTime.now().uptimeNanoseconds
            precondition(out.values.allSatisfy(\.isFinite), "non-finite output")
            wall.append(Double(end - start) / 1e6)
            cpu.append(Double(endCPU - startCPU) / 1e6)
        }
        return (wall, cpu)
    }

    /// Wall-clock milliseconds of inferring the slices of `input` on `workers` threads, one slice per call as
    /// `classify`, `replay` and `audit` do (each worker's slices in turn, single-threaded OpenBLAS):
    /// parallelism over slices instead of inside each small GEMM.
    private func timeSplit(_ network: Network, _ input: Tensor, workers: Int, runs: Int, warmup: Int) -> [Double] {
        let n = input.shape[0], per = input.count / n
        let slices: [Tensor] = (0..<n).map { i in
            Tensor(shape: [1] + input.shape.dropFirst(), values: Array(input.values[(i * per)..<((i + 1) * per)]))
        }
        func once() {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in stride(from: w, to: n, by: workers) {
                    precondition(network.infer(slices[i]).values.allSatisfy(\.isFinite), "non-finite output")
                }
            }
        }
        for _ in 0..<warmup { once() }
        return (0..<runs).map { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            once()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
    }

    private func threadCPUNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Best-of-`repeats` single-precision GEMM rate at size³ on the current OpenBLAS threads.
    private func sgemmGFLOPS(size n: Int, repeats: Int) -> Double {
        var generator = SeededGenerator(seed: 3, stream: "sgemm")
        let a = (0..<(n * n)).map { _ in generator.nextUniform() }
        let b = (0..<(n * n)).map { _ in generator.nextUniform() }
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<(repeats + 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }

    private func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

    private func percentile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = Int(position.rounded(.up))
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    private func mega(_ count: Int) -> String { fixed(Double(count) / 1e6, 1) }
    private func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
