/* The action detectors' state for one session (see actions.c). */
#ifndef FL_LIVENESS_ACTIONS_H
#define FL_LIVENESS_ACTIONS_H

#include "facelive/session.h"

#define FL_ACTIONS_MAX_NEUTRAL 32

typedef struct fl_pose_state {
    int count, fired;
} fl_pose_state;

typedef struct fl_actions {
    fl_action_config cfg;
    int n_neutral;
    float nv[5][FL_ACTIONS_MAX_NEUTRAL]; /* yaw, pitch, EAR image-left, EAR image-right, MAR */
    float yaw0, pitch0, ear_il0, ear_ir0, mar0;
    float hist[3][3];
    int n_hist;
    fl_pose_state left, right, up, down, mouth;
    int nod_armed, shake_armed, eyes_closed, eyes_held;
    double nod_down_t, shake_left_t, closed_t;
    float last_dyaw, last_dpitch; /* relative pose of the last frame (for frame ranking) */
} fl_actions;

void fl__actions_reset(fl_actions *d, const fl_action_config *cfg);
/* 1 once the neutral face is known. */
int fl__actions_neutral_ready(const fl_actions *d);
/* Feeds one frame's measures (invalid measures are ignored); writes the actions completed at
 * this frame into ev (at most max) and returns their count. */
int fl__actions_push(fl_actions *d, double t, const fl_face_measures *m, fl_action_event *ev, int max);

#endif
