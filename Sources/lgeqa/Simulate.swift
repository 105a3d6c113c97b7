import ArgumentParser
import Foundation
import LGESimulator

/// `lgeqa simulate`: synthetic LGE exams with known truth.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render synthetic LGE exams (DICOM plus ground truth) from scenarios or at random.",
        discussion: """
            Everything written is SYNTHETIC and says so (Manufacturer "lgeqa simulator", ImageComments \
            "SYNTHETIC ..."). Images come from a 3D analytic heart through inversion-recovery physics and \
            k-space, with artifacts arising from the acquisition, not painted on.
            """,
        subcommands: [SimulateScenario.self, SimulateCohort.self],
        defaultSubcommand: SimulateScenario.self
    )
}

/// `lgeqa simulate SCENARIO --out DIR`.
struct SimulateScenario: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Render one scenario (a YAML file, or the name of a shipped one) as DICOM plus truth.json."
    )

    @Argument(help: "A scenario file, or the name of one in scenarios/ (e.g. ghosting-septum).")
    var scenario: String

    @Option(help: "Output folder (created; existing files with the same names are replaced).")
    var out: String

    @Flag(help: "Also carry out the expert's actions listed in the scenario, after the planned exam.")
    var followExpert = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrapLogging("lgeqa.simulate")
        let exam = try ShippedContent.loadScenario(scenario)
        var simulator = try ExamSimulator(exam: exam)
        try simulator.acquirePlannedExam()
        if followExpert {
            for expected in exam.expertActions {
                guard let index = simulator.acquisitions.lastIndex(where: { $0.target == expected.after }) else {
                    logger.warning("expert action after \(expected.after) skipped: no such acquisition")
                    continue
                }
                _ = try simulator.perform(expected.action, after: index)
            }
        }
        let written = try ExamWriter().write(simulator, to: URL(fileURLWithPath: out))
        let images = written.truth.acquisitions.flatMap(\.images)
        print("SYNTHETIC exam '\(exam.name)' (\(exam.title)): \(simulator.acquisitions.count) acquisitions, \(images.count) images, \(String(format: "%.1f", simulator.clock - exam.plan.startMinute)) min of scanning")
        print("  \(images.filter(\.lowCertainty).count) images the virtual readers are unsure about")
        print("  written to \(out)/dicom, truth in \(out)/truth.json, reader scores in \(out)/readers.csv")
    }
}

/// `lgeqa simulate cohort --n N --site internal|external --seed S --out DIR`.
struct SimulateCohort: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cohort",
        abstract: "Render N random exams from one site, with truth.csv and readers.csv."
    )

    @Option(name: .customLong("n"), help: "Number of exams.")
    var count: Int

    @Option(help: "internal or external (another centre: field strength, vendor, resolution, noise, prevalence).")
    var site: CohortSite = .internal

    @Option(help: "Seed: the same seed gives the same cohort, bit for bit.")
    var seed: UInt64 = 1

    @Option(help: "natural (the site's own artifact rates) or enriched (every cause of doubt and focal scar several times as often: a training set, never an evaluation set).")
    var artifacts: ArtifactMix = .natural

    @Option(help: "site (the site's convention: rows internal, columns external) or mixed (each exam either way: a training set that shows ghosts along both axes).")
    var phaseEncode: CohortPhaseEncoding = .site

    @Option(help: "Output folder.")
    var out: String

    @Flag(help: "Write a historical archive for `lgeqa audit`: exams under OUT/sessions, SYNTHETIC outcomes in OUT/outcomes.csv (docs/history.md).")
    var history = false

    @Option(help: "Keep at most this many short-axis slices per exam (smaller tests and benchmarks; the draws are unchanged).")
    var slices: Int?

    @Option(help: "Acquisition matrix (the pixel size grows to keep the field of view), for smaller tests and benchmarks.")
    var matrix: Int?

    @Flag(help: "Leave out the long-axis views.")
    var noLongAxis = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard count > 0 else { throw ValidationError("--n must be at least 1") }
        if let slices, slices < 1 { throw ValidationError("--slices must be at least 1") }
        if let matrix, !(32...512).contains(matrix) { throw ValidationError("--matrix must be between 32 and 512") }
    }

    func run() async throws {
        _ = global.bootstrapLogging("lgeqa.simulate")
        let progress = ProgressLine(total: count, label: "exams")
        let reduction = slices == nil && matrix == nil && !noLongAxis ? nil : PlanReduction(maximumShortAxisSlices: slices, matrix: matrix, dropLongAxis: noLongAxis)
        let summary = try CohortWriter(generator: CohortGenerator(site: site, seed: seed, mix: artifacts, phaseEncoding: phaseEncode), history: history ? CohortHistoryModel() : nil, reduction: reduction)
            .write(0..<count, to: URL(fileURLWithPath: out)) { _ in progress.advance() }
        progress.finish()
        print("SYNTHETIC \(site.rawValue)-site\(artifacts == .enriched ? ", artifact-enriched" : "")\(phaseEncode == .mixed ? ", mixed phase-encode" : "") cohort: \(summary.exams) exams, \(summary.images) images, \(summary.withLGE) with LGE, \(summary.lowCertainty) low-certainty")
        print(String(format: "  virtual readers' high/low-certainty agreement: %.3f (the paper's experts: 0.86)", summary.readerAgreement))
        if history {
            print("  written to \(out)/sessions (truth.csv, readers.csv, one folder per exam) and \(out)/outcomes.csv")
            print("  SYNTHETIC outcomes: recalls/inconclusive reports drawn from the readers' doubt (docs/history.md), not clinical rates")
        } else {
            print("  written to \(out) (truth.csv, readers.csv, one folder per exam)")
        }
    }
}

extension CohortSite: ExpressibleByArgument {}
extension ArtifactMix: ExpressibleByArgument {}
extension CohortPhaseEncoding: ExpressibleByArgument {}
