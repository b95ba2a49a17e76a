/* Colour texture for anti-spoofing (Boulkenafet, Komulainen and Hadid, "Face anti-spoofing based on
 * color texture analysis", 2015): uniform LBP(8,1) histograms of the face crop in HSV and YCbCr,
 * and the linear classifier over them that train/texture.py fits and writes as a small text file
 * (docs/accuracy.md, "Texture cues"). */
#ifndef FL_LIVENESS_TEXTURE_H
#define FL_LIVENESS_TEXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buffer.h"
#include "facelive/liveness.h"

typedef struct fl__texture_model {
    float mean[FL_TEXTURE_FEATURES];   /* features are standardised: (f - mean) / scale */
    float scale[FL_TEXTURE_FEATURES];
    float weight[FL_TEXTURE_FEATURES];
    float bias;
} fl__texture_model;

/* The features of a BGR crop (w, h >= 3) into out: 6 planes (H, S, V, Y, Cb, Cr) x 59 bins, each
 * plane's histogram summing to 1. scratch holds the colour planes. */
fl_status fl__texture_features(const uint8_t *bgr, int w, int h, size_t stride, fl_buffer *scratch,
                               float out[FL_TEXTURE_FEATURES], fl_error *err);

/* Parses a texture model file (text; the format is in texture.c). Errors name `name` and the line. */
fl_status fl__texture_model_parse(const char *text, size_t size, const char *name, fl__texture_model *m,
                                  fl_error *err);

/* The model's probability that the features are of a live face. */
float fl__texture_p_real(const fl__texture_model *m, const float features[FL_TEXTURE_FEATURES]);

#endif
