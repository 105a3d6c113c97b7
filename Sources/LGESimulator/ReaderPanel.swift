import LGERandom
import Foundation

/// One simulated expert: scores LGE likelihood on a 0–100 visual analogue scale from what is
/// visible in the image, with their own noise and bias.
public struct VirtualReader: Sendable, Hashable, Codable {
    public var id: String
    /// Added to every score (a lenient or strict reader), VAS points.
    public var bias: Double
    /// Spread of the reader's judgement, VAS points.
    public var noise: Double
    /// How far confounders (ghosts across the wall, unnulled myocardium) sway this reader.
    public var susceptibility: Double

    /// Conspicuity (noise units, after the size discount) at which a reader is 50:50.
    static let halfBelief = 8.0

    public init(id: String, bias: Double, noise: Double, susceptibility: Double) {
        self.id = id
        self.bias = bias
        self.noise = noise
        self.susceptibility = susceptibility
    }

    /// The reader's VAS for an image, drawn with `generator`.
    public func score(_ evidence: ImageEvidence, using generator: inout SeededGenerator) -> Double {
        let vas = expectedScore(conspicuity: evidence.conspicuity, scarArea: evidence.scarArea, mimicry: evidence.mimicry)
            + noise * generator.gaussian()
        return min(100, max(0, vas.rounded()))
    }

    /// The reader's score before their noise, VAS points (not clipped): what they would say on
    /// average about an image with this evidence.
    public func expectedScore(conspicuity: Double, scarArea: Double, mimicry: Double) -> Double {
        // Belief in LGE rises with the conspicuity of genuine enhancement on a log scale
        // (readers judge contrast ratios, and small areas count for less); even a clean normal
        // slice keeps a little suspicion. Confounders then pull towards "maybe".
        let sized = conspicuity * min(1, scarArea / 200).squareRoot()
        let seen = 1 / (1 + exp(-(log(max(sized, 1e-3)) - log(VirtualReader.halfBelief)) / 0.7))
        let genuine = 0.05 + 0.9 * seen
        let doubt = min(1, mimicry * susceptibility)
        let belief = genuine + (0.5 - genuine) * doubt
        return 100 * belief + bias
    }

    /// The probability of each VAS the reader can give (index 0...100) for this evidence: their
    /// Gaussian noise around ``expectedScore(conspicuity:scarArea:mimicry:)``, rounded and clipped
    /// as ``score(_:using:)`` does.
    public func scoreDistribution(conspicuity: Double, scarArea: Double, mimicry: Double) -> [Double] {
        let mean = expectedScore(conspicuity: conspicuity, scarArea: scarArea, mimicry: mimicry)
        // P(rounded score ≤ k) = Φ((k + 0.5 − mean) / noise); clipping puts both tails on 0 and 100.
        func below(_ edge: Double) -> Double {
            noise > 0 ? 0.5 * erfc(-(edge - mean) / (noise * 2.0.squareRoot())) : (mean < edge ? 1 : 0)
        }
        var probabilities = [Double](repeating: 0, count: 101)
        var previous = 0.0
        for k in 0...100 {
            let cumulative = k == 100 ? 1 : below(Double(k) + 0.5)
            probabilities[k] = cumulative - previous
            previous = cumulative
        }
        return probabilities
    }
}

/// Two readers scoring independently, as in the paper's ground truth.
public struct ReaderPanel: Sendable, Hashable, Codable {
    public var readers: [VirtualReader]

    public init(readers: [VirtualReader]) {
        self.readers = readers
    }

    /// Tuned so the two readers' high/low-certainty classes agree about 86% of the time on
    /// simulated cohorts, the paper's inter-expert agreement (`lgeqa simulate cohort` reports
    /// the agreement it reached).
    public static let standard = ReaderPanel(readers: [
        VirtualReader(id: "reader1", bias: 3, noise: 10, susceptibility: 0.9),
        VirtualReader(id: "reader2", bias: -3, noise: 12, susceptibility: 0.75),
    ])

    /// The probability that this panel's scores make an image low-certainty under `band`, given the
    /// image's true evidence: only the readers' own noise is left to chance. On a simulated cohort
    /// this is the best any classifier of the image could do (the ceiling of its ROC AUC and accuracy),
    /// since the image holds at most its evidence.
    public func lowCertaintyProbability(
        conspicuity: Double, scarArea: Double, mimicry: Double, band: CertaintyBand = .standard
    ) -> Double {
        // The readers are independent: walk their joint distribution by the running sum of scores and
        // whether some reader has been above or below 50 so far (what the band's rule needs). A flat
        // array in a fixed order, so that the same evidence always sums to the same probability and
        // slices with equal evidence stay tied.
        guard !readers.isEmpty else { return 1 }
        let sums = 100 * readers.count + 1
        func index(_ sum: Int, _ above: Bool, _ below: Bool) -> Int { (sum * 2 + (above ? 1 : 0)) * 2 + (below ? 1 : 0) }
        var states = [Double](repeating: 0, count: sums * 4)
        states[index(0, false, false)] = 1
        for reader in readers {
            let distribution = reader.scoreDistribution(conspicuity: conspicuity, scarArea: scarArea, mimicry: mimicry)
            var next = [Double](repeating: 0, count: sums * 4)
            for sum in 0..<sums {
                for above in [false, true] {
                    for below in [false, true] {
                        let p = states[index(sum, above, below)]
                        guard p > 0 else { continue }
                        for (vas, q) in distribution.enumerated() where q > 0 && sum + vas < sums {
                            next[index(sum + vas, above || vas > 50, below || vas < 50)] += p * q
                        }
                    }
                }
            }
            states = next
        }
        var low = 0.0
        for sum in 0..<sums {
            let mean = Double(sum) / Double(readers.count)
            for above in [false, true] {
                for below in [false, true] where (band.lower...band.upper).contains(mean) || (above && below) {
                    low += states[index(sum, above, below)]
                }
            }
        }
        return min(1, max(0, low))
    }

    /// Every reader's score for an image; `key` makes the draw independent of scoring order.
    public func scores(for evidence: ImageEvidence, seed: UInt64, key: String) -> [ReaderScore] {
        readers.map { reader in
            var generator = SeededGenerator(seed: seed, stream: "reader/\(reader.id)/\(key)")
            return ReaderScore(reader: reader.id, vas: reader.score(evidence, using: &generator))
        }
    }
}

/// One reader's VAS for one image.
public struct ReaderScore: Sendable, Hashable, Codable {
    public var reader: String
    public var vas: Double
}

/// The certainty rule of the paper's labels (BRIEF §1): low certainty if the mean VAS is in
/// the equivocal band or the readers fall on opposite sides of 50.
public struct CertaintyBand: Sendable, Hashable, Codable {
    public var lower: Double
    public var upper: Double

    public init(lower: Double = 25, upper: Double = 75) {
        self.lower = lower
        self.upper = upper
    }

    public static let standard = CertaintyBand()

    public func isLowCertainty(_ scores: [Double]) -> Bool {
        guard !scores.isEmpty else { return true }
        let mean = scores.reduce(0, +) / Double(scores.count)
        let split = scores.contains { $0 > 50 } && scores.contains { $0 < 50 }
        return (lower...upper).contains(mean) || split
    }

    /// One reader's own class: low certainty inside the band.
    public func isLowCertainty(single score: Double) -> Bool { (lower...upper).contains(score) }
}
