/*
 * Action detectors on synthetic measure sequences (with noise, and with another person's neutral
 * face), random challenges, and the session's state machine on synthetic analyses.
 */
#include <math.h>
#include <string.h>

#include "facelive/session.h"
#include "liveness/actions.h"
#include "test_util.h"

static unsigned seed = 11u;

static float noise(float amp)
{
    seed = seed * 1664525u + 1013904223u;
    return amp * ((float)(seed >> 8) / (float)(1u << 24) * 2 - 1);
}

/* A person: neutral pose and eye/mouth openness (people differ). */
typedef struct person {
    float yaw, pitch, ear, mar;
} person;

static fl_face_measures frame_of(const person *p, float dyaw, float dpitch, float eye_ratio, float dmar, float amp)
{
    fl_face_measures m;
    memset(&m, 0, sizeof m);
    m.valid = 1;
    m.yaw = p->yaw + dyaw + noise(amp);
    m.pitch = p->pitch + dpitch + noise(amp);
    m.ear_il = p->ear * eye_ratio * (1 + noise(amp / 100));
    m.ear_ir = p->ear * eye_ratio * (1 + noise(amp / 100));
    m.mar = p->mar + dmar + fabsf(noise(amp / 200));
    return m;
}

/* Runs a scripted sequence at 30 fps: a neutral second, then the script; returns the events. */
typedef float (*curve)(double t, int channel); /* channel 0 yaw, 1 pitch, 2 eye ratio, 3 mar */

static int run(const person *p, curve c, double seconds, float amp, int mirrored, fl_action_event *ev, int max)
{
    fl_actions d;
    fl_action_config cfg = fl_action_config_default();
    cfg.mirrored = mirrored;
    fl__actions_reset(&d, &cfg);
    int n = 0;
    for (int i = 0; i < (int)(30 * (1 + seconds)); i++) {
        double t = i / 30.0, s = t - 1.0;
        fl_face_measures m = s < 0 ? frame_of(p, 0, 0, 1, 0, amp)
                                   : frame_of(p, c(s, 0), c(s, 1), c(s, 2), c(s, 3), amp);
        fl_action_event e[FL_ACTION_COUNT];
        int k = fl__actions_push(&d, t, &m, e, FL_ACTION_COUNT);
        for (int j = 0; j < k && n < max; j++)
            ev[n++] = e[j];
    }
    return n;
}

static int count(const fl_action_event *ev, int n, fl_action a)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += ev[i].action == a;
    return c;
}

/* bumps: a smooth 0 -> peak -> 0 over [t0, t0 + len] */
static float bump(double t, double t0, double len, float peak)
{
    if (t < t0 || t > t0 + len)
        return 0;
    return peak * (float)sin(3.14159265 * (t - t0) / len);
}

static float still(double t, int ch)
{
    (void)t;
    return ch == 2 ? 1.0f : 0.0f;
}
static float turn_left(double t, int ch) { return ch == 0 ? bump(t, 0.2, 1.2, 35) : ch == 2 ? 1 : 0; }
static float turn_right(double t, int ch) { return ch == 0 ? bump(t, 0.2, 1.2, -35) : ch == 2 ? 1 : 0; }
static float head_down(double t, int ch) { return ch == 1 ? bump(t, 0.2, 1.2, 25) : ch == 2 ? 1 : 0; }
static float head_up(double t, int ch) { return ch == 1 ? bump(t, 0.2, 1.2, -25) : ch == 2 ? 1 : 0; }
static float mouth(double t, int ch) { return ch == 3 ? bump(t, 0.2, 1.0, 0.45f) : ch == 2 ? 1 : 0; }
static float blink(double t, int ch) { return ch == 2 ? 1 - bump(t, 0.3, 0.2, 0.6f) : 0; }
static float long_close(double t, int ch) { return ch == 2 ? 1 - (t > 0.3 && t < 2.3 ? 0.6f : 0) : 0; }
static float nod(double t, int ch) { return ch == 1 ? bump(t, 0.2, 0.8, 20) : ch == 2 ? 1 : 0; }
static float slow_nod(double t, int ch) { return ch == 1 ? bump(t, 0.2, 6.0, 20) : ch == 2 ? 1 : 0; }
static float shake(double t, int ch)
{
    return ch == 0 ? bump(t, 0.2, 0.8, 30) + bump(t, 1.0, 0.8, -30) : ch == 2 ? 1 : 0;
}
static float turned_blink(double t, int ch) /* eyes narrow while the head is turned: not a blink */
{
    return ch == 0 ? (t > 0.1 && t < 1.5 ? 35 : 0) : ch == 2 ? 1 - bump(t, 0.5, 0.2, 0.6f) : 0;
}

