import LGEYAML
import LGEDICOM
import LGESession

extension ScenarioDecoder {
    static let acquisitionKeys = [
        "short_axis_slices", "thickness", "gap", "matrix", "pixel_size", "phase_fov", "phase_encode", "ti",
        "follows_null_drift", "reconstructions", "start_minute", "pause", "long_axis_views", "ordering",
        "lines_per_shot", "gating_factor", "snr",
    ]

    func decodeAcquisition(_ value: YAMLValue) throws(ScenarioError) -> AcquisitionPlan {
        let fields = try value.mapping(allowed: Self.acquisitionKeys)
        var plan = AcquisitionPlan()
        if let v = fields["short_axis_slices"] { plan.shortAxisSlices = try v.integer(1...30) }
        if let v = fields["thickness"] { plan.sliceThickness = try v.number(.above(0, upTo: 20), unit: "mm") }
        if let v = fields["gap"] { plan.sliceGap = try v.number(.atLeast(0, upTo: 30), unit: "mm") }
        if let v = fields["matrix"] { plan.matrix = try v.integer(32...1024) }
        if let v = fields["pixel_size"] { plan.pixelSize = try v.number(.above(0, upTo: 5), unit: "mm") }
        if let v = fields["phase_fov"] { plan.phaseFieldOfView = try v.number(.range(0.5, 1)) }
        if let v = fields["phase_encode"] {
            plan.phaseEncodeDirection = try v.word("phase-encode direction", [("ROW", PhaseEncodeDirection.row), ("COL", .column)])
        }
        if let v = fields["ti"] { plan.inversionTime = try inversionTime(v) }
        if let v = fields["follows_null_drift"] { plan.followsNullDrift = try v.bool() }
        if let v = fields["reconstructions"] {
            let kinds = try distinctWords(v, what: "reconstruction", [("psir", ReconstructionKind.psir), ("magnitude", .magnitude)])
            guard !kinds.isEmpty else { throw v.error(.invalid, "\(v.name) must name at least one of psir, magnitude") }
            plan.reconstructions = kinds
        }
        if let v = fields["start_minute"] { plan.startMinute = try v.number(.atLeast(0, upTo: 60), unit: "minutes") }
        if let v = fields["pause"] { plan.pauseBetweenBreathHolds = try v.number(.atLeast(0, upTo: 300), unit: "s") }
        if let v = fields["long_axis_views"] {
            plan.longAxisViews = try distinctWords(v, what: "long-axis view", Self.longAxisViewChoices)
        }
        if let v = fields["ordering"] {
            plan.segmentOrdering = try v.word("segment ordering", [("interleaved", SegmentOrdering.interleaved), ("linear", .linear)])
        }
        if let v = fields["lines_per_shot"] { plan.linesPerShot = try v.integer(1...256) }
        if let v = fields["gating_factor"] { plan.gatingFactor = try v.integer(1...4) }
        if let v = fields["snr"] { plan.bloodSNR = try v.number(.above(0, upTo: 1000)) }
        return plan
    }

    /// `nulling` (the null found by the TI scout), `nulling+N` / `nulling-N` (ms off it), or a
    /// fixed TI in ms.
    private func inversionTime(_ value: YAMLValue) throws(ScenarioError) -> InversionTimeChoice {
        guard let text = value.scalarText else { throw value.wrongType("'nulling', 'nulling±N' or a TI in ms") }
        if Double(text) != nil { return .fixed(try value.number(.range(50, 1000), unit: "ms")) }
        let compact = text.lowercased().filter { !$0.isWhitespace }
        if compact.hasPrefix("nulling") {
            let rest = compact.dropFirst("nulling".count)
            if rest.isEmpty { return .nulling(offset: 0) }
            if let sign = rest.first, sign == "+" || sign == "-", let offset = Double(rest), offset.isFinite {
                guard (-300...300).contains(offset) else {
                    throw value.error(.outOfRange, "\(value.name): offset from the null must be between -300 and 300 ms, found \(text)")
                }
                return .nulling(offset: offset)
            }
        }
        var message = "\(value.name): unknown inversion time '\(text)'; expected 'nulling', 'nulling+N', 'nulling-N' or a TI in ms"
        // Suggest on the word alone: "nuling-20" should become "nulling-20".
        let word = compact.prefix { $0.isLetter }
        if !word.isEmpty, word != "nulling", Suggestion.closest(to: String(word), among: ["nulling"]) != nil {
            message += "; did you mean 'nulling\(compact.dropFirst(word.count))'?"
        }
        throw value.error(.unknownValue, message)
    }

    /// A list of words from `choices`, each at most once (a repeated one is surely a slip).
    private func distinctWords<T: Equatable>(
        _ value: YAMLValue, what: String, _ choices: [(String, T)]
    ) throws(ScenarioError) -> [T] {
        var result: [T] = []
        for item in try value.listOrSingle() {
            let word = try item.word(what, choices)
            guard !result.contains(word) else {
                throw item.error(.invalid, "\(item.name): '\(item.scalarText ?? "")' is listed twice")
            }
            result.append(word)
        }
        return result
    }
}
