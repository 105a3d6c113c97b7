/// One scored case for a binary question (e.g. "low certainty?"): the truth, the model's
/// probability, and the patient it belongs to (for patient-level resampling).
public struct ScoredCase: Sendable, Hashable, Codable {
    public var truth: Bool
    public var probability: Double
    public var patient: String

    public init(truth: Bool, probability: Double, patient: String) {
        self.truth = truth
        self.probability = probability
        self.patient = patient
    }
}

/// Counts at one operating threshold.
public struct ConfusionMatrix: Sendable, Hashable, Codable {
    public var truePositives = 0
    public var falsePositives = 0
    public var trueNegatives = 0
    public var falseNegatives = 0

    public init(cases: [ScoredCase], threshold: Double) {
        for c in cases {
            let predicted = c.probability >= threshold
            switch (c.truth, predicted) {
            case (true, true): truePositives += 1
            case (false, true): falsePositives += 1
            case (false, false): trueNegatives += 1
            case (true, false): falseNegatives += 1
            }
        }
    }

    public var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }

    /// nil where the denominator is zero: an undefined metric is not reported as 0.
    public var accuracy: Double? { ratio(truePositives + trueNegatives, total) }
    public var precision: Double? { ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double? { ratio(truePositives, truePositives + falseNegatives) }
    public var specificity: Double? { ratio(trueNegatives, trueNegatives + falsePositives) }
    /// Mean of recall and specificity; nil when either class is missing.
    public var balancedAccuracy: Double? {
        guard let recall, let specificity else { return nil }
        return (recall + specificity) / 2
    }
    public var f1: Double? {
        guard let p = precision, let r = recall, p + r > 0 else { return nil }
        return 2 * p * r / (p + r)
    }

    private func ratio(_ a: Int, _ b: Int) -> Double? { b == 0 ? nil : Double(a) / Double(b) }
}

/// Area under the ROC curve: the probability that a random positive outranks a random
/// negative (ties count half), by the rank-sum formula. nil without both classes.
public func rocAUC(_ cases: [ScoredCase]) -> Double? {
    let positives = cases.filter(\.truth).count
    let negatives = cases.count - positives
    guard positives > 0, negatives > 0 else { return nil }
    let sorted = cases.sorted { $0.probability < $1.probability }
    var rankSum = 0.0
    var i = 0
    while i < sorted.count {
        var j = i
        while j + 1 < sorted.count && sorted[j + 1].probability == sorted[i].probability { j += 1 }
        let averageRank = Double(i + j + 2) / 2  // ranks are 1-based
        for k in i...j where sorted[k].truth { rankSum += averageRank }
        i = j + 1
    }
    let u = rankSum - Double(positives * (positives + 1)) / 2
    return u / Double(positives * negatives)
}

/// ROC AUC over pairs from the same patient only: of every patient's slices with and without the
/// finding, how often the one with it scores higher (ties half). A model that recognises a
/// patient's images rather than the finding scores well on ``rocAUC`` and near 0.5 here.
/// nil when no patient has both kinds of slice.
public func withinPatientROCAUC(_ cases: [ScoredCase]) -> (auc: Double, pairs: Int)? {
    var wins = 0.0, pairs = 0
    for (_, slices) in Dictionary(grouping: cases, by: \.patient) {
        let positives = slices.filter(\.truth).map(\.probability), negatives = slices.filter { !$0.truth }.map(\.probability)
        for p in positives {
            for n in negatives {
                pairs += 1
                wins += p > n ? 1 : (p == n ? 0.5 : 0)
            }
        }
    }
    return pairs == 0 ? nil : (wins / Double(pairs), pairs)
}

/// ROC AUC of patients: a patient is positive when any of their slices is, and scores their
/// highest slice probability. nil without both kinds of patient.
public func patientLevelROCAUC(_ cases: [ScoredCase]) -> Double? {
    let patients = Dictionary(grouping: cases, by: \.patient).map { patient, slices in
        ScoredCase(truth: slices.contains(where: \.truth), probability: slices.map(\.probability).max()!, patient: patient)
    }
    return rocAUC(patients)
}

/// ROC curve points (false-positive rate, true-positive rate), from (0,0) to (1,1).
public func rocCurve(_ cases: [ScoredCase]) -> [(fpr: Double, tpr: Double)] {
    let positives = Double(cases.filter(\.truth).count), negatives = Double(cases.count) - positives
    guard positives > 0, negatives > 0 else { return [] }
    var points = [(fpr: 0.0, tpr: 0.0)]
    var tp = 0.0, fp = 0.0
    let sorted = cases.sorted { $0.probability > $1.probability }
    var i = 0
    while i < sorted.count {
        let threshold = sorted[i].probability
        while i < sorted.count && sorted[i].probability == threshold {
            if sorted[i].truth { tp += 1 } else { fp += 1 }
            i += 1
        }
        points.append((fp / negatives, tp / positives))
    }
    return points
}

/// How one head does on a subgroup of the cases — say the slices whose doubt comes from motion —
/// at its operating threshold: a pooled ROC AUC can look fair while one cause of doubt is
/// missed entirely, and a protocol designer needs to know which.
public struct SubgroupSummary: Sendable, Hashable, Codable {
    public var group: String
    public var cases: Int
    public var positives: Int
    /// Positives at or above the threshold, over positives; nil without positives.
    public var recall: Double?
    /// Negatives at or above the threshold, over negatives; nil without negatives.
    public var falsePositiveRate: Double?
    public var meanProbabilityOfPositives: Double?
    public var meanProbabilityOfNegatives: Double?

    public init(group: String, cases: [ScoredCase], threshold: Double) {
        self.group = group
        self.cases = cases.count
        let positives = cases.filter(\.truth), negatives = cases.filter { !$0.truth }
        self.positives = positives.count
        let matrix = ConfusionMatrix(cases: cases, threshold: threshold)
        recall = matrix.recall
        falsePositiveRate = matrix.specificity.map { 1 - $0 }
        func mean(_ c: [ScoredCase]) -> Double? { c.isEmpty ? nil : c.reduce(0) { $0 + $1.probability } / Double(c.count) }
        meanProbabilityOfPositives = mean(positives)
        meanProbabilityOfNegatives = mean(negatives)
    }
}
