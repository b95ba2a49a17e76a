/*
 * Face analysis on the real images of ../shared/data: detection, landmark sanity, the
 * direction of yaw/pitch and the mouth measure, quality reasons on degraded copies, every
 * pixel format and rotation against the BGR original, and bad arguments.
 */
#include <math.h>
#include <string.h>

#include "face/yunet_decode.h"
#include "facelive/face.h"
#include "test_util.h"

static fl_analyzer *an;
static fl_analyzer_ctx *ctx;

static int load(const char *rel, fl_image *img)
{
    char path[1024];
    fl_error err;
    snprintf(path, sizeof path, "%s/%s", fl_test_data_dir(), rel);
    fl_status s = fl_image_load(path, NULL, img, &err);
    CHECK(s == FL_OK, "%s: %s", rel, err.detail);
    return s == FL_OK;
}

static fl_analysis analyze(const fl_image *img)
{
    fl_analysis a;
    fl_error err;
    fl_analyzer_ctx_reset(ctx);
    fl_status s = fl_analyze(ctx, img, &a, &err);
    CHECK(s == FL_OK, "analyze: %s", err.detail);
    if (s)
        memset(&a, 0, sizeof a);
    return a;
}

static int has_reason(const fl_analysis *a, fl_quality_reason r)
{
    for (int i = 0; i < a->n_reasons; i++)
        if (a->reasons[i].reason == r)
            return 1;
    return 0;
}

/* Every full-frame image of the manifest holds one face (labels checked by eye, data README):
 * found once, with sane landmarks. The tight crops are scored apart (below). */
static void test_manifest_images(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/MANIFEST.tsv", fl_test_data_dir());
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "%s (run scripts/data.sh)", path);
    if (!f)
        return;
    char line[4096];
    int images = 0, one_face = 0, doubted = 0, crops = 0, crops_one = 0;
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        const char *label = tab + 1;
        if (strncmp(label, "real", 4) && strncmp(label, "spoof", 5))
            continue; /* videos are handled elsewhere */
        if (strncmp(line, "celeba_spoof_samples/", 21) == 0 || strncmp(line, "replay_attack_traindev/", 23) == 0)
            continue; /* the accuracy sets of issue 21: not checked by eye (several faces, cut-off faces) */
        fl_image img;
        if (!load(line, &img))
            continue;
        fl_analysis a = analyze(&img);
        fl_image_free(&img);
        if (strncmp(line, "crops_", 6) == 0) {
            crops++;
            crops_one += a.n_faces == 1;
            continue;
        }
        images++;
        one_face += a.n_faces == 1;
        CHECK(a.n_faces == 1, "%s: %d faces, expected 1", line, a.n_faces);
        if (a.n_faces < 1)
            continue;
        const fl_face_box *b = &a.faces[0];
        const fl_face_measures *m = &a.measures;
        /* The mesh doubts only the monitor replay's frames where the head is bowed about 35
         * degrees and the replay is blurred (presence 0.01-0.04); its points stay sane there. */
        if (!m->valid) {
            doubted++;
            printf("mesh not confident on %s: presence %.3f, pitch %.0f\n", line, m->presence, m->pitch);
            CHECK(strncmp(line, "video_tranvanluyt/frames/fake_f01", 33) == 0 && m->pitch > 25,
                  "%s: mesh presence %.3f", line, m->presence);
        }
        float (*k)[2] = (float (*)[2])m->keypoints;
        float eyes = fmaxf(k[FL_KP_EYE_IL][1], k[FL_KP_EYE_IR][1]);
        float mouth = fminf(k[FL_KP_MOUTH_IL][1], k[FL_KP_MOUTH_IR][1]);
        CHECK(eyes < k[FL_KP_NOSE][1] && k[FL_KP_NOSE][1] < mouth, "%s: eyes %.0f above nose %.0f above mouth %.0f",
              line, eyes, k[FL_KP_NOSE][1], mouth);
        static const int inside[] = {FL_KP_EYE_IL, FL_KP_EYE_IR, FL_KP_NOSE, FL_KP_MOUTH_IL, FL_KP_MOUTH_IR};
        /* Inside the box, with a tenth of the box as margin: on a head turned 50 degrees the
         * nose tip projects past YuNet's box edge (video_tranvanluyt fake_f008). */
        const float mx = b->w / 10, my = b->h / 10;
        for (int i = 0; i < 5; i++) {
            float x = k[inside[i]][0], y = k[inside[i]][1];
            CHECK(x >= b->x - mx && x <= b->x + b->w + mx && y >= b->y - my && y <= b->y + b->h + my,
                  "%s: keypoint %d outside the box", line, inside[i]);
        }
        /* YuNet's own five points are in the same order. */
        CHECK(fmaxf(b->kps[1], b->kps[3]) < b->kps[5] && b->kps[5] < fminf(b->kps[7], b->kps[9]),
              "%s: YuNet's eyes above nose above mouth", line);
        /* YuNet's nose and the mesh's nose agree (within a third of the box). */
        CHECK(hypotf(b->kps[4] - k[FL_KP_NOSE][0], b->kps[5] - k[FL_KP_NOSE][1]) < b->w / 3,
              "%s: YuNet and mesh noses disagree", line);
    }
    fclose(f);
    printf("full-frame images: %d, with exactly one face: %d (mesh not confident on %d); tight crops: %d of %d\n",
           images, one_face, doubted, crops_one, crops);
    CHECK(images >= 80, "the manifest lists %d full-frame images", images);
    CHECK(doubted <= 3, "the mesh doubts %d full frames", doubted);
    /* Tight crops come from their authors' auto-croppers; nine of the 300 (crops_tranvanluyt)
     * hold no whole face, only a chin and neck or half a face at the edge (checked by eye). */
    CHECK(crops >= 300 && crops_one >= 290, "tight crops with one face: %d of %d", crops_one, crops);
}

