import Foundation
import LGEDatasets

/// One head's map from network logit to probability: sigmoid(logit / temperature + offset).
public struct LogisticCalibration: Sendable, Hashable, Codable {
    public var temperature: Double
    public var offset: Double

    public init(temperature: Double, offset: Double) {
        self.temperature = temperature
        self.offset = offset
    }

    public func probability(logit: Double) -> Double { 1 / (1 + exp(-(logit / temperature + offset))) }
}

/// Platt scaling (Platt 1999): a temperature and an offset per head, fitted on data at a centre's own
/// prevalence by minimising binary cross-entropy.
///
/// Why an offset: training weights each head's positives by its negative/positive ratio (up to 10),
/// so the trained logit sits about log(weight) above the true log-odds. Temperature scaling keeps that
/// shift; an offset removes it. The targets are Platt's smoothed labels ((positives + 1) / (positives + 2)
/// and 1 / (negatives + 2)), so a head that separates the calibration data perfectly still gets a finite
/// slope, and the temperature stays within [0.2, 10] as in ``TemperatureScaling``.
public enum PlattScaling {
    public static let temperatureRange = 0.2...10.0

    public static func fit(logits: [Double], labels: [Bool]) -> LogisticCalibration {
        guard !logits.isEmpty, logits.count == labels.count else { return LogisticCalibration(temperature: 1, offset: 0) }
        let positives = Double(labels.filter { $0 }.count), negatives = Double(labels.count) - positives
        let high = (positives + 1) / (positives + 2), low = 1 / (negatives + 2)
        let targets = labels.map { $0 ? high : low }
        let slopes = (1 / temperatureRange.upperBound)...(1 / temperatureRange.lowerBound)

        func loss(_ a: Double, _ b: Double) -> Double {
            var total = 0.0
            for (z, t) in zip(logits, targets) {
                let s = a * z + b
                total += max(s, 0) + log1p(exp(-abs(s))) - t * s
            }
            return total / Double(logits.count)
        }
        var (a, b) = (1.0, 0.0)
        var current = loss(a, b)
        for _ in 0..<100 {
            var (ga, gb, haa, hab, hbb) = (0.0, 0.0, 0.0, 0.0, 0.0)
            for (z, t) in zip(logits, targets) {
                let p = 1 / (1 + exp(-(a * z + b)))
                let g = p - t, w = max(p * (1 - p), 1e-12)
                ga += g * z; gb += g
                haa += w * z * z; hab += w * z; hbb += w
            }
            let n = Double(logits.count)
            (ga, gb, haa, hab, hbb) = (ga / n, gb / n, haa / n + 1e-9, hab / n, hbb / n + 1e-9)
            let determinant = haa * hbb - hab * hab
            guard determinant > 0 else { break }
            let da = (hbb * ga - hab * gb) / determinant, db = (haa * gb - hab * ga) / determinant
            // Newton's step, halved until the loss falls, with the slope kept in range.
            var step = 1.0, improved = false
            while step > 1e-6 {
                let na = min(max(a - step * da, slopes.lowerBound), slopes.upperBound), nb = b - step * db
                let candidate = loss(na, nb)
                if candidate < current {
                    (a, b, current, improved) = (na, nb, candidate, true)
                    break
                }
                step /= 2
            }
            if !improved || (abs(step * da) < 1e-10 && abs(step * db) < 1e-10) { break }
        }
        return LogisticCalibration(temperature: 1 / a, offset: b)
    }
}

/// What recalibrating one head did.
public struct HeadCalibrationReport: Sendable, Hashable, Codable {
    public var head: ClassifierHead
    public var positives: Int
    public var negatives: Int
    public var before: LogisticCalibration
    public var after: LogisticCalibration
    /// Binary cross-entropy on the calibration slices, before and after.
    public var logLossBefore: Double
    public var logLossAfter: Double
    /// Why the head kept its calibration (too few labelled slices of one class), or nil.
    public var keptBecause: String?
}

extension SliceClassifier {
    /// A copy of this model's card with each head recalibrated by ``PlattScaling`` on `slices`, which
    /// should be data the model did not train on, at the prevalence of the centre it will serve. A head
    /// with fewer than `minimumPerClass` labelled slices of either class keeps its calibration: an offset
    /// fitted to a handful of positives would move every probability on little evidence. So does a head
    /// not in `heads`.
    public func recalibrated(
        on slices: [LabeledSlice], minimumPerClass: Int = 20, heads: Set<ClassifierHead> = Set(ClassifierHead.allCases)
    ) -> (card: ModelCard, heads: [HeadCalibrationReport], unassessed: Int) {
        var logitsByHead = [[Double]](repeating: [], count: card.heads.count)
        var labelsByHead = [[Bool]](repeating: [], count: card.heads.count)
        var unassessed = 0
        for slice in slices {
            guard let logits = try? logits(slice.pixels, pixelSpacing: slice.pixelSpacing, isSigned: slice.isSigned, phaseEncode: slice.phaseEncodeDirection),
                  logits.allSatisfy(\.isFinite) else {
                unassessed += 1
                continue
            }
            for (h, head) in card.heads.enumerated() {
                guard let label = slice.label(for: head) else { continue }
                logitsByHead[h].append(Double(logits[h]))
                labelsByHead[h].append(label)
            }
        }
        func logLoss(_ calibration: LogisticCalibration, _ logits: [Double], _ labels: [Bool]) -> Double {
            guard !logits.isEmpty else { return 0 }
            var total = 0.0
            for (z, y) in zip(logits, labels) {
                let p = min(max(calibration.probability(logit: z), 1e-12), 1 - 1e-12)
                total -= y ? log(p) : log(1 - p)
            }
            return total / Double(logits.count)
        }
        var updated = card
        var offsets = card.calibrations.map(\.offset)
        var reports: [HeadCalibrationReport] = []
        for (h, head) in card.heads.enumerated() {
            let (logits, labels) = (logitsByHead[h], labelsByHead[h])
            let positives = labels.filter { $0 }.count, negatives = labels.count - positives
            let before = card.calibrations[h]
            var after = before
            var kept: String?
            if !heads.contains(head) {
                kept = "not among the heads to recalibrate"
            } else if min(positives, negatives) < minimumPerClass {
                kept = "\(positives) positive and \(negatives) negative slices; at least \(minimumPerClass) of each are needed"
            } else {
                after = PlattScaling.fit(logits: logits, labels: labels)
                updated.temperatures[h] = after.temperature
                offsets[h] = after.offset
            }
            reports.append(HeadCalibrationReport(
                head: head, positives: positives, negatives: negatives, before: before, after: after,
                logLossBefore: logLoss(before, logits, labels), logLossAfter: logLoss(after, logits, labels), keptBecause: kept))
        }
        updated.calibrationOffsets = offsets
        return (updated, reports, unassessed)
    }
}
