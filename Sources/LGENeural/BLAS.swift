import CLGEKernels
import COpenBLAS

/// Thin, typed wrappers over OpenBLAS for the engine's row-major products.
public enum BLAS {
    /// Row-major C = alpha · op(A) · op(B) + beta · C, where op(A) is M×K and op(B) is K×N.
    /// Leading dimensions are the row strides of A, B and C as stored.
    @inline(__always)
    static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets how many threads OpenBLAS uses (1 in tests, for bit-identical results and fair timings).
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// Which build of lgeqa's own element-wise and depthwise kernels runs ("avx512", "avx2+fma" or "baseline").
    public static var kernelVariant: String { String(cString: lge_kernel_variant()) }

    /// Whether inference convolutions run lgeqa's own AVX-512 kernel (packed weights, fused bias, SiLU and
    /// residual) instead of OpenBLAS: true on processors with AVX-512F, for networks from `foldedForInference()`.
    public static var ownConvolutionKernel: Bool { lge_conv_gemm_available() != 0 }

    /// How many threads OpenBLAS uses now.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// The OpenBLAS kernel family that runs (e.g. "Haswell"), for benchmark reports.
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
