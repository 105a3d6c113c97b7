import LGEYAML

/// A problem with a scenario file, located as `file:line:column` so an editor can jump to it.
///
/// The positioned YAML reading is shared with protocols (module `LGEYAML`); a scenario's
/// problems are ``YAMLError``s under the name scenario authors and callers already use.
public typealias ScenarioError = YAMLError

/// "Did you mean" guesses, as the scenario reader (and its tests) call them.
typealias Suggestion = YAMLSuggestion
