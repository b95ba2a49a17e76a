#include "quality/quality.h"

#include <math.h>
#include <string.h>

#define SHARP_WIDTH 112 /* faces are scaled to this width before the Laplacian: size-normalised */

static const char *const reason_names[] = {
#define FL_QUALITY_NAME_(e, name, prompt) name,
    FL_QUALITY_MAP(FL_QUALITY_NAME_)
#undef FL_QUALITY_NAME_
};
static const char *const reason_prompts[] = {
#define FL_QUALITY_PROMPT_(e, name, prompt) prompt,
    FL_QUALITY_MAP(FL_QUALITY_PROMPT_)
#undef FL_QUALITY_PROMPT_
};

const char *fl_quality_reason_name(fl_quality_reason r)
{
    return (unsigned)r < FL_QUALITY_COUNT_ ? reason_names[r] : "unknown";
}

const char *fl_quality_reason_prompt(fl_quality_reason r)
{
    return (unsigned)r < FL_QUALITY_COUNT_ ? reason_prompts[r] : "";
}

fl_quality_kind fl_quality_reason_kind(fl_quality_reason r)
{
    return r == FL_QUALITY_NO_FACE || r == FL_QUALITY_NOT_A_FACE || r == FL_QUALITY_SEVERAL_FACES
               ? FL_QUALITY_CANNOT_JUDGE
               : FL_QUALITY_ADJUST;
}

fl_quality_config fl_quality_config_default(void)
{
    fl_quality_config c;
    c.min_face_ratio = 0.15f;     /* a 640-wide frame needs a face about 96 px wide */
    c.max_face_ratio = 0.90f;
    c.max_outside = 0.10f;        /* a tenth of the box may leave the frame (foreheads do) */
    c.max_centre_offset = 0.30f;
    c.max_yaw = 25.0f;
    c.max_pitch = 25.0f;
    c.max_roll = 25.0f;
    /* Sharpness, brightness and backlight are calibrated on the bona fide images of every source
     * of ../shared/data (train/acquisition.py, docs/accuracy.md "Acquisition"): the lowest measure
     * 18.1, 40.0 and 0.455 (a webcam before a window, and the blog's "Too dark" and "Backlight"
     * examples), and the anti-spoof models judged every one of them real (0.989-1.000). The limits
     * sit a margin below, so the prompts ask only for what is worse than any live face seen. */
    c.min_sharpness = 15.0f;
    c.min_brightness = 35.0f;
    c.max_brightness = 210.0f;
    c.max_clipped = 0.20f;
    c.min_backlight_ratio = 0.40f;
    c.max_motion = 0.15f;
    return c;
}

static void add(fl_analysis *a, fl_quality_reason r, float value, float threshold)
{
    if (a->n_reasons < FL_MAX_REASONS)
        a->reasons[a->n_reasons++] = (fl_quality_issue){r, value, threshold};
}

static uint8_t grey(const uint8_t *bgr)
{
    return (uint8_t)((bgr[0] * 29 + bgr[1] * 150 + bgr[2] * 77 + 128) >> 8); /* BT.601 */
}

/* grey() of n pixels; built for the baseline and, on x86-64, for AVX2, where the compiler
 * vectorises the 3-byte pixels (the face's grey copy for the sharpness: 0.08 ms of a frame). */
#define DEFINE_GREY_ROW(NAME, ATTR)                                                              \
    ATTR static void NAME(const uint8_t *bgr, int n, uint8_t *out)                               \
    {                                                                                            \
        for (int x = 0; x < n; x++)                                                              \
            out[x] = grey(bgr + 3 * (size_t)x);                                                  \
    }
DEFINE_GREY_ROW(grey_row_base, )
#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_GREY_ROW(grey_row_avx2, __attribute__((target("avx2"))))
static void grey_row(const uint8_t *bgr, int n, uint8_t *out)
{
    if (__builtin_cpu_supports("avx2"))
        grey_row_avx2(bgr, n, out);
    else
        grey_row_base(bgr, n, out);
}
#else
#define grey_row grey_row_base
#endif

