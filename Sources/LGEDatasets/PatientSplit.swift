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

    /// Train / validation / test slices of several sources, each source (a simulated cohort,
    /// EMIDEC, ...) split on its own with the same seed. A patient's part then depends only on
    /// its own source and the seed: adding EMIDEC to a fine-tuning run leaves every synthetic
    /// patient where pretraining put it, so validation and test never hold a patient that an
    /// earlier stage trained on. Patient names need only be unique within a source (two
    /// cohorts may both have an `internal-00000`); slices keep their source's order.
    public static func trainValidationTest(
        sources: [SplitSource], fractions: (train: Double, validation: Double) = (0.70, 0.15), seed: UInt64
    ) throws(DatasetError) -> (train: [LabeledSlice], validation: [LabeledSlice], test: [LabeledSlice]) {
        var train: [LabeledSlice] = [], validation: [LabeledSlice] = [], test: [LabeledSlice] = []
        for source in sources {
            let split: (train: Set<String>, validation: Set<String>, test: Set<String>)
            do {
                split = try trainValidationTest(source.slices, fractions: fractions, seed: seed)
            } catch .impossibleSplit(let why) {
                throw .impossibleSplit("\(source.name): \(why)")
            } catch {
                throw error
            }
            for slice in source.slices {
                if split.train.contains(slice.patient) { train.append(slice) }
                else if split.validation.contains(slice.patient) { validation.append(slice) }
                else { test.append(slice) }
            }
        }
        return (train, validation, test)
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

/// Labelled slices from one place (a cohort folder, EMIDEC), split on their own by
/// ``PatientSplit/trainValidationTest(sources:fractions:seed:)``.
public struct SplitSource: Sendable {
    /// For messages (the folder or data set).
    public var name: String
    public var slices: [LabeledSlice]

    public init(name: String, slices: [LabeledSlice]) {
        self.name = name
        self.slices = slices
    }
}