static void test_detectors(void)
{
    static const person people[] = {{2, 10, 0.30f, 0.02f}, {-8, -3, 0.20f, 0.06f}, {12, 18, 0.36f, 0.00f}};
    static const struct {
        const char *name;
        curve c;
        fl_action want; /* FL_ACTION_COUNT: nothing */
    } cases[] = {
        {"still", still, FL_ACTION_COUNT},      {"turn left", turn_left, FL_ACTION_TURN_LEFT},
        {"turn right", turn_right, FL_ACTION_TURN_RIGHT}, {"head down", head_down, FL_ACTION_HEAD_DOWN},
        {"head up", head_up, FL_ACTION_HEAD_UP}, {"open mouth", mouth, FL_ACTION_OPEN_MOUTH},
        {"blink", blink, FL_ACTION_BLINK},      {"eyes shut 2 s", long_close, FL_ACTION_COUNT},
        {"nod", nod, FL_ACTION_NOD},            {"shake", shake, FL_ACTION_SHAKE},
        {"turned, eyes narrow", turned_blink, FL_ACTION_TURN_LEFT},
    };
    for (size_t p = 0; p < sizeof people / sizeof people[0]; p++)
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
            for (int amp = 0; amp <= 2; amp += 2) { /* without and with noise (2 deg, 2 %) */
                fl_action_event ev[32];
                int n = run(&people[p], cases[k].c, 3.0, (float)amp, 0, ev, 32);
                if (cases[k].want != FL_ACTION_COUNT)
                    CHECK(count(ev, n, cases[k].want) == 1, "person %zu, %s, noise %d: %d x %s", p, cases[k].name,
                          amp, count(ev, n, cases[k].want), fl_action_name(cases[k].want));
                /* nothing else, except the parts of compound gestures */
                for (int i = 0; i < n; i++) {
                    fl_action a = ev[i].action;
                    int part = (cases[k].want == FL_ACTION_NOD && a == FL_ACTION_HEAD_DOWN) ||
                               (cases[k].want == FL_ACTION_SHAKE &&
                                (a == FL_ACTION_TURN_LEFT || a == FL_ACTION_TURN_RIGHT)) ||
                               (cases[k].want == FL_ACTION_HEAD_DOWN && a == FL_ACTION_NOD);
                    CHECK(a == cases[k].want || part, "person %zu, %s, noise %d: unexpected %s at %.2f", p,
                          cases[k].name, amp, fl_action_name(a), ev[i].t);
                }
            }
    /* a nod slower than the window is a head down, not a nod */
    fl_action_event ev[32];
    int n = run(&people[0], slow_nod, 7.0, 0, 0, ev, 32);
    CHECK(count(ev, n, FL_ACTION_NOD) == 0 && count(ev, n, FL_ACTION_HEAD_DOWN) == 1, "slow nod");
    /* mirrored frames: the same image motion is the other direction */
    n = run(&people[0], turn_left, 3.0, 0, 1, ev, 32);
    CHECK(n == 1 && ev[0].action == FL_ACTION_TURN_RIGHT, "mirrored: image-left motion is the user's right");
    /* another person's neutral: a narrow-eyed person's open eyes are not a blink for them, while a
       blink is still one (relative thresholds) */
    person narrow = {0, 5, 0.18f, 0.02f};
    n = run(&narrow, still, 3.0, 1, 0, ev, 32);
    CHECK(n == 0, "narrow eyes at rest: %d events", n);
    n = run(&narrow, blink, 3.0, 1, 0, ev, 32);
    CHECK(count(ev, n, FL_ACTION_BLINK) == 1, "narrow-eyed person blinks");
    /* a wink (one eye) is not a blink */
    fl_actions d;
    fl_action_config cfg = fl_action_config_default();
    fl__actions_reset(&d, &cfg);
    int blinks = 0;
    for (int i = 0; i < 90; i++) {
        fl_face_measures m = frame_of(&people[0], 0, 0, 1, 0, 0);
        if (i > 40 && i < 46)
            m.ear_il *= 0.3f;
        fl_action_event e[8];
        int k = fl__actions_push(&d, i / 30.0, &m, e, 8);
        for (int j = 0; j < k; j++)
            blinks += e[j].action == FL_ACTION_BLINK;
    }
    CHECK(blinks == 0, "a wink is not a blink");
}

