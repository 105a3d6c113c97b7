import Foundation

/// The schema reference `lgeqa protocol schema` prints, built from the same tables the
/// parser checks against so the two cannot disagree.
public enum ProtocolSchema {
    public static var reference: String {
        var out = """
            lgeqa protocol schema \(QAProtocol.schemaVersion) (full guide: docs/protocols.md)

            TOP LEVEL
              schema            required  \(QAProtocol.schemaVersion)
              name              required  the protocol's name
              version           required  its own version, as its designer numbers it
              author            optional
              description       optional
              certainty_bands   optional  {band: [lower, upper], ...} over p_low_certainty, 0-1, no overlaps;
                                          lower included, upper excluded (1 included); default high [0, 0.5], low [0.5, 1]
              limits            optional  see LIMITS
              conflict          optional  tie-breakers in order, from: priority, specificity, order
                                          (default [priority, specificity, order])
              rules             required  a list of rules

            RULE
              name              optional  unique; default "rule N"
              description       optional  why the rule exists (explain prints it)
              when              required  a mapping of conditions, all of which must hold
              then              required  action (required), message, priority (integer, higher wins; default 0),
                                          cost (seconds; default the action's cost in limits.action_costs)

            CONDITIONS (inside when)
              FACT: value            equals (words ignore case)
              FACT: [a, b]           one of
              FACT: {OP: value, ...} every comparison holds; OP is lt, le, gt, ge, eq, between ([lo, hi], both
                                     included), in ([...])
              all: [cond, ...]       every one holds
              any: [cond, ...]       at least one holds
              not: cond              does not hold
              A fact the slice does not have (no TI in the header, an unmeasured metric) fails its comparison.

            FACTS

            """
        // Names never truncated: a long metric name pushes its meaning to the next line.
        func row(_ name: String, _ meaning: String) -> String {
            name.count < 30 ? "  " + name.padding(toLength: 31, withPad: " ", startingAt: 0) + meaning + "\n"
                : "  \(name)\n" + String(repeating: " ", count: 33) + meaning + "\n"
        }
        for (name, fact) in Fact.named { out += row(name, fact.meaning) }
        out += row("prompted_before.RULE", "true once this protocol's rule RULE has given a recommendation in this exam (true or false)")
        for (metric, meaning) in QualityMetric.known { out += row("qa.\(metric)", meaning) }
        out += """

            ACTIONS (then.action)
              repeat_ti                {repeat_ti: {delta: MS}} (-300..300, not 0), {repeat_ti: follow_null_drift}, or
                                       {repeat_ti: {follow_null_drift: {rate: 2.6, min: 10, max: 60}}}: raise TI by
                                       rate ms per minute since TI was set (5 min assumed when unknown), within min..max
              swap_phase_encode        repeat with the phase-encode direction swapped
              long_axis_crosscut       {long_axis_crosscut: 2CH|3CH|4CH} or {long_axis_crosscut: through_flagged_region}
                                       (alone: through the flagged region)
              repeat                   repeat unchanged; {repeat: {psir: true, single_shot: true, coaching: true}}
              notify                   a message only (needs a message; costs nothing by default)

            MESSAGE
              Text with {placeholders}: any fact, or delta (the TI change, ms), view (the crosscut), rule (its name),
              optionally plus or minus a number or another placeholder: "repeat with TI {inversion_time+delta} ms".
              {{ and }} are braces; a value the slice lacks prints as ?.

            LIMITS (every prompt counts, notify included)
              prompts_per_slice        per acquisition of a position (its PSIR and magnitude images together); default 1
              prompts_per_position     over every acquisition of one position
              prompts_per_exam
              cooldown                 {slices: N, seconds: S} between prompts (seconds by minutes_since_injection)
              action_cooldowns         {ACTION: {slices: N, seconds: S}, ...}: between two prompts of the same action
                                       (other actions may prompt meanwhile), e.g. {repeat_ti: {slices: 2}}
              extra_minutes            extra scanner time the recommendations may add per exam
              action_costs             seconds per action; default repeat_ti 25, swap_phase_encode 25,
                                       long_axis_crosscut 30, repeat 25, notify 0

            WHEN SEVERAL RULES FIRE
              The conflict tie-breakers rank them; the best one that no limit keeps quiet wins. A slice without a
              classifier assessment gets no recommendation, with the reason.

            """
        return out
    }
}
