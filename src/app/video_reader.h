/* Frames from a video file (FFmpeg's libraries) or a folder of images, for the CLI. */
#ifndef FL_CLI_VIDEO_READER_H
#define FL_CLI_VIDEO_READER_H

#include "facelive/image.h"

typedef struct fl_video fl_video;

/* Opens a video file, or a folder of .jpg/.png frames (sorted by name, folder_fps apart; 30 when
 * 0). The stream's rotation metadata is applied to every frame. */
fl_status fl_video_open(const char *path, double folder_fps, fl_video **out, fl_error *err);

/* A video in memory (an upload; data must outlive the reader): MP4/MOV or WebM only, and no other
 * file is ever opened on its behalf (video_file.h). */
fl_status fl_video_open_memory(const void *data, size_t len, fl_video **out, fl_error *err);

/* The next upright BGR frame and its time in seconds: 1 a frame (free it), 0 the end, -1 an error. */
int fl_video_next(fl_video *v, fl_image *out, double *t, fl_error *err);

/* The frame rate a video file states (0: none), or a folder's. */
double fl_video_frame_rate(const fl_video *v);

void fl_video_close(fl_video *v);

#endif
