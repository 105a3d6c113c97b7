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
        fftwf_free(complexBuffer)
    }

    deinit {
        LineTransforms.plannerLock.lock()
        for plan in [lineForwardPlan, lineInversePlan, sampleForwardPlan, sampleInversePlan] { fftwf_destroy_plan(plan) }
        LineTransforms.plannerLock.unlock()
    }

    /// Unnormalised forward transform along the lines, in place.
    func forwardAlongLines(_ image: ComplexImage) { execute(lineForwardPlan, image) }

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
