/* The frames a verify request brings, one at a time, whatever their form: JPEG/PNG images with
 * their times (srv_media), or a short video (MP4/MOV or WebM, as phones record; FFmpeg, through the
 * CLI's video reader, from memory), sampled to at most 15 frames a second, which is what the session needs. Each frame is
 * decoded only when it is asked for, so only the session's best frames stay in memory. */
#ifndef FL_SERVER_FRAME_SOURCE_H
#define FL_SERVER_FRAME_SOURCE_H

#include "app/video_reader.h"
#include "server/http/media.h"

typedef struct srv_frames {
    const srv_limits *limits;
    const srv_media *media;  /* images, or NULL */
    int next;
    fl_video *video;         /* a video, or NULL */
    double last_t;
    int taken;               /* frames given so far */
    int decoded;             /* video frames decoded, given or skipped by the sampling */
    uint64_t pixels;         /* image frames decoded so far, in pixels */
    double last_decoded_t, decode_started;
} srv_frames;

void srv_frames_from_media(srv_frames *f, const srv_media *m, const srv_limits *l);
/* The body (which must outlive f) is read in memory as an MP4/MOV or WebM video; nothing else is
 * ever opened (video_reader.h). SRV_E_VIDEO_FORMAT when the bytes are not such a container,
 * SRV_E_VIDEO_INVALID when FFmpeg cannot read it. On failure f holds nothing to close. Frames are
 * then refused (SRV_E_VIDEO_INVALID) past limits->max_video_frames decoded, closer than a camera
 * records, or after limits->video_decode_timeout_s of decoding. */
srv_error srv_frames_from_video(srv_frames *f, const char *body, size_t len, const srv_limits *l, char *detail,
                                size_t size);
/* The next upright BGR frame (free it) and its time from the first frame: 1 a frame, 0 the end,
 * -1 an error (*e and detail say which). */
int srv_frames_next(srv_frames *f, fl_image *out, double *t, srv_error *e, char *detail, size_t size);
void srv_frames_close(srv_frames *f);

/* 1 when the Content-Type is a video (video/...). */
int srv_is_video_type(const char *content_type);

#endif
