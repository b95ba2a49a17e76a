/* POST /v1/liveness: 1 to max_images images of one person -> the silent verdict of the local
 * engine, or of the provider when the cascade escalates it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/json_verdict.h"
#include "server/http/media.h"
#include "server/routes/audit.h"
#include "server/routes/handlers.h"
#include "server/state/metrics.h"
#include "server/upstream/cascade.h"

#define SRV_BOX_MIN_IOU 0.4f /* a client's box and the server's face must overlap this much */

typedef struct local_result {
    srv_local_status status;
    fl_verdict verdict;
    char detail[FL_ERROR_DETAIL_MAX];
} local_result;

typedef struct images {
    fl_image img[FL_SILENT_MAX_FRAMES];
    const fl_image *ptr[FL_SILENT_MAX_FRAMES];
    int boxes[FL_SILENT_MAX_FRAMES][4];   /* the client's, in the stored image's pixels */
    int divisor[FL_SILENT_MAX_FRAMES];    /* decoded at 1/divisor of the stored size (decode_min_side) */
    int stored[FL_SILENT_MAX_FRAMES][2];  /* the upright image's width and height as sent */
    int n, with_boxes;
} images;

static void images_free(images *im)
{
    for (int i = 0; i < im->n; i++)
        fl_image_free(&im->img[i]);
}

/* Decodes every image within the limits, a JPEG reduced while its shorter side stays at least
 * decode_min_side; an image the client sent wrong is the client's error. */
static srv_error decode_all(const srv_config *c, const srv_media *m, images *im, char *detail, size_t size)
{
    const srv_limits *l = &c->limits;
    fl_decode_limits dl = {l->max_image_bytes, l->max_image_side, l->max_image_pixels};
    int n_boxes = 0;
    for (int i = 0; i < m->n; i++)
        n_boxes += m->items[i].has_box;
    if (n_boxes && n_boxes != m->n) {
        snprintf(detail, size, "give a box for every image or for none (%d of %d have one)", n_boxes, m->n);
        return SRV_E_BOX_INVALID;
    }
    im->with_boxes = n_boxes > 0;
    /* all images within the request's budget, from their headers, before any is decoded: five
     * images of 4096x4096 held at once cost 250 MB */
    uint64_t pixels = 0;
    int stored[FL_SILENT_MAX_FRAMES][2] = {{0}}; /* width, height before the EXIF orientation */
    for (int i = 0; i < m->n; i++) {
        fl_error err;
        if (fl_image_probe(m->items[i].bytes, m->items[i].len, &stored[i][0], &stored[i][1], &err) == FL_OK)
            pixels += (uint64_t)stored[i][0] * (uint64_t)stored[i][1]; /* else it fails to decode below */
    }
    if (pixels > l->max_request_pixels) {
        snprintf(detail, size, "the %d images hold %llu pixels, more than max_request_pixels (%llu)", m->n,
                 (unsigned long long)pixels, (unsigned long long)l->max_request_pixels);
        return SRV_E_IMAGE_TOO_LARGE;
    }
    for (int i = 0; i < m->n; i++) {
        fl_error err;
        fl_status s = fl_image_decode_reduced(m->items[i].bytes, m->items[i].len, &dl, c->decode_min_side,
                                              &im->img[i], &im->divisor[i], &err);
        if (s) {
            snprintf(detail, size, "image %d: %s", i, err.detail);
            return s == FL_E_TOO_LARGE ? SRV_E_IMAGE_TOO_LARGE : SRV_E_IMAGE_INVALID;
        }
        im->ptr[i] = &im->img[i];
        im->n++;
        memcpy(im->boxes[i], m->items[i].box, sizeof im->boxes[i]);
        /* the box is in the stored image's pixels, its sides turned if the EXIF orientation turned
         * the image (the decoded sides are the stored ones divided, rounded up) */
        const int d = im->divisor[i];
        const int upright =
            (stored[i][0] + d - 1) / d == im->img[i].width && (stored[i][1] + d - 1) / d == im->img[i].height;
        const int sw = stored[i][!upright], sh = stored[i][upright];
        im->stored[i][0] = sw;
        im->stored[i][1] = sh;
        const int *b = m->items[i].box;
        if (im->with_boxes && (b[0] >= sw || b[1] >= sh || b[0] + b[2] <= 0 || b[1] + b[3] <= 0)) {
            snprintf(detail, size, "the box of image %d lies outside its %dx%d pixels", i, sw, sh);
            return SRV_E_BOX_INVALID;
        }
    }
    return SRV_OK;
}

/* Intersection over union of two [x, y, w, h] boxes. */
static float box_iou(const int a[4], const fl_face_box *b)
{
    float ix = fminf(a[0] + a[2], b->x + b->w) - fmaxf(a[0], b->x);
    float iy = fminf(a[1] + a[3], b->y + b->h) - fmaxf(a[1], b->y);
    if (ix <= 0 || iy <= 0)
        return 0;
    float inter = ix * iy;
    return inter / ((float)a[2] * a[3] + b->w * b->h - inter);
}

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* The faces and crops of a verdict from the pixels of the images as decoded to the pixels of the
 * images as sent, so that answers and box checks do not depend on decode_min_side. */
