/*
 * One liveness attempt: quality gate, neutral face, the challenge's actions in order with
 * timeouts, face tracking, the best frames, and the silent verdict on them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/options.h"
#include "common/random.h"
#include "facelive/session.h"
#include "liveness/actions.h"
#include "liveness/continuity.h"
#include "liveness/silent_internal.h"

#define BEST_MAX FL_SILENT_MAX_FRAMES

typedef struct kept_frame {
    fl_image img;
    fl_analysis analysis; /* the session's analysis of it: the silent check needs no other */
    double t, rank;
} kept_frame;

struct fl_session {
    fl_session_config cfg;
    fl_challenge ch;
    fl_analyzer_ctx *analyzer;
    fl_silent_ctx *silent;
    fl_actions det;
    fl_continuity motion;
    fl_phase phase;
    fl_failure failure;
    fl_quality_reason reason;
    int step, frames, dropped, started, have_face, verdict_done;
    int light_bad_prev, light_relaxed; /* see track_light */
    double light_wait_s, light_prev_t;
    fl_status silent_status;
    double t0, step_t, last_face_t, last_t;
    float face_cx, face_cy, face_w;
    fl_action_event events[FL_SESSION_MAX_EVENTS];
    int n_events;
    double done_at[FL_CHALLENGE_MAX];
    kept_frame best[BEST_MAX];
    int n_best;
    fl_verdict verdict;
};

static const char *const failure_names[] = {"none",          "action_timeout", "total_timeout", "face_lost",
                                            "face_changed",  "several_faces",  "spoof",         "capture_timeout",
                                            "implausible_timing"};

const char *fl_failure_name(fl_failure f)
{
    return (unsigned)f <= FL_FAIL_IMPLAUSIBLE_TIMING ? failure_names[f] : "unknown";
}

static const char *const outcome_names[] = {"passed",         "spoof",          "in_progress",       "actions_failed",
                                            "no_silent_check", "too_few_frames", "silent_uncertain", "silent_error"};

const char *fl_outcome_name(fl_outcome o)
{
    return (unsigned)o <= FL_OUTCOME_SILENT_ERROR ? outcome_names[o] : "unknown";
}

static fl_session_config defaults(void)
{
    fl_session_config c;
    c.struct_size = sizeof c;
    c.actions = fl_action_config_default();
    c.action_timeout_s = 8.0f;
    c.total_timeout_s = 40.0f;
    c.face_lost_s = 1.5f;
    c.best_frames = 5;
    c.silent_min_frames = 3;
    c.gate_light = 1;
    c.silent_analyzer = NULL;
    c.light_patience_s = 3.0f;
    c.min_frame_interval_s = 0.004f;
    c.max_head_speed_dps = 720.0f;
    return c;
}

FL__DEFINE_OPTIONS_INIT(fl_session_config_init, fl_session_config, defaults)

/* A uniform integer in [0, n) from the OS's cryptographic source (rejection sampling: no bias). */
static int random_below(int n, fl_error *err, int *out)
{
    const uint32_t limit = UINT32_MAX - UINT32_MAX % (uint32_t)n;
    for (;;) {
        uint32_t r;
        if (fl__random_bytes(&r, sizeof r, err))
            return FL_E_IO;
        if (r < limit) {
            *out = (int)(r % (uint32_t)n);
            return FL_OK;
        }
    }
}

fl_status fl_challenge_random(const fl_challenge *allowed, int n, fl_challenge *out, fl_error *err)
{
    fl__error_clear(err);
    if (!out || n < 1 || n > FL_CHALLENGE_MAX)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "a challenge has 1 to %d actions, not %d", FL_CHALLENGE_MAX, n);
    if (allowed && (allowed->n < 1 || allowed->n > FL_CHALLENGE_MAX))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "the allowed set has %d actions", allowed->n);
    fl_action pool[FL_ACTION_COUNT > FL_CHALLENGE_MAX ? FL_ACTION_COUNT : FL_CHALLENGE_MAX];
    const int n_pool = allowed ? allowed->n : FL_ACTION_COUNT; /* NULL: every action of the table */
    for (int i = 0; i < n_pool; i++) {
        pool[i] = allowed ? allowed->actions[i] : (fl_action)i;
        if ((unsigned)pool[i] >= FL_ACTION_COUNT)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "allowed action %d is not an action", (int)pool[i]);
    }
    if (n_pool == 1 && n > 1)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "one allowed action cannot make %d steps without repeats", n);
    fl_challenge drawn = {n, {0}}; /* the caller's challenge is written only on success */
    for (int i = 0; i < n; i++) {
        int k = 0;
        do {
            fl_status s = random_below(n_pool, err, &k);
            if (s)
                return s;
        } while (i > 0 && pool[k] == drawn.actions[i - 1]); /* no immediate repeats */
        drawn.actions[i] = pool[k];
    }
    *out = drawn;
    return FL_OK;
}

