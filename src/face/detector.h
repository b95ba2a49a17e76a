/* Face detection with YuNet on an upright BGR image: scale, pad to multiples of 32, run,
 * decode, and map boxes back to image pixels (with the RetinaFace-like box). */
#ifndef FL_FACE_DETECTOR_H
#define FL_FACE_DETECTOR_H

#include "common/buffer.h"
#include "facelive/face.h"
#include "facelive/model.h"

typedef struct fl_detector_scratch {
    fl_buffer input, outputs, candidates, resized;
} fl_detector_scratch;

void fl__detector_scratch_free(fl_detector_scratch *s);

/* Writes up to opt->max_faces faces, best first, into faces; returns the count in *n. Looks at
 * opt->detect_size, and again at opt->fallback_size when that found nothing. */
fl_status fl__detect_faces(fl_model_ctx *yunet, const fl_image *img, const fl_analyzer_options *opt,
                          fl_detector_scratch *scratch, fl_face_box *faces, int *n, fl_error *err);

/* The MiniFASNet box from a YuNet box (MANIFEST section 3's fitted mapping). */
void fl__face_box_map_retinaface(fl_face_box *f);

#endif