static void verdict_to_stored_pixels(fl_verdict *v, const images *im)
{
    for (int k = 0; k < v->n_frames; k++) {
        fl_frame_score *f = &v->frames[k];
        const int d = im->divisor[f->index];
        fl_face_box *b = &f->face;
        b->x *= d, b->y *= d, b->w *= d, b->h *= d;
        for (int i = 0; i < 10; i++)
            b->kps[i] *= d;
        b->rx *= d, b->ry *= d, b->rw *= d, b->rh *= d;
        for (int m = 0; m < f->n_models; m++) { /* x1, y1, x2, y2 inclusive: a pixel becomes d of them */
            int *c = f->models[m].crop;
            c[0] *= d, c[1] *= d;
            c[2] = min_int(c[2] * d + d - 1, im->stored[f->index][0] - 1);
            c[3] = min_int(c[3] * d + d - 1, im->stored[f->index][1] - 1);
        }
    }
}

/* A client's box is a hint, never what is judged: the verdict always comes from the server's own
 * detection and quality gates (a box let the client pick the crop the models see, and a search
 * over boxes found crops of a printed face that scored real). A box that does not cover the face
 * the server judged is the client's error. */
static srv_error check_boxes(const images *im, const fl_verdict *v, char *detail, size_t size)
{
    for (int k = 0; im->with_boxes && k < v->n_frames; k++) {
        const fl_frame_score *f = &v->frames[k];
        if (f->used && box_iou(im->boxes[f->index], &f->face) < SRV_BOX_MIN_IOU) {
            snprintf(detail, size, "the box of image %d overlaps the face found at [%.0f, %.0f, %.0f, %.0f] by IoU %.2f "
                     "(at least %.2f needed)", f->index, f->face.x, f->face.y, f->face.w, f->face.h,
                     box_iou(im->boxes[f->index], &f->face), SRV_BOX_MIN_IOU);
            return SRV_E_BOX_MISMATCH;
        }
    }
    return SRV_OK;
}

static void judge_locally(srv_state *w, const images *im, local_result *out)
{
    if (!w->engines_loaded) { /* adapter mode (process/worker.c) */
        out->status = SRV_LOCAL_UNAVAILABLE;
        snprintf(out->detail, sizeof out->detail, "an adapter: no local engine");
        return;
    }
    int slot = srv_engines_acquire(&w->engines, w->cfg->limits.queue_timeout_ms);
    if (slot < 0) {
        out->status = SRV_LOCAL_OVERLOAD;
        snprintf(out->detail, sizeof out->detail, "no inference slot within %d ms", w->cfg->limits.queue_timeout_ms);
        return;
    }
    fl_error err;
    fl_status s = fl_silent_check(w->engines.slots[slot], im->ptr, im->n, &out->verdict, &err);
    srv_engines_release(&w->engines, slot);
    out->status = s ? SRV_LOCAL_ERROR : SRV_LOCAL_OK;
    if (s)
        snprintf(out->detail, sizeof out->detail, "%s", err.detail);
}

typedef struct answer_ctx {
    srv_state *w;
    const local_result *local;
    const srv_provider_result *provider;
    int provider_called;
    double provider_s;
} answer_ctx;

static void write_local(jw *w, const answer_ctx *a)
{
    static const char *status[] = {"ok", "error", "overload", "unavailable"};
    jw_object(w, "local");
    jw_str(w, "status", status[a->local->status]);
    if (a->local->status == SRV_LOCAL_OK)
        fl_json_verdict_fields(w, &a->local->verdict, a->w->engines.silent);
    else
        jw_str(w, "detail", a->local->detail);
    jw_end(w);
}

static void write_provider(jw *w, const answer_ctx *a)
{
    if (!a->provider_called)
        return;
    const srv_provider_result *p = a->provider;
    jw_object(w, "provider");
    if (p->ok) {
        jw_str(w, "decision", fl_decision_name(p->decision));
        if (!isnan(p->score))
            jw_num(w, "score", p->score, 4);
    } else {
        jw_str(w, "detail", p->detail);
    }
    jw_int(w, "http_status", p->http_status);
    jw_int(w, "attempts", p->attempts);
    jw_num(w, "latency_ms", a->provider_s * 1000, 1);
    jw_end(w);
}

/* For the provider errors: what the local engine said, so the caller can still act on it. */
static void local_extra(jw *w, void *ctx)
{
    const answer_ctx *a = ctx;
    if (a->local->status == SRV_LOCAL_OK)
        jw_str(w, "local_decision", fl_decision_name(a->local->verdict.decision));
    write_local(w, a);
    write_provider(w, a);
}

