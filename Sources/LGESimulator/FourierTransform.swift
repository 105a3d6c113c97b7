import CFFTW
import Foundation

/// A complex image, k-space or hybrid-space matrix, row-major, interleaved (re, im) Float32,
/// in memory FFTW allocates, so its transforms may use SIMD (FFTW only does on aligned data).
final class ComplexImage: @unchecked Sendable {
    let rows: Int
    let columns: Int
    /// 2·rows·columns values: re, im, re, im, ...
    let values: UnsafeMutablePointer<Float>

    /// A zero-filled matrix, or (`zeroed` false) one its maker overwrites completely.
    init(rows: Int, columns: Int, zeroed: Bool = true) {
        self.rows = rows
        self.columns = columns
        let count = max(2 * rows * columns, 2)
        values = fftwf_alloc_real(count)!
        if zeroed { memset(values, 0, count * MemoryLayout<Float>.stride) }
    }

    deinit { fftwf_free(values) }

    var count: Int { rows * columns }

    /// Sets every value to zero.
    func zero() { memset(values, 0, max(2 * count, 2) * MemoryLayout<Float>.stride) }

    /// Adds another matrix of the same size.
    func add(_ other: ComplexImage) {
        precondition(other.rows == rows && other.columns == columns)
        let source = other.values
        for i in 0..<2 * count { values[i] += source[i] }
    }
}

/// Batches of 1D discrete Fourier transforms along the two axes of one matrix, through FFTW.
///
/// The simulator works in hybrid space: Fourier-transformed along the phase-encode axis (the
/// "line" axis, whose frequency says which k-space line a sample belongs to) and still in image
/// space along the readout (the "sample" axis). Per-line signal weights commute with a transform
/// along the readout, so the readout transforms of a full 2D FFT cancel out and are skipped
/// unless a motion shift has a readout component.
///
/// Plans are made once with FFTW_ESTIMATE, which picks the same algorithm every run, so a
/// seeded simulation reproduces bit for bit. Executing a plan on new arrays is thread-safe;
/// making plans is not, so the planner is serialised.
final class LineTransforms: @unchecked Sendable {
    let rows: Int
    let columns: Int
    /// Whether phase-encode lines are image rows (the line index is the row frequency).
    let linesAreRows: Bool
    /// Lines (transform length along the phase-encode axis) and samples per line.
    let lineCount: Int
    let sampleCount: Int
    /// Along the lines, in place, unnormalised.
    private let lineForwardPlan: fftwf_plan
    /// Hybrid → image along the lines, in place, unnormalised.
    private let lineInversePlan: fftwf_plan
    /// Along the readout, in place, unnormalised.
    private let sampleForwardPlan: fftwf_plan
    private let sampleInversePlan: fftwf_plan

    private static let plannerLock = NSLock()
    /// One row's forward transform (lines along columns), for ``forwardAlongLines(_:occupied:)``.
    private let singleRowPlan: fftwf_plan
    /// Forward transforms over the first `width` columns (lines along rows), by width.
    private var columnSpanPlans: [Int: fftwf_plan] = [:]
    private let spanLock = NSLock()

    init(rows: Int, columns: Int, linesAreRows: Bool) {
        self.rows = rows
        self.columns = columns
        self.linesAreRows = linesAreRows
        lineCount = linesAreRows ? rows : columns
        sampleCount = linesAreRows ? columns : rows
        // Every matrix these plans run on comes from ``ComplexImage``, aligned as FFTW wants.
        let flags = UInt32(FFTW_ESTIMATE)
        LineTransforms.plannerLock.lock()
        defer { LineTransforms.plannerLock.unlock() }
        let complexBuffer = fftwf_alloc_complex(rows * columns)!
        var lineLength = Int32(lineCount), sampleLength = Int32(sampleCount)
        if linesAreRows {
            // Each column is one transform along the rows (stride `columns`).
            lineForwardPlan = fftwf_plan_many_dft(
                1, &lineLength, Int32(columns), complexBuffer, nil, Int32(columns), 1, complexBuffer, nil, Int32(columns), 1,
                FFTW_FORWARD, flags)
            lineInversePlan = fftwf_plan_many_dft(
                1, &lineLength, Int32(columns), complexBuffer, nil, Int32(columns), 1, complexBuffer, nil, Int32(columns), 1,
                FFTW_BACKWARD, flags)
            sampleForwardPlan = fftwf_plan_many_dft(
                1, &sampleLength, Int32(rows), complexBuffer, nil, 1, Int32(columns), complexBuffer, nil, 1, Int32(columns),
                FFTW_FORWARD, flags)
            sampleInversePlan = fftwf_plan_many_dft(
                1, &sampleLength, Int32(rows), complexBuffer, nil, 1, Int32(columns), complexBuffer, nil, 1, Int32(columns),
                FFTW_BACKWARD, flags)
        } else {
            // Each row is one transform along the columns.
            lineForwardPlan = fftwf_plan_many_dft(
                1, &lineLength, Int32(rows), complexBuffer, nil, 1, Int32(columns), complexBuffer, nil, 1, Int32(columns),
                FFTW_FORWARD, flags)
            lineInversePlan = fftwf_plan_many_dft(
                1, &lineLength, Int32(rows), complexBuffer, nil, 1, Int32(columns), complexBuffer, nil, 1, Int32(columns),
                FFTW_BACKWARD, flags)
            sampleForwardPlan = fftwf_plan_many_dft(
                1, &sampleLength, Int32(columns), complexBuffer, nil, Int32(columns), 1, complexBuffer, nil, Int32(columns), 1,
                FFTW_FORWARD, flags)
            sampleInversePlan = fftwf_plan_many_dft(
                1, &sampleLength, Int32(columns), complexBuffer, nil, Int32(columns), 1, complexBuffer, nil, Int32(columns), 1,
                FFTW_BACKWARD, flags)
        }
        singleRowPlan = fftwf_plan_many_dft(
            1, &lineLength, 1, complexBuffer, nil, 1, Int32(columns), complexBuffer, nil, 1, Int32(columns),
            FFTW_FORWARD, flags)
        fftwf_free(complexBuffer)
    }

