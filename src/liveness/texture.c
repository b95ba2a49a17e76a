/*
 * Colour texture features and their linear classifier.
 *
 * A texture model file is text, one key per line, tab-separated, '#' lines are comments:
 *     facelive-texture	1
 *     features	lbp8u2-hsv-ycbcr
 *     mean	<354 numbers, space-separated>
 *     scale	<354 numbers, each > 0>
 *     weight	<354 numbers>
 *     bias	<number>
 * p_real = 1 / (1 + exp(-(bias + sum_k weight_k (f_k - mean_k) / scale_k))).
 */
#include "liveness/texture.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

enum { PLANES = 6, BINS = 59 };

/* 8-bit H (0..180, as OpenCV), S, V, Y, Cb, Cr of one BGR pixel. */
static void colour_planes(const uint8_t *px, uint8_t out[PLANES])
{
    const int b = px[0], g = px[1], r = px[2];
    const int v = r > g ? (r > b ? r : b) : (g > b ? g : b);
    const int mn = r < g ? (r < b ? r : b) : (g < b ? g : b), d = v - mn;
    int hue = 0;
    if (d) {
        hue = v == r ? 60 * (g - b) / d : v == g ? 120 + 60 * (b - r) / d : 240 + 60 * (r - g) / d;
        hue += hue < 0 ? 360 : 0;
    }
    out[0] = (uint8_t)(hue / 2);
    out[1] = (uint8_t)(v ? (255 * d + v / 2) / v : 0);
    out[2] = (uint8_t)v;
    const int y = (299 * r + 587 * g + 114 * b + 500) / 1000; /* BT.601, full range */
    const int cb = 128 + (564 * (b - y) + (b >= y ? 500 : -500)) / 1000;
    const int cr = 128 + (713 * (r - y) + (r >= y ? 500 : -500)) / 1000;
    out[3] = (uint8_t)y;
    out[4] = (uint8_t)(cb < 0 ? 0 : cb > 255 ? 255 : cb);
    out[5] = (uint8_t)(cr < 0 ? 0 : cr > 255 ? 255 : cr);
}

/* Bin of each 8-bit LBP code: the 58 uniform patterns (at most two 0/1 transitions around the
 * circle) in code order, every other pattern in bin 58. */
static void uniform_bins(uint8_t bin[256])
{
    int next = 0;
    for (int c = 0; c < 256; c++) {
        const int rotated = ((c << 1) | (c >> 7)) & 0xFF;
        const int transitions = __builtin_popcount((unsigned)(c ^ rotated));
        bin[c] = (uint8_t)(transitions <= 2 ? next++ : BINS - 1);
    }
}

fl_status fl__texture_features(const uint8_t *bgr, int w, int h, size_t stride, fl_buffer *scratch,
                               float out[FL_TEXTURE_FEATURES], fl_error *err)
{
    if (w < 3 || h < 3)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "a %dx%d crop has no texture to measure (3x3 at least)", w, h);
    uint8_t *planes = fl__buffer_reserve(scratch, (size_t)w * h * PLANES);
    if (!planes)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for the texture of a %dx%d crop", w, h);
    uint8_t bin[256];
    uniform_bins(bin);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            colour_planes(bgr + (size_t)y * stride + 3 * (size_t)x, planes + ((size_t)y * w + x) * PLANES);
    /* neighbours clockwise from the top left, radius 1 */
    const int dx[8] = {-1, 0, 1, 1, 1, 0, -1, -1}, dy[8] = {-1, -1, -1, 0, 1, 1, 1, 0};
    unsigned count[PLANES][BINS] = {{0}};
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            const uint8_t *c = planes + ((size_t)y * w + x) * PLANES;
            for (int p = 0; p < PLANES; p++) {
                int code = 0;
                for (int k = 0; k < 8; k++)
                    code |= (c[(dy[k] * w + dx[k]) * PLANES + p] >= c[p]) << k;
                count[p][bin[code]]++;
            }
        }
    const float n = (float)(w - 2) * (float)(h - 2);
    for (int p = 0; p < PLANES; p++)
        for (int k = 0; k < BINS; k++)
            out[p * BINS + k] = (float)count[p][k] / n;
    return FL_OK;
}

