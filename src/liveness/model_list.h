/* The anti-spoof model list: a small tab-separated file (config/antispoof_models.tsv). */
#ifndef FL_LIVENESS_MODEL_LIST_H
#define FL_LIVENESS_MODEL_LIST_H

#include "facelive/liveness.h"

typedef struct fl_antispoof_spec {
    char file[256];
    int input_w, input_h;
    int rgb;            /* 0: BGR */
    float pixel_scale;
    float crop_scale;   /* 0 with whole_frame */
    int whole_frame;    /* 1: crop_scale "frame": the whole image resized to the input (the "org" scale) */
    int logits;         /* 1: apply a softmax */
    int texture;        /* 1: the file is a texture model (liveness/texture.h), not ONNX */
    int real_class;
    float weight;
    char licence[64];   /* optional columns: the weights' licence and what they were trained on */
    char trained_on[256];
} fl_antispoof_spec;

/* Parses the list text; *n receives the count (1..FL_SILENT_MAX_MODELS). The header names the 8
 * required columns, optionally followed by licence and trained_on. Errors name the line and
 * column. `what` names the source in messages. */
fl_status fl__model_list_parse(const char *text, const char *what, fl_antispoof_spec *specs, int *n, fl_error *err);

/* The default list: config/antispoof_models.tsv without its comments, embedded at build time
 * (cmake/embed_text.cmake). */
extern const char *const fl__default_model_list;

/* The list format's column names in order (the first 8 required), NULL past the last: for the
 * test that the training tools write the same columns. */
const char *fl__model_list_column(int i);

#endif