fl_status fl_session_create(const fl_analyzer *an, const fl_silent *sl, const fl_session_config *config,
                            const fl_challenge *ch, fl_session **out, fl_error *err)
{
    fl__error_clear(err);
    if (!an || !ch || !out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "analyzer, challenge or out is NULL");
    if (ch->n < 1 || ch->n > FL_CHALLENGE_MAX)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "a challenge has 1 to %d actions, not %d", FL_CHALLENGE_MAX, ch->n);
    for (int i = 0; i < ch->n; i++)
        if ((unsigned)ch->actions[i] >= FL_ACTION_COUNT)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "challenge step %d is not an action", i);
    fl_session_config c = defaults();
    if (config && fl__options_adopt(&c, config, sizeof c, "fl_session_config", err))
        return FL_E_INVALID_ARGUMENT;
    if (!(c.action_timeout_s > 0) || !(c.total_timeout_s > 0) || !(c.face_lost_s > 0) || c.best_frames < 1 ||
        c.best_frames > BEST_MAX || c.silent_min_frames < 1 || c.silent_min_frames > c.best_frames)
        return fl__fail(err, FL_E_INVALID_ARGUMENT,
                       "timeouts must be positive, best_frames 1..%d and silent_min_frames 1..best_frames (%d, %d)",
                       BEST_MAX, c.best_frames, c.silent_min_frames);
    if (!(c.min_frame_interval_s >= 0) || !(c.max_head_speed_dps > 0))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "min_frame_interval_s must be >= 0 and max_head_speed_dps > 0 "
                                                    "(%g, %g)", c.min_frame_interval_s, c.max_head_speed_dps);
    if (isnan(c.light_patience_s))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "light_patience_s is NaN: seconds, or negative to wait forever");
    fl_session *s = calloc(1, sizeof *s);
    if (!s)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    s->cfg = c;
    s->ch = *ch;
    fl_status st = fl_analyzer_ctx_create(an, &s->analyzer, err);
    if (!st && sl)
        st = fl_silent_ctx_create(sl, c.silent_analyzer ? c.silent_analyzer : an, &s->silent, err);
    if (st) {
        fl_session_free(s);
        return st;
    }
    fl__actions_reset(&s->det, &c.actions);
    fl__continuity_init(&s->motion, c.min_frame_interval_s, c.max_head_speed_dps);
    s->phase = FL_PHASE_QUALITY;
    s->reason = FL_QUALITY_NO_FACE;
    *out = s;
    return FL_OK;
}

void fl_session_free(fl_session *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_best; i++)
        fl_image_free(&s->best[i].img);
    fl_analyzer_ctx_free(s->analyzer);
    fl_silent_ctx_free(s->silent);
    free(s);
}

void fl_session_add_dropped(fl_session *s, int n)
{
    if (s)
        s->dropped += n;
}

static const char *prompt_of(const fl_session *s)
{
    switch (s->phase) {
    case FL_PHASE_QUALITY: return fl_quality_reason_prompt(s->reason);
    case FL_PHASE_NEUTRAL: return "Look straight at the camera";
    case FL_PHASE_ACTION: return fl_action_prompt(s->ch.actions[s->step]);
    case FL_PHASE_CAPTURE: return "Look straight at the camera";
    case FL_PHASE_DONE: return "Done";
    case FL_PHASE_FAILED: break;
    }
    switch (s->failure) {
    case FL_FAIL_ACTION_TIMEOUT: return "Too slow: please try again";
    case FL_FAIL_TOTAL_TIMEOUT: return "Time is up: please try again";
    case FL_FAIL_FACE_LOST: return "Your face left the picture: please try again";
    case FL_FAIL_FACE_CHANGED: return "The face changed: please try again";
    case FL_FAIL_SEVERAL_FACES: return "Only one face, please: try again";
    case FL_FAIL_SPOOF: return "Liveness could not be confirmed";
    case FL_FAIL_CAPTURE_TIMEOUT: return "Could not get a clear look at your face: please try again";
    case FL_FAIL_IMPLAUSIBLE_TIMING: return "The video could not be checked: please try again";
    default: return "Failed";
    }
}

