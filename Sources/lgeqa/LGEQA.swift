import ArgumentParser
import LGEDICOM

/// `lgeqa`: real-time quality assurance for cardiac LGE MRI.
@main
struct LGEQA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lgeqa",
        abstract: "Quality assurance for late gadolinium enhancement (LGE) cardiac MRI.",
        discussion: """
            lgeqa flags short-axis LGE slices a reader would be unsure about while the patient is still \
            in the scanner, and recommends what to do next. It is a research and training tool, not a \
            diagnostic device.

            EXIT STATUS
              0   success: every input was used
              1   finished, but some inputs were skipped (each is listed with the reason)
              2   nothing usable: no input could be read
              64  the command line was wrong (see --help)
              70  internal error (please report it)
            """,
        version: LGEQAVersion.current,
        subcommands: [Inspect.self, Classify.self, Simulate.self, ModelCommand.self, Replay.self, ProtocolCommand.self, Evaluate.self, AuditCommand.self, Tune.self]
    )
}
