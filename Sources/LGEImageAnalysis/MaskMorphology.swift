/// Operations on binary masks: row-major `[Bool]` of `rows × columns`, 4-connectivity
/// throughout.
public enum MaskMorphology {
    /// The largest 4-connected set of `true` pixels (the first found, in row-major order of
    /// its first pixel, on a tie), or nil when there is none.
    public static func largestComponent(_ mask: [Bool], rows: Int, columns: Int) -> [Bool]? {
        var label = [Int32](repeating: -1, count: mask.count)
        var best = (label: Int32(-1), size: 0)
        var next: Int32 = 0
        var stack: [Int] = []
        for seed in mask.indices where mask[seed] && label[seed] < 0 {
            label[seed] = next
            stack.append(seed)
            var size = 0
            while let i = stack.popLast() {
                size += 1
                let (r, c) = (i / columns, i % columns)
                for (nr, nc) in [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)]
                where nr >= 0 && nr < rows && nc >= 0 && nc < columns {
                    let j = nr * columns + nc
                    if mask[j] && label[j] < 0 { label[j] = next; stack.append(j) }
                }
            }
            if size > best.size { best = (next, size) }
            next += 1
        }
        guard best.size > 0 else { return nil }
        return label.map { $0 == best.label }
    }

    /// The `true` pixels 4-connected to the image border through `true` pixels.
    public static func reachableFromBorder(_ passable: [Bool], rows: Int, columns: Int) -> [Bool] {
        var reached = [Bool](repeating: false, count: passable.count)
        guard rows > 0, columns > 0 else { return reached }
        var stack: [Int] = []
        func visit(_ i: Int) {
            if passable[i] && !reached[i] { reached[i] = true; stack.append(i) }
        }
        for c in 0..<columns { visit(c); visit((rows - 1) * columns + c) }
        for r in 0..<rows { visit(r * columns); visit(r * columns + columns - 1) }
        while let i = stack.popLast() {
            let (r, c) = (i / columns, i % columns)
            if r > 0 { visit(i - columns) }
            if r < rows - 1 { visit(i + columns) }
            if c > 0 { visit(i - 1) }
            if c < columns - 1 { visit(i + 1) }
        }
        return reached
    }

    /// The mask with its holes filled: every pixel not reachable from the border through
    /// `false` pixels. A hole that touches the border is not a hole (see ``convexHull(of:rows:columns:)``).
    public static func fillingHoles(_ mask: [Bool], rows: Int, columns: Int) -> [Bool] {
        reachableFromBorder(mask.map { !$0 }, rows: rows, columns: columns).map { !$0 }
    }

    /// The pixels whose centres lie inside the convex hull of the `true` pixels' corners (so
    /// every `true` pixel is kept whole). With no `true` pixels, the mask itself.
    public static func convexHull(of mask: [Bool], rows: Int, columns: Int) -> [Bool] {
        // Each row's extreme pixels carry the hull; their outer corners make it cover them whole.
        var points: [SIMD2<Double>] = []
        for r in 0..<rows {
            let line = mask[(r * columns)..<(r * columns + columns)]
            guard let first = line.firstIndex(of: true), let last = line.lastIndex(of: true) else { continue }
            let (c0, c1) = (Double(first - r * columns), Double(last - r * columns))
            let y = Double(r)
            points += [[c0 - 0.5, y - 0.5], [c0 - 0.5, y + 0.5], [c1 + 0.5, y - 0.5], [c1 + 0.5, y + 0.5]]
        }
        let hull = convexHull(of: points)
        var inside = [Bool](repeating: false, count: mask.count)
        guard hull.count >= 3 else { return mask }
        // Each row of pixel centres crosses the convex polygon in one interval.
        for r in 0..<rows {
            let y = Double(r)
            var (low, high) = (Double.infinity, -Double.infinity)
            for k in hull.indices {
                let (a, b) = (hull[k], hull[(k + 1) % hull.count])
                guard (a.y - y) * (b.y - y) <= 0 else { continue }
                if a.y == b.y {
                    low = min(low, a.x, b.x); high = max(high, a.x, b.x)
                } else {
                    let x = a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x)
                    low = min(low, x); high = max(high, x)
                }
            }
            guard low <= high else { continue }
            let first = max(0, Int(low.rounded(.up))), last = min(columns - 1, Int(high.rounded(.down)))
            if first <= last { for c in first...last { inside[r * columns + c] = true } }
        }
        return inside
    }

    /// The convex hull of points by Andrew's monotone chain: counter-clockwise, without
    /// collinear points. Fewer than three points come back sorted (by x, then y).
    public static func convexHull(of points: [SIMD2<Double>]) -> [SIMD2<Double>] {
        let sorted = points.sorted { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
        guard sorted.count >= 3 else { return sorted }
        func cross(_ o: SIMD2<Double>, _ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        var lower: [SIMD2<Double>] = [], upper: [SIMD2<Double>] = []
        for p in sorted {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], p) <= 0 { lower.removeLast() }
            lower.append(p)
        }
        for p in sorted.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], p) <= 0 { upper.removeLast() }
            upper.append(p)
        }
        return Array(lower.dropLast() + upper.dropLast())
    }

    /// Dilation by a (2·radius+1)² square: a pixel is set when any pixel in its window is
    /// (the window clamped at the edges). A radius of 0 or less returns the mask.
    public static func dilate(_ mask: [Bool], rows: Int, columns: Int, radius: Int) -> [Bool] {
        guard radius > 0 else { return mask }
        let counts = ImageFilters.boxBlur(
            mask.map { $0 ? 1 : 0 }, rows: rows, columns: columns, radius: radius, precision: .double)
        return counts.map { $0 > 1e-6 }
    }
}
