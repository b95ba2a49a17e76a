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

static const char *const names[FL_ACTION_COUNT] = {"blink", "open_mouth", "turn_left", "turn_right",
                                                   "head_up", "head_down", "nod", "shake"};
static const char *const prompts[FL_ACTION_COUNT] = {
    "Blink", "Open your mouth", "Turn your head to the left", "Turn your head to the right",
    "Raise your head", "Lower your head", "Nod: head down, then up", "Shake your head: left, then right"};

const char *fl_action_name(fl_action a)
{
    return (unsigned)a < FL_ACTION_COUNT ? names[a] : "unknown";
}

const char *fl_action_prompt(fl_action a)
{
    return (unsigned)a < FL_ACTION_COUNT ? prompts[a] : "";
}

int fl_action_parse(const char *name)
{
    for (int i = 0; name && i < FL_ACTION_COUNT; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

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
static int held(fl_pose_state *p, float v, float enter, float exit, int hold)
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

static int emit(fl_action_event *ev, int n, int max, fl_action a, double t)
{
    if (n < max)
        ev[n] = (fl_action_event){a, t};
    return n + 1;
}

int fl__actions_push(fl_actions *d, double t, const fl_face_measures *m, fl_action_event *ev, int max)
{
    if (!m->valid)
        return 0;
    const fl_action_config *c = &d->cfg;
    const float yaw = c->mirrored ? -m->yaw : m->yaw; /* > 0: the user's own left */
    if (d->n_neutral < c->neutral_frames) {
        int k = d->n_neutral++;
        d->nv[0][k] = yaw, d->nv[1][k] = m->pitch, d->nv[2][k] = m->ear_il, d->nv[3][k] = m->ear_ir,
        d->nv[4][k] = m->mar;
        if (d->n_neutral == c->neutral_frames) {
            d->yaw0 = median(d->nv[0], k + 1);
            d->pitch0 = median(d->nv[1], k + 1);
            d->ear_il0 = median(d->nv[2], k + 1);
            d->ear_ir0 = median(d->nv[3], k + 1);
            d->mar0 = median(d->nv[4], k + 1);
        }
        return 0;
    }
    /* smoothed pose relative to neutral */
    d->hist[0][d->n_hist % 3] = yaw - d->yaw0;
    d->hist[1][d->n_hist % 3] = m->pitch - d->pitch0;
    d->hist[2][d->n_hist % 3] = m->mar - d->mar0;
    d->n_hist++;
    const int full = d->n_hist >= 3;
    const float dyaw = full ? median3(d->hist[0]) : yaw - d->yaw0;
    const float dpitch = full ? median3(d->hist[1]) : m->pitch - d->pitch0;
    const float dmar = full ? median3(d->hist[2]) : m->mar - d->mar0;
    int n = 0;
    const int hold = c->hold_frames;
    if (held(&d->left, dyaw, c->turn_deg, c->turn_deg / 2, hold))
        n = emit(ev, n, max, FL_ACTION_TURN_LEFT, t);
    if (held(&d->right, -dyaw, c->turn_deg, c->turn_deg / 2, hold))
        n = emit(ev, n, max, FL_ACTION_TURN_RIGHT, t);
    /* Pitch read off a turned head is unreliable (the forehead-chin axis leans as the head
     * turns): up and down count only while the head faces the camera. */
    const float facing = fabsf(dyaw) < c->turn_deg / 2 ? 1.0f : 0.0f;
    if (held(&d->down, facing * dpitch, c->pitch_deg, c->pitch_deg / 2, hold))
        n = emit(ev, n, max, FL_ACTION_HEAD_DOWN, t);
    if (held(&d->up, -facing * dpitch, c->pitch_deg, c->pitch_deg / 2, hold))
        n = emit(ev, n, max, FL_ACTION_HEAD_UP, t);
    if (held(&d->mouth, dmar, c->mouth_open, c->mouth_open / 2, hold))
        n = emit(ev, n, max, FL_ACTION_OPEN_MOUTH, t);
    /* nod: lowered past 0.8 x the pitch threshold, then back near neutral within the window */
    /* the window runs from the start of the movement, so a slow bow is not a nod */
    if (facing * dpitch >= 0.8f * c->pitch_deg && !d->nod_armed)
        d->nod_down_t = t, d->nod_armed = 1;
    if (d->nod_armed && dpitch < 0.25f * c->pitch_deg) {
        d->nod_armed = 0;
        if (t - d->nod_down_t <= c->nod_window_s)
            n = emit(ev, n, max, FL_ACTION_NOD, t);
    }
    /* shake: the user's left past 0.75 x the turn threshold, then right past it, within the window */
    if (dyaw >= 0.75f * c->turn_deg && !d->shake_armed)
        d->shake_left_t = t, d->shake_armed = 1;
    if (d->shake_armed && t - d->shake_left_t > c->shake_window_s && dyaw < 0.75f * c->turn_deg)
        d->shake_armed = 0; /* too slow: start again from the next turn */
    if (d->shake_armed && dyaw <= -0.75f * c->turn_deg) {
        d->shake_armed = 0;
        if (t - d->shake_left_t <= c->shake_window_s)
            n = emit(ev, n, max, FL_ACTION_SHAKE, t);
    }
    /* blink: both eyes below blink_ratio of their neutral, then both back above blink_open */
    const float r = fmaxf(m->ear_il / d->ear_il0, m->ear_ir / d->ear_ir0);
    const int calm = fabsf(yaw - d->yaw0) < c->turn_deg && fabsf(m->pitch - d->pitch0) < c->pitch_deg;
    if (r < c->blink_ratio && calm && !d->eyes_closed && !d->eyes_held)
        d->eyes_closed = 1, d->closed_t = t;
    if (r > c->blink_open) {
        if (d->eyes_closed && t - d->closed_t <= c->blink_max_s)
            n = emit(ev, n, max, FL_ACTION_BLINK, t);
        d->eyes_closed = d->eyes_held = 0;
    }
    if (d->eyes_closed && t - d->closed_t > c->blink_max_s) /* eyes kept shut: not a blink; wait */
        d->eyes_closed = 0, d->eyes_held = 1;              /* until they open again */
    d->last_dyaw = dyaw;
    d->last_dpitch = dpitch;
    return n < max ? n : max;
}
