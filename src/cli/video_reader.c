/*
 * Video files (libavformat/libavcodec) or folders of frames, read frame by frame as upright BGR
 * images with timestamps. The library itself never links FFmpeg: apps hand it camera frames;
 * only the CLI reads files.
 */
#include "cli/video_reader.h"

#include <dirent.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <math.h>
#include <libswscale/swscale.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct fl_video {
    /* a file */
    AVFormatContext *fmt;
    AVCodecContext *dec;
    struct SwsContext *sws;
    AVFrame *frame;
    AVPacket *pkt;
    int stream, rotation, eof;
    double time_base;
    /* a folder */
    char **files;
    int n_files, next_file;
    double fps;
};

static fl_status vfail(fl_error *err, fl_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static fl_status vfail(fl_error *err, fl_status s, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = s;
        vsnprintf(err->detail, sizeof err->detail, fmt, ap);
        va_end(ap);
    }
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static fl_status open_folder(fl_video *v, const char *dir, double fps, fl_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return vfail(err, FL_E_IO, "%s: cannot open the folder", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || (strcasecmp(de->d_name + n - 4, ".jpg") && strcasecmp(de->d_name + n - 5, ".jpeg") &&
                      strcasecmp(de->d_name + n - 4, ".png")))
            continue;
        char **grown = realloc(v->files, (size_t)(v->n_files + 1) * sizeof *grown);
        size_t len = strlen(dir) + n + 2;
        char *path = malloc(len);
        if (!grown || !path) {
            free(path);
            closedir(d);
            return vfail(err, FL_E_NO_MEMORY, "out of memory");
        }
        snprintf(path, len, "%s/%s", dir, de->d_name);
        v->files = grown;
        v->files[v->n_files++] = path;
    }
    closedir(d);
    if (!v->n_files)
        return vfail(err, FL_E_IMAGE_FORMAT, "%s: no .jpg or .png frames in the folder", dir);
    qsort(v->files, (size_t)v->n_files, sizeof *v->files, cmp_str);
    v->fps = fps;
    return FL_OK;
}

static fl_status open_file(fl_video *v, const char *path, fl_error *err)
{
    int r = avformat_open_input(&v->fmt, path, NULL, NULL);
    char msg[128];
    if (r < 0 || (r = avformat_find_stream_info(v->fmt, NULL)) < 0) {
        av_strerror(r, msg, sizeof msg);
        return vfail(err, FL_E_IMAGE_FORMAT, "%s: not a readable video (%s)", path, msg);
    }
    /* FFmpeg reads a text file as "tty" (ANSI art): a video stream of text is not a camera. */
    if (strcmp(v->fmt->iformat->name, "tty") == 0)
        return vfail(err, FL_E_IMAGE_FORMAT, "%s: not a video (FFmpeg reads it as text)", path);
    const AVCodec *codec = NULL;
    v->stream = av_find_best_stream(v->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (v->stream < 0 || !codec)
        return vfail(err, FL_E_IMAGE_FORMAT, "%s: no decodable video stream", path);
    AVStream *st = v->fmt->streams[v->stream];
    v->dec = avcodec_alloc_context3(codec);
    v->frame = av_frame_alloc();
    v->pkt = av_packet_alloc();
    if (!v->dec || !v->frame || !v->pkt)
        return vfail(err, FL_E_NO_MEMORY, "out of memory");
    if ((r = avcodec_parameters_to_context(v->dec, st->codecpar)) < 0 || (r = avcodec_open2(v->dec, codec, NULL)) < 0) {
        av_strerror(r, msg, sizeof msg);
        return vfail(err, FL_E_IMAGE_CORRUPT, "%s: cannot open the decoder (%s)", path, msg);
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

fl_status fl_video_open(const char *path, double folder_fps, fl_video **out, fl_error *err)
{
    fl_video *v = calloc(1, sizeof *v);
    if (!v)
        return vfail(err, FL_E_NO_MEMORY, "out of memory");
    struct stat st;
    fl_status s;
    if (stat(path, &st) != 0)
        s = vfail(err, FL_E_IO, "%s: no such file or folder", path);
    else if (S_ISDIR(st.st_mode))
        s = open_folder(v, path, folder_fps > 0 ? folder_fps : 30.0, err);
    else
        s = open_file(v, path, err);
    if (s) {
        fl_video_close(v);
        return s;
    }
    *out = v;
    return FL_OK;
}

/* Converts the decoded frame to BGR and applies the stream's rotation. */
static fl_status to_image(fl_video *v, fl_image *out, fl_error *err)
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
        return vfail(err, FL_E_IMAGE_CORRUPT, "unsupported pixel format in the video");
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

int fl_video_next(fl_video *v, fl_image *out, double *t, fl_error *err)
{
    if (v->files) {
        if (v->next_file >= v->n_files)
            return 0;
        *t = v->next_file / v->fps;
        return fl_image_load(v->files[v->next_file++], NULL, out, err) ? -1 : 1;
    }
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
            return vfail(err, FL_E_IMAGE_CORRUPT, "video decoding failed"), -1;
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

void fl_video_close(fl_video *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->n_files; i++)
        free(v->files[i]);
    free(v->files);
    sws_freeContext(v->sws);
    av_frame_free(&v->frame);
    av_packet_free(&v->pkt);
    avcodec_free_context(&v->dec);
    avformat_close_input(&v->fmt);
    free(v);
}
