// Convolution GEMM for inference: C = A·B with A the layer's weights, packed once when the network is
// folded, and B the image (1×1), a zero-padded copy of it (k×k, stride 1: "direct", no im2col) or its
// im2col columns (strided convolutions). Bias, SiLU and a residual are applied to the accumulators
// before the single store.
//
// Why not OpenBLAS here: lgeqa runs OpenBLAS pinned to its AVX2 kernels (OPENBLAS_CORETYPE=Haswell, see
// BRIEF §9), and at batch 1 most of these products are small (N = 16 … 4096 pixels, K = 9 … 672) so its
// packing of both operands on every call cost about a third of the GEMM time in profiles. Weights never
// change during inference, so they are packed once; the image is streamed as it lies.
#include "CLGEKernels.h"

#include <stdint.h>
#include <string.h>

float lge_silu_scalar(float x);

/// Output channels per packed panel of A; every layer of lgeqa's networks has a multiple of 8.
#define LGE_PANEL_ROWS 8

ptrdiff_t lge_conv_gemm_packed_count(ptrdiff_t m, ptrdiff_t k) {
    return ((m + LGE_PANEL_ROWS - 1) / LGE_PANEL_ROWS) * LGE_PANEL_ROWS * k;
}

void lge_conv_gemm_pack(const float *a, ptrdiff_t m, ptrdiff_t k, float *packed) {
    const ptrdiff_t panels = (m + LGE_PANEL_ROWS - 1) / LGE_PANEL_ROWS;
    for (ptrdiff_t panel = 0; panel < panels; panel++) {
        float *out = packed + panel * LGE_PANEL_ROWS * k;
        for (ptrdiff_t p = 0; p < k; p++) {
            for (ptrdiff_t i = 0; i < LGE_PANEL_ROWS; i++) {
                const ptrdiff_t row = panel * LGE_PANEL_ROWS + i;
                out[p * LGE_PANEL_ROWS + i] = row < m ? a[row * k + p] : 0.0f;
            }
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#include "simd512.h"

/// Where a run's vectors go when it spans output rows of a direct convolution ("flat" runs): the lanes that
/// are real output pixels (not padding columns) and the output index of the first of them, per vector.
typedef struct {
    __mmask16 valid[3];
    ptrdiff_t at[3];
} lge_flat_run;

/// Everything a tile needs besides its position. Row p of B starts at `offsets[p]` from the tile's first
/// pixel: p·ldb for a plain matrix, or the tap's place in a padded image for a direct convolution.
typedef struct {
    ptrdiff_t k, ldc;
    const ptrdiff_t *offsets;
    int silu;
} lge_gemm_job;

/// One tile: `panels` × 8 output channels × `vectors` × 16 pixels, accumulated over all of K in registers
/// (at most 24 of the 32 zmm), then bias → SiLU → residual → one masked store. `last` masks the final
/// vector's pixels; `rows` is how many of the tile's channels exist; `bias` and `residual` (may be NULL)
/// are positioned like `c`.
LGE_AVX512 LGE_INLINE void lge_gemm_tile(const int panels, const int vectors, const lge_gemm_job *job,
                                         const float *restrict a, ptrdiff_t panelStride, const float *restrict b,
                                         __mmask16 last, ptrdiff_t rows, const float *bias,
                                         const float *residual, float *restrict c, const lge_flat_run *flat) {
    __m512 acc[2 * LGE_PANEL_ROWS][3];
    for (int i = 0; i < panels * LGE_PANEL_ROWS; i++) {
        for (int v = 0; v < vectors; v++) acc[i][v] = _mm512_setzero_ps();
    }
    const ptrdiff_t k = job->k;
    const ptrdiff_t *restrict offsets = job->offsets;
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *row = b + offsets[p];
        __m512 bv[3];
        for (int v = 0; v < vectors; v++) {
            bv[v] = _mm512_maskz_loadu_ps(v == vectors - 1 ? last : (__mmask16)0xFFFF, row + 16 * v);
        }
        for (int q = 0; q < panels; q++) {
            const float *ap = a + q * panelStride + p * LGE_PANEL_ROWS;
            for (int i = 0; i < LGE_PANEL_ROWS; i++) {
                __m512 ai = _mm512_set1_ps(ap[i]);
                for (int v = 0; v < vectors; v++) {
                    acc[q * LGE_PANEL_ROWS + i][v] = _mm512_fmadd_ps(ai, bv[v], acc[q * LGE_PANEL_ROWS + i][v]);
                }
            }
        }
    }
    const ptrdiff_t ldc = job->ldc;
    for (int i = 0; i < panels * LGE_PANEL_ROWS; i++) {
        if (i >= rows) break;
        const __m512 shift = _mm512_set1_ps(bias ? bias[i] : 0.0f);
        for (int v = 0; v < vectors; v++) {
            __m512 x = _mm512_add_ps(acc[i][v], shift);
            if (job->silu) x = lge_silu512(x);
            if (flat) {
                // Padding-column lanes are squeezed out: the valid lanes are consecutive output pixels.
                // Most vectors hold no padding column: a plain store there, since compressing to memory
                // is several times slower than a store on these processors.
                const __mmask16 mask = flat->valid[v];
                const ptrdiff_t at = i * ldc + flat->at[v];
                if (mask == (__mmask16)0xFFFF) {
                    if (residual) x = _mm512_add_ps(x, _mm512_loadu_ps(residual + at));
                    _mm512_storeu_ps(c + at, x);
                } else {
                    if (residual) x = _mm512_add_ps(x, _mm512_maskz_expandloadu_ps(mask, residual + at));
                    _mm512_mask_compressstoreu_ps(c + at, mask, x);
                }
            } else {
                const __mmask16 mask = v == vectors - 1 ? last : (__mmask16)0xFFFF;
                if (residual) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask, residual + i * ldc + 16 * v));
                _mm512_mask_storeu_ps(c + i * ldc + 16 * v, mask, x);
            }
        }
    }
}

