/*
 * `facelive video FILE|FOLDER [options]`: runs a liveness session over a video file (or a folder
 * of frames) and gives its verdict: the challenge's actions in order, then the silent check on the
 * best frames. Without a challenge it only reports the actions it sees. Several challenges (and the
 * observation) can be judged in one pass over the frames, each by its own session. See usage().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/json_face.h"
#include "app/json_writer.h"
#include "app/program.h"
#include "app/session_result.h"
#include "app/video_reader.h"
#include "cli/draw.h"
#include "facelive/session.h"

#define MAX_RUNS 8

/* One judged attempt over the clip: a challenge, or the observation of every action. */
typedef struct run {
    int observe;
    fl_challenge ch;
} run;

typedef struct video_args {
    const char *path, *models, *draw;
    int json, silent, mirrored, no_light_gate, detect_size, observe, n_runs;
    double fps, start, end, threshold, light_patience;
    run runs[MAX_RUNS];
} video_args;

/* "blink, open_mouth, ...": every action the library has, in its order. */
static const char *action_names(char *names, size_t size)
{
    size_t at = 0;
    names[0] = 0;
    for (int a = 0; a < FL_ACTION_COUNT && at < size; a++)
        at += (size_t)snprintf(names + at, size - at, "%s%s", a ? ", " : "", fl_action_name((fl_action)a));
    return names;
}

static void usage(FILE *f)
{
    char names[256];
    fprintf(f,
            "usage: facelive video FILE|FOLDER [--actions a,b,c | --random N] [--json] [--no-silent]\n"
            "       [--mirrored] [--no-light-gate] [--light-patience S] [--draw SHEET.png] [--fps N]\n"
            "       [--start S] [--end S]\n"
            "       [--detect-size N] [--threshold T] [--models DIR]\n"
            "\n"
            "A liveness session over a video file or a folder of .jpg/.png frames: the actions asked, in\n"
            "order, then the silent check on the best frames. It passes only when both say real.\n"
            "  --actions a,b,c   the challenge, of: %s\n"
            "                    (the user's left and right)\n"
            "  --random N        a random challenge of N actions\n"
            "                    (neither: only report the actions seen; no verdict. Both may be given\n"
            "                    up to %d times: each challenge is judged by its own session in one pass)\n"
            "  --observe         also report every action seen, as without a challenge\n"
            "  --no-silent       actions only, for experiments: the verdict is then uncertain\n"
            "  --json            one JSON line per frame, then the result as one JSON line\n"
            "  --mirrored        frames are mirrored (a selfie preview)\n"
            "  --no-light-gate   let dark or backlit frames count for the actions at once\n"
            "  --light-patience S  seconds of light problems after which the attempt goes on with the\n"
            "                    light it has (default: the library's, 3; -1: wait for better light)\n"
            "  --draw SHEET.png  a contact sheet of frames with their prompts\n"
            "  --fps N           frame rate of a folder of frames (default 30)\n"
            "  --start S, --end S  read the clip from S seconds, and stop at S seconds\n"
            "  --detect-size N   detection size of the silent check (default: the library's; 640 for\n"
            "                    parity with the reference pipeline)\n"
            "  --threshold T     the silent check's threshold (default: the library's)\n"
            "  --models DIR      the model pack (default: $FACELIVE_MODELS, the installed pack, ./models)\n"
            "\n" FL_EXIT_STATUS_HELP, action_names(names, sizeof names), MAX_RUNS);
}

static int parse_actions(const char *list, fl_challenge *ch)
{
    char names[256];
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    ch->n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int a = fl_action_parse(tok);
        if (a < 0 || ch->n == FL_CHALLENGE_MAX) {
            fprintf(stderr, "facelive video: '%s' is not an action (or more than %d): %s\n", tok, FL_CHALLENGE_MAX,
                    action_names(names, sizeof names));
            return -1;
        }
        ch->actions[ch->n++] = (fl_action)a;
    }
    if (!ch->n)
        fprintf(stderr, "facelive video: --actions needs at least one action\n");
    return ch->n ? 0 : -1;
}