static void test_no_face(void)
{
    fl_image img;
    fl_error err;
    fl_image_alloc(640, 480, &img, &err);
    fl_analysis a = analyze(&img); /* black */
    CHECK(a.n_faces == 0 && has_reason(&a, FL_QUALITY_NO_FACE), "black frame: %d faces", a.n_faces);
    unsigned seed = 5;
    for (size_t i = 0; i < (size_t)img.height * img.stride; i++) {
        seed = seed * 1664525u + 1013904223u;
        img.data[i] = (uint8_t)(seed >> 24);
    }
    a = analyze(&img);
    CHECK(a.n_faces == 0, "noise frame: %d faces", a.n_faces);
    for (int y = 0; y < img.height; y++) /* a smooth gradient */
        for (int x = 0; x < img.width; x++)
            memset(img.data + (size_t)y * img.stride + 3 * (size_t)x, (x + y) / 5, 3);
    a = analyze(&img);
    CHECK(a.n_faces == 0, "gradient frame: %d faces", a.n_faces);
    fl_image_free(&img);
    /* A face-free part of a real frame: the wall above the head in 346.jpg. */
    fl_image full;
    if (load("wenhua_chen_blog/346.jpg", &full)) {
        fl_image part = {full.data + (size_t)120 * full.stride, full.width, 130, full.stride};
        a = analyze(&part);
        CHECK(a.n_faces == 0, "346.jpg above the head: %d faces", a.n_faces);
        fl_image_free(&full);
    }
}

static fl_analysis analyze_file(const char *rel)
{
    fl_image img;
    fl_analysis a;
    memset(&a, 0, sizeof a);
    if (load(rel, &img)) {
        a = analyze(&img);
        fl_image_free(&img);
    }
    return a;
}

static void test_directions(void)
{
    fl_analysis turn_a = analyze_file("wenhua_chen_blog/037.jpg"), turn_b = analyze_file("wenhua_chen_blog/240.jpg");
    fl_analysis down = analyze_file("wenhua_chen_blog/296.jpg"), open = analyze_file("wenhua_chen_blog/346.jpg");
    fl_analysis front = analyze_file("silent_face_minivision/image_T2.jpg");
    printf("yaw 037 %.1f, 240 %.1f; pitch 296 %.1f, 346 %.1f, 037 %.1f, 240 %.1f; MAR 346 %.3f vs %.3f %.3f %.3f\n",
           turn_a.measures.yaw, turn_b.measures.yaw, down.measures.pitch, open.measures.pitch, turn_a.measures.pitch,
           turn_b.measures.pitch, open.measures.mar, turn_a.measures.mar, turn_b.measures.mar, down.measures.mar);
    CHECK(turn_a.measures.yaw < -10 && turn_b.measures.yaw > 10, "head turns give opposite yaw signs: %.1f, %.1f",
          turn_a.measures.yaw, turn_b.measures.yaw);
    CHECK(fabsf(front.measures.yaw) < 10 && fabsf(open.measures.yaw) < 10, "frontal faces have small yaw");
    float closed = fmaxf(fmaxf(turn_a.measures.mar, turn_b.measures.mar), fmaxf(down.measures.mar, front.measures.mar));
    CHECK(open.measures.mar > 5 * closed && open.measures.mar > 0.3f, "open mouth MAR %.3f vs closed %.3f",
          open.measures.mar, closed);
    float frontal_pitch = fmaxf(fmaxf(open.measures.pitch, turn_a.measures.pitch), turn_b.measures.pitch);
    CHECK(down.measures.pitch > frontal_pitch + 10, "head down pitch %.1f vs frontal %.1f", down.measures.pitch,
          frontal_pitch);
}

