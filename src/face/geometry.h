/* Measures from the 468-point mesh (indices of MANIFEST section 4): the nine keypoints, eye and
 * mouth aspect ratios, and head pose from the mesh's 3-D axes. */
#ifndef FL_FACE_GEOMETRY_H
#define FL_FACE_GEOMETRY_H

#include "facelive/face.h"

/* Fills keypoints, ear_il, ear_ir, mar, yaw, pitch, roll from m->mesh. */
void fl__face_geometry(fl_face_measures *m);

#endif