static int parse(int argc, char **argv, video_args *a)
{
    memset(a, 0, sizeof *a);
    a->silent = 1;
    a->threshold = -1;
    a->end = 1e12;
    a->light_patience = fl_session_config_default().light_patience_s;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int n_random = 0, bad = 0;
        if (strcmp(o, "--json") == 0)
            a->json = 1;
        else if (strcmp(o, "--silent") == 0) /* the default; kept for older scripts */
            a->silent = 1;
        else if (strcmp(o, "--no-silent") == 0)
            a->silent = 0;
        else if (strcmp(o, "--mirrored") == 0)
            a->mirrored = 1;
        else if (strcmp(o, "--no-light-gate") == 0)
            a->no_light_gate = 1;
        else if (strcmp(o, "--observe") == 0)
            a->observe = 1;
        else if (o[0] == '-' && o[1] == '-' && !val)
            return fl_usage_missing_value("video", o);
        else if ((strcmp(o, "--actions") == 0 || strcmp(o, "--random") == 0) && a->n_runs == MAX_RUNS - 1) {
            fprintf(stderr, "facelive video: at most %d challenges in one pass\n", MAX_RUNS - 1);
            return FL_EXIT_USAGE;
        } else if (strcmp(o, "--actions") == 0) {
            bad = parse_actions(argv[++i], &a->runs[a->n_runs++].ch);
        } else if (strcmp(o, "--random") == 0) {
            fl_error err;
            bad = fl_parse_int("video", o, argv[++i], 1, FL_CHALLENGE_MAX, &n_random);
            if (!bad && fl_challenge_random(NULL, n_random, &a->runs[a->n_runs++].ch, &err)) {
                fprintf(stderr, "facelive video: %s\n", err.detail);
                return FL_EXIT_ERROR;
            }
        } else if (strcmp(o, "--draw") == 0)
            a->draw = argv[++i];
        else if (strcmp(o, "--fps") == 0)
            bad = fl_parse_float("video", o, argv[++i], 0.1, 1000, &a->fps);
        else if (strcmp(o, "--light-patience") == 0)
            bad = fl_parse_float("video", o, argv[++i], -1, 1e6, &a->light_patience);
        else if (strcmp(o, "--start") == 0)
            bad = fl_parse_float("video", o, argv[++i], 0, 1e9, &a->start);
        else if (strcmp(o, "--end") == 0)
            bad = fl_parse_float("video", o, argv[++i], 0, 1e9, &a->end);
        else if (strcmp(o, "--detect-size") == 0)
            bad = fl_parse_int("video", o, argv[++i], 32, 4096, &a->detect_size);
        else if (strcmp(o, "--threshold") == 0)
            bad = fl_parse_float("video", o, argv[++i], 0.001, 1, &a->threshold);
        else if (strcmp(o, "--models") == 0)
            a->models = argv[++i];
        else if (o[0] == '-' && o[1] == '-')
            return fl_usage_unknown_option("video", o);
        else if (a->path) {
            fprintf(stderr, "facelive video: one video at a time ('%s' and '%s')\n", a->path, o);
            return FL_EXIT_USAGE;
        } else
            a->path = o;
        if (bad)
            return FL_EXIT_USAGE;
    }
    if (!a->path) {
        usage(stderr);
        return FL_EXIT_USAGE;
    }
    if (a->end <= a->start) {
        fprintf(stderr, "facelive video: --end %g is not after --start %g\n", a->end, a->start);
        return FL_EXIT_USAGE;
    }
    if (a->observe || a->n_runs == 0) { /* every action, one long window: report what happens */
        memmove(&a->runs[1], &a->runs[0], (size_t)a->n_runs * sizeof a->runs[0]);
        a->n_runs++;
        a->runs[0].observe = 1;
        a->runs[0].ch.n = FL_CHALLENGE_MAX;
        for (int i = 0; i < FL_CHALLENGE_MAX; i++)
            a->runs[0].ch.actions[i] = (fl_action)(i % FL_ACTION_COUNT);
    }
    return 0;
}

/* A contact sheet: up to 24 frames sampled over the clip, each with its time and prompt. */
typedef struct sheet {
    fl_image img;
    int cell_w, cell_h, n, cols;
} sheet;

static void sheet_add(sheet *s, const fl_image *f, double t, const char *line)
{
    if (s->n >= 24)
        return;
    if (!s->img.data) {
        fl_error err;
        s->cell_w = 240;
        s->cell_h = (int)((double)f->height * 240 / f->width);
        s->cols = 6;
        if (fl_image_alloc(s->cell_w * s->cols, s->cell_h * 4, &s->img, &err))
            return;
    }
    int x0 = (s->n % s->cols) * s->cell_w, y0 = (s->n / s->cols) * s->cell_h;
    fl_resize_linear(f->data, f->width, f->height, f->stride, 3, 0, 0, f->width, f->height,
                     s->img.data + (size_t)y0 * s->img.stride + 3 * (size_t)x0, s->cell_w, s->cell_h, s->img.stride);
    fl_image cell = {s->img.data + (size_t)y0 * s->img.stride + 3 * (size_t)x0, s->cell_w, s->cell_h, s->img.stride};
    char text[64];
    snprintf(text, sizeof text, "%.1fS", t);
    fl_draw_shade(&cell, 0, 0, s->cell_w, 22);
    fl_draw_text(&cell, 2, 2, 1, text, (fl_rgb){255, 255, 255});
    fl_draw_text(&cell, 2, 12, 1, line, (fl_rgb){0, 230, 255});
    s->n++;
}