    private func columnSpanPlan(width: Int) -> fftwf_plan {
        spanLock.lock()
        defer { spanLock.unlock() }
        if let plan = columnSpanPlans[width] { return plan }
        LineTransforms.plannerLock.lock()
        defer { LineTransforms.plannerLock.unlock() }
        let complexBuffer = fftwf_alloc_complex(rows * columns)!
        defer { fftwf_free(complexBuffer) }
        var lineLength = Int32(lineCount)
        let plan = fftwf_plan_many_dft(
            1, &lineLength, Int32(width), complexBuffer, nil, Int32(columns), 1, complexBuffer, nil, Int32(columns), 1,
            FFTW_FORWARD, UInt32(FFTW_ESTIMATE))!
        columnSpanPlans[width] = plan
        return plan
    }

    deinit {
        LineTransforms.plannerLock.lock()
        for plan in [lineForwardPlan, lineInversePlan, sampleForwardPlan, sampleInversePlan, singleRowPlan] { fftwf_destroy_plan(plan) }
        for plan in columnSpanPlans.values { fftwf_destroy_plan(plan) }
        LineTransforms.plannerLock.unlock()
    }

    /// Unnormalised forward transform along the lines, in place.
    func forwardAlongLines(_ image: ComplexImage) { execute(lineForwardPlan, image) }

    /// The same, where only `occupied` lines-to-be may hold nonzero values: the rest stay zero
    /// and are not transformed. Tissues of the heart fill a quarter of the rows of a 256² plane,
    /// so this skips most of their transform work.
    ///
    /// With lines along rows (each column one transform) `occupied` is a column span; with
    /// lines along columns (each row one transform) it is the rows that hold anything.
    func forwardAlongLines(_ image: ComplexImage, occupied: LineOccupancy) {
        precondition(image.rows == rows && image.columns == columns)
        if linesAreRows {
            // Transforms over a span of columns, the span widened to whole SIMD groups so that
            // every column goes through the same codelet as in the full-width plan.
            let span = occupied.columnSpan(alignedTo: 8, columns: columns)
            guard !span.isEmpty else { return }
            if span.count == columns { return execute(lineForwardPlan, image) }
            let plan = columnSpanPlan(width: span.count)
            (image.values + 2 * span.lowerBound).withMemoryRebound(to: fftwf_complex.self, capacity: 1) {
                fftwf_execute_dft(plan, $0, $0)
            }
        } else {
            // A row starts as aligned as the matrix only when a row is a whole number of 64-byte
            // blocks (FFTW may only run a plan on arrays aligned like the one it was made for).
            guard (2 * columns * MemoryLayout<Float>.stride) % 64 == 0 else { return execute(lineForwardPlan, image) }
            let plan = singleRowPlan
            for row in 0..<rows where occupied.rows[row] {
                (image.values + 2 * row * columns).withMemoryRebound(to: fftwf_complex.self, capacity: columns) {
                    fftwf_execute_dft(plan, $0, $0)
                }
            }
        }
    }

    /// Unnormalised inverse transform along the lines, in place.
    func inverseAlongLines(_ image: ComplexImage) { execute(lineInversePlan, image) }

    /// Unnormalised forward transform along the readout, in place.
    func forwardAlongSamples(_ image: ComplexImage) { execute(sampleForwardPlan, image) }

    /// Unnormalised inverse transform along the readout, in place.
    func inverseAlongSamples(_ image: ComplexImage) { execute(sampleInversePlan, image) }

