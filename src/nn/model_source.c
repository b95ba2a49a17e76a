#include "nn/model_source.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"

fl_status fl__model_source_check(const fl_model_blob *blobs, int n_blobs, fl_error *err)
{
    if (n_blobs < 1 || !blobs)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "no models given (%d blobs)", n_blobs);
    for (int i = 0; i < n_blobs; i++)
        if (!blobs[i].name || !blobs[i].data || !blobs[i].size)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "model blob %d has no name, no data or no bytes", i);
    return FL_OK;
}

fl_status fl__model_source_load(const fl__model_source *src, const char *name, fl_model **out, fl_error *err)
{
    if (src->dir) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", src->dir, name) >= sizeof path)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "model path too long: %s/%s", src->dir, name);
        return fl_model_load_file(path, out, err);
    }
    for (int i = 0; i < src->n_blobs; i++)
        if (strcmp(src->blobs[i].name, name) == 0) {
            fl_status s = fl_model_load_memory(src->blobs[i].data, src->blobs[i].size, out, err);
            if (s)
                fl__error_prefix(err, name);
            return s;
        }
    char given[160] = "";
    for (int i = 0; i < src->n_blobs && strlen(given) + 40 < sizeof given; i++)
        snprintf(given + strlen(given), sizeof given - strlen(given), "%s%s", i ? ", " : "", src->blobs[i].name);
    return fl__fail(err, FL_E_IO, "model %s is not among the %d given in memory (%s)", name, src->n_blobs, given);
}
