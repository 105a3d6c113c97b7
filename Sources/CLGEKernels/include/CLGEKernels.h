// Inference kernels for LGENeural that need the machine's vector width: compiled twice (baseline x86-64
// and AVX2+FMA) and picked at run time, so one binary runs everywhere and uses AVX2 where it exists.
// Swift code builds for baseline x86-64 (SSE2, 4 lanes); these loops are the element-wise and
// depthwise work around the GEMMs, where that width showed up in profiles.
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
/// `scratch` holds at least (h + 2) * (w + 2) floats.
void lge_depthwise3x3(const float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                      ptrdiff_t stride, const float *weight, const float *bias, int silu, float *y, float *scratch);

/// Which variant runs: "avx2+fma" or "baseline".
const char *lge_kernel_variant(void);

#ifdef __cplusplus
}
#endif

#endif