static void test_challenges(void)
{
    fl_error err;
    int seen[FL_ACTION_COUNT] = {0}, repeats = 0;
    for (int i = 0; i < 400; i++) {
        fl_challenge ch;
        CHECK(fl_challenge_random(NULL, 4, &ch, &err) == FL_OK, "%s", err.detail);
        for (int k = 0; k < ch.n; k++) {
            seen[ch.actions[k]]++;
            repeats += k && ch.actions[k] == ch.actions[k - 1];
        }
    }
    CHECK(repeats == 0, "no immediate repeats");
    for (int a = 0; a < FL_ACTION_COUNT; a++) /* 1600 draws, expect 200 each */
        CHECK(seen[a] > 120 && seen[a] < 280, "action %s drawn %d times of 1600", fl_action_name(a), seen[a]);
    fl_challenge allowed = {2, {FL_ACTION_BLINK, FL_ACTION_TURN_LEFT}}, ch;
    CHECK(fl_challenge_random(&allowed, 5, &ch, &err) == FL_OK, "from an allowed set");
    for (int k = 0; k < ch.n; k++)
        CHECK(ch.actions[k] == FL_ACTION_BLINK || ch.actions[k] == FL_ACTION_TURN_LEFT, "only allowed actions");
    CHECK(fl_challenge_random(NULL, 0, &ch, &err) == FL_E_INVALID_ARGUMENT, "0 steps");
    CHECK(fl_challenge_random(NULL, 9, &ch, &err) == FL_E_INVALID_ARGUMENT, "9 steps");
    fl_challenge one = {1, {FL_ACTION_NOD}};
    CHECK(fl_challenge_random(&one, 3, &ch, &err) == FL_E_INVALID_ARGUMENT, "one action, three steps");
    CHECK(fl_action_parse("turn_left") == FL_ACTION_TURN_LEFT && fl_action_parse("jump") == -1, "names");
    /* the action table: every action named, prompted and detected; names parse back to their action */
    CHECK(fl__actions_table_complete(), "every action has a name, a prompt and a detector");
    for (int a = 0; a < FL_ACTION_COUNT; a++)
        CHECK(fl_action_parse(fl_action_name((fl_action)a)) == a && *fl_action_prompt((fl_action)a),
              "action %d: name '%s' parses back, has a prompt", a, fl_action_name((fl_action)a));
    CHECK(strcmp(fl_action_name(FL_ACTION_COUNT), "unknown") == 0, "past the table: unknown");
}

/* The session on synthetic analyses: one face box and measures per frame. */
static fl_analysis analysis_of(const fl_face_measures *m, float cx, float w)
{
    fl_analysis a;
    memset(&a, 0, sizeof a);
    a.n_faces = 1;
    a.faces[0] = (fl_face_box){cx - w / 2, 100, w, w * 1.3f, {0}, 0.9f, 0, 0, 0, 0};
    a.measures = *m;
    a.sharpness = 200;
    a.brightness = 120; /* lit well enough for the silent check to judge */
    return a;
}

/* Pushes `frames` frames of the person with a mouth opening of dmar and a yaw of dyaw. */
static void push_frames(fl_session *s, const person *p, int frames, float dyaw, float dmar, double *t,
                        fl_session_state *st)
{
    fl_error err;
    fl_image frame = {(uint8_t[3 * 4 * 4]){0}, 4, 4, 12};
    for (int i = 0; i < frames; i++) {
        fl_face_measures m = frame_of(p, dyaw, 0, 1, dmar, 0.3f);
        fl_analysis a = analysis_of(&m, 300, 120);
        fl_session_push_analysis(s, &frame, &a, *t += 1 / 30.0, st, &err);
    }
}