/* Degraded copies of good real frames trigger their reason; the originals do not. */
typedef enum { DARKEN, BRIGHTEN, BLUR, BACKLIGHT } degradation;

static void degrade(fl_image *img, degradation d, const fl_face_box *f)
{
    const size_t n = (size_t)img->height * img->stride;
    if (d == DARKEN || d == BRIGHTEN) {
        for (size_t i = 0; i < n; i++) {
            int v = d == DARKEN ? img->data[i] / 5 : img->data[i] * 13 / 10 + 90;
            img->data[i] = (uint8_t)(v > 255 ? 255 : v);
        }
        return;
    }
    if (d == BACKLIGHT) { /* the face in shadow, the background glaring */
        for (int y = 0; y < img->height; y++)
            for (int x = 0; x < img->width; x++) {
                uint8_t *p = img->data + (size_t)y * img->stride + 3 * (size_t)x;
                int in = x >= f->x && x < f->x + f->w && y >= f->y && y < f->y + f->h;
                for (int c = 0; c < 3; c++) {
                    int v = in ? p[c] * 2 / 5 : 200 + p[c] / 5;
                    p[c] = (uint8_t)(v > 255 ? 255 : v);
                }
            }
        return;
    }
    /* Blur: three passes of a box filter as wide as 1/25 of the face (out of focus). */
    int r = (int)(f->w / 25) + 1;
    uint8_t *tmp = malloc(n);
    for (int pass = 0; pass < 3; pass++)
        for (int dir = 0; dir < 2; dir++) {
            memcpy(tmp, img->data, n);
            for (int y = 0; y < img->height; y++)
                for (int x = 0; x < img->width; x++)
                    for (int c = 0; c < 3; c++) {
                        int s = 0, cnt = 0;
                        for (int k = -r; k <= r; k++) {
                            int xx = dir ? x : x + k, yy = dir ? y + k : y;
                            if (xx < 0 || yy < 0 || xx >= img->width || yy >= img->height)
                                continue;
                            s += tmp[(size_t)yy * img->stride + 3 * (size_t)xx + c];
                            cnt++;
                        }
                        img->data[(size_t)y * img->stride + 3 * (size_t)x + c] = (uint8_t)(s / cnt);
                    }
        }
    free(tmp);
}

/* The photometry of the quality gate recomputed the plain way: every second pixel of every second
 * row of the box around the face (twice its size, centred), each tested for being in the face
 * box; grey as BT.601 in integers. The library cuts rows at the face's edges instead of testing
 * each pixel: this holds it to the same sums, also with the face against the image's edges. */
static void check_photometry(const char *name, const fl_image *img, const fl_analysis *a)
{
    if (a->n_faces < 1)
        return;
    const fl_face_box *f = &a->faces[0];
    const int W = img->width, H = img->height;
#define CLAMP_(v, hi) ((v) < 0 ? 0 : (v) > (hi) ? (hi) : (v))
    const int fx0 = CLAMP_((int)floorf(f->x), W), fy0 = CLAMP_((int)floorf(f->y), H);
    const int fx1 = CLAMP_((int)ceilf(f->x + f->w), W), fy1 = CLAMP_((int)ceilf(f->y + f->h), H);
    const int ax0 = CLAMP_((int)floorf(f->x - f->w / 2), W), ay0 = CLAMP_((int)floorf(f->y - f->h / 2), H);
    const int ax1 = CLAMP_((int)ceilf(f->x - f->w / 2 + 2 * f->w), W);
    const int ay1 = CLAMP_((int)ceilf(f->y - f->h / 2 + 2 * f->h), H);
#undef CLAMP_
    double fs = 0, ss = 0;
    long fn = 0, fc = 0, sn = 0;
    for (int y = ay0; y < ay1; y += 2)
        for (int x = ax0; x < ax1; x += 2) {
            const uint8_t *p = img->data + (size_t)y * img->stride + 3 * (size_t)x;
            const int v = (p[0] * 29 + p[1] * 150 + p[2] * 77 + 128) >> 8;
            if (x >= fx0 && x < fx1 && y >= fy0 && y < fy1)
                fs += v, fc += v >= 250, fn++;
            else
                ss += v, sn++;
        }
    const float mean = fn ? (float)(fs / fn) : 0.0f, clipped = fn ? (float)fc / fn : 0.0f;
    const float backlight = sn && ss > 0 ? mean / (float)(ss / sn) : 1.0f;
    CHECK(a->brightness == mean && a->clipped == clipped && a->backlight_ratio == backlight,
          "%s: brightness %.6f clipped %.6f backlight %.6f, recomputed %.6f %.6f %.6f", name, a->brightness,
          a->clipped, a->backlight_ratio, mean, clipped, backlight);
}

