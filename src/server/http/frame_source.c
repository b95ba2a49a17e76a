#include "server/http/frame_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "server/state/srv_time.h"

#define VIDEO_MIN_GAP_S (1.0 / 15) /* sampling: the session is judged at up to 15 frames a second */
#define VIDEO_MIN_DECODED_GAP_S (1.0 / 480) /* frames closer than this came from no camera */

int srv_is_video_type(const char *content_type)
{
    return content_type && strncasecmp(content_type, "video/", 6) == 0;
}

void srv_frames_from_media(srv_frames *f, const srv_media *m, const srv_limits *l)
{
    memset(f, 0, sizeof *f);
    f->limits = l;
    f->media = m;
}

srv_error srv_frames_from_video(srv_frames *f, const char *body, size_t len, const srv_limits *l, char *detail,
                                size_t size)
{
    memset(f, 0, sizeof *f);
    f->limits = l;
    fl_error err;
    f->decode_started = srv_mono_s();
    if (fl_video_open_memory(body, len, &f->video, &err)) {
        snprintf(detail, size, "%s", err.detail);
        return err.status == FL_E_IMAGE_FORMAT ? SRV_E_VIDEO_FORMAT : SRV_E_VIDEO_INVALID;
    }
    /* refused before any frame is judged (and an inference slot taken) when the container itself
     * states a rate no camera records at; frames are still checked one by one as they come */
    double rate = fl_video_frame_rate(f->video);
    if (rate * VIDEO_MIN_DECODED_GAP_S > 1) {
        snprintf(detail, size, "the video states %.0f frames a second: no camera records at that rate", rate);
        srv_frames_close(f);
        return SRV_E_VIDEO_INVALID;
    }
    return SRV_OK;
}

static int next_image(srv_frames *f, fl_image *out, double *t, srv_error *e, char *detail, size_t size)
{
    const srv_media *m = f->media;
    if (f->next >= m->n)
        return 0;
    const srv_limits *l = f->limits;
    fl_decode_limits dl = {l->max_image_bytes, l->max_image_side, l->max_image_pixels};
    fl_error err;
    int i = f->next++;
    fl_status s = fl_image_decode(m->items[i].bytes, m->items[i].len, &dl, out, &err);
    if (s) {
        snprintf(detail, size, "frame %d: %s", i, err.detail);
        *e = s == FL_E_TOO_LARGE ? SRV_E_IMAGE_TOO_LARGE : SRV_E_IMAGE_INVALID;
        return -1;
    }
    f->pixels += (uint64_t)out->width * (uint64_t)out->height;
    if (f->pixels > l->max_verify_pixels) {
        fl_image_free(out);
        snprintf(detail, size, "frames 0-%d hold more than max_verify_pixels (%llu)", i,
                 (unsigned long long)l->max_verify_pixels);
        *e = SRV_E_IMAGE_TOO_LARGE;
        return -1;
    }
    *t = m->items[i].t - m->items[0].t;
    return 1;
}

/* What no camera produces, or what would cost more to decode than a real attempt: frames closer
 * than VIDEO_MIN_DECODED_GAP_S, more decoded frames than max_video_frames, decoding longer than
 * video_decode_timeout_s. 0 when the frame may be used. */
static int video_budget_exceeded(srv_frames *f, double t, char *detail, size_t size)
{
    const srv_limits *l = f->limits;
    if (f->decoded > 1 && t - f->last_decoded_t < VIDEO_MIN_DECODED_GAP_S) {
        snprintf(detail, size, "video frames %d and %d are %.6f s apart: no camera records at that rate", f->decoded - 2,
                 f->decoded - 1, t - f->last_decoded_t);
        return 1;
    }
    if (f->decoded > l->max_video_frames) {
        snprintf(detail, size, "the video holds more than %d frames (max_video_frames)", l->max_video_frames);
        return 1;
    }
    if (srv_mono_s() - f->decode_started > l->video_decode_timeout_s) {
        snprintf(detail, size, "decoding the video took more than %d s (video_decode_timeout_s)",
                 l->video_decode_timeout_s);
        return 1;
    }
    return 0;
}

static int next_video_frame(srv_frames *f, fl_image *out, double *t, srv_error *e, char *detail, size_t size)
{
    fl_error err;
    for (;;) {
        int got = fl_video_next(f->video, out, t, &err);
        if (got == 1) {
            f->decoded++;
            if (video_budget_exceeded(f, *t, detail, size)) {
                fl_image_free(out);
                *e = SRV_E_VIDEO_INVALID;
                return -1;
            }
            f->last_decoded_t = *t;
        }
        if (got <= 0) {
            if (got < 0) {
                snprintf(detail, size, "video frame %d: %s", f->taken, err.detail);
                *e = SRV_E_VIDEO_INVALID;
            }
            return got;
        }
        if (f->taken && *t - f->last_t < VIDEO_MIN_GAP_S - 1e-6) {
            fl_image_free(out);
            continue;
        }
        const srv_limits *l = f->limits;
        if (out->width > l->max_image_side || out->height > l->max_image_side ||
            (uint64_t)out->width * (uint64_t)out->height > l->max_image_pixels) {
            snprintf(detail, size, "video frames of %dx%d exceed the image limits", out->width, out->height);
            fl_image_free(out);
            *e = SRV_E_IMAGE_TOO_LARGE;
            return -1;
        }
        if (f->taken >= l->max_verify_frames) {
            snprintf(detail, size, "more than %d frames at %.0f a second", l->max_verify_frames, 1 / VIDEO_MIN_GAP_S);
            fl_image_free(out);
            *e = SRV_E_TOO_MANY_IMAGES;
            return -1;
        }
        f->last_t = *t;
        return 1;
    }
}

int srv_frames_next(srv_frames *f, fl_image *out, double *t, srv_error *e, char *detail, size_t size)
{
    int got = f->video ? next_video_frame(f, out, t, e, detail, size) : next_image(f, out, t, e, detail, size);
    f->taken += got == 1;
    return got;
}

void srv_frames_close(srv_frames *f)
{
    if (f->video)
        fl_video_close(f->video);
    f->video = NULL;
}