/* After the last action the session waits for enough good frames for the silent check
 * (FL_PHASE_CAPTURE); until then, and when they never come, the outcome is uncertain. */
static void test_capture_phase(const fl_analyzer *an)
{
    fl_error err;
    const person p = {1, 8, 0.28f, 0.02f};
    fl_challenge ch = {1, {FL_ACTION_OPEN_MOUTH}};
    fl_session_config cfg = fl_session_config_default();
    cfg.silent_min_frames = 5;
    for (int late = 0; late < 2; late++) {
        fl_session *s;
        CHECK(fl_session_create(an, NULL, &cfg, &ch, &s, &err) == FL_OK, "%s", err.detail);
        fl_session_state st;
        fl_session_result r;
        double t = 0;
        push_frames(s, &p, 9, 0, 0, &t, &st);   /* the neutral face, one frame kept */
        push_frames(s, &p, 12, 0, 0.45f, &t, &st); /* the mouth opens at once: not a frame to keep */
        fl_session_result_get(s, &r, &err);
        CHECK(st.phase == FL_PHASE_CAPTURE && st.step == 1 && strstr(st.prompt, "straight") &&
                  r.decision == FL_DECISION_UNCERTAIN && r.outcome == FL_OUTCOME_TOO_FEW_FRAMES,
              "action at once: capture phase, uncertain (phase %d, %s)", st.phase, fl_outcome_name(r.outcome));
        if (!late) {
            push_frames(s, &p, 8, 0, 0, &t, &st); /* a straight look */
            CHECK(st.phase == FL_PHASE_DONE, "enough frames: done (phase %d)", st.phase);
        } else {
            for (int k = 1; k <= 10; k++) /* the head turns away (120 degrees a second: a person's speed) */
                push_frames(s, &p, 1, 4.0f * k, 0, &t, &st);
            push_frames(s, &p, 290, 40, 0, &t, &st); /* and stays turned away */
            fl_session_result_get(s, &r, &err);
            CHECK(st.phase == FL_PHASE_FAILED && st.failure == FL_FAIL_CAPTURE_TIMEOUT &&
                      r.decision == FL_DECISION_UNCERTAIN && r.outcome == FL_OUTCOME_TOO_FEW_FRAMES,
                  "no good frame after the action: capture timeout, uncertain (%s)", fl_failure_name(st.failure));
        }
        fl_session_free(s);
    }
    CHECK(strcmp(fl_outcome_name(FL_OUTCOME_PASSED), "passed") == 0 &&
              strcmp(fl_outcome_name(FL_OUTCOME_SILENT_ERROR), "silent_error") == 0 &&
              strcmp(fl_outcome_name((fl_outcome)99), "unknown") == 0,
          "outcome names");
    cfg.silent_min_frames = cfg.best_frames + 1;
    fl_session *s;
    CHECK(fl_session_create(an, NULL, &cfg, &ch, &s, &err) == FL_E_INVALID_ARGUMENT,
          "silent_min_frames above best_frames is refused");
}

