/* The quality checks of one analysed frame: each failure becomes a named reason with its
 * measured value and the threshold it failed (facelive/face.h lists them). */
#ifndef FL_QUALITY_QUALITY_H
#define FL_QUALITY_QUALITY_H

#include "common/buffer.h"
#include "facelive/face.h"

typedef struct fl_quality_state {
    int have_prev;
    float prev_cx, prev_cy; /* the previous frame's face centre */
} fl_quality_state;

/* Measures faces[0] of a (sharpness, brightness, clipping, backlight, motion) and appends the
 * reasons that fail cfg. Updates st for the motion check of the next frame. */
void fl__quality_check(const fl_quality_config *cfg, const fl_image *img, fl_analysis *a, fl_quality_state *st,
                      fl_buffer *scratch);

#endif
