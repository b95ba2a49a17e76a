#include "app/json_face.h"

void fl_json_face_measures(jw *w, const fl_face_measures *m)
{
    jw_num(w, "ear_image_left", m->ear_il, 4);
    jw_num(w, "ear_image_right", m->ear_ir, 4);
    jw_num(w, "mar", m->mar, 4);
    jw_num(w, "yaw", m->yaw, 2);
    jw_num(w, "pitch", m->pitch, 2);
    jw_num(w, "roll", m->roll, 2);
}
