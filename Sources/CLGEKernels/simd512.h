// AVX-512 helpers shared by the kernels compiled for it (internal; not part of the module's API).
#ifndef LGE_SIMD512_H
#define LGE_SIMD512_H

#include <immintrin.h>
#include <stddef.h>

#define LGE_AVX512 __attribute__((target("avx512f")))
#define LGE_INLINE static inline __attribute__((always_inline))

/// x·sigmoid(x) = x / (1 + e^−x), in about 20 instructions: e^−x by the range reduction and polynomial of
/// kernels.c's lge_exp (LGENeural's FastMath) but scaled with vscalefps (no integer work), the reciprocal by rcp14 and one Newton step
/// (relative error about 2⁻²⁸). SiLU follows most convolutions, so its cost showed in every layer's epilogue,
/// and a division stalled the depthwise kernel on its latency.
LGE_AVX512 LGE_INLINE __m512 lge_silu512(__m512 v) {
    // Below −88, e^−x would overflow and the Newton step turn inf·0 into NaN; x·sigmoid(x) is −0 there anyway.
    const __m512 x = _mm512_max_ps(v, _mm512_set1_ps(-88.0f));
    // e^−x = 2^t, t = −x·log2(e) = n + f with n an integer and |f| ≤ ½. log2(e) in two parts, each product
    // taken by an FMA, keeps f exact to a few ulp for every x down to −88, in 16 operations where a
    // Cody–Waite reduction to e^r needs 19 (2^f is one degree 5 polynomial, relative error 1.8·10⁻⁷).
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(-1.442695f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_fmsub_ps(x, _mm512_set1_ps(-1.442695f), n);
    f = _mm512_fmadd_ps(x, _mm512_set1_ps(-1.925963e-08f), f);
    __m512 p = _mm512_set1_ps(1.32782e-3f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.67556e-3f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.550708e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0.24022119f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0.69314694f));
    const __m512 one = _mm512_set1_ps(1.0f);
    p = _mm512_fmadd_ps(p, f, one);
    const __m512 d = _mm512_add_ps(one, _mm512_scalef_ps(p, n));
    const __m512 reciprocal = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(v, _mm512_mul_ps(reciprocal, _mm512_fnmadd_ps(d, reciprocal, _mm512_set1_ps(2.0f))));
}

/// The first `count` lanes (none for count ≤ 0, all 16 for count ≥ 16).
LGE_AVX512 LGE_INLINE __mmask16 lge_lanes(ptrdiff_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

/// Splits one image row of w values, with `pad` zeros on each side, into its even and odd padded columns:
/// even[j] = padded[2j], odd[j] = padded[2j + 1] for j < columns. Straight from the image through
/// registers: reading back a padded copy just written with masked stores would stall on store forwarding.
LGE_AVX512 LGE_INLINE void lge_split_padded_row(const float *row, ptrdiff_t w, ptrdiff_t pad, ptrdiff_t columns,
                                               float *even, float *odd) {
    const __m512i evenLanes = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i oddLanes = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    for (ptrdiff_t c = 0; c < 2 * columns; c += 32) {
        // Lane j of a chunk at padded column q holds image column q + j − pad where that lies inside the row.
        const __mmask16 lowInside = lge_lanes(pad + w - c) & (__mmask16)~lge_lanes(pad - c);
        const __mmask16 highInside = lge_lanes(pad + w - c - 16) & (__mmask16)~lge_lanes(pad - c - 16);
        const __m512 low = _mm512_maskz_loadu_ps(lowInside, row + c - pad);
        const __m512 high = _mm512_maskz_loadu_ps(highInside, row + c + 16 - pad);
        const __mmask16 keep = lge_lanes(columns - c / 2);
        _mm512_mask_storeu_ps(even + c / 2, keep, _mm512_permutex2var_ps(low, evenLanes, high));
        _mm512_mask_storeu_ps(odd + c / 2, keep, _mm512_permutex2var_ps(low, oddLanes, high));
    }
}

#endif
