import LGEYAML
import LGESession

extension ScenarioDecoder {
    static let artifactKinds = ["respiratory_ghosting", "arrhythmia", "motion_blur", "inversion_time_error"]

    /// `{affects: ..., <artifact>: {...}, recurrence: p}`.
    func decodeEvent(_ item: YAMLValue, plan: AcquisitionPlan) throws(ScenarioError) -> ArtifactEvent {
        let fields = try item.mapping(allowed: ["affects", "recurrence"] + Self.artifactKinds)
        let affects = try selector(fields.required("affects"), plan: plan)
        let (kindName, _) = try fields.exactlyOne(of: Self.artifactKinds, what: "artifact")
        let path = "\(item.path).\(kindName)"
        let settings = fields[kindName] ?? item.emptyMapping(path: path)
        let kind = try artifact(kindName, settings)
        let recurrence = try fields["recurrence"]?.number(.range(0, 1)) ?? 0.25
        return ArtifactEvent(affects: affects, kind: kind, recurrence: recurrence)
    }

    /// `all`, or one of `{short_axis: [4, 5]}`, `{short_axis_from: 6}`, `{view: 2CH}`.
    private func selector(_ value: YAMLValue, plan: AcquisitionPlan) throws(ScenarioError) -> AcquisitionSelector {
        let choices = ["short_axis", "short_axis_from", "view"]
        if value.isScalar {
            return try value.word("acquisition selector", [("all", AcquisitionSelector.all)])
        }
        let fields = try value.mapping(allowed: choices)
        let (key, chosen) = try fields.exactlyOne(of: choices, what: "acquisition")
        switch key {
        case "short_axis":
            let items = try chosen.listOrSingle()
            guard !items.isEmpty else { throw chosen.error(.invalid, "\(chosen.name) must list at least one slice") }
            var indices: [Int] = []
            for item in items { indices.append(try shortAxisIndex(item, plan: plan)) }
            return .shortAxis(indices)
        case "short_axis_from":
            return .shortAxisFrom(try shortAxisIndex(chosen, plan: plan))
        default:
            return .view(try plannedView(chosen, plan: plan))
        }
    }

    private func artifact(_ kind: String, _ value: YAMLValue) throws(ScenarioError) -> ArtifactKind {
        switch kind {
        case "respiratory_ghosting":
            let fields = try value.mapping(allowed: ["amplitude", "period"])
            let amplitude = try fields.required("amplitude").number(.above(0, upTo: 50), unit: "mm")
            let period = try fields["period"]?.number(.range(1, 20), unit: "s") ?? 4
            return .respiratoryGhosting(amplitude: amplitude, period: period)
        case "arrhythmia":
            let fields = try value.mapping(allowed: ["missed_beats", "premature_beats"])
            let missed = try beats(fields["missed_beats"])
            let premature = try beats(fields["premature_beats"])
            guard !missed.isEmpty || !premature.isEmpty else {
                throw value.error(.missingKey, "\(value.name) needs missed_beats or premature_beats")
            }
            return .arrhythmia(missedBeats: missed, prematureBeats: premature)
        case "motion_blur":
            let fields = try value.mapping(allowed: ["amplitude"])
            return .motionBlur(amplitude: try fields.required("amplitude").number(.above(0, upTo: 30), unit: "mm"))
        default:
            let fields = try value.mapping(allowed: ["offset"])
            let offset = try fields.required("offset").number(.range(-300, 300), unit: "ms")
            return .inversionTimeError(offset: offset)
        }
    }

    /// Beats of the breath-hold counted from 1, returned 0-based as `HeartRhythm` counts them.
    private func beats(_ value: YAMLValue?) throws(ScenarioError) -> [Int] {
        guard let value else { return [] }
        var result: [Int] = []
        for item in try value.listOrSingle() {
            let beat = try item.integer(1...500, what: "beat") - 1
            if !result.contains(beat) { result.append(beat) }
        }
        return result.sorted()
    }

    // MARK: Expert actions

    static let actionKinds = ["repeat", "repeat_ti", "swap_phase_encode", "long_axis_crosscut"]

    /// `{after: {short_axis: 5} | {view: 4CH}, action: ..., why: "..."}`.
    func decodeExpertAction(_ item: YAMLValue, plan: AcquisitionPlan) throws(ScenarioError) -> ExpectedAction {
        let fields = try item.mapping(allowed: ["after", "action", "why"])
        let after = try target(fields.required("after"), plan: plan)
        let action = try action(fields.required("action"))
        let why = try fields.required("why").string()
        return ExpectedAction(after: after, action: action, why: why)
    }

    private func target(_ value: YAMLValue, plan: AcquisitionPlan) throws(ScenarioError) -> AcquisitionTarget {
        let fields = try value.mapping(allowed: ["short_axis", "view"])
        let (key, chosen) = try fields.exactlyOne(of: ["short_axis", "view"], what: "acquisition")
        return key == "short_axis"
            ? .shortAxis(try shortAxisIndex(chosen, plan: plan)) : .longAxis(try plannedView(chosen, plan: plan))
    }

    /// A bare action name takes its defaults (`repeat_ti`: back on the null; `long_axis_crosscut`:
    /// through the flagged region); a single-key mapping gives settings.
    private func action(_ value: YAMLValue) throws(ScenarioError) -> ScanAction {
        let kind: String
        var settings: YAMLValue?
        if value.isScalar {
            kind = try value.word("action", Self.actionKinds.map { ($0, $0) })
        } else {
            let fields = try value.mapping(allowed: Self.actionKinds)
            kind = try fields.exactlyOne(of: Self.actionKinds, what: "action").key
            settings = fields[kind]
        }
        switch kind {
        case "repeat", "swap_phase_encode":
            if let settings, !settings.isEmptyMapping {
                throw settings.error(.invalid, "\(settings.name): \(kind) takes no settings, found \(settings.found)")
            }
            return kind == "repeat" ? .repeatAcquisition : .swapPhaseEncode
        case "repeat_ti":
            return .repeatWithInversionTime(try inversionTimeChange(settings))
        default:
            return .longAxisCrosscut(try crosscutAim(settings))
        }
    }

    /// `nulling` (or nothing), `{delta: +30}` or `{absolute: 320}`.
    private func inversionTimeChange(_ value: YAMLValue?) throws(ScenarioError) -> InversionTimeChange {
        guard let value else { return .nulling }
        if value.isScalar { return try value.word("TI change", [("nulling", InversionTimeChange.nulling)]) }
        let fields = try value.mapping(allowed: ["delta", "absolute"])
        let (key, chosen) = try fields.exactlyOne(of: ["delta", "absolute"], what: "TI change")
        if key == "delta" { return .delta(try chosen.number(.range(-300, 300), unit: "ms")) }
        return .absolute(try chosen.number(.range(50, 1000), unit: "ms"))
    }

    /// `through_flagged_region` (or nothing), a view name, or `{view: 2CH}`: a named view through
    /// the LV centre. Crosscuts are extra acquisitions, so any long-axis view will do.
    private func crosscutAim(_ value: YAMLValue?) throws(ScenarioError) -> CrosscutAim {
        guard let value else { return .throughFlaggedRegion }
        if value.isScalar {
            let choices = [("through_flagged_region", CrosscutAim.throughFlaggedRegion)]
                + Self.longAxisViewChoices.map { ($0.0, CrosscutAim.view($0.1)) }
            return try value.word("crosscut aim", choices)
        }
        let fields = try value.mapping(allowed: ["view"])
        return .view(try fields.required("view").word("long-axis view", Self.longAxisViewChoices))
    }
}
