/*
 * facelive/session.h - action liveness and the on-device flow of one liveness attempt:
 * quality -> neutral face -> a random sequence of actions -> best frames -> silent verdict.
 *
 *     fl_challenge ch;
 *     fl_challenge_random(NULL, 3, &ch, &err);          // e.g. blink, turn_left, open_mouth
 *     fl_session *s;
 *     fl_session_create(an, sl, NULL, &ch, &s, &err);   // sl may be NULL: no local verdict
 *     for each camera frame:
 *         fl_session_state st;
 *         fl_session_push(s, &frame, t_seconds, &st, &err);
 *         show(st.prompt);                               // "Blink now", "Move closer", ...
 *         if (st.phase == FL_PHASE_DONE || st.phase == FL_PHASE_FAILED) break;
 *     fl_session_result(s, &res, &err);                  // best frames, verdict
 *
 * Actions are judged from the 468-point mesh relative to the user's own neutral face: the median
 * of the first frames, where the user is asked to look straight. Left and right are the USER'S
 * left and right. Cameras differ: an unmirrored image (what Android and iOS save, and what a
 * server receives) shows the user's left on the image's right; a mirrored preview (a selfie
 * view) shows it on the image's left. Set fl_action_config.mirrored to 1 for mirrored frames.
 *
 * Thread-safety: a session is used by one thread at a time; sessions are independent. The
 * analyzer and silent engines they use may be shared.
 */
#ifndef FACELIVE_SESSION_H
#define FACELIVE_SESSION_H

#include <stdint.h>

#include "facelive/export.h"
#include "facelive/face.h"
#include "facelive/liveness.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fl_action {
    FL_ACTION_BLINK = 0,
    FL_ACTION_OPEN_MOUTH,
    FL_ACTION_TURN_LEFT,  /* the user's left */
    FL_ACTION_TURN_RIGHT,
    FL_ACTION_HEAD_UP,
    FL_ACTION_HEAD_DOWN,
    FL_ACTION_NOD,        /* down, then back up */
    FL_ACTION_SHAKE,      /* left, then right */
    FL_ACTION_COUNT
} fl_action;

FL_API const char *fl_action_name(fl_action a);   /* "turn_left" */
FL_API const char *fl_action_prompt(fl_action a); /* "Turn your head to the left" */
/* Parses a name; -1 when unknown. */
FL_API int fl_action_parse(const char *name);

/* Thresholds of the action detectors, relative to the neutral face (docs/actions.md). */
typedef struct fl_action_config {
    int neutral_frames;   /* frames whose median is the neutral face; default 8 */
    float turn_deg;       /* yaw change that counts as a turn; default 20 (back below 10) */
    float pitch_deg;      /* pitch change for head up/down; default 10 (back below 5) */
    float blink_ratio;    /* both eyes' openness below this share of neutral: closed; default 0.75 */
    float blink_open;     /* ...and back above this share: a blink; default 0.88 */
    float blink_max_s;    /* a blink closes and opens within this time; default 1.0 */
    float mouth_open;     /* MAR above neutral + this: open; default 0.20 */
    float nod_window_s;   /* nod: down then back up within; default 2.5 */
    float shake_window_s; /* shake: left then right within; default 3.0 */
    int hold_frames;      /* frames a pose must be held; default 2 */
    int mirrored;         /* 1: frames are mirrored (selfie preview): left and right swap */
} fl_action_config;

FL_API fl_action_config fl_action_config_default(void);

#define FL_CHALLENGE_MAX 8

typedef struct fl_challenge {
    int n;
    fl_action actions[FL_CHALLENGE_MAX];
} fl_challenge;

/* n actions drawn uniformly without immediate repeats from `allowed` (NULL: all eight), using the
 * operating system's cryptographic random source (getrandom). 1 <= n <= FL_CHALLENGE_MAX. */
FL_API fl_status fl_challenge_random(const fl_challenge *allowed, int n, fl_challenge *out, fl_error *err);

