/* Reading a whole regular file with a size limit, for model and image loaders. */
#ifndef FL_COMMON_FILE_H
#define FL_COMMON_FILE_H

#include <stddef.h>

#include "facelive/status.h"

/* *data (malloc'ed, free it) and *size on success. FL_E_IO names the file and what failed
 * (missing, not a regular file, short read); FL_E_TOO_LARGE when it exceeds max_bytes. */
fl_status fl__read_file(const char *path, size_t max_bytes, void **data, size_t *size, fl_error *err);

#endif
