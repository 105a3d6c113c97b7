import Foundation
import LGEYAML
import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGESession

/// Turns a composed scenario document into an `ExamCase`, checking it against schema version 1
/// (`docs/scenarios.md`). Sections live in extensions, one file per part of the schema.
struct ScenarioDecoder {
    let file: String

    static let topKeys = [
        "version", "name", "title", "seed", "patient", "scar", "acquisition", "events", "teaching", "expert_actions",
    ]

    /// The case, and an error located at its name for callers that find the name taken.
    func decodeScenario(_ root: YAMLValue) throws(ScenarioError) -> (exam: ExamCase, nameError: ScenarioError) {
        guard root.isMapping else { throw root.wrongType("a mapping of scenario keys") }
        // The version decides the schema, so check it before complaining about keys a newer
        // schema might define.
        if let version = root.peek("version") { try checkVersion(version) }
        let top = try root.mapping(allowed: Self.topKeys)
        _ = try top.required("version")

        let defaultName = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var name = defaultName
        var nameError = root.error(.invalid, "")
        if let nameValue = top["name"] {
            name = try nameValue.string()
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw nameValue.error(.invalid, "name may hold only letters, digits, '-', '_' and '.', found '\(name)'")
            }
            nameError = nameValue.error(.invalid, "")
        }
        let title = try top.required("title").string()
        let seed = try top["seed"].map { v throws(ScenarioError) in UInt64(try v.integer(0...Int.max)) } ?? 1

        let patient = try top["patient"].map(decodePatient) ?? PatientSpec()
        var scars: [ScarPattern] = []
        for item in try top["scar"]?.list() ?? [] { scars.append(try decodeScar(item)) }
        // Events and actions name slices of the stack, so the plan must be known first
        // whatever order the keys come in.
        let plan = try top["acquisition"].map(decodeAcquisition) ?? AcquisitionPlan()
        var events: [ArtifactEvent] = []
        for item in try top["events"]?.list() ?? [] { events.append(try decodeEvent(item, plan: plan)) }
        let teaching = try top["teaching"].map(decodeTeaching)
        var actions: [ExpectedAction] = []
        for item in try top["expert_actions"]?.list() ?? [] { actions.append(try decodeExpertAction(item, plan: plan)) }

        let exam = ExamCase(
            name: name, title: title, seed: seed, patient: patient, scars: scars, plan: plan, events: events,
            teaching: teaching, expertActions: actions)
        return (exam, nameError)
    }

    private func checkVersion(_ value: YAMLValue) throws(ScenarioError) {
        let version = try value.integer(Int.min...Int.max)
        guard version == ScenarioLoader.schemaVersion else {
            throw value.error(
                .unknownValue,
                "unsupported scenario version \(version); this lgeqa reads version \(ScenarioLoader.schemaVersion)")
        }
    }

    func decodeTeaching(_ value: YAMLValue) throws(ScenarioError) -> TeachingNotes {
        let fields = try value.mapping(allowed: ["summary", "look_for"])
        let summary = try fields.required("summary").string()
        var hints: [String] = []
        for hint in try fields["look_for"]?.listOrSingle() ?? [] { hints.append(try hint.string()) }
        return TeachingNotes(summary: summary, lookFor: hints)
    }

    // MARK: Shared value readers

    static let longAxisViewChoices: [(String, ViewOrientation)] = [
        ("2CH", .twoChamber), ("3CH", .threeChamber), ("4CH", .fourChamber),
    ]

    /// A short-axis slice as a technologist counts it (1 = most basal), returned 0-based.
    func shortAxisIndex(_ value: YAMLValue, plan: AcquisitionPlan) throws(ScenarioError) -> Int {
        let number = try value.integer(Int.min...Int.max)
        guard (1...plan.shortAxisSlices).contains(number) else {
            throw value.error(
                .outOfRange,
                "\(value.name): short-axis slice must be from 1 to \(plan.shortAxisSlices) "
                    + "(acquisition.short_axis_slices), found \(number)")
        }
        return number - 1
    }

    /// A long-axis view the plan acquires (an event or action on any other would never happen).
    func plannedView(_ value: YAMLValue, plan: AcquisitionPlan) throws(ScenarioError) -> ViewOrientation {
        let view = try value.word("long-axis view", Self.longAxisViewChoices)
        guard plan.longAxisViews.contains(view) else {
            let planned = plan.longAxisViews.map(\.rawValue).joined(separator: ", ")
            throw value.error(
                .invalid,
                "\(value.name): \(view.rawValue) is not acquired; acquisition.long_axis_views has "
                    + (planned.isEmpty ? "no views" : planned))
        }
        return view
    }

    /// AHA segments (1–17), as a list or a single number; never empty.
    func segments(_ value: YAMLValue) throws(ScenarioError) -> Set<Int> {
        let items = try value.listOrSingle()
        guard !items.isEmpty else { throw value.error(.invalid, "\(value.name) must list at least one AHA segment") }
        var result: Set<Int> = []
        for item in items { result.insert(try item.integer(1...17, what: "AHA segment")) }
        return result
    }
}