/* The models and the session: the silent engine unless --no-silent, and its own detector only
 * when --detect-size asks for another size than the library's default. */
typedef struct engines {
    fl_analyzer *an, *an_silent;
    fl_silent *sl;
    fl_session *session[MAX_RUNS]; /* one per run of video_args */
    fl_analyzer_ctx *actx;
} engines;

static void engines_free(engines *e)
{
    fl_analyzer_ctx_free(e->actx);
    for (int i = 0; i < MAX_RUNS; i++)
        fl_session_free(e->session[i]);
    fl_silent_free(e->sl);
    fl_analyzer_free(e->an);
    fl_analyzer_free(e->an_silent);
}

static fl_status engines_create(const video_args *a, const char *models, engines *e, fl_error *err)
{
    fl_session_config cfg = fl_session_config_default();
    cfg.actions.mirrored = a->mirrored;
    cfg.gate_light = !a->no_light_gate;
    cfg.light_patience_s = (float)a->light_patience;
    fl_analyzer_options ao = fl_analyzer_options_default();
    fl_silent_options so = fl_silent_options_default();
    fl_silent_options_set_threshold(&so, (float)a->threshold);
    fl_status s = fl_analyzer_create(models, NULL, &e->an, err);
    if (!s && a->silent && a->detect_size && a->detect_size != ao.detect_size) {
        ao.detect_size = a->detect_size;
        s = fl_analyzer_create(models, &ao, &e->an_silent, err);
    }
    if (!s && a->silent)
        s = fl_silent_create(models, NULL, &so, &e->sl, err);
    cfg.silent_analyzer = e->an_silent;
    for (int i = 0; i < a->n_runs && !s; i++) {
        fl_session_config c = cfg;
        if (a->runs[i].observe) /* every action, one long window */
            c.action_timeout_s = c.total_timeout_s = 1e9f;
        s = fl_session_create(e->an, e->sl, &c, &a->runs[i].ch, &e->session[i], err);
    }
    if (!s)
        s = fl_analyzer_ctx_create(e->an, &e->actx, err);
    return s;
}

static void print_frame_json(jw *w, double t, const fl_analysis *an, const fl_session_state *st)
{
    const fl_face_measures *m = &an->measures;
    jw_object(w, NULL);
    jw_num(w, "t", t, 3);
    jw_int(w, "faces", an->n_faces);
    if (m->valid) {
        fl_json_face_measures(w, m);
        jw_num(w, "sharpness", an->sharpness, 1);
    }
    jw_int(w, "phase", st->phase);
    jw_int(w, "step", st->step);
    jw_str(w, "prompt", st->prompt);
    jw_end(w);
}

/* Why, in words, for the verdict line and the JSON "reason". */
static const char *reason_of(const run *a, const fl_session_result *r)
{
    if (a->observe)
        return "observed only (no challenge)";
    switch (r->outcome) {
    case FL_OUTCOME_PASSED: return "all actions performed in order and the silent check said real";
    case FL_OUTCOME_SPOOF: return "spoof";
    case FL_OUTCOME_IN_PROGRESS: return "the video ended before the challenge did";
    case FL_OUTCOME_ACTIONS_FAILED: return fl_failure_name(r->state.failure);
    default: return fl_outcome_name(r->outcome);
    }
}

/* The session's result (app/session_result.h: the verify route's keys), with "passed" and a
 * sentence for the reason. */
static void print_result_json(const run *a, const fl_session_result *r, int n, const fl_silent *sl)
{
    jw w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_bool(&w, "passed", !a->observe && r->decision == FL_DECISION_REAL);
    fl_json_session_result(&w, a->observe ? NULL : &a->ch, r, n, sl);
    jw_str(&w, "reason", reason_of(a, r));
    jw_end(&w);
}

static void print_result_text(const run *a, const fl_session_result *r)
{
    if (a->observe)
        printf("  actions seen:\n");
    else {
        printf("  challenge:");
        for (int i = 0; i < a->ch.n; i++)
            printf(" %s", fl_action_name(a->ch.actions[i]));
        printf("\n");
    }
    for (int i = 0; i < r->n_events; i++)
        printf("  %6.2f s  %s\n", r->events[i].t, fl_action_name(r->events[i].action));
    if (a->observe)
        return;
    if (r->has_verdict && r->verdict.n_used)
        printf("  silent check: %s, score %.4f over %d frame%s (real at >= %.2f)\n",
               fl_decision_name(r->verdict.decision), r->verdict.score, r->verdict.n_used,
               r->verdict.n_used == 1 ? "" : "s", r->verdict.threshold);
    const char *word = r->decision == FL_DECISION_REAL ? "PASSED" : r->decision == FL_DECISION_SPOOF ? "FAILED"
                                                                                                        : "UNCERTAIN";
    printf("%s: %s (%d of %d actions)\n", word, reason_of(a, r), r->state.step, a->ch.n);
}

