/* Video files through libavformat/libavcodec/libswscale, frame by frame, as upright BGR images
 * with timestamps. */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
#include <libavutil/display.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/video_file.h"

struct fl_video_file {
    AVFormatContext *fmt;
    AVIOContext *io;       /* a video in memory: FFmpeg reads through this, never a file */
    const uint8_t *mem;
    size_t mem_len, mem_pos;
    AVCodecContext *dec;
    struct SwsContext *sws;
    uint8_t *bgr;          /* swscale's output: rows padded, see to_image */
    size_t bgr_size;
    AVFrame *frame;
    AVPacket *pkt;
    int stream, rotation, eof;
    int codec_refused;     /* the stream's codec is not on the whitelist: of another kind, not damaged */
    double time_base, frame_rate;
};

/* Opens the input (already set up in v->fmt for a video in memory) and its decoder. */
static fl_status open_input(fl_video_file *v, const char *path, const AVInputFormat *format, AVDictionary **opts,
                            fl_error *err)
{
    int r = avformat_open_input(&v->fmt, path, format, opts);
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
    if (v->fmt->codec_whitelist && !av_match_list(codec->name, v->fmt->codec_whitelist, ',')) {
        v->codec_refused = 1;
        return fl_video_fail(err, FL_E_IMAGE_FORMAT, "%s: video codec %s is not accepted (H.264, HEVC, MPEG-4, VP8, "
                             "VP9, AV1 or Motion JPEG)", path, codec->name);
    }
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
    v->frame_rate = st->avg_frame_rate.den ? av_q2d(st->avg_frame_rate) : 0;
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
    fl_status s = open_input(v, path, NULL, NULL, err);
    if (s) {
        fl_video_file_close(v);
        return s;
    }
    *out = v;
    return FL_OK;
}

static int read_memory(void *opaque, uint8_t *buf, int size)
{
    fl_video_file *v = opaque;
    size_t n = v->mem_len - v->mem_pos < (size_t)size ? v->mem_len - v->mem_pos : (size_t)size;
    if (n == 0)
        return AVERROR_EOF;
    memcpy(buf, v->mem + v->mem_pos, n);
    v->mem_pos += n;
    return (int)n;
}

static int64_t seek_memory(void *opaque, int64_t offset, int whence)
{
    fl_video_file *v = opaque;
    if (whence == AVSEEK_SIZE)
        return (int64_t)v->mem_len;
    int64_t base = (whence & ~AVSEEK_FORCE) == SEEK_CUR ? (int64_t)v->mem_pos
                   : (whence & ~AVSEEK_FORCE) == SEEK_END ? (int64_t)v->mem_len
                                                           : 0;
    if (offset > (int64_t)v->mem_len || base + offset < 0 || base + offset > (int64_t)v->mem_len)
        return AVERROR(EINVAL);
    v->mem_pos = (size_t)(base + offset);
    return (int64_t)v->mem_pos;
}

/* Whatever a demuxer would open besides the bytes it was given (an HLS segment, an ffconcat
 * entry, an MP4 data reference): refused. */
static int refuse_io_open(struct AVFormatContext *s, AVIOContext **pb, const char *url, int flags, AVDictionary **options)
{
    (void)s, (void)pb, (void)url, (void)flags, (void)options;
    return AVERROR(EPERM);
}

/* Decoder names (libavcodec's, several per codec): H.264, HEVC, MPEG-4 part 2, VP8, VP9, AV1, Motion JPEG; AAC,
 * Opus, MP3 for the sound that find_stream_info probes. */
#define ACCEPTED_DECODERS "h264,hevc,mpeg4,vp8,libvpx,vp9,libvpx-vp9,av1,libdav1d,libaom-av1,mjpeg,aac,opus,libopus,mp3float,mp3"

/* The container, from the first bytes: an ISO BMFF box ("ftyp", as phones write MP4 and MOV) or an
 * EBML header (WebM, Matroska). Anything else is not what a phone records. */
static const char *container_of(const uint8_t *p, size_t n)
{
    if (n >= 12 && memcmp(p + 4, "ftyp", 4) == 0)
        return "mov";
    if (n >= 4 && p[0] == 0x1A && p[1] == 0x45 && p[2] == 0xDF && p[3] == 0xA3)
        return "matroska";
    return NULL;
}

