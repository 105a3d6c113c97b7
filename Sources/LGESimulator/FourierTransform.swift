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
/// Every transform runs as one contiguous, aligned 1D plan per row. A transform down the
/// columns goes through a transposed copy in blocks of columns: FFTW_ESTIMATE's own plan for
/// strided batches walks memory a row apart per sample and measured 10× slower (0.75 ms vs
/// 0.08 ms for 256 transforms of 256 points here). Plans are made once with FFTW_ESTIMATE,
/// which picks the same algorithm every run, so a seeded simulation reproduces bit for bit.
/// Executing a plan on new arrays is thread-safe; making plans is not, so the planner is
/// serialised.
final class LineTransforms: @unchecked Sendable {
    let rows: Int
    let columns: Int
    /// Whether phase-encode lines are image rows (the line index is the row frequency).
    let linesAreRows: Bool
    /// Lines (transform length along the phase-encode axis) and samples per line.
    let lineCount: Int
    let sampleCount: Int
    /// One transform of `columns` points along a row, and of `rows` points down a column (run on
    /// a transposed copy), unnormalised, forward and backward.
    private let alongRow: (forward: fftwf_plan, backward: fftwf_plan)
    private let downColumn: (forward: fftwf_plan, backward: fftwf_plan)
    /// Rows can be transformed where they lie only if each starts as aligned as a fresh
    /// FFTW allocation (FFTW may only run a plan on arrays aligned like the one it planned).
    private let rowsAreAligned: Bool
    /// Columns transposed per block, and the padded length of one transposed column.
    private let block = 16
    private let transposedStride: Int
    private let scratch = ScratchPool()

    private static let plannerLock = NSLock()
    private static let alignment = 64

    init(rows: Int, columns: Int, linesAreRows: Bool) {
        self.rows = rows
        self.columns = columns
        self.linesAreRows = linesAreRows
        lineCount = linesAreRows ? rows : columns
        sampleCount = linesAreRows ? columns : rows
        let complexBytes = 2 * MemoryLayout<Float>.stride
        rowsAreAligned = (columns * complexBytes) % Self.alignment == 0
        let perAlignment = Self.alignment / complexBytes
        transposedStride = (rows + perAlignment - 1) / perAlignment * perAlignment
        let flags = UInt32(FFTW_ESTIMATE)
        LineTransforms.plannerLock.lock()
        defer { LineTransforms.plannerLock.unlock() }
        func plans(length: Int) -> (forward: fftwf_plan, backward: fftwf_plan) {
            let buffer = fftwf_alloc_complex(max(length, 1))!
            defer { fftwf_free(buffer) }
            return (fftwf_plan_dft_1d(Int32(length), buffer, buffer, FFTW_FORWARD, flags)!,
                    fftwf_plan_dft_1d(Int32(length), buffer, buffer, FFTW_BACKWARD, flags)!)
        }
        alongRow = plans(length: columns)
        downColumn = plans(length: rows)
    }

    deinit {
        LineTransforms.plannerLock.lock()
        for plan in [alongRow.forward, alongRow.backward, downColumn.forward, downColumn.backward] { fftwf_destroy_plan(plan) }
        LineTransforms.plannerLock.unlock()
    }

    /// Unnormalised forward transform along the lines, in place, where only `occupied` may hold
    /// nonzero values (rows when each row is a transform, a column span when each column is):
    /// the rest stay zero and are not transformed. Tissues of the heart fill a quarter of the
    /// rows of a 256² plane.
    func forwardAlongLines(_ image: ComplexImage, occupied: LineOccupancy) {
        transform(image, alongRows: !linesAreRows, forward: true, rowsToDo: occupied.rows, columnsToDo: occupied.columns)
    }

    /// Unnormalised inverse transform along the lines, in place.
    func inverseAlongLines(_ image: ComplexImage) { transform(image, alongRows: !linesAreRows, forward: false) }

    /// Unnormalised forward transform along the readout, in place.
    func forwardAlongSamples(_ image: ComplexImage) { transform(image, alongRows: linesAreRows, forward: true) }

    /// Unnormalised inverse transform along the readout, in place.
    func inverseAlongSamples(_ image: ComplexImage) { transform(image, alongRows: linesAreRows, forward: false) }

    private func transform(
        _ image: ComplexImage, alongRows: Bool, forward: Bool, rowsToDo: [Bool]? = nil, columnsToDo: Range<Int>? = nil
    ) {
        precondition(image.rows == rows && image.columns == columns)
        let values = image.values
        if alongRows {
            let plan = forward ? alongRow.forward : alongRow.backward
            if rowsAreAligned {
                for row in 0..<rows where rowsToDo?[row] ?? true { execute(plan, values + 2 * row * columns) }
            } else {
                // One row at a time through an aligned copy.
                let line = scratch.take(count: 2 * columns)
                defer { scratch.recycle(line, count: 2 * columns) }
                for row in 0..<rows where rowsToDo?[row] ?? true {
                    let source = values + 2 * row * columns
                    line.update(from: source, count: 2 * columns)
                    execute(plan, line)
                    source.update(from: line, count: 2 * columns)
                }
            }
            return
        }
        let plan = forward ? downColumn.forward : downColumn.backward
        let span = columnsToDo ?? 0..<columns
        guard !span.isEmpty else { return }
        let stride = transposedStride
        let transposed = scratch.take(count: 2 * stride * block)
        defer { scratch.recycle(transposed, count: 2 * stride * block) }
        for first in Swift.stride(from: span.lowerBound, to: span.upperBound, by: block) {
            let width = min(block, span.upperBound - first)
            // Complex values as 64-bit words: one move per value.
            let matrix = UnsafeMutableRawPointer(values).assumingMemoryBound(to: UInt64.self)
            let columnsCopy = UnsafeMutableRawPointer(transposed).assumingMemoryBound(to: UInt64.self)
            for r in 0..<rows {
                let row = matrix + r * columns + first
                for b in 0..<width { columnsCopy[b * stride + r] = row[b] }
            }
            for b in 0..<width { execute(plan, transposed + 2 * b * stride) }
            for r in 0..<rows {
                let row = matrix + r * columns + first
                for b in 0..<width { row[b] = columnsCopy[b * stride + r] }
            }
        }
    }

    private func execute(_ plan: fftwf_plan, _ line: UnsafeMutablePointer<Float>) {
        line.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { fftwf_execute_dft(plan, $0, $0) }
    }
}

/// Aligned scratch buffers for ``LineTransforms``, kept for reuse (they run on several threads).
private final class ScratchPool: @unchecked Sendable {
    private var idle: [(count: Int, values: UnsafeMutablePointer<Float>)] = []
    private let lock = NSLock()

    func take(count: Int) -> UnsafeMutablePointer<Float> {
        lock.lock()
        defer { lock.unlock() }
        if let index = idle.firstIndex(where: { $0.count == count }) { return idle.remove(at: index).values }
        return fftwf_alloc_real(max(count, 1))!
    }

    func recycle(_ values: UnsafeMutablePointer<Float>, count: Int) {
        lock.lock()
        defer { lock.unlock() }
        idle.append((count: count, values: values))
    }

    deinit { for buffer in idle { fftwf_free(buffer.values) } }
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
}
