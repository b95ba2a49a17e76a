/* The face measures as JSON fields, the same names wherever the CLI prints them. */
#ifndef FL_CLI_JSON_FACE_H
#define FL_CLI_JSON_FACE_H

#include "app/json_writer.h"
#include "facelive/face.h"

/* "ear_image_left", "ear_image_right", "mar", "yaw", "pitch", "roll" into the open object. */
void fl_json_face_measures(jw *w, const fl_face_measures *m);

#endif