static void test_session(const fl_analyzer *an)
{
    fl_error err;
    fl_image frame;
    fl_image_alloc(64, 48, &frame, &err);
    const person p = {1, 8, 0.28f, 0.02f};
    fl_challenge ch = {2, {FL_ACTION_TURN_LEFT, FL_ACTION_OPEN_MOUTH}};
    fl_session_config cfg = fl_session_config_default();
    fl_session *s;
    CHECK(fl_session_create(an, NULL, &cfg, &ch, &s, &err) == FL_OK, "%s", err.detail);
    fl_session_state st;
    double t = 0;
    /* no face: quality phase */
    fl_analysis none;
    memset(&none, 0, sizeof none);
    fl_session_push_analysis(s, &frame, &none, t, &st, &err);
    CHECK(st.phase == FL_PHASE_QUALITY && st.reason == FL_QUALITY_NO_FACE && strstr(st.prompt, "face"),
          "no face: prompt '%s'", st.prompt);
    /* neutral, then the actions in order: mouth first does not count */
    for (int i = 0; i < 10; i++) {
        fl_face_measures m = frame_of(&p, 0, 0, 1, 0, 0.5f);
        fl_analysis a = analysis_of(&m, 300, 120);
        fl_session_push_analysis(s, &frame, &a, t += 1 / 30.0, &st, &err);
    }
    CHECK(st.phase == FL_PHASE_ACTION && st.action == FL_ACTION_TURN_LEFT && st.step == 0, "asks to turn left");
    for (int i = 0; i < 30; i++) {
        fl_face_measures m = frame_of(&p, 0, 0, 1, bump(i / 30.0, 0, 1.0, 0.45f), 0);
        fl_analysis a = analysis_of(&m, 300, 120);
        fl_session_push_analysis(s, &frame, &a, t += 1 / 30.0, &st, &err);
    }
    CHECK(st.step == 0, "an open mouth before the turn does not advance");
    for (int i = 0; i < 45; i++) {
        fl_face_measures m = frame_of(&p, bump(i / 30.0, 0, 1.2, 35), 0, 1, 0, 0);
        fl_analysis a = analysis_of(&m, 300, 120);
        fl_session_push_analysis(s, &frame, &a, t += 1 / 30.0, &st, &err);
    }
    CHECK(st.step == 1 && st.action == FL_ACTION_OPEN_MOUTH, "turn left done, mouth asked (%d)", st.step);
    for (int i = 0; i < 30; i++) {
        fl_face_measures m = frame_of(&p, 0, 0, 1, bump(i / 30.0, 0, 1.0, 0.45f), 0);
        fl_analysis a = analysis_of(&m, 300, 120);
        fl_session_push_analysis(s, &frame, &a, t += 1 / 30.0, &st, &err);
    }
    CHECK(st.phase == FL_PHASE_DONE && st.step == 2, "done (phase %d)", st.phase);
    fl_session_result r;
    CHECK(fl_session_result_get(s, &r, &err) == FL_OK && r.n_best >= 3 && !r.has_verdict, "best frames kept");
    CHECK(r.decision == FL_DECISION_UNCERTAIN && r.outcome == FL_OUTCOME_NO_SILENT_CHECK,
          "actions done without a silent engine: uncertain, not passed (%s)", fl_outcome_name(r.outcome));
    CHECK(fl_session_push_analysis(s, &frame, &none, t - 1, &st, &err) == FL_E_INVALID_ARGUMENT,
          "time going backwards is refused");
    fl_session_free(s);

    /* timeouts, lost and swapped faces */
    static const struct {
        const char *name;
        int mode;
        fl_failure want;
    } fails[] = {{"action timeout", 0, FL_FAIL_ACTION_TIMEOUT},
                 {"face lost", 1, FL_FAIL_FACE_LOST},
                 {"face swapped", 2, FL_FAIL_FACE_CHANGED}};
    for (size_t k = 0; k < 3; k++) {
        CHECK(fl_session_create(an, NULL, &cfg, &ch, &s, &err) == FL_OK, "%s", err.detail);
        t = 0;
        memset(&st, 0, sizeof st);
        for (int i = 0; i < 400 && st.phase != FL_PHASE_FAILED; i++) {
            fl_face_measures m = frame_of(&p, 0, 0, 1, 0, 0.5f);
            float cx = fails[k].mode == 2 && i > 20 ? 500 : 300;
            fl_analysis a = analysis_of(&m, cx, 120);
            const fl_analysis *use = fails[k].mode == 1 && i > 20 ? &none : &a;
            fl_session_push_analysis(s, &frame, use, t += 1 / 30.0, &st, &err);
        }
        CHECK(st.phase == FL_PHASE_FAILED && st.failure == fails[k].want, "%s: phase %d failure %s", fails[k].name,
              st.phase, fl_failure_name(st.failure));
        fl_session_free(s);
    }
    /* a still photo (or one frame repeated) never passes any action */
    for (int a_ = 0; a_ < FL_ACTION_COUNT; a_++) {
        fl_challenge one = {1, {(fl_action)a_}};
        fl_session_create(an, NULL, &cfg, &one, &s, &err);
        fl_face_measures m = frame_of(&p, 0, 0, 1, 0, 0);
        fl_analysis a = analysis_of(&m, 300, 120);
        for (int i = 0; i < 300; i++)
            fl_session_push_analysis(s, &frame, &a, i / 30.0, &st, &err);
        CHECK(st.phase == FL_PHASE_FAILED && st.failure == FL_FAIL_ACTION_TIMEOUT, "still frame passed %s",
              fl_action_name((fl_action)a_));
        fl_session_free(s);
    }
    fl_challenge bad = {0, {0}};
    CHECK(fl_session_create(an, NULL, &cfg, &bad, &s, &err) == FL_E_INVALID_ARGUMENT, "empty challenge");
    cfg.best_frames = 99;
    CHECK(fl_session_create(an, NULL, &cfg, &ch, &s, &err) == FL_E_INVALID_ARGUMENT, "99 best frames");
    fl_image_free(&frame);
}

