/// The paper's metrics for one binary question on one test set: accuracy, precision, recall,
/// F1 and ROC AUC with patient-bootstrap 95% intervals, the confusion matrix, and calibration.
public struct ClassificationReport: Sendable, Hashable, Codable {
    public var cases: Int
    public var patients: Int
    public var positives: Int
    public var threshold: Double
    public var confusion: ConfusionMatrix
    public var accuracy: Estimate?
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
        precision = bootstrap.estimate(cases) { ConfusionMatrix(cases: $0, threshold: threshold).precision }
        recall = bootstrap.estimate(cases) { ConfusionMatrix(cases: $0, threshold: threshold).recall }
        f1 = bootstrap.estimate(cases) { ConfusionMatrix(cases: $0, threshold: threshold).f1 }
        rocAUC = bootstrap.estimate(cases, statistic: LGEEvaluation.rocAUC)
        calibration = CalibrationReport(cases: cases)
    }
}
