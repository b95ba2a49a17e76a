/*
 * facelive/session.h - action liveness and the on-device flow of one liveness attempt:
 * quality -> neutral face -> a random sequence of actions -> best frames -> silent verdict.
 *
 *     fl_challenge ch;
 *     fl_challenge_random(NULL, 3, &ch, &err);          // e.g. blink, turn_left, open_mouth
 *     fl_session *s;
 *     fl_session_create(an, sl, NULL, &ch, &s, &err);   // sl NULL: never "real" locally
 *     for each camera frame:
 *         fl_session_state st;
 *         fl_session_push(s, &frame, t_seconds, &st, &err);
 *         show(st.prompt);                               // "Blink now", "Move closer", ...
 *         if (st.phase == FL_PHASE_DONE || st.phase == FL_PHASE_FAILED) break;
 *     fl_session_result res;
 *     fl_session_result_get(s, &res, &err);              // runs the silent check on the best frames
 *     if (res.decision == FL_DECISION_REAL) ...          // only with FL_OUTCOME_PASSED
 *
 * Actions are judged from the 468-point mesh relative to the user's own neutral face: the median
 * of the first frames, where the user is asked to look straight. Left and right are the USER'S
 * left and right. Cameras differ: an unmirrored image (what Android and iOS save, and what a
 * server receives) shows the user's left on the image's right; a mirrored preview (a selfie
 * view) shows it on the image's left. Set fl_action_config.mirrored to 1 for mirrored frames.
 *
 * Thread-safety: a session is used by one thread at a time; sessions are independent. The
 * analyzer and silent engines they use may be shared. The name, prompt, parse and *_default/
 * *_init functions are pure and may be called from any thread; fl_challenge_random too.
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

/* n actions drawn uniformly without immediate repeats from `allowed` (NULL: every action), using the
 * operating system's cryptographic random source (getrandom; arc4random_buf on Apple platforms).
 * 1 <= n <= FL_CHALLENGE_MAX. */
FL_API fl_status fl_challenge_random(const fl_challenge *allowed, int n, fl_challenge *out, fl_error *err);

typedef struct fl_session_config {
    uint32_t struct_size;    /* set by fl_session_config_default(); never by hand (see README, ABI) */
    fl_action_config actions; /* nested: fixed in size; new action settings go at this struct's end */
    float action_timeout_s;   /* per action; default 8 */
    float total_timeout_s;    /* whole attempt; default 40 */
    float face_lost_s;        /* no face this long: failed; default 1.5 */
    int best_frames;          /* frames kept for the silent check; default 5 (at most FL_SILENT_MAX_FRAMES) */
    int silent_min_frames;    /* the silent verdict counts only when it used at least this many
                                 frames; the session keeps asking the user to look at the camera
                                 until it has them (FL_PHASE_CAPTURE); default 3 (1..best_frames) */
    int gate_light;           /* 1 (default): too dark, too bright and backlit frames wait for better
                                 light (for light_patience_s). 0: they never hold the actions up;
                                 frames kept for the silent check still need good light until
                                 light_patience_s of light problems have passed. */
    const fl_analyzer *silent_analyzer; /* finds faces for the silent check; NULL: the session's
                                           (the library's default detection size; pass an analyzer
                                           with detect_size 640 for reference parity) */
    float light_patience_s;   /* how long the attempt asks for better light (too dark, too bright,
                                 backlit) before it goes on with the light it has: a user before a
                                 window may not be able to fix it, and the models judge such faces
                                 (docs/accuracy.md, "Acquisition"). Counted over the frames with a
                                 light reason; after it, those frames count for the actions and may be
                                 kept for the silent check (well-lit frames still rank first). Default
                                 3; negative: wait for better light until the attempt times out. */
    float min_frame_interval_s; /* frames closer in time fail the attempt (FL_FAIL_IMPLAUSIBLE_TIMING):
                                   no camera takes them (all times 0, a recording squeezed in time);
                                   default 0.004 (250 frames a second) */
    float max_head_speed_dps;   /* a head turning faster than this many degrees a second between two
                                   frames fails the attempt likewise; default 720 */
} fl_session_config;

/* Writes the defaults into the first size bytes of *c (size: the caller's sizeof). Thread-safe. */
FL_API void fl_session_config_init(fl_session_config *c, size_t size);
/* The defaults, for the struct as this header knows it: start here and change fields. */
static inline fl_session_config fl_session_config_default(void)
{
    fl_session_config c;
    fl_session_config_init(&c, sizeof c);
    return c;
}

typedef enum fl_phase {
    FL_PHASE_QUALITY = 0, /* waiting for a usable face; see reason */
    FL_PHASE_NEUTRAL,     /* learning the neutral face: look straight */
    FL_PHASE_ACTION,      /* waiting for actions[step] */
    FL_PHASE_CAPTURE,     /* actions done; still too few good frames for the silent check: look straight */
    FL_PHASE_DONE,        /* every action performed, in order, and the frames for the silent check kept */
    FL_PHASE_FAILED       /* see failure */
} fl_phase;

