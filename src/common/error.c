#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

fl_status fl__fail(fl_error *err, fl_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = status;
        vsnprintf(err->detail, sizeof err->detail, fmt, ap);
        va_end(ap);
    }
    return status;
}

void fl__error_clear(fl_error *err)
{
    if (err) {
        err->status = FL_OK;
        err->detail[0] = '\0';
    }
}

void fl__error_prefix(fl_error *err, const char *what)
{
    if (!err)
        return;
    char detail[FL_ERROR_DETAIL_MAX];
    memcpy(detail, err->detail, sizeof detail);
    fl__fail(err, err->status, "%.96s: %.150s", what, detail);
}
