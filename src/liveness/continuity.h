/* Whether the frames of an attempt could come from one camera filming one person: frame times a
 * camera produces, head speeds a person reaches, and no cut (a recording spliced from segments of
 * another order jumps between two frames while nothing moves before or after the jump).
 *
 * A cut is judged from the pose and position of the face between consecutive frames: the jump
 * into a frame, as a speed, against the speeds into the frame before and out of the frame after.
 * A head accelerates over several frames; a splice moves it at once and then stands still. So a
 * step is a cut when it is at least CUT_MIN_STEP large and CUT_RATIO times faster than both of its
 * neighbours. One detector glitch (a frame out and back) moves twice and is not a cut. */
#ifndef FL_LIVENESS_CONTINUITY_H
#define FL_LIVENESS_CONTINUITY_H

#include "facelive/face.h"
#include "facelive/session.h"

#define CONTINUITY_SAMPLES 4

typedef struct fl_continuity_sample {
    double t;
    float yaw, pitch, roll; /* degrees */
    float cx, cy, w;        /* face box centre and width, pixels */
} fl_continuity_sample;

typedef struct fl_continuity {
    float min_interval_s, max_speed_dps;
    int n;                       /* samples held: the last frames with a face, oldest first */
    fl_continuity_sample s[CONTINUITY_SAMPLES];
    double last_t;
    int frames;
} fl_continuity;

void fl__continuity_init(fl_continuity *c, float min_interval_s, float max_speed_dps);

/* A frame's time, with or without a face: FL_FAIL_IMPLAUSIBLE_TIMING when it is closer than
 * min_interval_s to the previous one, else FL_FAIL_NONE. */
fl_failure fl__continuity_time(fl_continuity *c, double t);

/* A frame whose face was measured: FL_FAIL_IMPLAUSIBLE_TIMING for a head turning faster than
 * max_speed_dps, FL_FAIL_FACE_CHANGED for a cut, else FL_FAIL_NONE. */
fl_failure fl__continuity_face(fl_continuity *c, double t, const fl_face_box *box, const fl_face_measures *m);

/* A frame without a face: the motion before it says nothing about the motion after. */
void fl__continuity_lost(fl_continuity *c);

#endif
