import ArgumentParser
import Foundation
import LGEClassifier
import LGEProtocol
import LGEReplay
import LGEYAML

/// `lgeqa replay`: the main job. Slices arrive one by one (from a simulated scenario or a
/// recorded session), each is classified, measured and put to the protocol, and the replay
/// says what it would have recommended, as text or as JSON Lines events.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a scenario or a recorded DICOM session through the classifier and a protocol.",
        discussion: """
            SOURCE is a scenario file, the name of a shipped scenario (scenarios/), or a folder of DICOM \
            files (a recorded session, e.g. one written by `lgeqa simulate SCENARIO --out DIR`). Several \
            sources are replayed one after the other. With --follow, each recommendation on a scenario is \
            carried out by the simulator and the new images are replayed too; on a recording, each \
            recommendation is compared with what the technologist did later.

            --format jsonl writes one event per line (schema lgeqa.replay.v1, docs/replay-events.md); the \
            same input gives the same lines. Scenarios are SYNTHETIC. lgeqa is a research and training \
            tool, not a diagnostic device.
            """,
        aliases: ["demo"]
    )

    static let defaultScenario = "ghosting-septum"

    @Argument(help: "Scenario files, shipped scenario names or DICOM folders (default: \(Replay.defaultScenario)).")
    var sources: [String] = []

    @Option(name: .customLong("protocol"), help: "Protocol file or shipped protocol name.")
    var protocolName = "default"

    @Option(help: "Model file (default: models/lgeqa-default.lgeqa).")
    var model: String?

    @Flag(help: "Carry out each recommendation in the simulator (closed loop).")
    var follow = false

    @Option(help: "Pacing: realtime (the recorded or simulated acquisition times), N (N times faster), or max (no waiting).")
    var speed: ReplaySpeed = .max

    @Option(help: "Output: text (one line per slice) or jsonl (one event per line).")
    var format: ReplayOutputFormat = .text

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrapLogging("lgeqa.replay")
        let qaProtocol: QAProtocol
        do { qaProtocol = try ProtocolFiles.load(protocolName) } catch {
            printError("lgeqa: \(error.description)")
            throw ExitStatus.noUsableInput
        }
        let modelPath = model ?? ModelCommand.defaultModelPath
        var classifier: SliceClassifier?
        var missingModel = "no model"
        do { classifier = try SliceClassifier(modelPath: modelPath) } catch {
            guard model == nil else {
                printError("lgeqa: \(modelPath): \(error.description)")
                throw ExitStatus.noUsableInput
            }
            missingModel = "no model (\(error.description))"
            logger.warning("no classifier: \(error.description); slices are replayed without assessment")
        }
        let engine = ReplayEngine(protocol: qaProtocol, classifier: classifier, missingModelReason: missingModel)
        let colour = format == .text && isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let names = sources.isEmpty ? [Replay.defaultScenario] : sources
        var failed = 0
        for (number, name) in names.enumerated() {
            do {
                let output = ReplayOutput(format: format, renderer: ReplayTextRenderer(colour: colour), speed: speed)
                if format == .text && number > 0 { print("") }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory), isDirectory.boolValue {
                    var source = try RecordedSessionSource(directory: name)
                    try engine.run(&source) { output.write($0) }
                } else {
                    var source = try ScenarioSource(exam: try ShippedContent.loadScenario(name), follow: follow)
                    try engine.run(&source) { output.write($0) }
                }
            } catch {
                failed += 1
                printError("lgeqa: \(name): \(String(describing: error))")
            }
        }
        if format == .text { print("\nlgeqa is a research and training tool, not a diagnostic device.") }
        if failed == names.count { throw ExitStatus.noUsableInput }
        if failed > 0 { throw ExitStatus.partial }
    }
}

/// How fast a replay goes.
enum ReplaySpeed: ExpressibleByArgument, Equatable {
    case realtime
    /// N times faster than real time.
    case times(Double)
    case max

    init?(argument: String) {
        switch argument {
        case "realtime": self = .realtime
        case "max": self = .max
        default:
            guard let factor = Double(argument), factor > 0, factor.isFinite else { return nil }
            self = .times(factor)
        }
    }

    /// Wall seconds per recorded second; nil for no waiting.
    var secondsPerSecond: Double? {
        switch self {
        case .realtime: 1
        case .times(let factor): 1 / factor
        case .max: nil
        }
    }

    static var allValueStrings: [String] { ["realtime", "N", "max"] }
}

enum ReplayOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case jsonl
}

/// Writes events as they come, waiting between arrivals when paced.
final class ReplayOutput {
    let format: ReplayOutputFormat
    var renderer: ReplayTextRenderer
    let speed: ReplaySpeed
    private var clockStart: (wall: Double, recorded: Double)?

    init(format: ReplayOutputFormat, renderer: ReplayTextRenderer, speed: ReplaySpeed) {
        self.format = format
        self.renderer = renderer
        self.speed = speed
    }

    func write(_ event: ReplayEvent) {
        if case .sliceArrived(let arrived) = event, let scale = speed.secondsPerSecond, let recorded = arrived.secondsFromStart {
            pace(to: recorded, scale: scale)
        }
        switch format {
        case .jsonl: print(event.jsonLine())
        case .text: for line in renderer.lines(for: event) { print(line) }
        }
        fflush(nil)  // every open stream: lines go out as slices arrive, also through a pipe
    }

    /// Sleeps until `recorded` seconds (scaled) after the first arrival.
    private func pace(to recorded: Double, scale: Double) {
        let now = Date().timeIntervalSinceReferenceDate
        guard let start = clockStart else {
            clockStart = (now, recorded)
            return
        }
        let wait = start.wall + (recorded - start.recorded) * scale - now
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }
}
