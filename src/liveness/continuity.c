#include "liveness/continuity.h"

#include <math.h>

/* A step of at least this many "degrees" (pose degrees, plus a percent of the face's width per
 * degree of position or size change) can be a cut: smaller ones are measurement noise. Measured
 * on the real clips of the data set: a head held still steps up to 9 (the face box jitters by a
 * few percent; a hand-held screen replay up to 15), a turn 10-30 per frame at 10-15 fps; the
 * splice of the head-turn clip at its action boundaries steps 22.6 between still stretches. */
#define CUT_MIN_STEP 16.0f
/* A cut's speed is this many times both neighbours' (a head starting or stopping: 1.5-4.2 here;
 * the splice: 7.6). */
#define CUT_RATIO 5.0f

void fl__continuity_init(fl_continuity *c, float min_interval_s, float max_speed_dps)
{
    c->min_interval_s = min_interval_s;
    c->max_speed_dps = max_speed_dps;
    c->n = 0;
    c->frames = 0;
    c->last_t = 0;
}

fl_failure fl__continuity_time(fl_continuity *c, double t)
{
    int too_close = c->frames && t - c->last_t < c->min_interval_s;
    c->frames++;
    c->last_t = t;
    return too_close ? FL_FAIL_IMPLAUSIBLE_TIMING : FL_FAIL_NONE;
}

static float pose_step(const fl_continuity_sample *a, const fl_continuity_sample *b)
{
    return fabsf(b->yaw - a->yaw) + fabsf(b->pitch - a->pitch) + fabsf(b->roll - a->roll);
}

/* The step between two samples in "degrees": pose, plus the face's move and change of size in
 * percent of its width. */
static float step(const fl_continuity_sample *a, const fl_continuity_sample *b)
{
    float w = fmaxf(1.0f, 0.5f * (a->w + b->w));
    float moved = hypotf(b->cx - a->cx, b->cy - a->cy) / w, resized = fabsf(logf(fmaxf(b->w, 1) / fmaxf(a->w, 1)));
    return pose_step(a, b) + 100.0f * (moved + resized);
}

static float speed(const fl_continuity_sample *a, const fl_continuity_sample *b)
{
    return step(a, b) / (float)fmax(b->t - a->t, 1e-3);
}

fl_failure fl__continuity_face(fl_continuity *c, double t, const fl_face_box *box, const fl_face_measures *m)
{
    fl_continuity_sample now = {t, m->yaw, m->pitch, m->roll, box->x + box->w / 2, box->y + box->h / 2, box->w};
    if (c->n == CONTINUITY_SAMPLES) {
        for (int i = 1; i < CONTINUITY_SAMPLES; i++)
            c->s[i - 1] = c->s[i];
        c->n--;
    }
    c->s[c->n++] = now;
    if (c->n >= 2) {
        const fl_continuity_sample *a = &c->s[c->n - 2], *b = &c->s[c->n - 1];
        float dt = (float)fmax(b->t - a->t, 1e-3);
        /* the largest single angle: its speed is a person's, whatever the camera */
        float turn = fmaxf(fabsf(b->yaw - a->yaw), fmaxf(fabsf(b->pitch - a->pitch), fabsf(b->roll - a->roll)));
        if (turn > 2.0f && turn / dt > c->max_speed_dps)
            return FL_FAIL_IMPLAUSIBLE_TIMING;
    }
    if (c->n < CONTINUITY_SAMPLES)
        return FL_FAIL_NONE;
    /* the step s[1] -> s[2] against the steps into s[1] and out of s[2] */
    const fl_continuity_sample *s = c->s;
    float v = speed(&s[1], &s[2]);
    int cut = step(&s[1], &s[2]) >= CUT_MIN_STEP && v > CUT_RATIO * speed(&s[0], &s[1]) &&
              v > CUT_RATIO * speed(&s[2], &s[3]);
    return cut ? FL_FAIL_FACE_CHANGED : FL_FAIL_NONE;
}

void fl__continuity_lost(fl_continuity *c)
{
    c->n = 0;
}