/* The result of every run: one line (JSON) or a few lines (text) each; returns the exit status,
 * the worst over the challenges (an observation alone is a success). */
static int report(const video_args *a, engines *e, int n, double last_t)
{
    int rc = FL_EXIT_OK;
    if (!a->json)
        printf("%s: %d frames, %.1f s\n", a->path, n, last_t);
    for (int i = 0; i < a->n_runs; i++) {
        fl_session_result res;
        fl_error err;
        if (fl_session_result_get(e->session[i], &res, &err)) {
            fprintf(stderr, "facelive video: %s\n", err.detail);
            return FL_EXIT_ERROR;
        }
        const run *r = &a->runs[i];
        if (a->json)
            print_result_json(r, &res, n, e->sl);
        else
            print_result_text(r, &res);
        if (!r->observe)
            rc = fl_exit_worst(rc, fl_exit_of_decision(res.decision));
    }
    return rc;
}

/* One frame through every run's session: analysed once here (not by fl_session_push), so every
 * session takes the same analysis and the per-frame measures can be printed. 0, or -1 (err). */
static int push_frame(const video_args *a, engines *e, const fl_image *frame, double t, fl_analysis *an,
                      fl_session_state *first, fl_error *err)
{
    if (fl_analyze(e->actx, frame, an, err) != FL_OK)
        return -1;
    for (int i = 0; i < a->n_runs; i++) {
        fl_session_state si;
        if (fl_session_push_analysis(e->session[i], frame, an, t - a->start, &si, err) != FL_OK)
            return -1;
        if (i == 0)
            *first = si;
    }
    return 0;
}

/* Every frame between --start and --end: into the sessions, the per-frame lines (--json) and the
 * contact sheet (--draw). Returns the frames read, or -1 (printed); *last_t: the last one's time. */
static int run_frames(const video_args *a, engines *e, fl_video *v, sheet *sh, double *last_t)
{
    jw w;
    jw_init(&w, stdout);
    fl_error err;
    fl_image frame;
    double t, next_cell = 0;
    int r, n = 0;
    fl_session_state st = {0}; /* of the first run: the one the per-frame lines and the sheet follow */
    while ((r = fl_video_next(v, &frame, &t, &err)) == 1) {
        if (t < a->start || t > a->end) {
            fl_image_free(&frame);
            if (t > a->end)
                break;
            continue;
        }
        fl_analysis an;
        fl_session_state before = st;
        if (push_frame(a, e, &frame, t, &an, &st, &err)) {
            fprintf(stderr, "facelive video: frame at %.2f s: %s\n", t, err.detail);
            fl_image_free(&frame);
            return -1;
        }
        if (a->json)
            print_frame_json(&w, t, &an, &st);
        if (a->draw && (t >= next_cell || st.step != before.step || st.phase != before.phase)) {
            sheet_add(sh, &frame, t, st.prompt); /* every 0.8 s, and at every change of prompt */
            next_cell = t + 0.8;
        }
        fl_image_free(&frame);
        *last_t = t;
        n++;
    }
    if (r < 0)
        fprintf(stderr, "facelive video: %s\n", err.detail);
    return r < 0 ? -1 : n;
}

int fl_cmd_video(int argc, char **argv)
{
    if (fl_wants_help(argc, argv)) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    video_args a;
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc;
    char models_buf[4096];
    const char *models = fl_find_models("video", a.models, models_buf, sizeof models_buf);
    if (!models)
        return FL_EXIT_ERROR;
    fl_error err;
    fl_video *v = NULL;
    engines e = {0};
    if (fl_video_open(a.path, a.fps, &v, &err) || engines_create(&a, models, &e, &err)) {
        fprintf(stderr, "facelive video: %s: %s\n", fl_status_name(err.status), err.detail);
        fl_video_close(v);
        engines_free(&e);
        return FL_EXIT_ERROR;
    }
    sheet sh = {{0}, 0, 0, 0, 0};
    double last_t = 0;
    int n = run_frames(&a, &e, v, &sh, &last_t);
    if (n == 0)
        fprintf(stderr, "facelive video: %s: no frames could be read%s\n", a.path, a.start > 0 ? " after --start" : "");
    rc = n <= 0 ? FL_EXIT_ERROR : report(&a, &e, n, last_t);
    if (a.draw && sh.img.data) {
        if (fl_image_save_png(&sh.img, a.draw, &err)) {
            fprintf(stderr, "facelive video: %s\n", err.detail);
            rc = FL_EXIT_ERROR;
        }
        fl_image_free(&sh.img);
    }
    engines_free(&e);
    fl_video_close(v);
    return rc;
}
