#include "face/yunet_decode.h"

#include <math.h>
#include <stdlib.h>

static const int strides[3] = {8, 16, 32};

size_t fl__yunet_candidates(int in_w, int in_h)
{
    size_t n = 0;
    for (int k = 0; k < 3; k++)
        n += (size_t)(in_w / strides[k]) * (size_t)(in_h / strides[k]);
    return n;
}

static int by_score_desc(const void *a, const void *b)
{
    float x = ((const fl_yunet_face *)a)->score, y = ((const fl_yunet_face *)b)->score;
    return (x < y) - (x > y);
}

/* Whether b duplicates the kept (better) face a: IoU above nms_iou, or one of them lying almost
 * wholly inside the other (a face cannot hold another face; YuNet sometimes scores a bearded
 * mouth inside the face it found, crops_alexcamargo/fake/39.png). */
static int suppresses(const fl_yunet_face *a, const fl_yunet_face *b, float nms_iou)
{
    float w = fminf(a->x2, b->x2) - fmaxf(a->x1, b->x1);
    float h = fminf(a->y2, b->y2) - fmaxf(a->y1, b->y1);
    if (w <= 0.0f || h <= 0.0f)
        return 0;
    float inter = w * h;
    float area_a = (a->x2 - a->x1) * (a->y2 - a->y1), area_b = (b->x2 - b->x1) * (b->y2 - b->y1);
    float ua = area_a + area_b - inter;
    float smaller = fminf(area_a, area_b);
    return (ua > 0.0f && inter / ua > nms_iou) || (smaller > 0.0f && inter / smaller > FL_YUNET_INSIDE);
}

size_t fl__yunet_decode(const float *const *outs, int in_w, int in_h, float score_threshold, float nms_iou,
                       float min_size, fl_yunet_face *scratch, fl_yunet_face *faces, size_t max_faces)
{
    size_t n = 0;
    for (int k = 0; k < 3; k++) {
        const int s = strides[k], gw = in_w / s, gh = in_h / s;
        const float *cls = outs[k], *obj = outs[3 + k], *bbox = outs[6 + k], *kps = outs[9 + k];
        for (int i = 0; i < gw * gh; i++) {
            float score = cls[i] * obj[i];
            if (!(score >= score_threshold))
                continue; /* cheap rejection first: most anchors stop here */
            const float ax = (float)((i % gw) * s), ay = (float)((i / gw) * s);
            const float *b = bbox + 4 * i;
            float cx = b[0] * s + ax, cy = b[1] * s + ay;
            float w = expf(b[2]) * s, h = expf(b[3]) * s;
            if (w < min_size)
                continue;
            fl_yunet_face *f = &scratch[n++];
            f->x1 = cx - w / 2;
            f->y1 = cy - h / 2;
            f->x2 = cx + w / 2;
            f->y2 = cy + h / 2;
            for (int j = 0; j < 5; j++) {
                f->kps[2 * j] = kps[10 * i + 2 * j] * s + ax;
                f->kps[2 * j + 1] = kps[10 * i + 2 * j + 1] * s + ay;
            }
            f->score = score;
        }
    }
    qsort(scratch, n, sizeof *scratch, by_score_desc);
    size_t kept = 0;
    for (size_t i = 0; i < n && kept < max_faces; i++) {
        int suppressed = 0;
        for (size_t j = 0; j < kept && !suppressed; j++)
            suppressed = suppresses(&faces[j], &scratch[i], nms_iou);
        if (!suppressed)
            faces[kept++] = scratch[i];
    }
    return kept;
}
