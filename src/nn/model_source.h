/* Where an engine's model files come from: a folder, or blobs in memory named like the files
 * (an app's bundled assets are not files). */
#ifndef FL_NN_MODEL_SOURCE_H
#define FL_NN_MODEL_SOURCE_H

#include "facelive/model.h"

typedef struct fl__model_source {
    const char *dir;            /* a folder, or NULL: */
    const fl_model_blob *blobs; /* the models in memory */
    int n_blobs;
} fl__model_source;

/* Loads the model called name (a file name, as the model list gives it). A name missing from
 * the blobs is FL_E_IO, naming the blobs that were given. */
fl_status fl__model_source_load(const fl__model_source *src, const char *name, fl_model **out, fl_error *err);

/* The bytes of the file called name, at most max_bytes (for model files that are not ONNX). *owned
 * is what to free afterwards: the file read from the folder, or NULL for a blob's own bytes. */
fl_status fl__model_source_read(const fl__model_source *src, const char *name, size_t max_bytes, const void **bytes,
                                size_t *size, void **owned, fl_error *err);

/* FL_E_INVALID_ARGUMENT when blobs is NULL with a count, or a blob has no name or no bytes. */
fl_status fl__model_source_check(const fl_model_blob *blobs, int n_blobs, fl_error *err);

#endif
