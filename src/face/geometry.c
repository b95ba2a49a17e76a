/*
 * Head pose is solved from the mesh in 3-D, not from image ratios: the face's own axes are
 * the vector from the image-left eye's outer corner (33) to the image-right one (263), and the
 * vector from forehead (10) to chin (152), orthogonalised (Gram-Schmidt); their cross product
 * is the face normal. Yaw, pitch and roll are read off that rotation matrix. Because the mesh's
 * z has roughly the x/y pixel scale, the angles are metric, up to the mesh's depth estimate.
 */
#include "face/geometry.h"

#include <math.h>

#define RAD2DEG 57.29577951308232

enum { EYE_IL_OUT = 33, EYE_IL_IN = 133, EYE_IL_UP1 = 160, EYE_IL_UP2 = 158, EYE_IL_LO2 = 153, EYE_IL_LO1 = 144,
       EYE_IR_IN = 362, EYE_IR_UP1 = 385, EYE_IR_UP2 = 387, EYE_IR_OUT = 263, EYE_IR_LO2 = 373, EYE_IR_LO1 = 380,
       LIP_UP = 13, LIP_LOW = 14, MOUTH_IN_IL = 78, MOUTH_IN_IR = 308, MOUTH_IL = 61, MOUTH_IR = 291,
       NOSE_TIP = 1, CHIN = 152, FOREHEAD = 10 };

static float dist2d(const float (*p)[3], int a, int b)
{
    return hypotf(p[a][0] - p[b][0], p[a][1] - p[b][1]);
}

static float ratio(float num, float den)
{
    return den > 1e-6f ? num / den : 0.0f;
}

static void normalise(double *v)
{
    double n = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (n > 1e-12)
        v[0] /= n, v[1] /= n, v[2] /= n;
}

void fl__face_geometry(fl_face_measures *m)
{
    const float (*p)[3] = (const float (*)[3])m->mesh;
    m->ear_il = ratio(dist2d(p, EYE_IL_UP1, EYE_IL_LO1) + dist2d(p, EYE_IL_UP2, EYE_IL_LO2),
                      2.0f * dist2d(p, EYE_IL_OUT, EYE_IL_IN));
    m->ear_ir = ratio(dist2d(p, EYE_IR_UP1, EYE_IR_LO1) + dist2d(p, EYE_IR_UP2, EYE_IR_LO2),
                      2.0f * dist2d(p, EYE_IR_IN, EYE_IR_OUT));
    m->mar = ratio(dist2d(p, LIP_UP, LIP_LOW), dist2d(p, MOUTH_IN_IL, MOUTH_IN_IR));

    static const int kp[FL_KP_COUNT][2] = {{EYE_IL_OUT, EYE_IL_IN}, {EYE_IR_IN, EYE_IR_OUT}, {NOSE_TIP, NOSE_TIP},
                                           {MOUTH_IL, MOUTH_IL},    {MOUTH_IR, MOUTH_IR},    {LIP_UP, LIP_UP},
                                           {LIP_LOW, LIP_LOW},      {CHIN, CHIN},            {FOREHEAD, FOREHEAD}};
    for (int k = 0; k < FL_KP_COUNT; k++)
        for (int d = 0; d < 2; d++)
            m->keypoints[k][d] = (p[kp[k][0]][d] + p[kp[k][1]][d]) / 2.0f;

    double x[3], y[3], z[3];
    for (int d = 0; d < 3; d++) {
        x[d] = p[EYE_IR_OUT][d] - p[EYE_IL_OUT][d];
        y[d] = p[CHIN][d] - p[FOREHEAD][d];
    }
    normalise(x);
    double dot = x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
    for (int d = 0; d < 3; d++)
        y[d] -= dot * x[d];
    normalise(y);
    z[0] = x[1] * y[2] - x[2] * y[1];
    z[1] = x[2] * y[0] - x[0] * y[2];
    z[2] = x[0] * y[1] - x[1] * y[0];
    /* A frontal face has x = (1,0,0), y = (0,1,0), z = (0,0,1) (z away from the camera).
     * Turning towards image-right moves the image-right eye away: x gains +z (yaw > 0).
     * Lowering the head moves the chin away: y gains +z (pitch > 0). */
    m->yaw = (float)(atan2(x[2], z[2]) * RAD2DEG);
    m->pitch = (float)(atan2(y[2], z[2]) * RAD2DEG);
    m->roll = (float)(atan2(x[1], x[0]) * RAD2DEG);
}
