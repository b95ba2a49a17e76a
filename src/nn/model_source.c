#include "nn/model_source.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/file.h"

fl_status fl__model_source_check(const fl_model_blob *blobs, int n_blobs, fl_error *err)
{
    if (n_blobs < 1 || !blobs)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "no models given (%d blobs)", n_blobs);
    for (int i = 0; i < n_blobs; i++)
        if (!blobs[i].name || !blobs[i].data || !blobs[i].size)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "model blob %d has no name, no data or no bytes", i);
    return FL_OK;
}

/* The index of the blob called name, or a FL_E_IO failure naming the blobs that were given. */
static fl_status find_blob(const fl__model_source *src, const char *name, int *index, fl_error *err)
{
    for (int i = 0; i < src->n_blobs; i++)
        if (strcmp(src->blobs[i].name, name) == 0) {
            *index = i;
            return FL_OK;
        }
    char given[160] = "";
    for (int i = 0; i < src->n_blobs && strlen(given) + 40 < sizeof given; i++)
        snprintf(given + strlen(given), sizeof given - strlen(given), "%s%s", i ? ", " : "", src->blobs[i].name);
    return fl__fail(err, FL_E_IO, "model %s is not among the %d given in memory (%s)", name, src->n_blobs, given);
}

static fl_status path_of(const fl__model_source *src, const char *name, char path[4096], fl_error *err)
{
    if ((size_t)snprintf(path, 4096, "%s/%s", src->dir, name) >= 4096)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "model path too long: %s/%s", src->dir, name);
    return FL_OK;
}

fl_status fl__model_source_load(const fl__model_source *src, const char *name, fl_model **out, fl_error *err)
{
    char path[4096];
    int i = 0;
    fl_status s = src->dir ? path_of(src, name, path, err) : find_blob(src, name, &i, err);
    if (s)
        return s;
    if (src->dir)
        return fl_model_load_file(path, out, err);
    s = fl_model_load_memory(src->blobs[i].data, src->blobs[i].size, out, err);
    if (s)
        fl__error_prefix(err, name);
    return s;
}

fl_status fl__model_source_read(const fl__model_source *src, const char *name, size_t max_bytes, const void **bytes,
                                size_t *size, void **owned, fl_error *err)
{
    char path[4096];
    int i = 0;
    *owned = NULL;
    fl_status s = src->dir ? path_of(src, name, path, err) : find_blob(src, name, &i, err);
    if (s)
        return s;
    if (src->dir) {
        s = fl__read_file(path, max_bytes, owned, size, err);
        *bytes = *owned;
        return s;
    }
    if (src->blobs[i].size > max_bytes)
        return fl__fail(err, FL_E_TOO_LARGE, "%s: %zu bytes, more than %zu", name, src->blobs[i].size, max_bytes);
    *bytes = src->blobs[i].data;
    *size = src->blobs[i].size;
    return FL_OK;
}