/* Light the user cannot fix (every frame backlit): the session asks for better light for
 * light_patience_s, then learns the neutral face and asks for the action in the light there is,
 * and keeps those frames for the silent check. With a negative patience it keeps asking. */
static void test_light_patience(fl_analyzer *an)
{
    fl_error err;
    fl_image frame;
    fl_image_alloc(64, 48, &frame, &err);
    const person p = {1, 8, 0.28f, 0.02f};
    fl_challenge ch = {1, {FL_ACTION_TURN_LEFT}};
    const float patience[2] = {3.0f, -1.0f};
    for (int k = 0; k < 2; k++) {
        fl_session_config cfg = fl_session_config_default();
        cfg.light_patience_s = patience[k];
        fl_session *s = NULL;
        CHECK(fl_session_create(an, NULL, &cfg, &ch, &s, &err) == FL_OK, "%s", err.detail);
        fl_session_state st;
        double t = 0, left_quality = -1;
        for (int i = 0; i < 10 * 30 && s; i++) {
            const float yaw = i >= 5 * 30 ? bump((i - 5 * 30) / 30.0, 0, 1.2, 35) : 0;
            fl_face_measures m = frame_of(&p, yaw, 0, 1, 0, 0);
            fl_analysis a = analysis_of(&m, 300, 120);
            a.brightness = 45;
            a.reasons[a.n_reasons++] = (fl_quality_issue){FL_QUALITY_BACKLIT, 0.3f, 0.4f};
            fl_session_push_analysis(s, &frame, &a, t += 1 / 30.0, &st, &err);
            if (left_quality < 0 && st.phase != FL_PHASE_QUALITY)
                left_quality = t;
            if (i == 30)
                CHECK(st.phase == FL_PHASE_QUALITY && st.reason == FL_QUALITY_BACKLIT, "patience %g: asks for light",
                      patience[k]);
        }
        fl_session_result r;
        CHECK(s && fl_session_result_get(s, &r, &err) == FL_OK, "result");
        if (patience[k] > 0)
            CHECK(left_quality >= 3.0 && left_quality < 3.5 && r.state.step == 1 && r.n_best >= 3,
                  "after 3 s of bad light the attempt goes on (at %.2f s), the turn counts, frames kept (%d)",
                  left_quality, r.n_best);
        else
            CHECK(left_quality < 0 && r.state.step == 0 && r.n_best == 0 && r.state.reason == FL_QUALITY_BACKLIT,
                  "a negative patience keeps asking for light (left at %.2f s, %d frames kept)", left_quality, r.n_best);
        fl_session_free(s);
    }
    fl_image_free(&frame);
}

int main(void)
{
    test_detectors();
    test_challenges();
    fl_analyzer *an;
    fl_error err;
    CHECK(fl_analyzer_create(fl_test_models_dir(), NULL, &an, &err) == FL_OK, "%s", err.detail);
    if (an) {
        test_session(an);
        test_capture_phase(an);
        test_light_patience(an);
    }
    fl_analyzer_free(an);
    TEST_MAIN_END();
}