typedef struct rect {
    int x0, y0, x1, y1; /* half-open */
} rect;

static rect clip_rect(float x, float y, float w, float h, const fl_image *img)
{
    rect r = {(int)floorf(x), (int)floorf(y), (int)ceilf(x + w), (int)ceilf(y + h)};
    r.x0 = r.x0 < 0 ? 0 : r.x0;
    r.y0 = r.y0 < 0 ? 0 : r.y0;
    r.x1 = r.x1 > img->width ? img->width : r.x1;
    r.y1 = r.y1 > img->height ? img->height : r.y1;
    return r;
}

/* Variance of the 4-neighbour Laplacian of the face, grey, scaled to SHARP_WIDTH wide. */
static float sharpness(const fl_image *img, rect r, fl_buffer *scratch)
{
    const int w = r.x1 - r.x0, h = r.y1 - r.y0;
    if (w < 8 || h < 8)
        return 0.0f;
    const int sw = SHARP_WIDTH, sh = (int)lroundf((float)h * SHARP_WIDTH / w) < 8 ? 8 : (int)lroundf((float)h * SHARP_WIDTH / w);
    uint8_t *g = fl__buffer_reserve(scratch, (size_t)w * h + (size_t)sw * sh);
    if (!g)
        return 0.0f;
    for (int y = 0; y < h; y++)
        grey_row(img->data + (size_t)(r.y0 + y) * img->stride + 3 * (size_t)r.x0, w, g + (size_t)y * w);
    uint8_t *s = g + (size_t)w * h;
    fl_resize_linear(g, w, h, (size_t)w, 1, 0, 0, w, h, s, sw, sh, (size_t)sw);
    double sum = 0, sum2 = 0;
    int n = 0;
    for (int y = 1; y < sh - 1; y++)
        for (int x = 1; x < sw - 1; x++) {
            const uint8_t *c = s + (size_t)y * sw + x;
            int l = c[-1] + c[1] + c[-sw] + c[sw] - 4 * c[0];
            sum += l;
            sum2 += (double)l * l;
            n++;
        }
    double mean = sum / n;
    return (float)(sum2 / n - mean * mean);
}

/* The grey values of one row at x = x0, x0 + 2, ... below x1: added to *sum, counted in *n, and
 * those of at least 250 counted in *clipped. */
static void grey_samples(const uint8_t *row, int x0, int x1, long long *sum, long *n, long *clipped)
{
    for (int x = x0; x < x1; x += 2) {
        const int v = grey(row + 3 * (size_t)x);
        *sum += v;
        *clipped += v >= 250;
        ++*n;
    }
}

/* The first of x0, x0 + 2, ... at or after x. */
static int next_sample(int x0, int x)
{
    return x <= x0 ? x0 : x0 + (x - x0 + 1) / 2 * 2;
}

/* The mean grey of the face and of what surrounds it (inside `around`, which holds the face), and
 * the share of the face's clipped pixels, from every second pixel of every second row. Each
 * sampled row is cut at the face's edges, so that no pixel is tested for being inside it. (The
 * sums are of integers, exact in any order.) */
static void photometry(const fl_image *img, rect face, rect around, float *mean, float *clipped, float *surround)
{
    long long fs = 0, ss = 0;
    long fn = 0, fc = 0, sn = 0, sc = 0;
    const int fx0 = next_sample(around.x0, face.x0), fx1 = next_sample(around.x0, face.x1);
    for (int y = around.y0; y < around.y1; y += 2) {
        const uint8_t *row = img->data + (size_t)y * img->stride;
        if (y < face.y0 || y >= face.y1) {
            grey_samples(row, around.x0, around.x1, &ss, &sn, &sc);
            continue;
        }
        grey_samples(row, around.x0, fx0 < around.x1 ? fx0 : around.x1, &ss, &sn, &sc);
        grey_samples(row, fx0, face.x1, &fs, &fn, &fc);
        grey_samples(row, fx1, around.x1, &ss, &sn, &sc);
    }
    *mean = fn ? (float)((double)fs / fn) : 0.0f;
    *clipped = fn ? (float)fc / fn : 0.0f;
    *surround = sn ? (float)((double)ss / sn) : *mean;
}

