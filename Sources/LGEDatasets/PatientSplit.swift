import LGERandom

/// Splits by patient, never separating one patient's slices, stratified by whether the
/// patient has any positive slice, and reproducible from a seed.
public enum PatientSplit {
    /// `k` folds of patients for cross-validation.
    public static func folds(_ slices: [LabeledSlice], k: Int, seed: UInt64) throws(DatasetError) -> [Set<String>] {
        let (positive, negative) = strata(slices, seed: seed)
        guard k >= 2, positive.count + negative.count >= k else {
            throw .impossibleSplit("\(positive.count + negative.count) patients cannot make \(k) folds")
        }
        var folds = [Set<String>](repeating: [], count: k)
        // Deal each stratum round-robin so every fold gets its share of positive patients.
        for (index, patient) in (positive + negative).enumerated() { folds[index % k].insert(patient) }
        return folds
    }

    /// Train / validation / test by patient in the given proportions (the paper: 70:15:15).
    public static func trainValidationTest(
        _ slices: [LabeledSlice], fractions: (train: Double, validation: Double) = (0.70, 0.15), seed: UInt64
    ) throws(DatasetError) -> (train: Set<String>, validation: Set<String>, test: Set<String>) {
        try trainValidationTest(patients: positiveByPatient(slices), fractions: fractions, seed: seed)
    }

    /// Train / validation / test of patients, each stratum (`patients[p]` true or false) split in
    /// the given proportions after a seeded shuffle.
    public static func trainValidationTest(
        patients: [String: Bool], fractions: (train: Double, validation: Double) = (0.70, 0.15), seed: UInt64
    ) throws(DatasetError) -> (train: Set<String>, validation: Set<String>, test: Set<String>) {
        let (positive, negative) = strata(patients, seed: seed)
        guard positive.count + negative.count >= 3 else { throw .impossibleSplit("fewer than 3 patients") }
        var train = Set<String>(), validation = Set<String>(), test = Set<String>()
        for stratum in [positive, negative] {
            let n = stratum.count
            let trainCount = Int((Double(n) * fractions.train).rounded())
            let validationCount = Int((Double(n) * fractions.validation).rounded())
            for (index, patient) in stratum.enumerated() {
                if index < trainCount { train.insert(patient) }
                else if index < trainCount + validationCount { validation.insert(patient) }
                else { test.insert(patient) }
            }
        }
        return (train, validation, test)
    }

    /// Patients with and without any LGE-positive slice, each shuffled by the seed.
    static func strata(_ slices: [LabeledSlice], seed: UInt64) -> (positive: [String], negative: [String]) {
        strata(positiveByPatient(slices), seed: seed)
    }

    static func positiveByPatient(_ slices: [LabeledSlice]) -> [String: Bool] {
        var hasPositive: [String: Bool] = [:]
        for slice in slices { hasPositive[slice.patient] = (hasPositive[slice.patient] ?? false) || (slice.lge ?? false) }
        return hasPositive
    }

    static func strata(_ hasPositive: [String: Bool], seed: UInt64) -> (positive: [String], negative: [String]) {
        var generator = SeededGenerator(seed: seed)
        let positive = hasPositive.filter(\.value).keys.sorted().shuffled(using: &generator)
        let negative = hasPositive.filter { !$0.value }.keys.sorted().shuffled(using: &generator)
        return (positive, negative)
    }
}
