/* Video files through FFmpeg's libraries (video_file_ffmpeg.c), or, in a build without them
 * (-DFL_WITH_VIDEO=OFF), a stand-in that says so (video_file_none.c). Used by video_reader.c. */
#ifndef FL_CLI_VIDEO_FILE_H
#define FL_CLI_VIDEO_FILE_H

#include "facelive/image.h"

typedef struct fl_video_file fl_video_file;

/* FL_E_IMAGE_FORMAT: not a video; FL_E_UNAVAILABLE: built without video support. */
fl_status fl_video_file_open(const char *path, fl_video_file **out, fl_error *err);
/* A video held in memory (data must outlive it): only MP4/MOV (an ftyp box first) and WebM/Matroska
 * (an EBML header) are demuxed, and nothing else is ever opened (no playlist, concat list or data
 * reference is followed). FL_E_IMAGE_FORMAT: not such a container; FL_E_IMAGE_CORRUPT: such a
 * container that cannot be read. */
fl_status fl_video_file_open_memory(const void *data, size_t len, fl_video_file **out, fl_error *err);
/* 1 a frame (free it), 0 the end, -1 an error. */
int fl_video_file_next(fl_video_file *v, fl_image *out, double *t, fl_error *err);
/* The video stream's average frame rate as its container states it; 0 when it states none. */
double fl_video_file_frame_rate(const fl_video_file *v);
void fl_video_file_close(fl_video_file *v);

/* Fills err with status s and a printf-style detail; returns s (video_error.c). */
fl_status fl_video_fail(fl_error *err, fl_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