typedef struct fl_session_config {
    fl_action_config actions;
    float action_timeout_s;   /* per action; default 8 */
    float total_timeout_s;    /* whole attempt; default 40 */
    float face_lost_s;        /* no face this long: failed; default 1.5 */
    int best_frames;          /* frames kept for the silent check; default 5 (at most FL_SILENT_MAX_FRAMES) */
    int gate_light;           /* 1 (default): too dark, too bright and backlit frames wait for better light */
    const fl_analyzer *silent_analyzer; /* finds faces for the silent check; NULL: the session's.
                                           The anti-spoof models want detection at 640 px
                                           (docs/liveness.md) while frames are analysed at 320. */
} fl_session_config;

FL_API fl_session_config fl_session_config_default(void);

typedef enum fl_phase {
    FL_PHASE_QUALITY = 0, /* waiting for a usable face; see reason */
    FL_PHASE_NEUTRAL,     /* learning the neutral face: look straight */
    FL_PHASE_ACTION,      /* waiting for actions[step] */
    FL_PHASE_DONE,        /* every action performed, in order */
    FL_PHASE_FAILED       /* see failure */
} fl_phase;

typedef enum fl_failure {
    FL_FAIL_NONE = 0,
    FL_FAIL_ACTION_TIMEOUT,
    FL_FAIL_TOTAL_TIMEOUT,
    FL_FAIL_FACE_LOST,
    FL_FAIL_FACE_CHANGED,  /* the tracked face jumped: another person or a cut */
    FL_FAIL_SEVERAL_FACES,
    FL_FAIL_SPOOF          /* the silent check on the best frames said spoof */
} fl_failure;

FL_API const char *fl_failure_name(fl_failure f);

typedef struct fl_session_state {
    fl_phase phase;
    int step, n_steps;          /* actions done so far, of n_steps */
    fl_action action;           /* the action asked now (FL_PHASE_ACTION) */
    fl_quality_reason reason;   /* FL_PHASE_QUALITY: what to fix */
    fl_failure failure;
    const char *prompt;         /* text a UI can show as is */
    int frames, dropped;        /* frames pushed; frames the caller's pool dropped (fl_frame_pool) */
} fl_session_state;

typedef struct fl_action_event {
    fl_action action;
    double t;                   /* seconds, the frame time when it completed */
} fl_action_event;

#define FL_SESSION_MAX_EVENTS 64

typedef struct fl_session_result {
    fl_session_state state;
    int n_events;               /* every action detected, asked or not, in time order */
    fl_action_event events[FL_SESSION_MAX_EVENTS];
    double done_at[FL_CHALLENGE_MAX]; /* when each challenge step was satisfied */
    int n_best;
    const fl_image *best[FL_SILENT_MAX_FRAMES]; /* owned by the session */
    double best_t[FL_SILENT_MAX_FRAMES];
    int has_verdict;            /* 1 when the session had a silent engine and the actions passed */
    fl_verdict verdict;
} fl_session_result;

typedef struct fl_session fl_session;

/* A session for one attempt. an is required; sl may be NULL (the caller sends the best frames to
 * a server instead). config NULL: defaults. Thread-safe (distinct sessions). */
FL_API fl_status fl_session_create(const fl_analyzer *an, const fl_silent *sl, const fl_session_config *config,
                                   const fl_challenge *challenge, fl_session **out, fl_error *err);
FL_API void fl_session_free(fl_session *s);

/* Pushes one upright BGR frame taken at t seconds (non-decreasing). Frames after DONE or FAILED
 * change nothing. Not thread-safe for the same session. */
FL_API fl_status fl_session_push(fl_session *s, const fl_image *frame, double t, fl_session_state *state,
                                 fl_error *err);

/* Pushes an already analysed frame (the frame pool analyses on worker threads). */
FL_API fl_status fl_session_push_analysis(fl_session *s, const fl_image *frame, const fl_analysis *a, double t,
                                          fl_session_state *state, fl_error *err);

/* The outcome. When the actions passed and the session has a silent engine, the silent check runs
 * on the best frames here (once) and a spoof verdict turns the phase to FAILED/FL_FAIL_SPOOF. */
FL_API fl_status fl_session_result_get(fl_session *s, fl_session_result *out, fl_error *err);

/* Counts frames a frame pool dropped, so the state can report them. */
FL_API void fl_session_add_dropped(fl_session *s, int n);

#ifdef __cplusplus
}
#endif
#endif