/// One run of `width` ≤ 48 pixels through every panel of A: two panels at a time where one vector per row
/// would leave too few independent accumulators to hide the FMA latency.
LGE_AVX512 static void lge_gemm_run(const lge_gemm_job *job, ptrdiff_t m, const float *packed, const float *b,
                                    ptrdiff_t width, const float *bias, const float *residual, float *c,
                                    const lge_flat_run *flat) {
    const int vectors = (int)((width + 15) / 16);
    const ptrdiff_t tail = width - 16 * (vectors - 1);
    const __mmask16 last = (__mmask16)(tail >= 16 ? 0xFFFF : (1u << tail) - 1);
    const ptrdiff_t panelStride = LGE_PANEL_ROWS * job->k, ldc = job->ldc;
    ptrdiff_t m0 = 0;
#define LGE_TILE(panels, vectors)                                                                             \
    lge_gemm_tile(panels, vectors, job, packed + (m0 / LGE_PANEL_ROWS) * panelStride, panelStride, b, last,  \
                  m - m0, bias ? bias + m0 : NULL, residual ? residual + m0 * ldc : NULL, c + m0 * ldc, flat)
    switch (vectors) {
    case 3:
        for (; m0 < m; m0 += LGE_PANEL_ROWS) LGE_TILE(1, 3);
        break;
    case 2:
        for (; m0 < m; m0 += LGE_PANEL_ROWS) LGE_TILE(1, 2);
        break;
    default:
        for (; m0 + 2 * LGE_PANEL_ROWS <= m; m0 += 2 * LGE_PANEL_ROWS) LGE_TILE(2, 1);
        for (; m0 < m; m0 += LGE_PANEL_ROWS) LGE_TILE(1, 1);
        break;
    }
#undef LGE_TILE
}

/// Runs of 48 pixels (three vectors, 24 accumulators), the rest in one shorter run: 64 → 48 + 16 measured
/// faster than 32 + 32, whose 16 accumulators hide less of the FMA latency.
static ptrdiff_t lge_run_width(ptrdiff_t n) {
    return n > 48 ? 48 : (n + 15) / 16 * 16;
}

