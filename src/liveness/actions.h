/* The action detectors' state for one session (see actions.c). */
#ifndef FL_LIVENESS_ACTIONS_H
#define FL_LIVENESS_ACTIONS_H

#include "facelive/session.h"

#define FL_ACTIONS_MAX_NEUTRAL 32

/* One detector's state (actions.c's table says which fields each uses). */
typedef struct fl_action_state {
    int count, fired; /* a held pose: frames past its threshold; fired until it re-arms */
    int armed, held;  /* a movement begun (nod, shake, eyes closed); eyes kept shut */
    double t;         /* when the movement began */
} fl_action_state;

typedef struct fl_actions {
    fl_action_config cfg;
    int n_neutral;
    float nv[5][FL_ACTIONS_MAX_NEUTRAL]; /* yaw, pitch, EAR image-left, EAR image-right, MAR */
    float yaw0, pitch0, ear_il0, ear_ir0, mar0;
    float hist[3][3];
    int n_hist;
    fl_action_state state[FL_ACTION_COUNT];
} fl_actions;

void fl__actions_reset(fl_actions *d, const fl_action_config *cfg);
/* 1 once the neutral face is known. */
int fl__actions_neutral_ready(const fl_actions *d);
/* Feeds one frame's measures (invalid measures are ignored); writes the actions completed at
 * this frame into ev (at most max) and returns their count. */
int fl__actions_push(fl_actions *d, double t, const fl_face_measures *m, fl_action_event *ev, int max);
/* 1 when the face of m is near the neutral face (the frames the silent check should judge), with
 * *closeness in [0.5, 1]: 1 at neutral, lower as the head turns or tilts. 0 before the neutral face
 * is known, or when the face is turned, tilted, blinking or talking. */
int fl__actions_neutral_face(const fl_actions *d, const fl_face_measures *m, double *closeness);
/* 1 when every action has a name, a prompt and a detector (tests). */
int fl__actions_table_complete(void);

#endif
