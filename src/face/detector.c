#include "face/detector.h"

#include <math.h>
#include <string.h>

#include "common/error.h"
#include "face/yunet_decode.h"

void fl__detector_scratch_free(fl_detector_scratch *s)
{
    fl__buffer_free(&s->input);
    fl__buffer_free(&s->outputs);
    fl__buffer_free(&s->candidates);
    fl__buffer_free(&s->resized);
}

void fl__face_box_map_retinaface(fl_face_box *f)
{
    /* First the integer box of the reference pipeline's detector convention,
     * [int(l), int(t), int(r - l + 1), int(b - t + 1)], which the fitted mapping was measured on
     * (the table's YuNet boxes are exactly that); one pixel matters to these models. */
    const int xi = (int)f->x, yi = (int)f->y, wi = (int)(f->w + 1), hi = (int)(f->h + 1);
    const double cx = xi + wi / 2.0, cy = yi + hi / 2.0 + 0.061 * hi;
    const double w = 1.165 * wi, h = 0.851 * hi;
    f->rx = (int)(cx - w / 2);
    f->ry = (int)(cy - h / 2);
    f->rw = (int)w;
    f->rh = (int)h;
}

/* One pass at one scale: the long side scaled to size (down, and up as upstream's letterbox
 * evaluation does), then padded right/bottom to multiples of 32. */
static fl_status detect_at(fl_model_ctx *yunet, const fl_image *img, int size, const fl_analyzer_options *opt,
                           fl_detector_scratch *sc, fl_face_box *faces, int *n, fl_error *err)
{
    *n = 0;
    const int long_side = img->width > img->height ? img->width : img->height;
    const double s = (double)size / long_side;
    const int rw = s != 1.0 ? (int)lround(img->width * s) : img->width;
    const int rh = s != 1.0 ? (int)lround(img->height * s) : img->height;
    const int pw = (rw + 31) / 32 * 32, ph = (rh + 31) / 32 * 32;
    const uint8_t *pix = img->data;
    size_t stride = img->stride;
    if (rw < 1 || rh < 1)
        return FL_OK; /* a sliver of an image: nothing to find */
    if (s != 1.0) {
        uint8_t *r = fl__buffer_reserve(&sc->resized, (size_t)rw * rh * 3);
        if (!r)
            return fl__fail(err, FL_E_NO_MEMORY, "out of memory for detection");
        fl_resize_linear(img->data, img->width, img->height, img->stride, 3, 0, 0, img->width, img->height, r, rw,
                         rh, (size_t)rw * 3);
        pix = r;
        stride = (size_t)rw * 3;
    }
    const size_t plane = (size_t)pw * ph;
    float *in = fl__buffer_reserve(&sc->input, 3 * plane * sizeof(float));
    const size_t n_anchor = fl__yunet_candidates(pw, ph);
    float *outs = fl__buffer_reserve(&sc->outputs, n_anchor * 16 * sizeof(float));
    fl_yunet_face *cand = fl__buffer_reserve(&sc->candidates, n_anchor * sizeof(fl_yunet_face));
    if (!in || !outs || !cand)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for detection");
    /* BGR bytes -> BGR floats 0..255, NHWC as the pixels lie (the model context takes NHWC), zero
     * in the padding right and below */
    for (int y = 0; y < rh; y++) {
        const uint8_t *row = pix + (size_t)y * stride;
        float *o = in + (size_t)y * pw * 3;
        for (int i = 0; i < rw * 3; i++)
            o[i] = row[i];
        memset(o + (size_t)rw * 3, 0, (size_t)(pw - rw) * 3 * sizeof(float));
    }
    memset(in + (size_t)rh * pw * 3, 0, (size_t)(ph - rh) * pw * 3 * sizeof(float));
    /* Outputs in file order; each stride s has N = (pw/s)*(ph/s) anchors and 1,1,4,10 values. */
    fl_tensor input = {in, 3 * plane, 4, {1, 3, ph, pw}};
    fl_tensor t[FL_YUNET_OUTPUTS];
    const float *ptr[FL_YUNET_OUTPUTS];
    static const int per_anchor[4] = {1, 1, 4, 10};
    size_t off = 0;
    for (int kind = 0; kind < 4; kind++)
        for (int k = 0; k < 3; k++) {
            int st = 8 << k;
            size_t cnt = (size_t)(pw / st) * (size_t)(ph / st) * (size_t)per_anchor[kind];
            t[kind * 3 + k] = (fl_tensor){outs + off, cnt, 0, {0}};
            ptr[kind * 3 + k] = outs + off;
            off += cnt;
        }
    fl_status st = fl_model_ctx_run(yunet, &input, 1, t, FL_YUNET_OUTPUTS, err);
    if (st)
        return st;
    const float sx = (float)rw / img->width, sy = (float)rh / img->height;
    fl_yunet_face found[FL_MAX_FACES];
    int max_faces = opt->max_faces < FL_MAX_FACES ? opt->max_faces : FL_MAX_FACES;
    size_t got = fl__yunet_decode(ptr, pw, ph, opt->score_threshold, opt->nms_iou, opt->min_face_px * sx, cand, found,
                                 (size_t)max_faces);
    for (size_t i = 0; i < got; i++) {
        fl_face_box *f = &faces[i];
        f->x = found[i].x1 / sx;
        f->y = found[i].y1 / sy;
        f->w = (found[i].x2 - found[i].x1) / sx;
        f->h = (found[i].y2 - found[i].y1) / sy;
        for (int k = 0; k < 5; k++) {
            f->kps[2 * k] = found[i].kps[2 * k] / sx;
            f->kps[2 * k + 1] = found[i].kps[2 * k + 1] / sy;
        }
        f->score = found[i].score;
        fl__face_box_map_retinaface(f);
    }
    *n = (int)got;
    return FL_OK;
}

fl_status fl__detect_faces(fl_model_ctx *yunet, const fl_image *img, const fl_analyzer_options *opt,
                          fl_detector_scratch *sc, fl_face_box *faces, int *n, fl_error *err)
{
    fl_status st = detect_at(yunet, img, opt->detect_size, opt, sc, faces, n, err);
    /* YuNet learnt mostly small faces: one that fills the frame, the more so when blurred, scores
     * higher at a smaller scale (measured: the data set's bowed, blurred replay frames score 0.08-0.36
     * at 320 and 0.59-0.62 at 160). Only frames where nothing was found pay for the second look. */
    if (!st && *n == 0 && opt->fallback_size && opt->fallback_size != opt->detect_size)
        st = detect_at(yunet, img, opt->fallback_size, opt, sc, faces, n, err);
    return st;
}