LGE_AVX512 static void lge_conv_gemm_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packed,
                                            const float *b, const ptrdiff_t *offsets, const float *bias, int silu,
                                            const float *residual, float *c) {
    const lge_gemm_job job = {k, n, offsets, silu};
    const ptrdiff_t width = lge_run_width(n);
    for (ptrdiff_t n0 = 0; n0 < n; n0 += width) {
        lge_gemm_run(&job, m, packed, b + n0, n - n0 < width ? n - n0 : width, bias,
                     residual ? residual + n0 : NULL, c + n0, NULL);
    }
}

LGE_AVX512 static void lge_conv_direct_avx512(const float *padded, ptrdiff_t h, ptrdiff_t w, ptrdiff_t paddedWidth,
                                              ptrdiff_t m, ptrdiff_t k, const float *packed,
                                              const ptrdiff_t *offsets, const float *bias, int silu,
                                              const float *residual, float *c) {
    const lge_gemm_job job = {k, h * w, offsets, silu};
    if (w >= 12) {
        // Flat runs of 48 over all rows in the padded width: the padding columns are computed and dropped
        // (2 of every paddedWidth), so that rows of 16 or 32 pixels still fill three-vector tiles.
        const ptrdiff_t total = h * paddedWidth;
        // The padded row and column of each vector's first pixel advance 16 at a time, and its lanes'
        // columns come from one vector add and at most two wraps (paddedWidth ≥ 13 here): a lane-by-lane
        // loop cost as much as a K = 9 tile's arithmetic.
        const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i wrap = _mm512_set1_epi32((int)paddedWidth), width32 = _mm512_set1_epi32((int)w);
        ptrdiff_t row = 0, column = 0;
        for (ptrdiff_t f0 = 0; f0 < total; f0 += 48) {
            const ptrdiff_t width = total - f0 < 48 ? total - f0 : 48;
            lge_flat_run flat;
            for (int v = 0; v < 3; v++) {
                flat.at[v] = row * w + (column < w ? column : w);
                __m512i columns = _mm512_add_epi32(_mm512_set1_epi32((int)column), lanes);
                columns = _mm512_mask_sub_epi32(columns, _mm512_cmpge_epi32_mask(columns, wrap), columns, wrap);
                columns = _mm512_mask_sub_epi32(columns, _mm512_cmpge_epi32_mask(columns, wrap), columns, wrap);
                flat.valid[v] = _mm512_cmplt_epi32_mask(columns, width32) & lge_lanes(total - f0 - 16 * v);
                column += 16;
                while (column >= paddedWidth) {
                    column -= paddedWidth;
                    row++;
                }
            }
            lge_gemm_run(&job, m, packed, padded + f0, width, bias, residual, c, &flat);
        }
        return;
    }
    const ptrdiff_t width = lge_run_width(w);
    for (ptrdiff_t y = 0; y < h; y++) {
        for (ptrdiff_t x0 = 0; x0 < w; x0 += width) {
            const ptrdiff_t at = y * w + x0;
            lge_gemm_run(&job, m, packed, padded + y * paddedWidth + x0, w - x0 < width ? w - x0 : width, bias,
                         residual ? residual + at : NULL, c + at, NULL);
        }
    }
}

/// The stride-2 phases of `lge_conv_direct`, row by row through registers.
LGE_AVX512 static void lge_stride2_phases_avx512(const float *x, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                                                 ptrdiff_t pad, ptrdiff_t ph, ptrdiff_t pw, float *scratch) {
    for (ptrdiff_t ch = 0; ch < channels; ch++) {
        for (ptrdiff_t r = 0; r < 2 * ph; r++) {
            const ptrdiff_t a = r % 2, i = r / 2, y = r - pad;
            float *even = scratch + ((a * 2) * channels + ch) * ph * pw + i * pw;
            float *odd = even + channels * ph * pw;
            if (y < 0 || y >= h) {
                memset(even, 0, (size_t)pw * sizeof(float));
                memset(odd, 0, (size_t)pw * sizeof(float));
            } else {
                lge_split_padded_row(x + (ch * h + y) * w, w, pad, pw, even, odd);
            }
        }
    }
}