static void reasons(jw *w, const local_result *l, unsigned escalated)
{
    static const char *names[SRV_N_ESCALATIONS] = {"local_spoof", "local_uncertain", "local_error",
                                                   "local_overload", "local_unavailable"};
    jw_array(w, "reasons");
    for (int k = 0; l->status == SRV_LOCAL_OK && k < l->verdict.n_reasons; k++)
        jw_str(w, NULL, fl_quality_reason_name(l->verdict.reasons[k].reason));
    for (int i = 0; i < SRV_N_ESCALATIONS; i++)
        if (escalated & (1u << i))
            jw_str(w, NULL, names[i]);
    jw_end(w);
}

static void answer(srv_request *r, const answer_ctx *a, srv_channel channel, unsigned escalated)
{
    const local_result *l = a->local;
    fl_decision d = channel == SRV_CHANNEL_PROVIDER ? a->provider->decision : l->verdict.decision;
    srv_out o;
    if (srv_out_begin(&o))
        return;
    jw_str(&o.w, "request_id", r->request_id);
    jw_str(&o.w, "decision", fl_decision_name(d));
    jw_str(&o.w, "channel", channel == SRV_CHANNEL_PROVIDER ? "provider" : "local");
    if (channel == SRV_CHANNEL_LOCAL && l->verdict.n_used)
        jw_num(&o.w, "score", l->verdict.score, 4);
    else if (channel == SRV_CHANNEL_PROVIDER && !isnan(a->provider->score))
        jw_num(&o.w, "score", a->provider->score, 4);
    jw_num(&o.w, "threshold", l->verdict.threshold, 3);
    reasons(&o.w, l, escalated);
    write_local(&o.w, a);
    write_provider(&o.w, a);
    srv_write_version_and_models(&o.w, &a->w->engines);
    srv_out_finish(&o, r, 200);
    srv_metrics_decision(&a->w->shared->metrics, channel, (int)d);
    r->decision = fl_decision_name(d);
    r->channel = channel == SRV_CHANNEL_PROVIDER ? "provider" : "local";
}

static void answer_without_provider(srv_request *r, answer_ctx *a)
{
    const local_result *l = a->local;
    if (l->status == SRV_LOCAL_OK)
        answer(r, a, SRV_CHANNEL_LOCAL, 0);
    else
        srv_reply_error(r, l->status == SRV_LOCAL_OVERLOAD ? SRV_E_OVERLOADED : SRV_E_INTERNAL, l->detail, NULL, NULL);
}

void srv_route_liveness(srv_request *r)
{
    srv_state *w = r->st;
    srv_media m;
    srv_error e = srv_media_parse(srv_request_header(r, "Content-Type"), r->body, r->len, SRV_MEDIA_IMAGES,
                                  w->cfg->limits.max_images, &w->cfg->limits, &m);
    if (e) {
        srv_reply_error(r, e, m.detail, NULL, NULL);
        return;
    }
    images im;
    memset(&im, 0, sizeof im);
    char detail[FL_ERROR_DETAIL_MAX + 64];
    e = decode_all(w->cfg, &m, &im, detail, sizeof detail);
    if (e) {
        images_free(&im);
        srv_media_free(&m);
        srv_reply_error(r, e, detail, NULL, NULL);
        return;
    }
    srv_audit_keep(r, &m, NULL, 0);
    local_result local;
    memset(&local, 0, sizeof local);
    local.verdict.threshold = srv_config_silent_options(w->cfg).threshold; /* if it fails */
    judge_locally(w, &im, &local);
    if (local.status == SRV_LOCAL_OK)
        verdict_to_stored_pixels(&local.verdict, &im);
    images_free(&im);
    if (local.status == SRV_LOCAL_OK && (e = check_boxes(&im, &local.verdict, detail, sizeof detail))) {
        srv_media_free(&m);
        srv_reply_error(r, e, detail, NULL, NULL);
        return;
    }
    srv_provider_result provider;
    answer_ctx a = {w, &local, &provider, 0, 0};
    unsigned reason = srv_cascade_reason(local.status, local.verdict.decision);
    srv_cascade_outcome c = srv_cascade_run(w, reason, r->request_id, w->cfg->tenants[r->tenant].name, &m,
                                            &provider, &a.provider_s);
    srv_media_free(&m);
    a.provider_called = c == SRV_CASCADE_PROVIDER || c == SRV_CASCADE_PROVIDER_DOWN;
    switch (c) {
    case SRV_CASCADE_LOCAL: answer_without_provider(r, &a); break;
    case SRV_CASCADE_PROVIDER: answer(r, &a, SRV_CHANNEL_PROVIDER, reason); break;
    case SRV_CASCADE_PROVIDER_DOWN: srv_reply_error(r, SRV_E_PROVIDER_UNAVAILABLE, provider.detail, local_extra, &a); break;
    case SRV_CASCADE_CIRCUIT_OPEN: srv_reply_error(r, SRV_E_PROVIDER_CIRCUIT_OPEN, NULL, local_extra, &a); break;
    }
}
