/* The 468-point face mesh on one face: a square, roll-corrected crop around the detector's box
 * (side 1.5 x the larger box side, MANIFEST section 4), the model, and the points mapped back
 * to image pixels. */
#ifndef FL_FACE_MESH_H
#define FL_FACE_MESH_H

#include "common/buffer.h"
#include "facelive/face.h"
#include "facelive/model.h"

#define FL_MESH_INPUT 192

/* Fills m->mesh and m->presence (m->valid stays 0; geometry decides). */
fl_status fl__run_face_mesh(fl_model_ctx *mesh, const fl_image *img, const fl_face_box *f, fl_buffer *scratch,
                           fl_face_measures *m, fl_error *err);

/* The source-to-crop affine transform used for face f (exposed for tests and drawing). */
void fl__face_mesh_crop_transform(const fl_face_box *f, double m[6]);

#endif
