/* The stand-in for video files in a build without FFmpeg (-DFL_WITH_VIDEO=OFF). */
#include "app/video_file.h"

fl_status fl_video_file_open(const char *path, fl_video_file **out, fl_error *err)
{
    (void)out;
    return fl_video_fail(err, FL_E_UNAVAILABLE,
                         "%s: this facelive was built without video files (-DFL_WITH_VIDEO=OFF); give a folder of "
                         "frames", path);
}

fl_status fl_video_file_open_memory(const void *data, size_t len, fl_video_file **out, fl_error *err)
{
    (void)data, (void)len, (void)out;
    return fl_video_fail(err, FL_E_UNAVAILABLE, "this facelive was built without video files (-DFL_WITH_VIDEO=OFF)");
}

int fl_video_file_next(fl_video_file *v, fl_image *out, double *t, fl_error *err)
{
    (void)v, (void)out, (void)t, (void)err;
    return 0;
}

double fl_video_file_frame_rate(const fl_video_file *v)
{
    (void)v;
    return 0;
}

void fl_video_file_close(fl_video_file *v)
{
    (void)v;
}
