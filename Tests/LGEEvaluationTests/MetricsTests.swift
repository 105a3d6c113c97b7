import LGERandom
import Testing

@testable import LGEEvaluation

@Suite struct MetricsTests {
    func cases(_ pairs: [(Bool, Double)], patients: Int = 1) -> [ScoredCase] {
        pairs.enumerated().map { ScoredCase(truth: $1.0, probability: $1.1, patient: "p\($0 % patients)") }
    }

    @Test func withinPatientAUCSeesThroughAModelThatKnowsPatientsNotFindings() throws {
        // Patient A (infarct on 2 of 3 slices) scores high everywhere, patient B (normal) low:
        // slices separate perfectly across patients, but within A the slice without infarct is highest.
        let cases = [
            ScoredCase(truth: true, probability: 0.8, patient: "A"), ScoredCase(truth: true, probability: 0.7, patient: "A"),
            ScoredCase(truth: false, probability: 0.9, patient: "A"),
            ScoredCase(truth: false, probability: 0.2, patient: "B"), ScoredCase(truth: false, probability: 0.1, patient: "B"),
        ]
        let within = try #require(withinPatientROCAUC(cases))
        #expect(within.pairs == 2 && within.auc == 0)
        #expect(patientLevelROCAUC(cases) == 1)
        #expect(rocAUC(cases)! > 0.6)
        // Ties count half; no patient with both kinds of slice gives no figure.
        #expect(withinPatientROCAUC([ScoredCase(truth: true, probability: 0.5, patient: "C"), ScoredCase(truth: false, probability: 0.5, patient: "C")])?.auc == 0.5)
        #expect(withinPatientROCAUC(cases.filter { $0.patient == "B" }) == nil)
        #expect(patientLevelROCAUC(cases.filter { $0.patient == "B" }) == nil)
    }

    @Test func confusionMatrixAndDerivedMetrics() {
        let m = ConfusionMatrix(cases: cases([(true, 0.9), (true, 0.4), (false, 0.6), (false, 0.1), (false, 0.2)]), threshold: 0.5)
        #expect((m.truePositives, m.falseNegatives, m.falsePositives, m.trueNegatives) == (1, 1, 1, 2))
        #expect(m.accuracy == 0.6)
        #expect(m.precision == 0.5 && m.recall == 0.5)
        #expect(m.f1 == 0.5)
        #expect(ConfusionMatrix(cases: cases([(false, 0.1)]), threshold: 0.5).precision == nil)
        #expect(m.balancedAccuracy == (0.5 + 2.0 / 3) / 2)
        #expect(ConfusionMatrix(cases: cases([(false, 0.1)]), threshold: 0.5).balancedAccuracy == nil)
    }

    /// With 1 positive in 10, answering "negative" always is right 90% of the time: the report
    /// says so, and balanced accuracy gives that answer 0.5 however high its accuracy.
    @Test func aReportSaysWhatAccuracyTheMajorityClassAloneGets() throws {
        let rare = cases([(true, 0.3)] + Array(repeating: (false, 0.2), count: 9), patients: 5)
        let report = ClassificationReport(cases: rare, bootstrap: PatientBootstrap(replicates: 50, seed: 1))
        #expect(report.noInformationRate == 0.9)
        #expect(report.accuracy?.value == 0.9)
        #expect(report.balancedAccuracy?.value == 0.5)
        #expect(ClassificationReport(cases: [], bootstrap: PatientBootstrap(replicates: 10, seed: 1)).noInformationRate == nil)
    }

    @Test func aSubgroupSummaryShowsWhatThePooledFiguresHide() {
        // Motion-like group: every slice is low certainty and the head misses 3 of 4.
        let missed = SubgroupSummary(group: "motion", cases: cases([(true, 0.2), (true, 0.3), (true, 0.7), (true, 0.1)]), threshold: 0.5)
        #expect(missed.cases == 4 && missed.positives == 4)
        #expect(missed.recall == 0.25)
        #expect(missed.falsePositiveRate == nil && missed.meanProbabilityOfNegatives == nil)
        #expect(abs(missed.meanProbabilityOfPositives! - 0.325) < 1e-12)
        let mixed = SubgroupSummary(group: "ti", cases: cases([(true, 0.9), (false, 0.8), (false, 0.2)]), threshold: 0.5)
        #expect(mixed.recall == 1 && mixed.falsePositiveRate == 0.5)
    }

    @Test func aucByRankSum() {
        #expect(rocAUC(cases([(true, 0.9), (false, 0.1)])) == 1)
        #expect(rocAUC(cases([(true, 0.1), (false, 0.9)])) == 0)
        #expect(rocAUC(cases([(true, 0.5), (false, 0.5)])) == 0.5)
        // 3 positives, 3 negatives: 7 of 9 pairs ordered correctly, one of the others tied (half).
        let auc = rocAUC(cases([(true, 0.9), (true, 0.6), (true, 0.3), (false, 0.6), (false, 0.2), (false, 0.1)]))
        #expect(abs(auc! - 7.5 / 9) < 1e-12)
        #expect(rocAUC(cases([(true, 0.3)])) == nil)
        let curve = rocCurve(cases([(true, 0.9), (false, 0.1)]))
        #expect(curve.first! == (0, 0) && curve.last! == (1, 1))
    }

    @Test func calibrationError() {
        // Probabilities 0.8 where 80% are positive: perfectly calibrated.
        let good = cases((0..<10).map { ($0 < 8, 0.8) })
        #expect(CalibrationReport(cases: good).expectedCalibrationError < 1e-12)
        let bad = cases((0..<10).map { _ in (false, 0.9) })
        #expect(abs(CalibrationReport(cases: bad).expectedCalibrationError - 0.9) < 1e-12)
    }

    @Test func patientBootstrapIntervalsContainTheEstimateAndWidenWithFewerPatients() {
        var many: [ScoredCase] = []
        var generator = SeededGenerator(seed: 3)
        for patient in 0..<60 {
            for _ in 0..<5 {
                let truth = generator.next() % 2 == 0
                let p = min(1, max(0, (truth ? 0.65 : 0.35) + Double(generator.next() % 1000) / 1000 * 0.5 - 0.25))
                many.append(ScoredCase(truth: truth, probability: p, patient: "p\(patient)"))
            }
        }
        let bootstrap = PatientBootstrap(replicates: 400, seed: 1)
        let wide = bootstrap.estimate(Array(many.prefix(50)), statistic: rocAUC)!
        let narrow = bootstrap.estimate(many, statistic: rocAUC)!
        #expect(narrow.lower <= narrow.value && narrow.value <= narrow.upper)
        #expect(narrow.upper - narrow.lower < wide.upper - wide.lower)
        #expect(bootstrap.estimate(many, statistic: rocAUC) == narrow)
        let report = ClassificationReport(cases: many, bootstrap: bootstrap)
        #expect(report.patients == 60 && report.cases == 300)
        #expect(report.rocAUC!.value > 0.7)
    }
}
