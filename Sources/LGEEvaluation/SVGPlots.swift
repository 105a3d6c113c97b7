import Foundation

/// Small self-contained SVG figures for reports: no scripts, no external fonts or files, so a
/// report is one HTML file that opens anywhere. Every figure can carry a watermark (SYNTHETIC).
public enum SVGPlot {
    static let width = 320.0, height = 280.0
    static let left = 48.0, right = 12.0, top = 26.0, bottom = 40.0

    /// ROC curve with the chance diagonal and the operating point.
    public static func rocCurve(_ cases: [ScoredCase], threshold: Double, title: String, watermark: String? = nil) -> String {
        let points = LGEEvaluation.rocCurve(cases)
        let matrix = ConfusionMatrix(cases: cases, threshold: threshold)
        var body = line([(0, 0), (1, 1)], style: "stroke:#999;stroke-dasharray:4 3")
        body += line(points.map { ($0.fpr, $0.tpr) }, style: "stroke:#1f5fa8;stroke-width:2")
        if let tpr = matrix.recall, let specificity = matrix.specificity {
            let (x, y) = map(1 - specificity, tpr)
            body += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"4\" fill=\"#d9480f\"><title>operating threshold \(f(threshold))</title></circle>"
        }
        let auc = LGEEvaluation.rocAUC(cases).map { "AUC " + String(format: "%.3f", $0) } ?? "AUC undefined"
        body += text(0.62, 0.1, auc, anchor: "start")
        return frame(title: title, xLabel: "false-positive rate", yLabel: "true-positive rate", body: body, watermark: watermark)
    }

    /// Reliability diagram: observed frequency against mean predicted probability per bin, with
    /// the bins' counts as bar heights at the bottom.
    public static func reliability(_ calibration: CalibrationReport, title: String, watermark: String? = nil) -> String {
        var body = line([(0, 0), (1, 1)], style: "stroke:#999;stroke-dasharray:4 3")
        let maxCount = Double(calibration.bins.map(\.count).max() ?? 1)
        for bin in calibration.bins where bin.count > 0 {
            let (x0, y0) = map(bin.lower, 0), (x1, _) = map(bin.upper, 0)
            let barHeight = 0.25 * (height - top - bottom) * Double(bin.count) / max(maxCount, 1)
            body += "<rect x=\"\(f(x0 + 1))\" y=\"\(f(y0 - barHeight))\" width=\"\(f(x1 - x0 - 2))\" height=\"\(f(barHeight))\" fill=\"#ced4da\"><title>\(bin.count) slices</title></rect>"
        }
        let observed = calibration.bins.compactMap { bin in bin.meanProbability.flatMap { p in bin.observedFrequency.map { (p, $0) } } }
        body += line(observed, style: "stroke:#1f5fa8;stroke-width:2")
        for (p, o) in observed {
            let (x, y) = map(p, o)
            body += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3\" fill=\"#1f5fa8\"/>"
        }
        body += text(0.04, 0.92, "ECE " + String(format: "%.3f", calibration.expectedCalibrationError), anchor: "start")
        return frame(title: title, xLabel: "predicted probability", yLabel: "observed frequency", body: body, watermark: watermark)
    }

