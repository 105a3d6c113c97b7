// Depthwise 3×3 convolution with AVX-512, for the small planes of MBConv stages (16×16 down to 4×4).
//
// Why not only the row loops of kernels_body.h: an 8-pixel row fills half a vector and a 4-pixel row a
// quarter, and a stride-2 row gathers every other pixel. Here stride 1 reads each tap with masked loads
// straight from the image (the zero border is the lanes the masks leave out) and stride 2 packs each even
// row's result into the output vector with a permute. Larger planes go to kernels_body.h compiled for
// AVX-512, where full-width rows suit its loops.
#include "CLGEKernels.h"

ptrdiff_t lge_depthwise3x3_scratch_count(ptrdiff_t h, ptrdiff_t w, ptrdiff_t stride) {
    (void)stride;
    // The zero-bordered plane of kernels_body.h; the paths here need none.
    return (h + 2) * (w + 2);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "simd512.h"

/// One plane of a depthwise layer: where its input and output lie, its channel's 9 weights and its bias.
typedef struct {
    const float *image;
    const float *k;
    __m512 shift;
    float *out;
} lge_depthwise_plane;

LGE_AVX512 LGE_INLINE lge_depthwise_plane lge_depthwise_plane_at(const float *x, float *y, ptrdiff_t plane,
                                                                  ptrdiff_t channels, ptrdiff_t inputSize,
                                                                  ptrdiff_t outputSize, const float *weight,
                                                                  const float *bias) {
    const ptrdiff_t channel = plane % channels;
    const lge_depthwise_plane p = {x + plane * inputSize, weight + 9 * channel,
                                   _mm512_set1_ps(bias ? bias[channel] : 0.0f), y + plane * outputSize};
    return p;
}

/// Stride 1 on planes of at most 64 vectors: every tap is a masked load straight from the image, the zero
/// border being the lanes the masks leave out, and each output vector is stored once where it belongs.
/// Why no padded copy: loads that read back a copy just written with masked stores cannot be forwarded
/// from the store buffer and stalled this kernel.
LGE_AVX512 static void lge_depthwise3x3_direct(const float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t h,
                                               ptrdiff_t w, const float *weight, const float *bias, int silu,
                                               float *y) {
    const ptrdiff_t total = h * w, vectors = (total + 15) / 16;
    // Per output vector and tap, the lanes whose input pixel lies inside the image.
    // Each pixel's row and column advance lane by lane: no division per (lane, tap), which on 11×11
    // planes cost as much as the convolution itself.
    __mmask16 inside[64][9];
    ptrdiff_t pixelRow = 0, pixelColumn = 0;
    for (ptrdiff_t v = 0; v < vectors; v++) {
        unsigned masks[9] = {0};
        for (int lane = 0; lane < 16; lane++) {
            if (16 * v + lane < total) {
                for (int tap = 0; tap < 9; tap++) {
                    const ptrdiff_t row = pixelRow + tap / 3 - 1, column = pixelColumn + tap % 3 - 1;
                    if (row >= 0 && row < h && column >= 0 && column < w) masks[tap] |= 1u << lane;
                }
            }
            if (++pixelColumn == w) {
                pixelColumn = 0;
                pixelRow++;
            }
        }
        for (int tap = 0; tap < 9; tap++) inside[v][tap] = (__mmask16)masks[tap];
    }
    for (ptrdiff_t plane = 0; plane < planes; plane++) {
        const lge_depthwise_plane at = lge_depthwise_plane_at(x, y, plane, channels, total, total, weight, bias);
        const float *image = at.image;
        float *out = at.out;
        const __m512 shift = at.shift;
        __m512 taps[9];
        for (int tap = 0; tap < 9; tap++) taps[tap] = _mm512_set1_ps(at.k[tap]);
        for (ptrdiff_t v = 0; v < vectors; v++) {
            const ptrdiff_t t = 16 * v;
            __m512 acc = shift;
            for (int tap = 0; tap < 9; tap++) {
                const ptrdiff_t delta = (tap / 3 - 1) * w + (tap % 3 - 1);
                acc = _mm512_fmadd_ps(taps[tap], _mm512_maskz_loadu_ps(inside[v][tap], image + t + delta), acc);
            }
            if (silu) acc = lge_silu512(acc);
            _mm512_mask_storeu_ps(out + t, lge_lanes(total - t), acc);
        }
    }
}

/// Stride 2 on planes at most 16 wide: each even input row's stride-1 result is one vector computed from
/// masked loads of the image (no copy), its even lanes are gathered into the output vector with a
/// permute, and SiLU runs once per output vector. Why: the phase copies of the general path cost more than
/// the arithmetic on these 8×8 and 16×16 planes (store forwarding again).
LGE_AVX512 static void lge_depthwise3x3_stride2_narrow(const float *x, ptrdiff_t planes, ptrdiff_t channels,
                                                       ptrdiff_t h, ptrdiff_t w, const float *weight,
                                                       const float *bias, int silu, float *y) {
    const ptrdiff_t oh = (h + 1) / 2, ow = (w + 1) / 2, rowsPerVector = 16 / ow;
    const __mmask16 row = lge_lanes(w);
    const __mmask16 columns[3] = {row & (__mmask16)~1u, row, row & (__mmask16)~(1u << (w - 1))};
    const __m512i iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    for (ptrdiff_t plane = 0; plane < planes; plane++) {
        const lge_depthwise_plane at = lge_depthwise_plane_at(x, y, plane, channels, h * w, oh * ow, weight, bias);
        const float *image = at.image, *k = at.k;
        float *out = at.out;
        const __m512 shift = at.shift;
        for (ptrdiff_t first = 0; first < oh; first += rowsPerVector) {
            const ptrdiff_t rows = oh - first < rowsPerVector ? oh - first : rowsPerVector;
            __m512 packed = _mm512_setzero_ps();
            for (ptrdiff_t r = 0; r < rows; r++) {
                const ptrdiff_t center = 2 * (first + r);
                __m512 acc = shift;
                for (int ki = 0; ki < 3; ki++) {
                    const ptrdiff_t source = center + ki - 1;
                    if (source < 0 || source >= h) continue;
                    for (int kj = 0; kj < 3; kj++) {
                        const __m512 pixels = _mm512_maskz_loadu_ps(columns[kj], image + source * w + kj - 1);
                        acc = _mm512_fmadd_ps(_mm512_set1_ps(k[3 * ki + kj]), pixels, acc);
                    }
                }
                // Output lane r·ow + j takes the row's lane 2j.
                const __m512i from = _mm512_slli_epi32(_mm512_sub_epi32(iota, _mm512_set1_epi32((int)(r * ow))), 1);
                const __mmask16 lanes = (__mmask16)(lge_lanes((r + 1) * ow) & ~lge_lanes(r * ow));
                packed = _mm512_mask_permutexvar_ps(packed, lanes, from, acc);
            }
            if (silu) packed = lge_silu512(packed);
            _mm512_mask_storeu_ps(out + first * ow, lge_lanes(rows * ow), packed);
        }
    }
}

/// Stride 2 on planes 17 to 32 wide (the 22×22 planes of a 176-pixel input): each input row's stride-1
/// result is two vectors, and the output row is their even lanes, gathered with one two-source permute.
/// Same reason as the narrow kernel: no phase copies to read back.
LGE_AVX512 static void lge_depthwise3x3_stride2_wide(const float *x, ptrdiff_t planes, ptrdiff_t channels,
                                                     ptrdiff_t h, ptrdiff_t w, const float *weight,
                                                     const float *bias, int silu, float *y) {
    const ptrdiff_t oh = (h + 1) / 2, ow = (w + 1) / 2;
    // Lanes whose column (lane + 16·half + kj − 1) lies inside the row.
    __mmask16 inside[2][3];
    for (int half = 0; half < 2; half++) {
        for (int kj = 0; kj < 3; kj++) {
            unsigned mask = 0;
            for (int lane = 0; lane < 16; lane++) {
                const ptrdiff_t column = lane + 16 * half + kj - 1;
                if (column >= 0 && column < w) mask |= 1u << lane;
            }
            inside[half][kj] = (__mmask16)mask;
        }
    }
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __mmask16 store = lge_lanes(ow);
    for (ptrdiff_t plane = 0; plane < planes; plane++) {
        const lge_depthwise_plane at = lge_depthwise_plane_at(x, y, plane, channels, h * w, oh * ow, weight, bias);
        const float *image = at.image, *k = at.k;
        float *out = at.out;
        const __m512 shift = at.shift;
        for (ptrdiff_t r = 0; r < oh; r++) {
            __m512 low = shift, high = shift;
            for (int ki = 0; ki < 3; ki++) {
                const ptrdiff_t source = 2 * r + ki - 1;
                if (source < 0 || source >= h) continue;
                for (int kj = 0; kj < 3; kj++) {
                    const float *start = image + source * w + kj - 1;
                    const __m512 tap = _mm512_set1_ps(k[3 * ki + kj]);
                    low = _mm512_fmadd_ps(tap, _mm512_maskz_loadu_ps(inside[0][kj], start), low);
                    high = _mm512_fmadd_ps(tap, _mm512_maskz_loadu_ps(inside[1][kj], start + 16), high);
                }
            }
            __m512 packed = _mm512_permutex2var_ps(low, even, high);
            if (silu) packed = lge_silu512(packed);
            _mm512_mask_storeu_ps(out + r * ow, store, packed);
        }
    }
}

LGE_AVX512 int lge_depthwise3x3_avx512(const float *x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t h,
                                       ptrdiff_t w, ptrdiff_t stride, const float *weight, const float *bias,
                                       int silu, float *y) {
    if (stride == 1 && h * w <= 64 * 16) {
        lge_depthwise3x3_direct(x, planes, channels, h, w, weight, bias, silu, y);
        return 1;
    }
    if (stride == 2 && w <= 16) {
        lge_depthwise3x3_stride2_narrow(x, planes, channels, h, w, weight, bias, silu, y);
        return 1;
    }
    if (stride == 2 && w <= 32) {
        lge_depthwise3x3_stride2_wide(x, planes, channels, h, w, weight, bias, silu, y);
        return 1;
    }
    return 0;
}
#endif