fl_status fl_video_file_open_memory(const void *data, size_t len, fl_video_file **out, fl_error *err)
{
    av_log_set_level(AV_LOG_ERROR);
    const char *container = container_of(data, len);
    if (!container)
        return fl_video_fail(err, FL_E_IMAGE_FORMAT, "not an MP4, MOV or WebM video (the first bytes are neither "
                                                     "an ftyp box nor an EBML header)");
    fl_video_file *v = calloc(1, sizeof *v);
    enum { IO_BUFFER = 64 * 1024 };
    uint8_t *buf = av_malloc(IO_BUFFER);
    if (v && buf) {
        v->mem = data, v->mem_len = len;
        v->io = avio_alloc_context(buf, IO_BUFFER, 0, v, read_memory, NULL, seek_memory);
    }
    if (v && v->io)
        v->fmt = avformat_alloc_context();
    if (!v || !v->io || !v->fmt) {
        if (!v || !v->io)
            av_free(buf);
        fl_video_file_close(v);
        return fl_video_fail(err, FL_E_NO_MEMORY, "out of memory");
    }
    v->fmt->pb = v->io;
    v->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    v->fmt->io_open = refuse_io_open;
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "format_whitelist", strcmp(container, "mov") == 0 ? "mov,mp4,m4a,3gp,3g2,mj2" : "matroska,webm", 0);
    av_dict_set(&opts, "protocol_whitelist", "none", 0);
    av_dict_set(&opts, "enable_drefs", "0", 0);
    /* A container may name any of FFmpeg's hundreds of decoders, each an attack surface that FFmpeg (not built with
     * sanitizers) exposes to a request body: only what phones and browsers record, and their sound, is decoded. */
    av_dict_set(&opts, "codec_whitelist", ACCEPTED_DECODERS, 0);
    fl_status s = open_input(v, "the video", av_find_input_format(container), &opts, err);
    av_dict_free(&opts);
    if (s && v->codec_refused) {
        fl_video_file_close(v);
        return s;
    }
    if (s) { /* a phone's container that FFmpeg cannot read through: damaged, not of another kind */
        if (err)
            err->status = FL_E_IMAGE_CORRUPT;
        s = FL_E_IMAGE_CORRUPT;
        fl_video_file_close(v);
        return s;
    }
    *out = v;
    return FL_OK;
}

/* swscale's SIMD converters store whole pixel groups and are reported to write past the end of a row whose bytes
 * are not a multiple of the vector width (into the next allocation on the last row). It writes into this buffer of
 * rows aligned to 64 bytes plus a spare 64, reused across frames, and the rows are then copied out. */
static uint8_t *padded_bgr(fl_video_file *v, int width, int height, int *stride)
{
    *stride = (width * 3 + 63) & ~63;
    size_t need = (size_t)*stride * (size_t)height + 64;
    if (need > v->bgr_size) {
        av_freep(&v->bgr);
        v->bgr = av_malloc(need);
        v->bgr_size = v->bgr ? need : 0;
    }
    return v->bgr;
}

/* Converts the decoded frame to BGR and applies the stream's rotation. */
static fl_status to_image(fl_video_file *v, fl_image *out, fl_error *err)
{
    AVFrame *f = v->frame;
    int stride;
    uint8_t *padded = padded_bgr(v, f->width, f->height, &stride);
    if (!padded)
        return fl_video_fail(err, FL_E_NO_MEMORY, "out of memory");
    v->sws = sws_getCachedContext(v->sws, f->width, f->height, (enum AVPixelFormat)f->format, f->width, f->height,
                                  AV_PIX_FMT_BGR24, SWS_BILINEAR, NULL, NULL, NULL);
    if (!v->sws)
        return fl_video_fail(err, FL_E_IMAGE_CORRUPT, "unsupported pixel format in the video");
    uint8_t *dst[4] = {padded, NULL, NULL, NULL};
    int dst_stride[4] = {stride, 0, 0, 0};
    sws_scale(v->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, dst_stride);
    fl_image_view view = {padded, f->width, f->height, (size_t)stride, FL_PIXEL_BGR, v->rotation};
    return fl_image_from_view(&view, out, err);
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

double fl_video_file_frame_rate(const fl_video_file *v)
{
    return v->frame_rate;
}

void fl_video_file_close(fl_video_file *v)
{
    if (!v)
        return;
    sws_freeContext(v->sws);
    av_freep(&v->bgr);
    av_frame_free(&v->frame);
    av_packet_free(&v->pkt);
    avcodec_free_context(&v->dec);
    avformat_close_input(&v->fmt);
    if (v->io) {
        av_freep(&v->io->buffer);
        avio_context_free(&v->io);
    }
    free(v);
}