    /// Histograms of the predicted probability for truly positive and truly negative cases,
    /// each normalised to its own total, with the operating threshold.
    public static func scoreHistogram(_ cases: [ScoredCase], threshold: Double, title: String, positiveLabel: String, negativeLabel: String, watermark: String? = nil) -> String {
        let bins = 20
        func shares(_ subset: [ScoredCase]) -> [Double] {
            var counts = [Double](repeating: 0, count: bins)
            for c in subset { counts[min(bins - 1, max(0, Int(c.probability * Double(bins))))] += 1 }
            return counts.map { subset.isEmpty ? 0 : $0 / Double(subset.count) }
        }
        let positive = shares(cases.filter(\.truth)), negative = shares(cases.filter { !$0.truth })
        let tallest = max(positive.max() ?? 0, negative.max() ?? 0, 0.01)
        var body = ""
        for (values, colour) in [(negative, "rgba(31,95,168,0.55)"), (positive, "rgba(217,72,15,0.55)")] {
            for (i, v) in values.enumerated() where v > 0 {
                let (x0, y) = map(Double(i) / Double(bins), 0.85 * v / tallest), (x1, y0) = map(Double(i + 1) / Double(bins), 0)
                body += "<rect x=\"\(f(x0))\" y=\"\(f(y))\" width=\"\(f(x1 - x0))\" height=\"\(f(y0 - y))\" fill=\"\(colour)\"/>"
            }
        }
        body += line([(threshold, 0), (threshold, 1)], style: "stroke:#333;stroke-dasharray:3 3")
        let legendX = left + 0.52 * (width - left - right)
        for (row, (label, colour)) in [(positiveLabel, "rgba(217,72,15,0.55)"), (negativeLabel, "rgba(31,95,168,0.55)")].enumerated() {
            let y = top + 16 + 15 * Double(row)
            body += "<rect x=\"\(f(legendX))\" y=\"\(f(y - 9))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            body += "<text x=\"\(f(legendX + 14))\" y=\"\(f(y))\" font-size=\"11\">\(escape(label))</text>"
        }
        return frame(title: title, xLabel: "predicted probability", yLabel: "share of slices (scaled)", body: body, watermark: watermark)
    }

    // MARK: drawing

    static func map(_ x: Double, _ y: Double) -> (Double, Double) {
        (left + x * (width - left - right), height - bottom - y * (height - top - bottom))
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func line(_ points: [(Double, Double)], style: String) -> String {
        guard !points.isEmpty else { return "" }
        let path = points.map { let (x, y) = map($0.0, $0.1); return "\(f(x)),\(f(y))" }.joined(separator: " ")
        return "<polyline points=\"\(path)\" fill=\"none\" style=\"\(style)\"/>"
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, dx: Double = 0) -> String {
        let (px, py) = map(x, y)
        return "<text x=\"\(f(px + dx))\" y=\"\(f(py))\" font-size=\"11\" text-anchor=\"\(anchor)\">\(content)</text>"
    }

    static func frame(title: String, xLabel: String, yLabel: String, body: String, watermark: String?) -> String {
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" role=\"img\" aria-label=\"\(escape(title))\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        svg += "<text x=\"\(f(width / 2))\" y=\"16\" font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\">\(escape(title))</text>"
        let (x0, y0) = map(0, 0), (x1, y1) = map(1, 1)
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let (tx, _) = map(tick, 0), (_, ty) = map(0, tick)
            svg += "<line x1=\"\(f(tx))\" y1=\"\(f(y0))\" x2=\"\(f(tx))\" y2=\"\(f(y1))\" stroke=\"#eee\"/><line x1=\"\(f(x0))\" y1=\"\(f(ty))\" x2=\"\(f(x1))\" y2=\"\(f(ty))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(tx))\" y=\"\(f(y0 + 14))\" font-size=\"10\" text-anchor=\"middle\">\(tick)</text>"
            svg += "<text x=\"\(f(x0 - 4))\" y=\"\(f(ty + 3))\" font-size=\"10\" text-anchor=\"end\">\(tick)</text>"
        }
        svg += "<rect x=\"\(f(x0))\" y=\"\(f(y1))\" width=\"\(f(x1 - x0))\" height=\"\(f(y0 - y1))\" fill=\"none\" stroke=\"#333\"/>"
        if let watermark {
            svg += "<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f((y0 + y1) / 2))\" font-size=\"30\" fill=\"#d9480f\" fill-opacity=\"0.18\" text-anchor=\"middle\" transform=\"rotate(-30 \(f((x0 + x1) / 2)) \(f((y0 + y1) / 2)))\">\(escape(watermark))</text>"
        }
        svg += body
        svg += "<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f(height - 6))\" font-size=\"11\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        svg += "<text x=\"12\" y=\"\(f((y0 + y1) / 2))\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(f((y0 + y1) / 2)))\">\(escape(yLabel))</text>"
        return svg + "</svg>"
    }

    /// Escapes text for XML/HTML content and attributes.
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