typedef enum fl_failure {
    FL_FAIL_NONE = 0,
    FL_FAIL_ACTION_TIMEOUT,
    FL_FAIL_TOTAL_TIMEOUT,
    FL_FAIL_FACE_LOST,
    FL_FAIL_FACE_CHANGED,  /* the tracked face jumped: another person or a cut */
    FL_FAIL_SEVERAL_FACES,
    FL_FAIL_SPOOF,         /* the silent check on the best frames said spoof */
    FL_FAIL_CAPTURE_TIMEOUT, /* the actions were done, but too few good frames came for the silent check */
    FL_FAIL_IMPLAUSIBLE_TIMING /* frames closer in time than a camera takes them, or a head turning faster
                                  than a person turns it (a recording replayed faster, made-up times) */
} fl_failure;

FL_API const char *fl_failure_name(fl_failure f); /* "action_timeout" */

/* Why a session's outcome is what it is. Only FL_OUTCOME_PASSED comes with FL_DECISION_REAL:
 * "real" needs every action in order AND a silent verdict "real" from enough frames. Anything
 * that could not be checked is uncertain, never passed (fail closed). */
typedef enum fl_outcome {
    FL_OUTCOME_PASSED = 0,          /* real: actions in order, silent verdict real */
    FL_OUTCOME_SPOOF,               /* spoof: the silent check said spoof */
    FL_OUTCOME_IN_PROGRESS,         /* uncertain: the attempt has not finished */
    FL_OUTCOME_ACTIONS_FAILED,      /* uncertain: see state.failure (timeout, face lost or changed...) */
    FL_OUTCOME_NO_SILENT_CHECK,     /* uncertain: the session has no silent engine (the device sends the
                                       best frames to a server, whose verdict is the one that counts) */
    FL_OUTCOME_TOO_FEW_FRAMES,      /* uncertain: fewer usable frames than silent_min_frames (also while
                                       the session is still in FL_PHASE_CAPTURE) */
    FL_OUTCOME_SILENT_UNCERTAIN,    /* uncertain: the silent score fell between spoof_below and threshold */
    FL_OUTCOME_SILENT_ERROR         /* uncertain: the silent check could not run (see silent_status) */
} fl_outcome;

FL_API const char *fl_outcome_name(fl_outcome o); /* "too_few_frames" */

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
    int has_verdict;            /* 1 when the silent check ran on the best frames */
    fl_verdict verdict;
    fl_decision decision;       /* the attempt's answer: real only with outcome FL_OUTCOME_PASSED */
    fl_outcome outcome;         /* why */
    fl_status silent_status;    /* FL_OUTCOME_SILENT_ERROR: what the silent check returned */
} fl_session_result;

typedef struct fl_session fl_session;

/* A session for one attempt. an is required; sl may be NULL (the caller sends the best frames to
 * a server instead): such a session never decides "real" (its outcome is FL_OUTCOME_NO_SILENT_CHECK). config NULL: defaults. Thread-safe (distinct sessions). */
FL_API fl_status fl_session_create(const fl_analyzer *an, const fl_silent *sl, const fl_session_config *config,
                                   const fl_challenge *challenge, fl_session **out, fl_error *err);
FL_API void fl_session_free(fl_session *s);

/* Pushes one upright BGR frame taken at t seconds (non-decreasing; the camera's clock, not the
 * time the frame was handled). Frames after DONE or FAILED change nothing, nor does a frame at the
 * same time as the one before (the same frame again). The attempt fails when
 * the frames could not come from one camera filming one person: FL_FAIL_IMPLAUSIBLE_TIMING (see
 * min_frame_interval_s, max_head_speed_dps) or FL_FAIL_FACE_CHANGED (the face jumps between two
 * frames: another face, or a cut in a spliced recording; docs/security.md says what this cannot
 * see). Not thread-safe for the same session. */
FL_API fl_status fl_session_push(fl_session *s, const fl_image *frame, double t, fl_session_state *state,
                                 fl_error *err);

/* Pushes an already analysed frame (the frame pool analyses on worker threads). */
FL_API fl_status fl_session_push_analysis(fl_session *s, const fl_image *frame, const fl_analysis *a, double t,
                                          fl_session_state *state, fl_error *err);

/* The outcome (decision and outcome; see fl_outcome). When the actions passed and the session has a
 * silent engine, the silent check runs on the best frames here (once); a spoof verdict turns the
 * phase to FAILED/FL_FAIL_SPOOF. A silent check that fails is not an error of this call: it makes
 * the outcome FL_OUTCOME_SILENT_ERROR (uncertain). May be called at any time; before the attempt
 * ends the decision is uncertain (FL_OUTCOME_IN_PROGRESS). Errors: FL_E_INVALID_ARGUMENT. */
FL_API fl_status fl_session_result_get(fl_session *s, fl_session_result *out, fl_error *err);

/* Counts frames a frame pool dropped, so the state can report them. */
FL_API void fl_session_add_dropped(fl_session *s, int n);

#ifdef __cplusplus
}
#endif
#endif