/* The photometry on real faces, whole and cut so that the face touches each edge of the frame. */
static void test_photometry(void)
{
    static const char *const files[] = {"silent_face_minivision/image_T1.jpg", "wenhua_chen_blog/346.jpg",
                                        "video_lestari15/frames/real_f001.jpg"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        fl_image img;
        if (!load(files[i], &img))
            continue;
        fl_analysis a = analyze(&img);
        check_photometry(files[i], &img, &a);
        if (a.n_faces < 1) {
            fl_image_free(&img);
            continue;
        }
        const fl_face_box f = a.faces[0];
        for (int side = 0; side < 4; side++) { /* a view that starts or ends inside the face */
            const int x0 = side == 0 ? (int)(f.x + f.w / 3) : 0, y0 = side == 1 ? (int)(f.y + f.h / 3) : 0;
            const int x1 = side == 2 ? (int)(f.x + 2 * f.w / 3) : img.width;
            const int y1 = side == 3 ? (int)(f.y + 2 * f.h / 3) : img.height;
            if (x0 < 0 || y0 < 0 || x1 - x0 < 32 || y1 - y0 < 32)
                continue;
            fl_image cut = {img.data + (size_t)y0 * img.stride + 3 * (size_t)x0, x1 - x0, y1 - y0, img.stride};
            fl_analysis c = analyze(&cut);
            char label[160];
            snprintf(label, sizeof label, "%s cut at side %d", files[i], side);
            check_photometry(label, &cut, &c);
        }
        fl_image_free(&img);
    }
}

static void test_quality(void)
{
    static const char *const good[] = {"silent_face_minivision/image_T1.jpg", "wenhua_chen_blog/0_0_00008_1_000_scene.jpg",
                                       "wenhua_chen_blog/346.jpg", "video_wolf_huo/frames/eff17845a21796d55db31abd0579ac76_f001.jpg"};
    static const struct {
        degradation d;
        fl_quality_reason reason;
        const char *name;
    } cases[] = {{DARKEN, FL_QUALITY_DARK, "darkened"},
                 {BRIGHTEN, FL_QUALITY_BRIGHT, "brightened"},
                 {BLUR, FL_QUALITY_BLUR, "blurred"},
                 {BACKLIGHT, FL_QUALITY_BACKLIT, "backlit"}};
    for (size_t g = 0; g < sizeof good / sizeof good[0]; g++) {
        fl_image img;
        if (!load(good[g], &img))
            continue;
        fl_analysis orig = analyze(&img);
        CHECK(orig.n_faces == 1, "%s: one face", good[g]);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
            CHECK(!has_reason(&orig, cases[c].reason), "original %s has reason %s", good[g],
                  fl_quality_reason_name(cases[c].reason));
        printf("%s: sharpness %.0f brightness %.0f clipped %.2f backlight %.2f\n", good[g], orig.sharpness,
               orig.brightness, orig.clipped, orig.backlight_ratio);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0] && orig.n_faces; c++) {
            fl_image copy;
            fl_error err;
            fl_image_alloc(img.width, img.height, &copy, &err);
            memcpy(copy.data, img.data, (size_t)img.height * img.stride);
            degrade(&copy, cases[c].d, &orig.faces[0]);
            fl_analysis a = analyze(&copy);
            CHECK(has_reason(&a, cases[c].reason), "%s %s: reason %s missing (faces %d, sharp %.0f, bright %.0f, "
                  "clipped %.2f, backlight %.2f)", cases[c].name, good[g], fl_quality_reason_name(cases[c].reason),
                  a.n_faces, a.sharpness, a.brightness, a.clipped, a.backlight_ratio);
            fl_image_free(&copy);
        }
        /* Motion: the same frame again is still; shifted by a third of the face, it moved. */
        fl_analysis a1, a2;
        fl_error err;
        fl_analyzer_ctx_reset(ctx);
        fl_analyze(ctx, &img, &a1, &err);
        fl_analyze(ctx, &img, &a2, &err);
        CHECK(!has_reason(&a2, FL_QUALITY_MOTION), "%s: a repeated frame shows motion %.3f", good[g], a2.motion);
        int shift = (int)(orig.faces[0].w / 3);
        fl_image moved = {img.data + 3 * (size_t)shift, img.width - shift, img.height, img.stride};
        fl_analyze(ctx, &moved, &a2, &err);
        CHECK(has_reason(&a2, FL_QUALITY_MOTION), "%s: a jump of %d px shows no motion (%.3f)", good[g], shift,
              a2.motion);
        fl_image_free(&img);
    }
}

