// Kernel bodies, included twice by kernels.c with SUFFIX and TARGET defined (see there).
#define LGE_CAT2(a, b) a##_##b
#define LGE_CAT(a, b) LGE_CAT2(a, b)
#define LGE_NAME(name) LGE_CAT(name, SUFFIX)

TARGET static void LGE_NAME(silu)(float *restrict x, ptrdiff_t count) {
    for (ptrdiff_t i = 0; i < count; i++) {
        float v = x[i];
        x[i] = v / (1.0f + lge_exp(-v));
    }
}

TARGET static void LGE_NAME(bias_activation)(float *restrict x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t plane,
                                             const float *restrict bias, int silu) {
    for (ptrdiff_t p = 0; p < planes; p++) {
        float *restrict row = x + p * plane;
        float b = bias ? bias[p % channels] : 0.0f;
        if (silu) {
            for (ptrdiff_t i = 0; i < plane; i++) {
                float v = row[i] + b;
                row[i] = v / (1.0f + lge_exp(-v));
            }
        } else if (bias) {
            for (ptrdiff_t i = 0; i < plane; i++) row[i] += b;
        }
    }
}

TARGET static void LGE_NAME(depthwise3x3)(const float *restrict x, ptrdiff_t planes, ptrdiff_t channels, ptrdiff_t h,
                                          ptrdiff_t w, ptrdiff_t stride, const float *restrict weight,
                                          const float *restrict bias, int silu, float *restrict y,
                                          float *restrict pad) {
    const ptrdiff_t pw = w + 2;
    const ptrdiff_t oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1;
    for (ptrdiff_t i = 0; i < (h + 2) * pw; i++) pad[i] = 0.0f;
    for (ptrdiff_t p = 0; p < planes; p++) {
        const float *restrict xp = x + p * h * w;
        for (ptrdiff_t r = 0; r < h; r++) {
            for (ptrdiff_t c = 0; c < w; c++) pad[(r + 1) * pw + 1 + c] = xp[r * w + c];
        }
        const float *restrict k = weight + 9 * (p % channels);
        const float w0 = k[0], w1 = k[1], w2 = k[2], w3 = k[3], w4 = k[4], w5 = k[5], w6 = k[6], w7 = k[7], w8 = k[8];
        const float b = bias ? bias[p % channels] : 0.0f;
        float *restrict yp = y + p * oh * ow;
        for (ptrdiff_t oy = 0; oy < oh; oy++) {
            const float *r0 = pad + oy * stride * pw, *r1 = r0 + pw, *r2 = r1 + pw;
            float *restrict yr = yp + oy * ow;
            if (stride == 1) {
                for (ptrdiff_t ox = 0; ox < ow; ox++) {
                    float v = b + w0 * r0[ox] + w1 * r0[ox + 1] + w2 * r0[ox + 2];
                    v += w3 * r1[ox] + w4 * r1[ox + 1] + w5 * r1[ox + 2];
                    v += w6 * r2[ox] + w7 * r2[ox + 1] + w8 * r2[ox + 2];
                    yr[ox] = v;
                }
            } else {
                for (ptrdiff_t ox = 0; ox < ow; ox++) {
                    ptrdiff_t i = ox * stride;
                    float v = b + w0 * r0[i] + w1 * r0[i + 1] + w2 * r0[i + 2];
                    v += w3 * r1[i] + w4 * r1[i + 1] + w5 * r1[i + 2];
                    v += w6 * r2[i] + w7 * r2[i + 1] + w8 * r2[i + 2];
                    yr[ox] = v;
                }
            }
        }
        // Over the whole (contiguous) plane rather than per row: rows of 4 or 8 outputs would leave the
        // vector loop mostly in its scalar tail.
        if (silu) {
            for (ptrdiff_t i = 0; i < oh * ow; i++) {
                float v = yp[i];
                yp[i] = v / (1.0f + lge_exp(-v));
            }
        }
    }
}

TARGET static void LGE_NAME(plane_means)(const float *restrict x, ptrdiff_t planes, ptrdiff_t plane,
                                         float *restrict means) {
    const float scale = 1.0f / (float)plane;
    for (ptrdiff_t p = 0; p < planes; p++) {
        const float *restrict row = x + p * plane;
        // Sixteen partial sums: the order is fixed by the code, not by the vector width, so every variant
        // gives the same bits.
        float partial[16] = {0};
        ptrdiff_t i = 0;
        for (; i + 16 <= plane; i += 16) {
            for (int lane = 0; lane < 16; lane++) partial[lane] += row[i + lane];
        }
        for (; i < plane; i++) partial[i % 16] += row[i];
        float sum = 0.0f;
        for (int lane = 0; lane < 16; lane++) sum += partial[lane];
        means[p] = sum * scale;
    }
}

TARGET static void LGE_NAME(scale_planes)(float *restrict x, ptrdiff_t planes, ptrdiff_t plane,
                                          const float *restrict factors) {
    for (ptrdiff_t p = 0; p < planes; p++) {
        float *restrict row = x + p * plane;
        const float f = factors[p];
        for (ptrdiff_t i = 0; i < plane; i++) row[i] *= f;
    }
}

#undef LGE_NAME
#undef LGE_CAT
#undef LGE_CAT2