float fl__texture_p_real(const fl__texture_model *m, const float f[FL_TEXTURE_FEATURES])
{
    double z = m->bias;
    for (int k = 0; k < FL_TEXTURE_FEATURES; k++)
        z += (double)m->weight[k] * ((double)f[k] - m->mean[k]) / m->scale[k];
    return (float)(1.0 / (1.0 + exp(-z)));
}

/* The next non-comment line of text as [*line, *end); 0 at the end. */
static int next_line(const char **p, const char *limit, const char **line, const char **end, int *number)
{
    while (*p < limit) {
        const char *s = *p, *e = memchr(s, '\n', (size_t)(limit - s));
        e = e ? e : limit;
        *p = e < limit ? e + 1 : limit;
        (*number)++;
        const char *t = e > s && e[-1] == '\r' ? e - 1 : e;
        if (t > s && s[0] != '#') {
            *line = s;
            *end = t;
            return 1;
        }
    }
    return 0;
}

/* One "key<TAB>values" line: the value count must be n (numbers) or the text must equal want. */
static fl_status parse_line(const char **p, const char *limit, int *number, const char *name, const char *key,
                            const char *want, float *values, int n, float lo, fl_error *err)
{
    const char *s, *e;
    if (!next_line(p, limit, &s, &e, number))
        return fl__fail(err, FL_E_MODEL_INVALID, "%s: ends before the '%s' line", name, key);
    const size_t kl = strlen(key);
    if ((size_t)(e - s) <= kl || memcmp(s, key, kl) || s[kl] != '\t')
        return fl__fail(err, FL_E_MODEL_INVALID, "%s:%d: expected the '%s' line", name, *number, key);
    char *buf = malloc((size_t)(e - s) + 1);
    if (!buf)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    memcpy(buf, s + kl + 1, (size_t)(e - s) - kl - 1);
    buf[(e - s) - kl - 1] = '\0';
    fl_status st = FL_OK;
    if (want) {
        if (strcmp(buf, want))
            st = fl__fail(err, FL_E_MODEL_INVALID, "%s:%d: %s is '%s'; this library reads '%s'", name, *number, key,
                          buf, want);
        free(buf);
        return st;
    }
    char *q = buf;
    for (int k = 0; k < n && !st; k++) {
        char *after;
        errno = 0;
        const float v = (float)strtod(q, &after); /* a float must hold it: 1e39 or 1e-50 do not */
        if (after == q || errno || !isfinite(v) || v <= lo)
            st = fl__fail(err, FL_E_MODEL_INVALID, "%s:%d: %s value %d of %d is missing or not a number%s", name,
                          *number, key, k + 1, n, lo > -HUGE_VAL ? " above 0" : "");
        values[k] = v;
        q = after;
    }
    while (!st && (*q == ' ' || *q == '\t'))
        q++;
    if (!st && *q)
        st = fl__fail(err, FL_E_MODEL_INVALID, "%s:%d: %s has more than %d values", name, *number, key, n);
    free(buf);
    return st;
}

fl_status fl__texture_model_parse(const char *text, size_t size, const char *name, fl__texture_model *m,
                                  fl_error *err)
{
    if (memchr(text, '\0', size))
        return fl__fail(err, FL_E_MODEL_INVALID, "%s: not a text file (a texture model is text)", name);
    const char *p = text, *limit = text + size;
    int number = 0;
    const double any = -HUGE_VAL;
    fl_status s = parse_line(&p, limit, &number, name, "facelive-texture", "1", NULL, 0, 0, err);
    if (!s)
        s = parse_line(&p, limit, &number, name, "features", "lbp8u2-hsv-ycbcr", NULL, 0, 0, err);
    if (!s)
        s = parse_line(&p, limit, &number, name, "mean", NULL, m->mean, FL_TEXTURE_FEATURES, (float)any, err);
    if (!s)
        s = parse_line(&p, limit, &number, name, "scale", NULL, m->scale, FL_TEXTURE_FEATURES, 0, err);
    if (!s)
        s = parse_line(&p, limit, &number, name, "weight", NULL, m->weight, FL_TEXTURE_FEATURES, (float)any, err);
    if (!s)
        s = parse_line(&p, limit, &number, name, "bias", NULL, &m->bias, 1, (float)any, err);
    const char *l, *e;
    if (!s && next_line(&p, limit, &l, &e, &number))
        s = fl__fail(err, FL_E_MODEL_INVALID, "%s:%d: text after the 'bias' line", name, number);
    return s;
}
