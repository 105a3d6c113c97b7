// Inference kernels for LGENeural that need the machine's vector width: compiled for baseline x86-64,
// AVX2+FMA and AVX-512 and picked at run time, so one binary runs everywhere and uses the widest vectors
// it finds. Swift code builds for baseline x86-64 (SSE2, 4 lanes); these loops are the element-wise,
// depthwise and convolution work, where that width showed up in profiles.
#ifndef CLGEKERNELS_H
#define CLGEKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// x <- x * sigmoid(x) over `count` values (the same exp polynomial as LGENeural's FastMath).
void lge_silu(float *x, ptrdiff_t count);

/// For each of `planes` planes of `plane` values (plane p has channel p % channels):
/// x <- x + bias[channel] (when bias is not NULL), then SiLU when `silu` is non-zero.
void lge_bias_activation(float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t plane, const float *bias, int silu);

/// Depthwise 3x3 convolution with padding 1 on every side and stride 1 or 2, over `planes` planes
/// (plane p uses filter p % channels: weight[9 * channel ...]); bias may be NULL; optional fused SiLU.
/// `scratch` holds at least `lge_depthwise3x3_scratch_count(h, w, stride)` floats.
void lge_depthwise3x3(const float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                      ptrdiff_t stride, const float *weight, const float *bias, int silu, float *y, float *scratch);

/// Floats needed to hold an m×k weight matrix packed by `lge_conv_gemm_pack` (m rounded up to 8).
ptrdiff_t lge_conv_gemm_packed_count(ptrdiff_t m, ptrdiff_t k);

/// Packs row-major weights a [m][k] (output channel × patch) into panels of 8 output channels for
/// `lge_conv_gemm`; rows past m are zero.
void lge_conv_gemm_pack(const float *a, ptrdiff_t m, ptrdiff_t k, float *packed);

/// c [m][n] = packed-A · b, where b is k rows of n values at row stride ldb; then per output row:
/// + bias[row] (bias may be NULL), SiLU when `silu` is non-zero, + residual [m][n] (may be NULL).
/// `offsets` is scratch for k values. AVX-512 where the processor has it (`lge_conv_gemm_available`),
/// else a plain loop.
void lge_conv_gemm(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packed, const float *b, ptrdiff_t ldb,
                   const float *bias, int silu, const float *residual, float *c, ptrdiff_t *offsets);

/// Floats of scratch `lge_conv_direct` needs: the zero-padded image, split by stride phase.
ptrdiff_t lge_conv_direct_scratch_count(ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w, ptrdiff_t kernel,
                                        ptrdiff_t stride);

/// A kernel×kernel "same" convolution (padding kernel/2, output ⌈h/stride⌉ × ⌈w/stride⌉ for odd kernels)
/// of x [channels][h][w] to c [m][oh][ow] with weights packed by `lge_conv_gemm_pack` (patch order channel,
/// row, column), without im2col; bias, SiLU and residual as in `lge_conv_gemm`. `scratch` holds
/// `lge_conv_direct_scratch_count` floats, `offsets` channels·kernel² values.
void lge_conv_direct(const float *x, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w, ptrdiff_t kernel, ptrdiff_t stride,
                     ptrdiff_t m, const float *packed, const float *bias, int silu, const float *residual, float *c,
                     float *scratch, ptrdiff_t *offsets);

/// `lge_conv_gemm` and `lge_conv_direct` by their plain-C loops, whatever the processor: what runs where
/// AVX-512 is missing, callable anywhere so that tests check it on every machine.
void lge_conv_gemm_portable(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *packed, const float *b, ptrdiff_t ldb,
                            const float *bias, int silu, const float *residual, float *c, ptrdiff_t *offsets);
void lge_conv_direct_portable(const float *x, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w, ptrdiff_t kernel,
                              ptrdiff_t stride, ptrdiff_t m, const float *packed, const float *bias, int silu,
                              const float *residual, float *c, float *scratch, ptrdiff_t *offsets);

/// 1 when `lge_conv_gemm` runs its AVX-512 kernel on this processor.
int lge_conv_gemm_available(void);

/// means[p] = the mean of plane p's `plane` values, for `planes` planes; the same bits on every variant.
void lge_plane_means(const float *x, ptrdiff_t planes, ptrdiff_t plane, float *means);

/// Multiplies each of `planes` planes of `plane` values by its factor, in place.
void lge_scale_planes(float *x, ptrdiff_t planes, ptrdiff_t plane, const float *factors);

/// `lge_depthwise3x3` by its AVX2 (or baseline) loops, whatever the processor: what runs where AVX-512 is
/// missing, callable anywhere so that tests check it on every machine. Same scratch.
void lge_depthwise3x3_portable(const float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                               ptrdiff_t stride, const float *weight, const float *bias, int silu, float *y,
                               float *scratch);

/// Floats of scratch `lge_depthwise3x3` needs for one plane of h×w at `stride`.
ptrdiff_t lge_depthwise3x3_scratch_count(ptrdiff_t h, ptrdiff_t w, ptrdiff_t stride);

/// Which variant of the element-wise and depthwise kernels runs: "avx512", "avx2+fma" or "baseline".
const char *lge_kernel_variant(void);

#ifdef __cplusplus
}
#endif

#endif