static void fill_state(const fl_session *s, fl_session_state *st)
{
    if (!st)
        return;
    st->phase = s->phase;
    st->step = s->step;
    st->n_steps = s->ch.n;
    st->action = s->ch.actions[s->step < s->ch.n ? s->step : s->ch.n - 1];
    st->reason = s->reason;
    st->failure = s->failure;
    st->prompt = prompt_of(s);
    st->frames = s->frames;
    st->dropped = s->dropped;
}

static void fail(fl_session *s, fl_failure f)
{
    s->phase = FL_PHASE_FAILED;
    s->failure = f;
}

/* Waiting for the user to do something within action_timeout_s: an action, or a good look. */
static int waiting(const fl_session *s)
{
    return s->phase == FL_PHASE_ACTION || s->phase == FL_PHASE_CAPTURE;
}

static void check_step_timeout(fl_session *s, double t)
{
    if (waiting(s) && t - s->step_t > s->cfg.action_timeout_s)
        fail(s, s->phase == FL_PHASE_CAPTURE ? FL_FAIL_CAPTURE_TIMEOUT : FL_FAIL_ACTION_TIMEOUT);
}

/* After the last action: done once enough frames are kept for the silent check. */
static void finish_when_captured(fl_session *s)
{
    if (s->phase == FL_PHASE_CAPTURE && s->n_best >= s->cfg.silent_min_frames)
        s->phase = FL_PHASE_DONE;
}

static int is_light(fl_quality_reason r)
{
    return r == FL_QUALITY_DARK || r == FL_QUALITY_BRIGHT || r == FL_QUALITY_BACKLIT;
}

static int has_light_reason(const fl_analysis *a)
{
    for (int i = 0; i < a->n_reasons; i++)
        if (is_light(a->reasons[i].reason))
            return 1;
    return 0;
}

/* Adds up the time the attempt has seen light problems (between consecutive frames that both
 * had one); once it reaches light_patience_s the attempt goes on with the light it has. */
static void track_light(fl_session *s, const fl_analysis *a, double t)
{
    const int bad = has_light_reason(a);
    if (bad && s->light_bad_prev)
        s->light_wait_s += t - s->light_prev_t;
    s->light_bad_prev = bad;
    s->light_prev_t = t;
    if (s->cfg.light_patience_s >= 0 && s->light_wait_s >= s->cfg.light_patience_s)
        s->light_relaxed = 1;
}

/* Quality reasons that stop the attempt from using a frame. Pose and motion are the actions
 * themselves, so they only count while the neutral face is learnt. Blur never stops it: a
 * replayed screen is typically blurred, and stopping there would end the attempt in a timeout
 * instead of the spoof verdict the silent check gives (blur still ranks the best frames). */
static int blocking(const fl_analysis *a, int learning_neutral, int gate_light, fl_quality_reason *why)
{
    for (int i = 0; i < a->n_reasons; i++) {
        fl_quality_reason r = a->reasons[i].reason;
        if (r == FL_QUALITY_BLUR)
            continue;
        if (!gate_light && is_light(r))
            continue;
        if (!learning_neutral && (r == FL_QUALITY_POSE || r == FL_QUALITY_MOTION || r == FL_QUALITY_OFF_CENTRE))
            continue;
        *why = r;
        return 1;
    }
    return 0;
}

/* Keeps the sharpest near-neutral frames: frontal, eyes open, mouth closed, in good light while
 * the user may still fix it (whatever gate_light says), and after light_patience_s frames in the
 * light there is, ranked below every well-lit one. The silent check's models judge those faces;
 * a verdict "real" still needs their score above the threshold. */
