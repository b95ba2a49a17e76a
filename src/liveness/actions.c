/*
 * Action detectors on per-frame face measures, relative to the user's neutral face (the median of
 * the first frames: faces differ, and fixed absolute thresholds misfire). Pose signals are
 * median-of-3 smoothed and need hold_frames frames past a threshold, with a lower threshold to
 * reset (hysteresis). Blinks use the raw eye openness: a blink is 3-9 frames and smoothing would
 * erase it; both eyes must close (a wink is not a blink) and the head must be near neutral
 * (eyes narrow when looking up).
 */
#include "liveness/actions.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


fl_action_config fl_action_config_default(void)
{
    fl_action_config c;
    c.neutral_frames = 8;
    c.turn_deg = 20.0f;
    c.pitch_deg = 10.0f;
    c.blink_ratio = 0.75f;
    c.blink_open = 0.88f;
    c.blink_max_s = 1.0f;
    c.mouth_open = 0.20f;
    c.nod_window_s = 2.5f;
    c.shake_window_s = 3.0f;
    c.hold_frames = 2;
    c.mirrored = 0;
    return c;
}

void fl__actions_reset(fl_actions *d, const fl_action_config *cfg)
{
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    if (d->cfg.neutral_frames < 1)
        d->cfg.neutral_frames = 1;
    if (d->cfg.neutral_frames > FL_ACTIONS_MAX_NEUTRAL)
        d->cfg.neutral_frames = FL_ACTIONS_MAX_NEUTRAL;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static float median(const float *v, int n)
{
    float tmp[FL_ACTIONS_MAX_NEUTRAL];
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_float);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static float median3(const float *h)
{
    float a = h[0], b = h[1], c = h[2];
    return fmaxf(fminf(a, b), fminf(fmaxf(a, b), c));
}

/* A pose held past `enter` for hold frames fires once; it re-arms below `exit`. */
static int held(fl_action_state *p, float v, float enter, float exit, int hold)
{
    if (v >= enter) {
        if (++p->count >= hold && !p->fired) {
            p->fired = 1;
            return 1;
        }
    } else {
        p->count = 0;
        if (v < exit)
            p->fired = 0;
    }
    return 0;
}

int fl__actions_neutral_ready(const fl_actions *d)
{
    return d->n_neutral >= d->cfg.neutral_frames;
}

/* One frame's signals relative to the neutral face, as every detector reads them. */
typedef struct action_frame {
    double t;
    float dyaw, dpitch, dmar; /* median-of-3 smoothed; yaw > 0: the user's own left */
    float raw_dyaw, raw_dpitch;/* unsmoothed (blinks are too short for smoothing) */
    float facing;             /* 1 while the head faces the camera: pitch is read off it reliably */
    float eyes;               /* the more open eye's openness over its neutral */
} action_frame;

/* A detector: 1 when its action completes at this frame. It keeps its state in *s and reads its
 * calibration constants k (fractions of the configured thresholds) from its table entry. */
typedef int (*action_detector)(const fl_action_config *c, fl_action_state *s, const action_frame *f, const float *k);

typedef struct action_def {
    const char *name;   /* the library's, the server's and the bindings' name */
    const char *prompt; /* what a UI shows */
    action_detector detect;
    float k[2];         /* its calibration constants (see each detector) */
} action_def;

/* k[0]: past this share of turn_deg it fires; k[1]: below this share it re-arms. */
static int detect_turn_left(const fl_action_config *c, fl_action_state *s, const action_frame *f, const float *k)
{
    return held(s, f->dyaw, k[0] * c->turn_deg, k[1] * c->turn_deg, c->hold_frames);
}

static int detect_turn_right(const fl_action_config *c, fl_action_state *s, const action_frame *f, const float *k)
{
    return held(s, -f->dyaw, k[0] * c->turn_deg, k[1] * c->turn_deg, c->hold_frames);
}

/* Pitch read off a turned head is unreliable (the forehead-chin axis leans as the head turns): up
 * and down count only while the head faces the camera. */
static int detect_head_down(const fl_action_config *c, fl_action_state *s, const action_frame *f, const float *k)
{
    return held(s, f->facing * f->dpitch, k[0] * c->pitch_deg, k[1] * c->pitch_deg, c->hold_frames);
}

static int detect_head_up(const fl_action_config *c, fl_action_state *s, const action_frame *f, const float *k)
{
    return held(s, -f->facing * f->dpitch, k[0] * c->pitch_deg, k[1] * c->pitch_deg, c->hold_frames);
}

static int detect_open_mouth(const fl_action_config *c, fl_action_state *s, const action_frame *f, const float *k)
{
    return held(s, f->dmar, k[0] * c->mouth_open, k[1] * c->mouth_open, c->hold_frames);
}

/* Nod: lowered past k[0] x pitch_deg, then back within k[1] x pitch_deg of neutral inside the
 * window. The window runs from the start of the movement, so a slow bow is not a nod. */
static int detect_nod(const fl_action_config *c, fl_action_state *s, const action_frame *f, const float *k)
{
    if (f->facing * f->dpitch >= k[0] * c->pitch_deg && !s->armed)
        s->t = f->t, s->armed = 1;
    if (!s->armed || f->dpitch >= k[1] * c->pitch_deg)
        return 0;
    s->armed = 0;
    return f->t - s->t <= c->nod_window_s;
}

/* Shake: the user's left past k[0] x turn_deg, then right past it, within the window. */
static int detect_shake(const fl_action_config *c, fl_action_state *s, const action_frame *f, const float *k)
{
    const float past = k[0] * c->turn_deg;
    if (f->dyaw >= past && !s->armed)
        s->t = f->t, s->armed = 1;
    if (s->armed && f->t - s->t > c->shake_window_s && f->dyaw < past)
        s->armed = 0; /* too slow: start again from the next turn */
    if (!s->armed || f->dyaw > -past)
        return 0;
    s->armed = 0;
    return f->t - s->t <= c->shake_window_s;
}

/* Blink: both eyes below blink_ratio of their neutral, then both back above blink_open, within
 * blink_max_s, with the head near neutral (eyes narrow when looking up). Eyes kept shut are not a
 * blink: it waits until they open again. */
static int detect_blink(const fl_action_config *c, fl_action_state *s, const action_frame *f, const float *k)
{
    (void)k;
    const int calm = fabsf(f->raw_dyaw) < c->turn_deg && fabsf(f->raw_dpitch) < c->pitch_deg;
    int fired = 0;
    if (f->eyes < c->blink_ratio && calm && !s->armed && !s->held)
        s->armed = 1, s->t = f->t;
    if (f->eyes > c->blink_open) {
        fired = s->armed && f->t - s->t <= c->blink_max_s;
        s->armed = s->held = 0;
    }
    if (s->armed && f->t - s->t > c->blink_max_s)
        s->armed = 0, s->held = 1;
    return fired;
}

/* Every action: a new one is an entry here, its detector above, and its fl_action value. */
static const action_def actions[] = {
    [FL_ACTION_BLINK] = {"blink", "Blink", detect_blink, {0, 0}},
    [FL_ACTION_OPEN_MOUTH] = {"open_mouth", "Open your mouth", detect_open_mouth, {1.0f, 0.5f}},
    [FL_ACTION_TURN_LEFT] = {"turn_left", "Turn your head to the left", detect_turn_left, {1.0f, 0.5f}},
    [FL_ACTION_TURN_RIGHT] = {"turn_right", "Turn your head to the right", detect_turn_right, {1.0f, 0.5f}},
    [FL_ACTION_HEAD_UP] = {"head_up", "Raise your head", detect_head_up, {1.0f, 0.5f}},
    [FL_ACTION_HEAD_DOWN] = {"head_down", "Lower your head", detect_head_down, {1.0f, 0.5f}},
    [FL_ACTION_NOD] = {"nod", "Nod: head down, then up", detect_nod, {0.8f, 0.25f}},
    [FL_ACTION_SHAKE] = {"shake", "Shake your head: left, then right", detect_shake, {0.75f, 0}},
};
_Static_assert(sizeof actions / sizeof actions[0] == FL_ACTION_COUNT, "one entry per fl_action");

const char *fl_action_name(fl_action a)
{
    return (unsigned)a < FL_ACTION_COUNT && actions[a].name ? actions[a].name : "unknown";
}

const char *fl_action_prompt(fl_action a)
{
    return (unsigned)a < FL_ACTION_COUNT && actions[a].prompt ? actions[a].prompt : "";
}

int fl_action_parse(const char *name)
{
    for (int i = 0; name && i < FL_ACTION_COUNT; i++)
        if (actions[i].name && strcmp(name, actions[i].name) == 0)
            return i;
    return -1;
}

int fl__actions_table_complete(void)
{
    for (int i = 0; i < FL_ACTION_COUNT; i++)
        if (!actions[i].name || !actions[i].prompt || !actions[i].detect)
            return 0;
    return 1;
}

/* The first neutral_frames frames: the neutral face is their median. */
static void learn_neutral(fl_actions *d, float yaw, const fl_face_measures *m)
{
    int k = d->n_neutral++;
    d->nv[0][k] = yaw, d->nv[1][k] = m->pitch, d->nv[2][k] = m->ear_il, d->nv[3][k] = m->ear_ir, d->nv[4][k] = m->mar;
    if (d->n_neutral < d->cfg.neutral_frames)
        return;
    d->yaw0 = median(d->nv[0], k + 1);
    d->pitch0 = median(d->nv[1], k + 1);
    d->ear_il0 = median(d->nv[2], k + 1);
    d->ear_ir0 = median(d->nv[3], k + 1);
    d->mar0 = median(d->nv[4], k + 1);
}

static action_frame relative_frame(fl_actions *d, double t, float yaw, const fl_face_measures *m)
{
    action_frame f;
    d->hist[0][d->n_hist % 3] = yaw - d->yaw0;
    d->hist[1][d->n_hist % 3] = m->pitch - d->pitch0;
    d->hist[2][d->n_hist % 3] = m->mar - d->mar0;
    d->n_hist++;
    const int full = d->n_hist >= 3;
    f.t = t;
    f.raw_dyaw = yaw - d->yaw0;
    f.raw_dpitch = m->pitch - d->pitch0;
    f.dyaw = full ? median3(d->hist[0]) : f.raw_dyaw;
    f.dpitch = full ? median3(d->hist[1]) : f.raw_dpitch;
    f.dmar = full ? median3(d->hist[2]) : m->mar - d->mar0;
    f.facing = fabsf(f.dyaw) < d->cfg.turn_deg / 2 ? 1.0f : 0.0f;
    f.eyes = fmaxf(m->ear_il / d->ear_il0, m->ear_ir / d->ear_ir0);
    return f;
}

/* The order in which simultaneous completions are reported. */
static const fl_action report_order[] = {FL_ACTION_TURN_LEFT, FL_ACTION_TURN_RIGHT, FL_ACTION_HEAD_DOWN,
                                         FL_ACTION_HEAD_UP,   FL_ACTION_OPEN_MOUTH, FL_ACTION_NOD,
                                         FL_ACTION_SHAKE,     FL_ACTION_BLINK};
_Static_assert(sizeof report_order / sizeof report_order[0] == FL_ACTION_COUNT, "every action reported");

int fl__actions_push(fl_actions *d, double t, const fl_face_measures *m, fl_action_event *ev, int max)
{
    if (!m->valid)
        return 0;
    const float yaw = d->cfg.mirrored ? -m->yaw : m->yaw; /* > 0: the user's own left */
    if (d->n_neutral < d->cfg.neutral_frames) {
        learn_neutral(d, yaw, m);
        return 0;
    }
    const action_frame f = relative_frame(d, t, yaw, m);
    int n = 0;
    for (int i = 0; i < FL_ACTION_COUNT; i++) {
        fl_action a = report_order[i];
        if (actions[a].detect(&d->cfg, &d->state[a], &f, actions[a].k) && n < max)
            ev[n++] = (fl_action_event){a, t};
    }
    return n;
}

/* A face near its neutral: the frames the silent check should judge (turned, tilted, blinking or
 * talking faces rank out). */
#define NEUTRAL_MAX_DEG 10.0f   /* yaw and pitch each within this of neutral */
#define NEUTRAL_MIN_EYES 0.85f  /* the less open eye at least this share of its neutral */
#define NEUTRAL_MAX_MOUTH 0.10f /* the mouth opened at most this much more than neutral */

int fl__actions_neutral_face(const fl_actions *d, const fl_face_measures *m, double *closeness)
{
    if (!fl__actions_neutral_ready(d))
        return 0;
    float dyaw = fabsf((d->cfg.mirrored ? -m->yaw : m->yaw) - d->yaw0), dpitch = fabsf(m->pitch - d->pitch0);
    float eyes = fminf(m->ear_il / d->ear_il0, m->ear_ir / d->ear_ir0);
    if (dyaw > NEUTRAL_MAX_DEG || dpitch > NEUTRAL_MAX_DEG || eyes < NEUTRAL_MIN_EYES || m->mar > d->mar0 + NEUTRAL_MAX_MOUTH)
        return 0;
    *closeness = 1.0 - (dyaw + dpitch) / (4.0 * NEUTRAL_MAX_DEG);
    return 1;
}
