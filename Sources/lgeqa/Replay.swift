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

            With --ask (text view), the replay stops at each acquisition and asks what you would do \
            (read from standard input: Enter for nothing, t+ or t- for a longer or shorter TI, s swap phase \
            encode, c crosscut, r repeat, q to stop asking), then shows what the protocol recommended and, \
            on a teaching scenario, what the expert did and why, and scores your answers at the end. \
            --images DIR writes each arriving image as a PNG, windowed for reading, to look at first.

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

    @Option(help: ArgumentHelp(
        "Who assesses each image: classifier (the model), or virtual-readers (scenarios, or simulated recordings with their truth.json or truth.csv beside them: the simulated readers' own odds from each image's true evidence, as good as a classifier can be; tells a protocol's misses from the model's).",
        valueName: "classifier|virtual-readers"))
    var assessor: AssessorChoice = .classifier

    @Option(help: "Pacing: realtime (the recorded or simulated acquisition times), N (N times faster), or max (no waiting).")
    var speed: ReplaySpeed = .max

    @Option(help: "Output: text (one line per slice) or jsonl (one event per line).")
    var format: ReplayOutputFormat = .text

    @Flag(help: "Ask what you would do after each acquisition (standard input), then show the protocol's and the expert's action.")
    var ask = false

    @Option(help: ArgumentHelp("Also write each arriving image as a PNG here, windowed for reading (several sources: a numbered folder each).", valueName: "dir"))
    var images: String?

    func validate() throws {
        if ask && format != .text { throw ValidationError("--ask needs the text view: leave out --format jsonl") }
        try assessor.validate(model: model)
    }

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
        // With the virtual readers assessing, no model is loaded: their odds stand in for it.
        if assessor == .classifier {
            do { classifier = try SliceClassifier(modelPath: modelPath) } catch {
                guard model == nil else {
                    printError("lgeqa: \(modelPath): \(error.description)")
                    throw ExitStatus.noUsableInput
                }
                missingModel = "no model (\(error.description))"
                logger.warning("no classifier: \(error.description); slices are replayed without assessment")
            }
        }
        var engine = ReplayEngine(protocol: qaProtocol, classifier: classifier, missingModelReason: missingModel)
        engine.assessor = assessor.replayAssessor
        let colour = format == .text && isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        let names = sources.isEmpty ? [Replay.defaultScenario] : sources
        var failed = 0
        let trainee = ask ? TraineeSession(colour: colour) : nil
        for (number, name) in names.enumerated() {
            do {
                let output = ReplayOutput(format: format, renderer: ReplayTextRenderer(colour: colour), speed: speed)
                output.trainee = trainee
                if format == .text && number > 0 { print("") }
                // Several sources: one image folder each.
                let folder = images.map { names.count == 1 ? $0 : URL(fileURLWithPath: $0).appendingPathComponent("\(number + 1)").path }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory), isDirectory.boolValue {
                    let odds = assessor == .virtualReaders ? try VirtualReaderOdds.required(near: name) : nil
                    try output.replay(try RecordedSessionSource(directory: name, virtualReaders: odds), with: engine, images: folder)
                } else {
                    try output.replay(try ScenarioSource(exam: try ShippedContent.loadScenario(name), follow: follow), with: engine, images: folder)
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

/// `--assessor`: the command line's names for ``ReplayAssessor``.
enum AssessorChoice: String, ExpressibleByArgument, CaseIterable {
    case classifier
    case virtualReaders = "virtual-readers"

    /// The virtual readers replace the model, so naming one as well is a usage error.
    func validate(model: String?) throws {
        if self == .virtualReaders && model != nil {
            throw ValidationError("--model and --assessor virtual-readers exclude each other: the virtual readers assess instead of a model")
        }
    }

    var replayAssessor: ReplayAssessor {
        switch self {
        case .classifier: .classifier
        case .virtualReaders: .virtualReaders
        }
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
    /// Asks the trainee at each acquisition (`--ask`).
    var trainee: TraineeSession?
    private var clockStart: (wall: Double, recorded: Double)?
    /// The PNGs written for each acquisition, by arrival number (`--images`).
    private var imageFiles: [Int: [String]] = [:]
    private var imageFolder: String?

    /// Replays `source`, writing its images to `images` when given.
    func replay<Source: ReplaySource>(_ source: Source, with engine: ReplayEngine, images: String?) throws {
        guard let images else {
            var source = source
            try engine.run(&source) { self.write($0) }
            return
        }
        imageFolder = images
        let writer = try SliceSnapshotWriter(directory: URL(fileURLWithPath: images))
        var snapshotting = SnapshottingSource(source, writer: writer) { number, result in
            switch result {
            case .success(let files): self.imageFiles[number] = files
            case .failure(let problem): printError("lgeqa: \(problem.description)")
            }
        }
        try engine.run(&snapshotting) { self.write($0) }
    }

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
        case .text:
            trainee?.before(event, images: imageFiles)
            for line in renderer.lines(for: event) { print(line) }
            trainee?.after(event)
            if case .sessionSummary = event, let imageFolder, trainee == nil {
                print("  images of each acquisition: \(imageFolder)")
            }
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

/// `--ask`: stops at each acquisition for the trainee's choice (read from standard input), shows
/// it beside the expert's, and scores the answers when the session ends.
final class TraineeSession {
    let colour: Bool
    /// False once the trainee types q or standard input ends: the replay goes on without asking.
    private(set) var asking = true
    private var current: (slice: Int, choice: TraineeChoice)?
    private var protocolActions: [String] = []
    private var expert: ExpertActionEvent?
    private var score = TraineeScore()

    init(colour: Bool) {
        self.colour = colour
    }

    /// Before the renderer's lines for `event`: closes the slice before and, on an arrival, asks
    /// about this one. It prints itself: the question must go out, and the answer come in, before
    /// the slice's verdict is shown.
    func before(_ event: ReplayEvent, images: [Int: [String]]) {
        switch event {
        case .sliceArrived(let arrived):
            closeSlice()
            guard asking else { return }
            var header = "  ▸ \(arrived.target) arrives"
            if let ti = arrived.inversionTime { header += ", TI \(Int(ti.rounded())) ms" }
            if let minutes = arrived.minutesSinceInjection { header += ", \(String(format: "%.1f", minutes)) min after injection" }
            if let action = arrived.action { header += " (after \(action))" }
            print(header)
            for file in images[arrived.slice] ?? [] { print("    image: \(file)") }
            if let choice = askUntilUnderstood() { current = (arrived.slice, choice) }
        case .sessionSummary:
            closeSlice()
        default:
            break
        }
    }

    /// After the renderer's lines: the trainee's choice under the expert's, the score at the end.
    func after(_ event: ReplayEvent) {
        switch event {
        case .recommendation(let recommendation):
            protocolActions.append(recommendation.action)
        case .expertAction(let action):
            expert = action
            guard let current, current.slice == action.slice else { return }
            print("            you: \(current.choice) " + (current.choice.matches(action) ? paint("✓", "32") : paint("✗", "33")))
        case .sessionSummary:
            print("")
            score.lines.forEach { print($0) }
            score = TraineeScore()
        default:
            break
        }
    }

    /// Scores the slice just shown; an action the expert did not take is pointed out.
    private func closeSlice() {
        defer {
            current = nil
            expert = nil
            protocolActions = []
        }
        guard let current else { return }
        score.record(current.choice, expert: expert, protocolActions: protocolActions)
        if expert == nil, current.choice != .nothing {
            print("            you: \(current.choice) " + paint("✗ the expert did nothing here", "33"))
        }
    }

    private func askUntilUnderstood() -> TraineeChoice? {
        while true {
            print("  " + TraineeChoice.question, terminator: "")
            fflush(nil)
            guard let line = readLine() else {
                print("")
                asking = false
                return nil
            }
            // Typed answers echo themselves; piped ones would leave the question without one.
            if isatty(STDIN_FILENO) == 0 { print(line) }
            if ["q", "quit"].contains(line.trimmingCharacters(in: .whitespaces).lowercased()) {
                asking = false
                return nil
            }
            if let choice = TraineeChoice(answer: line) { return choice }
            print("  '\(line)' is not one of the answers")
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