static void keep_best(fl_session *s, const fl_image *frame, const fl_analysis *a, double t)
{
    fl_quality_reason why;
    double closeness;
    if (!fl__actions_neutral_face(&s->det, &a->measures, &closeness) || blocking(a, 1, !s->light_relaxed, &why) ||
        !fl__silent_can_judge(s->silent, a))
        return;
    double rank = a->sharpness * closeness - (has_light_reason(a) ? 1e9 : 0);
    int slot = s->n_best < s->cfg.best_frames ? s->n_best : -1;
    if (slot < 0) { /* replace the weakest if this one is better */
        slot = 0;
        for (int i = 1; i < s->n_best; i++)
            if (s->best[i].rank < s->best[slot].rank)
                slot = i;
        if (s->best[slot].rank >= rank)
            return;
        fl_image_free(&s->best[slot].img);
    } else {
        s->n_best++;
    }
    fl_error err;
    if (fl_image_alloc(frame->width, frame->height, &s->best[slot].img, &err)) {
        s->n_best -= slot == s->n_best - 1;
        return;
    }
    for (int y = 0; y < frame->height; y++)
        memcpy(s->best[slot].img.data + (size_t)y * s->best[slot].img.stride, frame->data + (size_t)y * frame->stride,
               (size_t)frame->width * 3);
    s->best[slot].analysis = *a;
    s->best[slot].t = t;
    s->best[slot].rank = rank;
}

/* The same face stays in view: a jump of half a face width between frames close in time, or a
 * sudden change of size, is another face (a swap of person, a cut in a replayed video). */
static int same_face(fl_session *s, const fl_face_box *f, double t)
{
    const float cx = f->x + f->w / 2, cy = f->y + f->h / 2;
    int ok = 1;
    if (s->have_face && t - s->last_face_t < 0.5) {
        float jump = hypotf(cx - s->face_cx, cy - s->face_cy) / s->face_w, ratio = f->w / s->face_w;
        ok = jump < 0.5f && ratio < 1.5f && ratio > 1 / 1.5f;
    }
    s->have_face = 1;
    s->face_cx = cx, s->face_cy = cy, s->face_w = f->w, s->last_face_t = t;
    return ok;
}

fl_status fl_session_push_analysis(fl_session *s, const fl_image *frame, const fl_analysis *a, double t,
                                   fl_session_state *state, fl_error *err)
{
    fl__error_clear(err);
    if (!s || !frame || !a)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "session, frame or analysis is NULL");
    if (!isfinite(t) || (s->frames && t < s->last_t))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "frame time %g goes backwards (last %g)", t, s->last_t);
    /* a frame at the same time as the one before is the same frame again: it says nothing new */
    if (s->phase == FL_PHASE_DONE || s->phase == FL_PHASE_FAILED || (s->frames && t == s->last_t)) {
        fill_state(s, state);
        return FL_OK;
    }
    if (!s->frames)
        s->t0 = t;
    s->frames++;
    s->last_t = t;
    fl_failure implausible = fl__continuity_time(&s->motion, t);
    if (implausible) {
        fail(s, implausible);
    } else if (t - s->t0 > s->cfg.total_timeout_s) {
        fail(s, FL_FAIL_TOTAL_TIMEOUT);
    } else if (a->n_faces == 0 || !a->measures.valid) {
        fl__continuity_lost(&s->motion);
        if (s->have_face && t - s->last_face_t > s->cfg.face_lost_s && s->phase != FL_PHASE_QUALITY)
            fail(s, FL_FAIL_FACE_LOST);
        else {
            s->reason = a->n_faces == 0 ? FL_QUALITY_NO_FACE : FL_QUALITY_NOT_A_FACE;
            if (!waiting(s))
                s->phase = FL_PHASE_QUALITY;
            check_step_timeout(s, t);
        }
    } else if (!same_face(s, &a->faces[0], t)) {
        fail(s, FL_FAIL_FACE_CHANGED);
    } else if ((implausible = fl__continuity_face(&s->motion, t, &a->faces[0], &a->measures))) {
        fail(s, implausible);
    } else {
        const int learning = !fl__actions_neutral_ready(&s->det);
        fl_quality_reason why;
        track_light(s, a, t);
        if (blocking(a, learning, s->cfg.gate_light && !s->light_relaxed, &why)) {
            s->reason = why;
            if (!waiting(s))
                s->phase = FL_PHASE_QUALITY;
            check_step_timeout(s, t);
        } else {
            fl_action_event ev[FL_ACTION_COUNT];
            int n = fl__actions_push(&s->det, t, &a->measures, ev, FL_ACTION_COUNT);
            keep_best(s, frame, a, t);
            if (learning) {
                s->phase = fl__actions_neutral_ready(&s->det) ? FL_PHASE_ACTION : FL_PHASE_NEUTRAL;
                s->step_t = t;
            }
            for (int i = 0; i < n; i++) {
                if (s->n_events < FL_SESSION_MAX_EVENTS)
                    s->events[s->n_events++] = ev[i];
                /* Order is enforced: only the action asked now advances the challenge. */
                if (s->phase == FL_PHASE_ACTION && ev[i].action == s->ch.actions[s->step]) {
                    s->done_at[s->step++] = t;
                    s->step_t = t;
                    if (s->step == s->ch.n)
                        s->phase = FL_PHASE_CAPTURE;
                }
            }
            finish_when_captured(s);
            check_step_timeout(s, t);
        }
    }
    fill_state(s, state);
    return FL_OK;
}

