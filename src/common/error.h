/* Internal helper to fill an optional fl_error with a formatted detail. */
#ifndef FL_COMMON_ERROR_H
#define FL_COMMON_ERROR_H

#include "facelive/status.h"

/* Sets err (if not NULL) to status and a printf-formatted detail; returns status so a
 * caller can write `return fl__fail(err, FL_E_SHAPE, "node %s: ...", name);`. */
fl_status fl__fail(fl_error *err, fl_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts "what: " in front of err's detail (if err is not NULL), e.g. the file a failure was in. */
void fl__error_prefix(fl_error *err, const char *what);

/* Clears err (if not NULL) to FL_OK with an empty detail. */
void fl__error_clear(fl_error *err);

#endif
