#include "CLGEKernels.h"

#include <stdint.h>
#include <string.h>

/// e^x, x clamped to [-87.3, 88.3]: the Cephes-style polynomial of LGENeural's FastMath.exp, written with
/// compares and bit casts only, so that both compilations below vectorize it.
static inline float lge_exp(float input) {
    float x = input < -87.3f ? -87.3f : input;
    x = x > 88.3f ? 88.3f : x;
    float shifted = x * 1.44269504f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = x - n * 0.693359375f - n * -2.1219444e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.16657959e-2f;
    p = p * r + 1.66666655e-1f;
    p = p * r + 5.00000012e-1f;
    p = p * r * r + r + 1.0f;
    int32_t integer;
    memcpy(&integer, &shifted, sizeof integer);
    integer -= 0x4B400000;
    uint32_t bits = (uint32_t)(integer + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

#define SUFFIX baseline
#define TARGET
#include "kernels_body.h"
#undef SUFFIX
#undef TARGET

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define LGE_HAVE_AVX2 1
#define SUFFIX avx2
#define TARGET __attribute__((target("avx2,fma")))
#include "kernels_body.h"
#undef SUFFIX
#undef TARGET

#define SUFFIX avx512
#define TARGET __attribute__((target("avx512f,avx512vl,avx2,fma")))
#include "kernels_body.h"
#undef SUFFIX
#undef TARGET

/// depthwise.c's AVX-512 paths for the plane sizes they cover; 0 when the plane is left to the loops here.
int lge_depthwise3x3_avx512(const float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                            ptrdiff_t stride, const float *weight, const float *bias, int silu, float *y);

static int lge_use_avx2(void) {
    // Idempotent: every thread computes the same answer, so a race on the cache is harmless.
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
}

static int lge_use_avx512(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = lge_use_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    }
    return cached;
}
#else
#define LGE_HAVE_AVX2 0
static int lge_use_avx2(void) { return 0; }
static int lge_use_avx512(void) { return 0; }
#endif

void lge_silu(float *x, ptrdiff_t count) {
#if LGE_HAVE_AVX2
    if (lge_use_avx512()) { silu_avx512(x, count); return; }
    if (lge_use_avx2()) { silu_avx2(x, count); return; }
#endif
    silu_baseline(x, count);
}

void lge_bias_activation(float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t plane, const float *bias, int silu) {
#if LGE_HAVE_AVX2
    if (lge_use_avx512()) { bias_activation_avx512(x, planes, channels, plane, bias, silu); return; }
    if (lge_use_avx2()) { bias_activation_avx2(x, planes, channels, plane, bias, silu); return; }
#endif
    bias_activation_baseline(x, planes, channels, plane, bias, silu);
}

void lge_depthwise3x3(const float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                      ptrdiff_t stride, const float *weight, const float *bias, int silu, float *y, float *scratch) {
#if LGE_HAVE_AVX2
    if (lge_use_avx512()) {
        if (lge_depthwise3x3_avx512(x, planes, channels, h, w, stride, weight, bias, silu, y)) return;
        depthwise3x3_avx512(x, planes, channels, h, w, stride, weight, bias, silu, y, scratch);
        return;
    }
    if (lge_use_avx2()) { depthwise3x3_avx2(x, planes, channels, h, w, stride, weight, bias, silu, y, scratch); return; }
#endif
    depthwise3x3_baseline(x, planes, channels, h, w, stride, weight, bias, silu, y, scratch);
}

void lge_depthwise3x3_portable(const float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,
                               ptrdiff_t stride, const float *weight, const float *bias, int silu, float *y,
                               float *scratch) {
#if LGE_HAVE_AVX2
    if (lge_use_avx2()) { depthwise3x3_avx2(x, planes, channels, h, w, stride, weight, bias, silu, y, scratch); return; }
#endif
    depthwise3x3_baseline(x, planes, channels, h, w, stride, weight, bias, silu, y, scratch);
}

void lge_plane_means(const float *x, ptrdiff_t planes, ptrdiff_t plane, float *means) {
#if LGE_HAVE_AVX2
    if (lge_use_avx512()) { plane_means_avx512(x, planes, plane, means); return; }
    if (lge_use_avx2()) { plane_means_avx2(x, planes, plane, means); return; }
#endif
    plane_means_baseline(x, planes, plane, means);
}

void lge_scale_planes(float *x, ptrdiff_t planes, ptrdiff_t plane, const float *factors) {
#if LGE_HAVE_AVX2
    if (lge_use_avx512()) { scale_planes_avx512(x, planes, plane, factors); return; }
    if (lge_use_avx2()) { scale_planes_avx2(x, planes, plane, factors); return; }
#endif
    scale_planes_baseline(x, planes, plane, factors);
}

const char *lge_kernel_variant(void) {
    return lge_use_avx512() ? "avx512" : lge_use_avx2() ? "avx2+fma" : "baseline";
}

// Shared with conv_gemm.c (not part of the public header).
float lge_silu_scalar(float x) { return x / (1.0f + lge_exp(-x)); }
