#include "common/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"

fl_status fl__read_file(const char *path, size_t max_bytes, void **data, size_t *size, fl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fl__fail(err, FL_E_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return fl__fail(err, FL_E_IO, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > max_bytes) {
        fclose(f);
        return fl__fail(err, FL_E_TOO_LARGE, "%s: %lld bytes, the limit is %zu", path, (long long)st.st_size, max_bytes);
    }
    size_t n = (size_t)st.st_size;
    void *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return fl__fail(err, FL_E_NO_MEMORY, "%s: out of memory for %zu bytes", path, n);
    }
    size_t got = fread(buf, 1, n, f);
    int read_error = ferror(f);
    fclose(f);
    if (got != n || read_error) {
        free(buf);
        return fl__fail(err, FL_E_IO, "%s: read %zu of %zu bytes", path, got, n);
    }
    *data = buf;
    *size = n;
    return FL_OK;
}