fl_status fl_session_push(fl_session *s, const fl_image *frame, double t, fl_session_state *state, fl_error *err)
{
    fl__error_clear(err);
    if (!s || !frame)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "session or frame is NULL");
    if (s->phase == FL_PHASE_DONE || s->phase == FL_PHASE_FAILED) {
        fill_state(s, state);
        return FL_OK;
    }
    fl_analysis a;
    fl_status st = fl_analyze(s->analyzer, frame, &a, err);
    if (st)
        return st;
    return fl_session_push_analysis(s, frame, &a, t, state, err);
}

/* The silent check on the best frames, once. Its failure is recorded, not returned: the attempt
 * then ends uncertain (fail closed), and the caller still gets the rest of the result. */
static void run_silent_check(fl_session *s)
{
    if (s->phase != FL_PHASE_DONE || !s->silent || s->verdict_done || s->silent_status)
        return;
    const fl_image *frames[BEST_MAX];
    const fl_analysis *analyses[BEST_MAX];
    for (int i = 0; i < s->n_best; i++) {
        frames[i] = &s->best[i].img;
        analyses[i] = &s->best[i].analysis;
    }
    fl_error err;
    /* The best frames were analysed by the session's analyzer; the silent check reuses those
     * analyses unless it finds faces with its own (silent_analyzer). */
    s->silent_status = fl__silent_check_analysed(s->silent, frames, s->cfg.silent_analyzer ? NULL : analyses,
                                                 s->n_best, &s->verdict, &err);
    if (s->silent_status)
        return;
    s->verdict_done = 1;
    if (s->verdict.decision == FL_DECISION_SPOOF)
        fail(s, FL_FAIL_SPOOF);
}

/* Real needs positive evidence from every part; everything else is spoof or uncertain. */
static fl_outcome outcome_of(const fl_session *s)
{
    if (s->phase == FL_PHASE_FAILED)
        return s->failure == FL_FAIL_SPOOF             ? FL_OUTCOME_SPOOF
               : s->failure == FL_FAIL_CAPTURE_TIMEOUT ? FL_OUTCOME_TOO_FEW_FRAMES
                                                       : FL_OUTCOME_ACTIONS_FAILED;
    if (s->phase == FL_PHASE_CAPTURE) /* the actions are done; the frames for the check are not */
        return FL_OUTCOME_TOO_FEW_FRAMES;
    if (s->phase != FL_PHASE_DONE)
        return FL_OUTCOME_IN_PROGRESS;
    if (!s->silent)
        return FL_OUTCOME_NO_SILENT_CHECK;
    if (s->silent_status)
        return FL_OUTCOME_SILENT_ERROR;
    if (!s->verdict_done || s->verdict.n_used < s->cfg.silent_min_frames)
        return FL_OUTCOME_TOO_FEW_FRAMES;
    return s->verdict.decision == FL_DECISION_REAL ? FL_OUTCOME_PASSED : FL_OUTCOME_SILENT_UNCERTAIN;
}

fl_status fl_session_result_get(fl_session *s, fl_session_result *r, fl_error *err)
{
    fl__error_clear(err);
    if (!s || !r)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "session or out is NULL");
    run_silent_check(s);
    memset(r, 0, sizeof *r);
    fill_state(s, &r->state);
    r->n_events = s->n_events;
    memcpy(r->events, s->events, (size_t)s->n_events * sizeof *r->events);
    memcpy(r->done_at, s->done_at, sizeof r->done_at);
    r->n_best = s->n_best;
    for (int i = 0; i < s->n_best; i++) {
        r->best[i] = &s->best[i].img;
        r->best_t[i] = s->best[i].t;
    }
    r->has_verdict = s->verdict_done;
    r->verdict = s->verdict;
    r->outcome = outcome_of(s);
    r->decision = r->outcome == FL_OUTCOME_PASSED  ? FL_DECISION_REAL
                  : r->outcome == FL_OUTCOME_SPOOF ? FL_DECISION_SPOOF
                                                   : FL_DECISION_UNCERTAIN;
    r->silent_status = s->silent_status;
    return FL_OK;
}