void fl__quality_check(const fl_quality_config *q, const fl_image *img, fl_analysis *a, fl_quality_state *st,
                      fl_buffer *scratch)
{
    a->n_reasons = 0;
    if (a->n_faces == 0) {
        add(a, FL_QUALITY_NO_FACE, 0, 1);
        st->have_prev = 0;
        return;
    }
    if (a->n_faces > 1)
        add(a, FL_QUALITY_SEVERAL_FACES, (float)a->n_faces, 1);
    const fl_face_box *f = &a->faces[0];
    const float W = (float)img->width, H = (float)img->height;
    const float ratio = f->w / W;
    if (ratio < q->min_face_ratio)
        add(a, FL_QUALITY_TOO_SMALL, ratio, q->min_face_ratio);
    if (ratio > q->max_face_ratio)
        add(a, FL_QUALITY_TOO_LARGE, ratio, q->max_face_ratio);
    const float inside_w = fminf(f->x + f->w, W) - fmaxf(f->x, 0), inside_h = fminf(f->y + f->h, H) - fmaxf(f->y, 0);
    const float outside = 1.0f - fmaxf(inside_w, 0) * fmaxf(inside_h, 0) / (f->w * f->h);
    if (outside > q->max_outside)
        add(a, FL_QUALITY_OUTSIDE, outside, q->max_outside);
    const float cx = f->x + f->w / 2, cy = f->y + f->h / 2;
    const float off = fmaxf(fabsf(cx / W - 0.5f), fabsf(cy / H - 0.5f));
    if (off > q->max_centre_offset)
        add(a, FL_QUALITY_OFF_CENTRE, off, q->max_centre_offset);
    const fl_face_measures *m = &a->measures;
    if (m->valid) {
        float worst = fmaxf(fabsf(m->yaw) / q->max_yaw, fmaxf(fabsf(m->pitch) / q->max_pitch, fabsf(m->roll) / q->max_roll));
        if (worst > 1.0f) { /* report the angle furthest past its limit */
            if (fabsf(m->yaw) / q->max_yaw >= worst)
                add(a, FL_QUALITY_POSE, m->yaw, q->max_yaw);
            else if (fabsf(m->pitch) / q->max_pitch >= worst)
                add(a, FL_QUALITY_POSE, m->pitch, q->max_pitch);
            else
                add(a, FL_QUALITY_POSE, m->roll, q->max_roll);
        }
    }
    rect face = clip_rect(f->x, f->y, f->w, f->h, img);
    rect around = clip_rect(f->x - f->w / 2, f->y - f->h / 2, 2 * f->w, 2 * f->h, img);
    a->sharpness = sharpness(img, face, scratch);
    float surround;
    photometry(img, face, around, &a->brightness, &a->clipped, &surround);
    a->backlight_ratio = surround > 0 ? a->brightness / surround : 1.0f;
    if (a->sharpness < q->min_sharpness)
        add(a, FL_QUALITY_BLUR, a->sharpness, q->min_sharpness);
    if (a->brightness < q->min_brightness)
        add(a, FL_QUALITY_DARK, a->brightness, q->min_brightness);
    if (a->brightness > q->max_brightness)
        add(a, FL_QUALITY_BRIGHT, a->brightness, q->max_brightness);
    else if (a->clipped > q->max_clipped)
        add(a, FL_QUALITY_BRIGHT, a->clipped, q->max_clipped);
    if (a->backlight_ratio < q->min_backlight_ratio)
        add(a, FL_QUALITY_BACKLIT, a->backlight_ratio, q->min_backlight_ratio);
    a->motion = st->have_prev ? hypotf(cx - st->prev_cx, cy - st->prev_cy) / f->w : 0.0f;
    if (a->motion > q->max_motion)
        add(a, FL_QUALITY_MOTION, a->motion, q->max_motion);
    st->have_prev = 1;
    st->prev_cx = cx;
    st->prev_cy = cy;
}