/* BT.601 limited-range BGR -> YUV, then NV21/NV12 with 2x2-averaged chroma. */
static uint8_t *to_yuv420sp(const fl_image *img, int v_first)
{
    const int W = img->width & ~1, H = img->height & ~1;
    uint8_t *out = malloc((size_t)W * H * 3 / 2);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            const uint8_t *p = img->data + (size_t)y * img->stride + 3 * (size_t)x;
            out[(size_t)y * W + x] = (uint8_t)lrint(16 + (65.481 * p[2] + 128.553 * p[1] + 24.966 * p[0]) / 255);
        }
    for (int y = 0; y < H; y += 2)
        for (int x = 0; x < W; x += 2) {
            double u = 0, v = 0;
            for (int k = 0; k < 4; k++) {
                const uint8_t *p = img->data + (size_t)(y + k / 2) * img->stride + 3 * (size_t)(x + k % 2);
                u += 128 + (-37.797 * p[2] - 74.203 * p[1] + 112.0 * p[0]) / 255;
                v += 128 + (112.0 * p[2] - 93.786 * p[1] - 18.214 * p[0]) / 255;
            }
            uint8_t *c = out + (size_t)W * H + (size_t)(y / 2) * W + x;
            c[v_first ? 0 : 1] = (uint8_t)lrint(v / 4);
            c[v_first ? 1 : 0] = (uint8_t)lrint(u / 4);
        }
    return out;
}

/* The view of img rotated counter-clockwise by rot, in format fmt: fl_image_from_view with
 * rotation rot must give the original back. */
