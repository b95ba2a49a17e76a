/* The error of the video readers (video_reader.c and both video_file implementations). */
#include <stdarg.h>
#include <stdio.h>

#include "app/video_file.h"

fl_status fl_video_fail(fl_error *err, fl_status s, const char *fmt, ...)
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
