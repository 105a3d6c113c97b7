import Foundation
import LGEClassifier
import LGEDatasets
import LGEEvaluation

/// `lgeqa evaluate --format html`: one self-contained page (inline CSS and SVG, no scripts).
enum EvaluationHTML {
    static func page(_ reports: [TestSetEvaluation], rule: VASCertaintyRule, replicates: Int, model: ModelCard) -> String {
        let synthetic = reports.contains(where: \.synthetic)
        let mark = synthetic ? "SYNTHETIC" : nil
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>lgeqa evaluation\(synthetic ? " (SYNTHETIC data)" : "")</title>
            <style>
            body{font-family:system-ui,sans-serif;max-width:1040px;margin:2em auto;padding:0 1em;color:#212529;line-height:1.45}
            h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #dee2e6}
            table{border-collapse:collapse;margin:.6em 0} th,td{padding:.25em .7em;border-bottom:1px solid #e9ecef;text-align:right}
            th:first-child,td:first-child{text-align:left} .banner{background:#fff4e6;border:1px solid #d9480f;color:#a33a0a;padding:.5em 1em;font-weight:bold}
            .figures{display:flex;flex-wrap:wrap;gap:12px} .note{color:#6c757d;font-size:.9em} td .note{white-space:nowrap}
            </style></head><body>
            <h1>lgeqa: classifier against expert scores</h1>
            <p class="note">Research and training tool, not a diagnostic device. Model \(esc(model.modelVersion)), created \(esc(model.created)).</p>

            """
        if synthetic {
            html += "<p class=\"banner\">SYNTHETIC: these images come from the lgeqa simulator (and their scores from its virtual readers). The figures describe the tool on simulated data, not on patients.</p>\n"
        }
        html += "<h2>Summary</h2><table><tr><th>Test set</th><th>Slices</th><th>Patients</th><th>Accuracy</th><th>Precision</th><th>Recall</th><th>F1</th><th>ROC AUC</th><th>Inter-reader accuracy</th></tr>\n"
        for r in reports {
            let m = r.lowCertainty
            html += "<tr><td>\(esc(r.name))\(r.synthetic ? " (SYNTHETIC)" : "")</td><td>\(m.cases)</td><td>\(m.patients)</td><td>\(cell(m.accuracy))</td><td>\(cell(m.precision))</td><td>\(cell(m.recall))</td><td>\(cell(m.f1))</td><td>\(cell(m.rocAUC))</td><td>\(num(r.interReader.classAgreement))</td></tr>\n"
        }
        html += "<tr class=\"note\"><td>Paper (Zaman et al. 2024) internal / external</td><td>247 / 247</td><td>–</td><td>0.94 / 0.91</td><td>0.97 / 0.93</td><td>0.80 / 0.73</td><td>0.87 / 0.82</td><td>0.94 / 0.91</td><td>0.86</td></tr></table>\n"

        for r in reports {
            let m = r.lowCertainty
            html += "<h2>\(esc(r.name.capitalized)) test set\(r.synthetic ? " (SYNTHETIC)" : "")</h2>\n"
            html += "<p>\(m.cases) slices from \(m.patients) patients; \(m.positives) are low certainty by the readers. Operating threshold of the low-certainty head: \(String(format: "%.2f", r.operatingThreshold)).</p>\n"
            html += "<table><tr><th></th><th>Predicted low</th><th>Predicted high</th></tr>"
            html += "<tr><td>Readers: low certainty</td><td>\(m.confusion.truePositives)</td><td>\(m.confusion.falseNegatives)</td></tr>"
            html += "<tr><td>Readers: high certainty</td><td>\(m.confusion.falsePositives)</td><td>\(m.confusion.trueNegatives)</td></tr></table>\n"
            html += "<table><tr><th>Inter-reader agreement (\(r.interReader.slices) slices, readers \(esc(r.interReader.readers.joined(separator: " and "))))</th><th></th></tr>"
            html += "<tr><td>Class agreement (the paper's inter-expert accuracy)</td><td>\(num(r.interReader.classAgreement))</td></tr>"
            html += "<tr><td>Cohen's kappa</td><td>\(num(r.interReader.cohenKappa))</td></tr>"
            html += "<tr><td>ICC(2,1), absolute agreement, single rater, on VAS</td><td>\(num(r.interReader.icc21))</td></tr>"
            html += "<tr><td>Expected calibration error (10 bins)</td><td>\(num(m.calibration.expectedCalibrationError))</td></tr></table>\n"
            html += "<div class=\"figures\">"
            html += SVGPlot.rocCurve(r.lowCertaintyCases, threshold: r.operatingThreshold, title: "ROC: low certainty (\(r.name))", watermark: r.synthetic ? mark : nil)
            html += SVGPlot.reliability(m.calibration, title: "Reliability: low certainty (\(r.name))", watermark: r.synthetic ? mark : nil)
            html += SVGPlot.scoreHistogram(r.lowCertaintyCases, threshold: r.operatingThreshold, title: "Scores (\(r.name))",
                                           positiveLabel: "readers: low", negativeLabel: "readers: high", watermark: r.synthetic ? mark : nil)
            html += "</div>\n"
            if let l = r.lge {
                html += "<p>LGE head on high-certainty slices (\(l.cases) slices, \(l.positives) with mean VAS above 50): accuracy \(inline(l.accuracy)), ROC AUC \(inline(l.rocAUC)).</p>\n"
            }
            let excluded = [("unreadable files", r.unreadableFiles), ("slices without scores", r.slicesWithoutScores),
                            ("scored images without slices", r.scoredImagesWithoutSlices), ("bad score rows", r.scoreRowsExcluded),
                            ("slices without assessment", r.unassessed)].filter { $0.1 > 0 }
            if !excluded.isEmpty {
                html += "<p class=\"note\">Excluded: " + excluded.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + " (each listed on standard error).</p>\n"
            }
        }
        html += """
            <h2>Method</h2>
            <p>Each slice's expert label comes from all readers' VAS (0 = certain no LGE, 100 = certain LGE): low certainty when the mean VAS lies in [\(rule.lower), \(rule.upper)]\(rule.readersOnOppositeSides ? " or the readers fall on opposite sides of 50" : ""). Inter-reader class agreement compares each reader's own class (inside the band or not). Intervals are 95% percentile intervals from \(replicates) bootstrap replicates that resample patients (a patient is a hash of PatientID, else of StudyInstanceUID; no identifier appears here).</p>
            </body></html>
            """
        return html
    }

    static func esc(_ s: String) -> String { SVGPlot.escape(s) }
    static func num(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }
    static func inline(_ e: Estimate?) -> String {
        e.map { String(format: "%.3f (95%% CI %.3f–%.3f)", $0.value, $0.lower, $0.upper) } ?? "–"
    }
    static func cell(_ e: Estimate?) -> String {
        e.map { String(format: "%.3f<br><span class=\"note\">%.3f–%.3f</span>", $0.value, $0.lower, $0.upper) } ?? "–"
    }
}