static void test_formats(void)
{
    fl_image img;
    if (!load("silent_face_minivision/image_T1.jpg", &img))
        return;
    fl_analysis colour = analyze(&img);
    CHECK(colour.n_faces == 1, "image_T1 has one face");
    /* Grey has no colour to convert: its reference is the grey image stored as BGR (against the
     * colour original YuNet moves the box by 10.9 px: the network sees another picture). */
    fl_image grey_bgr;
    fl_error gerr;
    fl_image_alloc(img.width, img.height, &grey_bgr, &gerr);
    for (int i = 0; i < img.width * img.height; i++) {
        const uint8_t *p = img.data + (size_t)(i / img.width) * img.stride + 3 * (size_t)(i % img.width);
        memset(grey_bgr.data + 3 * (size_t)i, (p[0] * 29 + p[1] * 150 + p[2] * 77 + 128) >> 8, 3);
    }
    fl_analysis grey = analyze(&grey_bgr);
    fl_image_free(&grey_bgr);
    const int W = img.width, H = img.height;
    for (int fmt = FL_PIXEL_BGR; fmt <= FL_PIXEL_NV12; fmt++)
        for (int rot = 0; rot < 360; rot += 90) {
            const fl_analysis ref = fmt == FL_PIXEL_GRAY ? grey : colour;
            /* First the packed pixels in format fmt, upright... */
            const int bpp = fmt == FL_PIXEL_GRAY || fmt >= FL_PIXEL_NV21 ? 1 : fmt >= FL_PIXEL_RGBA ? 4 : 3;
            uint8_t *packed = NULL;
            if (fmt >= FL_PIXEL_NV21) {
                packed = to_yuv420sp(&img, fmt == FL_PIXEL_NV21);
            } else {
                packed = malloc((size_t)W * H * (size_t)bpp);
                for (int i = 0; i < W * H; i++) {
                    const uint8_t *p = img.data + (size_t)(i / W) * img.stride + 3 * (size_t)(i % W);
                    uint8_t *o = packed + (size_t)i * bpp;
                    if (bpp == 1)
                        o[0] = (uint8_t)((p[0] * 29 + p[1] * 150 + p[2] * 77 + 128) >> 8);
                    else {
                        int swap = fmt == FL_PIXEL_RGB || fmt == FL_PIXEL_RGBA;
                        o[0] = p[swap ? 2 : 0], o[1] = p[1], o[2] = p[swap ? 0 : 2];
                        if (bpp == 4)
                            o[3] = 255;
                    }
                }
            }
            /* ...then the sensor's view: the upright image turned counter-clockwise by rot
             * (planes turned separately for NV21/NV12, chroma pairs kept together). */
            int vw = rot % 180 ? H : W, vh = rot % 180 ? W : H;
            size_t total = fmt >= FL_PIXEL_NV21 ? (size_t)W * H * 3 / 2 : (size_t)W * H * bpp;
            uint8_t *view = malloc(total);
            for (int y = 0; y < vh; y++)
                for (int x = 0; x < vw; x++) {
                    /* view pixel (x, y) shows upright pixel (ux, uy) */
                    int ux = rot == 0 ? x : rot == 90 ? W - 1 - y : rot == 180 ? W - 1 - x : y;
                    int uy = rot == 0 ? y : rot == 90 ? x : rot == 180 ? H - 1 - y : H - 1 - x;
                    memcpy(view + ((size_t)y * vw + x) * bpp, packed + ((size_t)uy * W + ux) * bpp, (size_t)bpp);
                }
            if (fmt >= FL_PIXEL_NV21)
                for (int y = 0; y < vh / 2; y++)
                    for (int x = 0; x < vw / 2; x++) {
                        int ux = rot == 0 ? x : rot == 90 ? W / 2 - 1 - y : rot == 180 ? W / 2 - 1 - x : y;
                        int uy = rot == 0 ? y : rot == 90 ? x : rot == 180 ? H / 2 - 1 - y : H / 2 - 1 - x;
                        memcpy(view + (size_t)vw * vh + (size_t)y * vw + 2 * (size_t)x,
                               packed + (size_t)W * H + (size_t)uy * W + 2 * (size_t)ux, 2);
                    }
            fl_image_view v = {view, vw, vh, (size_t)vw * bpp, (fl_pixel_format)fmt, rot};
            fl_image up;
            fl_error err;
            CHECK(fl_image_from_view(&v, &up, &err) == FL_OK, "format %d rotation %d: %s", fmt, rot, err.detail);
            fl_analysis a = analyze(&up);
            CHECK(a.n_faces == 1, "format %d rotation %d: %d faces", fmt, rot, a.n_faces);
            if (a.n_faces == 1 && ref.n_faces == 1) {
                float d = fmaxf(fmaxf(fabsf(a.faces[0].x - ref.faces[0].x), fabsf(a.faces[0].y - ref.faces[0].y)),
                                fmaxf(fabsf(a.faces[0].w - ref.faces[0].w), fabsf(a.faces[0].h - ref.faces[0].h)));
                for (int k = 0; k < 10; k++)
                    d = fmaxf(d, fabsf(a.faces[0].kps[k] - ref.faces[0].kps[k]));
                CHECK(d <= 1.0f, "format %d rotation %d: detection differs by %.2f px", fmt, rot, d);
                if (rot == 0)
                    printf("format %d: box and landmarks within %.2f px of the BGR original\n", fmt, d);
            }
            fl_image_free(&up);
            free(view);
            free(packed);
        }
    fl_image_free(&img);
}

/* Three planes with their own strides (CameraX's YUV_420_888: planar, or U and V interleaved with a
 * pixel stride of 2; rows padded) give exactly the pixels of the same samples as NV21. */