int lge_conv_gemm_available(void) {
    // Idempotent: every thread computes the same answer, so a race on the cache is harmless.
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f");
    }
    return cached;
}
#define LGE_HAVE_AVX512 1
#else
#define LGE_HAVE_AVX512 0
int lge_conv_gemm_available(void) { return 0; }
#endif

/// The same product one value at a time: used where AVX-512 is missing, so the functions are correct
/// everywhere. B's row p for pixel j is b[offsets[p] + j] (plain) or the padded image's tap (direct).
static void lge_gemm_scalar(ptrdiff_t m, ptrdiff_t k, const float *packed, const float *b, const ptrdiff_t *offsets,
                            ptrdiff_t width, const float *bias, int silu, const float *residual, float *c,
                            ptrdiff_t ldc) {
    for (ptrdiff_t row = 0; row < m; row++) {
        const float *panel = packed + (row / LGE_PANEL_ROWS) * LGE_PANEL_ROWS * k + row % LGE_PANEL_ROWS;
        for (ptrdiff_t j = 0; j < width; j++) {
            float sum = 0.0f;
            for (ptrdiff_t p = 0; p < k; p++) sum += panel[p * LGE_PANEL_ROWS] * b[offsets[p] + j];
            float x = sum + (bias ? bias[row] : 0.0f);
            if (silu) x = lge_silu_scalar(x);
            if (residual) x += residual[row * ldc + j];
            c[row * ldc + j] = x;
        }
    }
}

/// Both entry points share one body; `vectorised` picks AVX-512 (where present) or the plain loop.
static void lge_conv_gemm_with(int vectorised, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packed,
                               const float *b, ptrdiff_t ldb, const float *bias, int silu, const float *residual,
                               float *c, ptrdiff_t *offsets) {
    for (ptrdiff_t p = 0; p < k; p++) offsets[p] = p * ldb;
#if LGE_HAVE_AVX512
    if (vectorised && lge_conv_gemm_available()) {
        lge_conv_gemm_avx512(m, n, k, packed, b, offsets, bias, silu, residual, c);
        return;
    }
#endif
    lge_gemm_scalar(m, k, packed, b, offsets, n, bias, silu, residual, c, n);
}

void lge_conv_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packed, const float *b, ptrdiff_t ldb,
                   const float *bias, int silu, const float *residual, float *c, ptrdiff_t *offsets) {
    lge_conv_gemm_with(1, m, n, k, packed, b, ldb, bias, silu, residual, c, offsets);
}

void lge_conv_gemm_portable(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packed, const float *b, ptrdiff_t ldb,
                            const float *bias, int silu, const float *residual, float *c, ptrdiff_t *offsets) {
    lge_conv_gemm_with(0, m, n, k, packed, b, ldb, bias, silu, residual, c, offsets);
}

/// Rows and columns of each phase plane of the padded image (see `lge_conv_direct`).
static void lge_phase_size(ptrdiff_t h, ptrdiff_t w, ptrdiff_t kernel, ptrdiff_t stride, ptrdiff_t *ph, ptrdiff_t *pw) {
    const ptrdiff_t pad = kernel / 2;
    *ph = (h + 2 * pad + stride - 1) / stride;
    *pw = (w + 2 * pad + stride - 1) / stride;
}

ptrdiff_t lge_conv_direct_scratch_count(ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w, ptrdiff_t kernel,
                                        ptrdiff_t stride) {
    ptrdiff_t ph, pw;
    lge_phase_size(h, w, kernel, stride, &ph, &pw);
    // Slack: the padding-column lanes of a direct convolution's last run read a little past the phases.
    return stride * stride * channels * ph * pw + 4 * pw + 64;
}

