/* Video files through libavformat/libavcodec/libswscale, frame by frame, as upright BGR images
 * with timestamps. */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/video_file.h"

struct fl_video_file {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    struct SwsContext *sws;
    AVFrame *frame;
    AVPacket *pkt;
    int stream, rotation, eof;
    double time_base;
};

static fl_status open_file(fl_video_file *v, const char *path, fl_error *err)
{
    int r = avformat_open_input(&v->fmt, path, NULL, NULL);
    char msg[128];
    if (r < 0 || (r = avformat_find_stream_info(v->fmt, NULL)) < 0) {
        av_strerror(r, msg, sizeof msg);
        return fl_video_fail(err, FL_E_IMAGE_FORMAT, "%s: not a readable video (%s)", path, msg);
    }
    /* FFmpeg reads a text file as "tty" (ANSI art): a video stream of text is not a camera. */
    if (strcmp(v->fmt->iformat->name, "tty") == 0)
        return fl_video_fail(err, FL_E_IMAGE_FORMAT, "%s: not a video (FFmpeg reads it as text)", path);
    const AVCodec *codec = NULL;
    v->stream = av_find_best_stream(v->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (v->stream < 0 || !codec)
        return fl_video_fail(err, FL_E_IMAGE_FORMAT, "%s: no decodable video stream", path);
    AVStream *st = v->fmt->streams[v->stream];
    v->dec = avcodec_alloc_context3(codec);
    v->frame = av_frame_alloc();
    v->pkt = av_packet_alloc();
    if (!v->dec || !v->frame || !v->pkt)
        return fl_video_fail(err, FL_E_NO_MEMORY, "out of memory");
    if ((r = avcodec_parameters_to_context(v->dec, st->codecpar)) < 0 || (r = avcodec_open2(v->dec, codec, NULL)) < 0) {
        av_strerror(r, msg, sizeof msg);
        return fl_video_fail(err, FL_E_IMAGE_CORRUPT, "%s: cannot open the decoder (%s)", path, msg);
    }
    v->time_base = av_q2d(st->time_base);
    /* Phone videos carry their rotation as a display matrix; frames are turned upright here. */
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (m) {
        int rot = (int)lround(-av_display_rotation_get((const int32_t *)m));
        v->rotation = ((rot % 360) + 360) % 360;
    }
    return FL_OK;
}

fl_status fl_video_file_open(const char *path, fl_video_file **out, fl_error *err)
{
    av_log_set_level(AV_LOG_ERROR); /* FFmpeg's own chatter is not ours to print */
    fl_video_file *v = calloc(1, sizeof *v);
    if (!v)
        return fl_video_fail(err, FL_E_NO_MEMORY, "out of memory");
    fl_status s = open_file(v, path, err);
    if (s) {
        fl_video_file_close(v);
        return s;
    }
    *out = v;
    return FL_OK;
}

/* Converts the decoded frame to BGR and applies the stream's rotation. */
static fl_status to_image(fl_video_file *v, fl_image *out, fl_error *err)
{
    AVFrame *f = v->frame;
    fl_image bgr;
    fl_status s = fl_image_alloc(f->width, f->height, &bgr, err);
    if (s)
        return s;
    v->sws = sws_getCachedContext(v->sws, f->width, f->height, (enum AVPixelFormat)f->format, f->width, f->height,
                                  AV_PIX_FMT_BGR24, SWS_BILINEAR, NULL, NULL, NULL);
    if (!v->sws) {
        fl_image_free(&bgr);
        return fl_video_fail(err, FL_E_IMAGE_CORRUPT, "unsupported pixel format in the video");
    }
    uint8_t *dst[4] = {bgr.data, NULL, NULL, NULL};
    int stride[4] = {(int)bgr.stride, 0, 0, 0};
    sws_scale(v->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, stride);
    if (v->rotation == 0) {
        *out = bgr;
        return FL_OK;
    }
    fl_image_view view = {bgr.data, bgr.width, bgr.height, bgr.stride, FL_PIXEL_BGR, v->rotation};
    s = fl_image_from_view(&view, out, err);
    fl_image_free(&bgr);
    return s;
}

int fl_video_file_next(fl_video_file *v, fl_image *out, double *t, fl_error *err)
{
    for (;;) {
        int r = avcodec_receive_frame(v->dec, v->frame);
        if (r == 0) {
            int64_t pts = v->frame->best_effort_timestamp;
            *t = pts == AV_NOPTS_VALUE ? 0 : pts * v->time_base;
            fl_status s = to_image(v, out, err);
            av_frame_unref(v->frame);
            return s ? -1 : 1;
        }
        if (r == AVERROR_EOF)
            return 0;
        if (r != AVERROR(EAGAIN))
            return fl_video_fail(err, FL_E_IMAGE_CORRUPT, "video decoding failed"), -1;
        if (v->eof)
            return 0;
        r = av_read_frame(v->fmt, v->pkt);
        if (r < 0) { /* end of file: drain the decoder */
            v->eof = 1;
            avcodec_send_packet(v->dec, NULL);
            continue;
        }
        if (v->pkt->stream_index == v->stream)
            avcodec_send_packet(v->dec, v->pkt); /* damaged packets are skipped, as players do */
        av_packet_unref(v->pkt);
    }
}

void fl_video_file_close(fl_video_file *v)
{
    if (!v)
        return;
    sws_freeContext(v->sws);
    av_frame_free(&v->frame);
    av_packet_free(&v->pkt);
    avcodec_free_context(&v->dec);
    avformat_close_input(&v->fmt);
    free(v);
}
