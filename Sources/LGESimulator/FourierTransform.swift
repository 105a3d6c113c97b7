import CFFTW
import Foundation

/// A complex image or k-space matrix, row-major, interleaved (re, im) Float32.
struct ComplexImage: Sendable {
    var rows: Int
    var columns: Int
    /// 2·rows·columns values: re, im, re, im, ...
    var storage: [Float]

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        storage = [Float](repeating: 0, count: 2 * rows * columns)
    }

    var count: Int { rows * columns }

    subscript(index: Int) -> (re: Float, im: Float) {
        get { (storage[2 * index], storage[2 * index + 1]) }
        set {
            storage[2 * index] = newValue.re
            storage[2 * index + 1] = newValue.im
        }
    }
}

/// 2D discrete Fourier transforms of one matrix size through FFTW.
///
/// Plans are made once with FFTW_ESTIMATE, which picks the same algorithm every run, so a
/// seeded simulation reproduces bit for bit. Executing a plan on new arrays is thread-safe;
/// making plans is not, so the planner is serialised.
final class FourierTransform2D: @unchecked Sendable {
    let rows: Int
    let columns: Int
    private let forwardPlan: fftwf_plan
    private let inversePlan: fftwf_plan
    private let realForwardPlan: fftwf_plan

    private static let plannerLock = NSLock()

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        let flags = UInt32(FFTW_ESTIMATE | FFTW_UNALIGNED)
        FourierTransform2D.plannerLock.lock()
        defer { FourierTransform2D.plannerLock.unlock() }
        let complexBuffer = fftwf_alloc_complex(rows * columns)!
        let realBuffer = fftwf_alloc_real(rows * columns)!
        let halfBuffer = fftwf_alloc_complex(rows * (columns / 2 + 1))!
        forwardPlan = fftwf_plan_dft_2d(Int32(rows), Int32(columns), complexBuffer, complexBuffer, FFTW_FORWARD, flags)
        inversePlan = fftwf_plan_dft_2d(Int32(rows), Int32(columns), complexBuffer, complexBuffer, FFTW_BACKWARD, flags)
        realForwardPlan = fftwf_plan_dft_r2c_2d(Int32(rows), Int32(columns), realBuffer, halfBuffer, flags)
        fftwf_free(complexBuffer)
        fftwf_free(realBuffer)
        fftwf_free(halfBuffer)
    }

    deinit {
        FourierTransform2D.plannerLock.lock()
        fftwf_destroy_plan(forwardPlan)
        fftwf_destroy_plan(inversePlan)
        fftwf_destroy_plan(realForwardPlan)
        FourierTransform2D.plannerLock.unlock()
    }

    /// Unnormalised forward transform, in place.
    func forward(_ image: inout ComplexImage) {
        precondition(image.rows == rows && image.columns == columns)
        image.storage.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: fftwf_complex.self, capacity: rows * columns) {
                fftwf_execute_dft(forwardPlan, $0, $0)
            }
        }
    }

    /// Inverse transform, in place, scaled by 1/(rows·columns) so inverse(forward(x)) = x.
    func inverse(_ image: inout ComplexImage) {
        precondition(image.rows == rows && image.columns == columns)
        image.storage.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: fftwf_complex.self, capacity: rows * columns) {
                fftwf_execute_dft(inversePlan, $0, $0)
            }
            let scale = 1 / Float(rows * columns)
            for i in buffer.indices { buffer[i] *= scale }
        }
    }

    /// Forward transform of a real image: the non-redundant half spectrum FFTW computes,
    /// rows × (columns/2 + 1) interleaved complex values — half the work of a complex
    /// transform. The other half is its Hermitian mirror, X(r, c) = conj(X(−r, −c)).
    func forwardHalf(real values: [Float]) -> [Float] {
        precondition(values.count == rows * columns)
        let halfColumns = columns / 2 + 1
        var half = [Float](repeating: 0, count: 2 * rows * halfColumns)
        var input = values
        input.withUnsafeMutableBufferPointer { source in
            half.withUnsafeMutableBufferPointer { target in
                target.baseAddress!.withMemoryRebound(to: fftwf_complex.self, capacity: rows * halfColumns) {
                    fftwf_execute_dft_r2c(realForwardPlan, source.baseAddress!, $0)
                }
            }
        }
        return half
    }
}

/// Transforms for every matrix size a simulation meets, made on first use.
final class FourierTransformCache: @unchecked Sendable {
    private var transforms: [Int: FourierTransform2D] = [:]
    private let lock = NSLock()

    func transform(rows: Int, columns: Int) -> FourierTransform2D {
        lock.lock()
        defer { lock.unlock() }
        let key = rows << 20 | columns
        if let existing = transforms[key] { return existing }
        let made = FourierTransform2D(rows: rows, columns: columns)
        transforms[key] = made
        return made
    }
}