static void test_yuv420_planes(void)
{
    fl_image img;
    if (!load("silent_face_minivision/image_T1.jpg", &img))
        return;
    const int W = img.width & ~1, H = img.height & ~1;
    uint8_t *nv21 = to_yuv420sp(&img, 1);
    const uint8_t *vu = nv21 + (size_t)W * H;
    fl_error err;
    fl_image ref, got;
    fl_image_view nv = {nv21, W, H, (size_t)W, FL_PIXEL_NV21, 90};
    CHECK(fl_image_from_view(&nv, &ref, &err) == FL_OK, "%s", err.detail);
    /* planar, rows padded: Y rows of W + 16 bytes, chroma rows of W / 2 + 8 */
    const size_t ys = (size_t)W + 16, cs = (size_t)W / 2 + 8;
    uint8_t *y = calloc(ys * H, 1), *u = calloc(cs * H / 2, 1), *v = calloc(cs * H / 2, 1);
    for (int r = 0; r < H; r++)
        memcpy(y + r * ys, nv21 + (size_t)r * W, (size_t)W);
    for (int r = 0; r < H / 2; r++)
        for (int c = 0; c < W / 2; c++) {
            v[r * cs + c] = vu[(size_t)r * W + 2 * c];
            u[r * cs + c] = vu[(size_t)r * W + 2 * c + 1];
        }
    fl_yuv420_view planar = {y, u, v, W, H, ys, cs, 1, 90};
    CHECK(fl_image_from_yuv420(&planar, &got, &err) == FL_OK && got.width == ref.width && got.height == ref.height,
          "planar: %s", err.detail);
    int same = 1;
    for (int r = 0; r < ref.height && same; r++)
        same = !memcmp(got.data + r * got.stride, ref.data + r * ref.stride, (size_t)ref.width * 3);
    CHECK(same, "planar YUV with padded rows gives NV21's pixels");
    fl_image_free(&got);
    /* interleaved, as CameraX reports NV21 memory: U plane starts one byte after V, pixel stride 2 */
    fl_yuv420_view semi = {nv21, vu + 1, vu, W, H, (size_t)W, (size_t)W, 2, 90};
    CHECK(fl_image_from_yuv420(&semi, &got, &err) == FL_OK, "%s", err.detail);
    same = 1;
    for (int r = 0; r < ref.height && same; r++)
        same = !memcmp(got.data + r * got.stride, ref.data + r * ref.stride, (size_t)ref.width * 3);
    CHECK(same, "interleaved planes give NV21's pixels");
    fl_image_free(&got);
    static const struct {
        int w, h, ps;
        size_t ys, cs;
        int rot;
        const char *says;
    } bad[] = {{641, 480, 1, 700, 400, 0, "even size"}, {640, 480, 1, 600, 400, 0, "y_stride"},
               {640, 480, 2, 640, 300, 0, "uv_stride"}, {640, 480, 0, 640, 400, 0, "uv_pixel_stride"},
               {640, 480, 1, 640, 400, 45, "rotation"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fl_yuv420_view b = {y, u, v, bad[i].w, bad[i].h, bad[i].ys, bad[i].cs, bad[i].ps, bad[i].rot};
        CHECK(fl_image_from_yuv420(&b, &got, &err) == FL_E_INVALID_ARGUMENT && strstr(err.detail, bad[i].says),
              "bad view %zu refused naming %s: %s", i, bad[i].says, err.detail);
    }
    fl_yuv420_view none = {y, NULL, v, W, H, ys, cs, 1, 0};
    CHECK(fl_image_from_yuv420(&none, &got, &err) == FL_E_INVALID_ARGUMENT, "a missing plane");
    free(y);
    free(u);
    free(v);
    free(nv21);
    fl_image_free(&ref);
    fl_image_free(&img);
}

static void test_bad_args(void)
{
    fl_error err;
    fl_analysis a;
    fl_image bad = {NULL, 10, 10, 30};
    CHECK(fl_analyze(ctx, &bad, &a, &err) == FL_E_INVALID_ARGUMENT, "NULL pixels");
    uint8_t px[30];
    fl_image narrow = {px, 10, 1, 20};
    CHECK(fl_analyze(ctx, &narrow, &a, &err) == FL_E_INVALID_ARGUMENT, "stride below width*3: %s", err.detail);
    fl_image tiny = {px, 1, 1, 3};
    memset(px, 0, sizeof px);
    CHECK(fl_analyze(ctx, &tiny, &a, &err) == FL_OK && a.n_faces == 0, "a 1x1 frame is analysed: no face");
    fl_analyzer_options o = fl_analyzer_options_default();
    o.detect_size = 0;
    fl_analyzer *x;
    CHECK(fl_analyzer_create(fl_test_models_dir(), &o, &x, &err) == FL_E_INVALID_ARGUMENT, "detect_size 0");
    o = fl_analyzer_options_default();
    o.fallback_size = 16;
    CHECK(fl_analyzer_create(fl_test_models_dir(), &o, &x, &err) == FL_E_INVALID_ARGUMENT, "fallback_size 16");
    CHECK(fl_analyzer_create("/nonexistent", NULL, &x, &err) == FL_E_IO, "missing models: %s", err.detail);
    fl_image_view v = {px, 3, 3, 9, FL_PIXEL_NV21, 0};
    fl_image out;
    CHECK(fl_image_from_view(&v, &out, &err) == FL_E_INVALID_ARGUMENT, "odd NV21: %s", err.detail);
    v.format = FL_PIXEL_BGR;
    v.rotation = 45;
    CHECK(fl_image_from_view(&v, &out, &err) == FL_E_INVALID_ARGUMENT, "rotation 45: %s", err.detail);
    v.rotation = 0;
    v.format = (fl_pixel_format)99;
    CHECK(fl_image_from_view(&v, &out, &err) == FL_E_INVALID_ARGUMENT, "format 99: %s", err.detail);
    CHECK(fl_image_alloc(100000, 100000, &out, &err) == FL_E_TOO_LARGE, "huge image: %s", err.detail);
}

/* NMS on made-up outputs of a 64x64 input: a face inside a better one, or holding a better one,
 * is the same face; a face beside it is another. */
static void test_nms_inside(void)
{
    enum { N8 = 64, N16 = 16, N32 = 4 }; /* anchors per stride */
    static float cls[N8 + N16 + N32], obj[N8 + N16 + N32], box[4 * (N8 + N16 + N32)], kps[10 * (N8 + N16 + N32)];
    const float *outs[12] = {cls, cls + N8, cls + N8 + N16, obj, obj + N8, obj + N8 + N16,
                             box, box + 4 * N8, box + 4 * (N8 + N16), kps, kps + 10 * N8, kps + 10 * (N8 + N16)};
    fl_yunet_face scratch[N8 + N16 + N32], faces[4];
    for (int big_first = 0; big_first < 2; big_first++) {
        memset(cls, 0, sizeof cls), memset(obj, 0, sizeof obj), memset(box, 0, sizeof box);
        const float hi = 0.95f, lo = 0.9f;
        /* big: stride 32, anchor (0,0), centre (32,32), 64 px; small: stride 8, anchor (32,40), 16 px */
        const int big = N8 + N16, small = 5 * 8 + 4;
        cls[big] = obj[big] = big_first ? hi : lo;
        box[4 * big] = box[4 * big + 1] = 1.0f, box[4 * big + 2] = box[4 * big + 3] = logf(2.0f);
        cls[small] = obj[small] = big_first ? lo : hi;
        box[4 * small + 2] = box[4 * small + 3] = logf(2.0f);
        size_t n = fl__yunet_decode(outs, 64, 64, 0.5f, 0.45f, 0.0f, scratch, faces, 4);
        float w = n ? faces[0].x2 - faces[0].x1 : 0;
        CHECK(n == 1 && fabsf(w - (big_first ? 64.0f : 16.0f)) < 1e-4f,
              "the better of a face and the face %s it is one face: %zu faces, width %.1f",
              big_first ? "inside" : "around", n, w);
        /* a second small face beside the first, in the top-left corner (anchor (0,0), stride 8) */
        cls[0] = obj[0] = lo;
        box[2] = box[3] = logf(2.0f);
        n = fl__yunet_decode(outs, 64, 64, 0.5f, 0.45f, 0.0f, scratch, faces, 4);
        CHECK(n == 2, "a face beside them is another face: %zu faces", n);
        cls[0] = obj[0] = 0;
    }
}

/* The two rules that bring the last full frame and crop in: the second, smaller look when
 * nothing was found, and no face inside a better one. */
static void test_detection_rules(void)
{
    fl_analyzer_options o = fl_analyzer_options_default();
    o.fallback_size = 0;
    o.landmarks = 0;
    fl_analyzer *single;
    fl_analyzer_ctx *sctx = NULL;
    fl_error err;
    CHECK(fl_analyzer_create(fl_test_models_dir(), &o, &single, &err) == FL_OK &&
              fl_analyzer_ctx_create(single, &sctx, &err) == FL_OK,
          "%s", err.detail);
    fl_image img;
    fl_analysis a;
    if (sctx && load("video_tranvanluyt/frames/fake_f016.jpg", &img)) { /* bowed head, blurred replay */
        CHECK(fl_analyze(sctx, &img, &a, &err) == FL_OK && a.n_faces == 0, "one look at 320: %d faces", a.n_faces);
        a = analyze(&img);
        CHECK(a.n_faces == 1 && a.faces[0].score >= 0.5f, "with the look at 160: %d faces", a.n_faces);
        fl_image_free(&img);
    }
    if (load("crops_alexcamargo/fake/39.png", &img)) { /* YuNet also scores the bearded mouth (0.56) */
        a = analyze(&img);
        CHECK(a.n_faces == 1, "no face inside the face: %d faces", a.n_faces);
        fl_image_free(&img);
    }
    fl_analyzer_ctx_free(sctx);
    fl_analyzer_free(single);
}

int main(void)
{
    fl_error err;
    CHECK(fl_analyzer_create(fl_test_models_dir(), NULL, &an, &err) == FL_OK, "%s", err.detail);
    CHECK(an && fl_analyzer_ctx_create(an, &ctx, &err) == FL_OK, "%s", err.detail);
    if (!ctx)
        TEST_MAIN_END();
    test_yuv420_planes();
    test_bad_args();
    test_no_face();
    test_directions();
    test_quality();
    test_photometry();
    test_formats();
    test_manifest_images();
    test_detection_rules();
    test_nms_inside();
    fl_analyzer_ctx_free(ctx);
    fl_analyzer_free(an);
    TEST_MAIN_END();
}