    private func execute(_ plan: fftwf_plan, _ image: ComplexImage) {
        precondition(image.rows == rows && image.columns == columns)
        image.values.withMemoryRebound(to: fftwf_complex.self, capacity: rows * columns) {
            fftwf_execute_dft(plan, $0, $0)
        }
    }
}

/// Complex matrices kept between slices. A 256² matrix is 512 KB, which the allocator hands
/// out as fresh pages every time: on a simulator slice that needs ten of them, the page faults
/// alone cost about 5% of the slice. Matrices go back after each slice and come out again
/// for the next one of the same size.
final class ComplexImagePool: @unchecked Sendable {
    private var idle: [Int: [ComplexImage]] = [:]
    private let lock = NSLock()
    /// Enough for one slice on each of a few threads; more are simply freed.
    private let keptPerSize = 24

    /// A matrix of this size, zero-filled unless `zeroed` is false (its maker overwrites it).
    func take(rows: Int, columns: Int, zeroed: Bool = true) -> ComplexImage {
        lock.lock()
        let reused = idle[Self.key(rows, columns)]?.popLast()
        lock.unlock()
        guard let reused else { return ComplexImage(rows: rows, columns: columns, zeroed: zeroed) }
        if zeroed { reused.zero() }
        return reused
    }

    /// Hands matrices back; the caller must hold no other reference to them.
    func recycle(_ images: [ComplexImage?]) {
        lock.lock()
        defer { lock.unlock() }
        for case let image? in images {
            let key = Self.key(image.rows, image.columns)
            if idle[key, default: []].count < keptPerSize { idle[key, default: []].append(image) }
        }
    }

    private static func key(_ rows: Int, _ columns: Int) -> Int { rows << 32 | columns }
}

/// Transforms for every matrix size and phase-encode axis a simulation meets, made on first use.
final class FourierTransformCache: @unchecked Sendable {
    private var transforms: [Int: LineTransforms] = [:]
    private let lock = NSLock()

    func transform(rows: Int, columns: Int, linesAreRows: Bool) -> LineTransforms {
        lock.lock()
        defer { lock.unlock() }
        let key = rows << 21 | columns << 1 | (linesAreRows ? 1 : 0)
        if let existing = transforms[key] { return existing }
        let made = LineTransforms(rows: rows, columns: columns, linesAreRows: linesAreRows)
        transforms[key] = made
        return made
    }
}

/// Which rows and columns of a map hold anything: the map's support, for skipping zero work.
struct LineOccupancy {
    /// Per row: any nonzero value.
    var rows: [Bool]
    /// Columns from the first to the last one with a nonzero value (empty when none).
    var columns: Range<Int>

    /// The support of a row-major `rows` × `columns` map of values ≥ 0 along one axis: the
    /// rows that hold anything (all columns counted as occupied), or with `columnsOnly` the
    /// column span (all rows counted as occupied). Values are tested through their bit
    /// patterns, so the loops vectorise.
    init(map: UnsafePointer<Float>, rows: Int, columns: Int, columnsOnly: Bool) {
        let bits = UnsafeRawPointer(map).assumingMemoryBound(to: UInt32.self)
        if columnsOnly {
            var columnBits = [UInt32](repeating: 0, count: columns)
            columnBits.withUnsafeMutableBufferPointer { columnBits in
                for r in 0..<rows {
                    let line = bits + r * columns
                    for c in 0..<columns { columnBits[c] |= line[c] }
                }
            }
            let first = columnBits.firstIndex { $0 != 0 }
            let last = columnBits.lastIndex { $0 != 0 }
            self.rows = [Bool](repeating: first != nil, count: rows)
            self.columns = first.map { $0..<(last! + 1) } ?? 0..<0
        } else {
            self.rows = (0..<rows).map { r in
                let line = bits + r * columns
                var any: UInt32 = 0
                for c in 0..<columns { any |= line[c] }
                return any != 0
            }
            self.columns = self.rows.contains(true) ? 0..<columns : 0..<0
        }
    }

    init(rows: [Bool], columns: Range<Int>) {
        self.rows = rows
        self.columns = columns
    }

    /// Rows and columns where either map holds anything.
    func union(_ other: LineOccupancy) -> LineOccupancy {
        let columns: Range<Int>
        if self.columns.isEmpty { columns = other.columns }
        else if other.columns.isEmpty { columns = self.columns }
        else { columns = min(self.columns.lowerBound, other.columns.lowerBound)..<max(self.columns.upperBound, other.columns.upperBound) }
        return LineOccupancy(rows: zip(rows, other.rows).map { $0 || $1 }, columns: columns)
    }

    /// The column span widened outwards to multiples of `alignment`, within the matrix.
    func columnSpan(alignedTo alignment: Int, columns total: Int) -> Range<Int> {
        guard !columns.isEmpty else { return 0..<0 }
        let lower = columns.lowerBound / alignment * alignment
        let upper = min((columns.upperBound + alignment - 1) / alignment * alignment, total)
        return lower..<upper
    }
}
