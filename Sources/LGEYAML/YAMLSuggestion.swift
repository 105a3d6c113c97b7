/// "Did you mean" guesses by edit distance.
public enum YAMLSuggestion {
    /// The candidate closest to `text`, if it is close enough to be a plausible typo: at most
    /// a third of the longer word's letters (at least one, at most three) need changing.
    public static func closest(to text: String, among candidates: [String]) -> String? {
        let lowered = text.lowercased()
        let scored = candidates.map { ($0, distance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let allowance = min(3, max(1, max(text.count, best.0.count) / 3))
        return best.1 <= allowance ? best.0 : nil
    }

    /// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, since
    /// swapped letters ("thcikness") are the commonest typo.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}

/// The candidate `text` is most plausibly a typo of, if any (see ``YAMLSuggestion``).
public func suggestion(for text: String, among candidates: [String]) -> String? {
    YAMLSuggestion.closest(to: text, among: candidates)
}