static void lge_conv_direct_with(int vectorised, const float *x, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                                 ptrdiff_t kernel, ptrdiff_t stride, ptrdiff_t m, const float *packed,
                                 const float *bias, int silu, const float *residual, float *c, float *scratch,
                                 ptrdiff_t *offsets) {
    (void)vectorised;  // unused where AVX-512 cannot be compiled
    const ptrdiff_t pad = kernel / 2;
    ptrdiff_t ph, pw;
    lge_phase_size(h, w, kernel, stride, &ph, &pw);
    const ptrdiff_t oh = (h + 2 * pad - kernel) / stride + 1, ow = (w + 2 * pad - kernel) / stride + 1;
    // The zero-padded image, split by stride phase: phase (a, b) holds padded rows a, a + s, … and columns
    // b, b + s, … . Every tap of a run of output pixels in one row is then a contiguous run of one phase.
#if LGE_HAVE_AVX512
    const int phasesInRegisters = vectorised && stride == 2 && lge_conv_gemm_available();
    if (phasesInRegisters) lge_stride2_phases_avx512(x, channels, h, w, pad, ph, pw, scratch);
#else
    const int phasesInRegisters = 0;
#endif
    for (ptrdiff_t a = 0; a < stride && !phasesInRegisters; a++) {
        for (ptrdiff_t b = 0; b < stride; b++) {
            for (ptrdiff_t ch = 0; ch < channels; ch++) {
                float *plane = scratch + ((a * stride + b) * channels + ch) * ph * pw;
                const float *image = x + ch * h * w;
                for (ptrdiff_t i = 0; i < ph; i++) {
                    float *row = plane + i * pw;
                    const ptrdiff_t y = stride * i + a - pad;
                    if (y < 0 || y >= h) {
                        memset(row, 0, (size_t)pw * sizeof(float));
                        continue;
                    }
                    const float *source = image + y * w;
                    if (stride == 1) {
                        for (ptrdiff_t j = 0; j < pad; j++) row[j] = 0.0f;
                        memcpy(row + pad, source, (size_t)w * sizeof(float));
                        for (ptrdiff_t j = pad + w; j < pw; j++) row[j] = 0.0f;
                    } else {
                        for (ptrdiff_t j = 0; j < pw; j++) {
                            const ptrdiff_t column = stride * j + b - pad;
                            row[j] = column >= 0 && column < w ? source[column] : 0.0f;
                        }
                    }
                }
            }
        }
    }
    const ptrdiff_t k = channels * kernel * kernel, taps = kernel * kernel;
    // Channel 0's taps, then every other channel's as a fixed shift of them: divisions per tap, not per
    // (channel, tap) — a few microseconds a layer at K = 360.
    for (ptrdiff_t ki = 0; ki < kernel; ki++) {
        for (ptrdiff_t kj = 0; kj < kernel; kj++) {
            const ptrdiff_t phase = (ki % stride) * stride + kj % stride;
            offsets[ki * kernel + kj] = phase * channels * ph * pw + (ki / stride) * pw + kj / stride;
        }
    }
    for (ptrdiff_t ch = 1; ch < channels; ch++) {
        for (ptrdiff_t t = 0; t < taps; t++) offsets[ch * taps + t] = offsets[t] + ch * ph * pw;
    }
#if LGE_HAVE_AVX512
    if (vectorised && lge_conv_gemm_available()) {
        lge_conv_direct_avx512(scratch, oh, ow, pw, m, k, packed, offsets, bias, silu, residual, c);
        return;
    }
#endif
    for (ptrdiff_t y = 0; y < oh; y++) {
        lge_gemm_scalar(m, k, packed, scratch + y * pw, offsets, ow, bias, silu,
                        residual ? residual + y * ow : NULL, c + y * ow, oh * ow);
    }
}

void lge_conv_direct(const float *x, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w, ptrdiff_t kernel, ptrdiff_t stride,
                     ptrdiff_t m, const float *packed, const float *bias, int silu, const float *residual, float *c,
                     float *scratch, ptrdiff_t *offsets) {
    lge_conv_direct_with(1, x, channels, h, w, kernel, stride, m, packed, bias, silu, residual, c, scratch, offsets);
}

void lge_conv_direct_portable(const float *x, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w, ptrdiff_t kernel,
                              ptrdiff_t stride, ptrdiff_t m, const float *packed, const float *bias, int silu,
                              const float *residual, float *c, float *scratch, ptrdiff_t *offsets) {
    lge_conv_direct_with(0, x, channels, h, w, kernel, stride, m, packed, bias, silu, residual, c, scratch, offsets);
}
