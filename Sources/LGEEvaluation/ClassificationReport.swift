/// The paper's metrics for one binary question on one test set: accuracy, precision, recall,
/// F1 and ROC AUC with patient-bootstrap 95% intervals, the confusion matrix, and calibration.
public struct ClassificationReport: Sendable, Hashable, Codable {
    public var cases: Int
    public var patients: Int
    public var positives: Int
    public var threshold: Double
    public var confusion: ConfusionMatrix
    public var accuracy: Estimate?
    /// The accuracy of always answering the majority class: what `accuracy` must beat to mean
    /// anything. With few positives (8–9% low-certainty slices in the simulator's cohorts, 27% in
    /// the paper's data) accuracy sits close to it.
    public var noInformationRate: Double?
    /// Mean of recall and specificity: accuracy as if both classes were equally common.
    public var balancedAccuracy: Estimate?
    public var precision: Estimate?
    public var recall: Estimate?
    public var f1: Estimate?
    public var rocAUC: Estimate?
    public var calibration: CalibrationReport

    public init(cases: [ScoredCase], threshold: Double = 0.5, bootstrap: PatientBootstrap = PatientBootstrap()) {
        self.cases = cases.count
        patients = Set(cases.map(\.patient)).count
        positives = cases.filter(\.truth).count
        self.threshold = threshold
        confusion = ConfusionMatrix(cases: cases, threshold: threshold)
        accuracy = bootstrap.estimate(cases) { ConfusionMatrix(cases: $0, threshold: threshold).accuracy }
        noInformationRate = cases.isEmpty ? nil : Double(max(positives, cases.count - positives)) / Double(cases.count)
        balancedAccuracy = bootstrap.estimate(cases) { ConfusionMatrix(cases: $0, threshold: threshold).balancedAccuracy }
        precision = bootstrap.estimate(cases) { ConfusionMatrix(cases: $0, threshold: threshold).precision }
        recall = bootstrap.estimate(cases) { ConfusionMatrix(cases: $0, threshold: threshold).recall }
        f1 = bootstrap.estimate(cases) { ConfusionMatrix(cases: $0, threshold: threshold).f1 }
        rocAUC = bootstrap.estimate(cases, statistic: LGEEvaluation.rocAUC)
        calibration = CalibrationReport(cases: cases)
    }
}
