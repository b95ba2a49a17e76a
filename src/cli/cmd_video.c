/*
 * `facelive video FILE|FOLDER [--actions a,b,c | --random N] [--json] [--silent] [--mirrored]
 *  [--no-light-gate] [--draw SHEET.png] [--fps N] [--start S] [--models DIR]`: runs a liveness session
 * over a video file (or a folder of frames; --start skips the first S seconds, as a replay started
 * late would), printing per-frame measures and the challenge's outcome. Without a challenge it
 * only reports the actions it sees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/draw.h"
#include "cli/video_reader.h"
#include "facelive/session.h"

typedef struct video_args {
    const char *path, *models, *draw;
    int json, silent, mirrored, observe, no_light_gate;
    double fps, start;
    fl_challenge ch;
} video_args;

static int parse_actions(const char *list, fl_challenge *ch)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    ch->n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int a = fl_action_parse(tok);
        if (a < 0 || ch->n == FL_CHALLENGE_MAX) {
            fprintf(stderr, "facelive video: '%s' is not an action (or more than %d): blink, open_mouth, turn_left, "
                            "turn_right, head_up, head_down, nod, shake\n", tok, FL_CHALLENGE_MAX);
            return -1;
        }
        ch->actions[ch->n++] = (fl_action)a;
    }
    return ch->n ? 0 : -1;
}

static int parse(int argc, char **argv, video_args *a)
{
    memset(a, 0, sizeof *a);
    a->models = "models";
    a->observe = 1;
    for (int i = 1; i < argc; i++) {
        fl_error err;
        if (strcmp(argv[i], "--json") == 0)
            a->json = 1;
        else if (strcmp(argv[i], "--silent") == 0)
            a->silent = 1;
        else if (strcmp(argv[i], "--mirrored") == 0)
            a->mirrored = 1;
        else if (strcmp(argv[i], "--no-light-gate") == 0)
            a->no_light_gate = 1;
        else if (strcmp(argv[i], "--actions") == 0 && i + 1 < argc) {
            if (parse_actions(argv[++i], &a->ch))
                return 2;
            a->observe = 0;
        } else if (strcmp(argv[i], "--random") == 0 && i + 1 < argc) {
            if (fl_challenge_random(NULL, atoi(argv[++i]), &a->ch, &err)) {
                fprintf(stderr, "facelive video: %s\n", err.detail);
                return 2;
            }
            a->observe = 0;
        } else if (strcmp(argv[i], "--draw") == 0 && i + 1 < argc)
            a->draw = argv[++i];
        else if (strcmp(argv[i], "--fps") == 0 && i + 1 < argc)
            a->fps = atof(argv[++i]);
        else if (strcmp(argv[i], "--start") == 0 && i + 1 < argc)
            a->start = atof(argv[++i]);
        else if (strcmp(argv[i], "--models") == 0 && i + 1 < argc)
            a->models = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1] == '-')
            return fprintf(stderr, "facelive video: unknown option '%s'\n", argv[i]), 2;
        else
            a->path = argv[i];
    }
    if (!a->path) {
        fprintf(stderr, "usage: facelive video FILE|FOLDER [--actions a,b,c | --random N] [--json] [--silent] "
                        "[--mirrored] [--no-light-gate] [--draw SHEET.png] [--fps N] [--start S] [--models DIR]\n");
        return 2;
    }
    if (a->observe) { /* every action, one long window: report what happens */
        a->ch.n = FL_CHALLENGE_MAX;
        for (int i = 0; i < FL_CHALLENGE_MAX; i++)
            a->ch.actions[i] = (fl_action)(i % FL_ACTION_COUNT);
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

int fl_cmd_video(int argc, char **argv)
{
    video_args a;
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc;
    fl_error err;
    fl_video *v = NULL;
    fl_analyzer *an = NULL, *an640 = NULL;
    fl_silent *sl = NULL;
    fl_session *s = NULL;
    fl_session_config cfg = fl_session_config_default();
    cfg.actions.mirrored = a.mirrored;
    cfg.gate_light = !a.no_light_gate;
    if (a.observe)
        cfg.action_timeout_s = cfg.total_timeout_s = 1e9f;
    fl_analyzer_options o640 = fl_analyzer_options_default();
    o640.detect_size = 640;
    if (fl_video_open(a.path, a.fps, &v, &err) || fl_analyzer_create(a.models, NULL, &an, &err) ||
        (a.silent && (fl_analyzer_create(a.models, &o640, &an640, &err) ||
                      fl_silent_create(a.models, NULL, NULL, &sl, &err)))) {
        fprintf(stderr, "facelive video: %s: %s\n", fl_status_name(err.status), err.detail);
        rc = 1;
        goto done;
    }
    cfg.silent_analyzer = an640;
    if (fl_session_create(an, sl, &cfg, &a.ch, &s, &err)) {
        fprintf(stderr, "facelive video: %s\n", err.detail);
        rc = 1;
        goto done;
    }
    fl_analyzer_ctx *actx = NULL;
    if (fl_analyzer_ctx_create(an, &actx, &err)) {
        fprintf(stderr, "facelive video: %s\n", err.detail);
        rc = 1;
        goto done;
    }
    sheet sh = {{0}, 0, 0, 0, 0};
    fl_image frame;
    double t, last_t = 0, next_cell = 0;
    int r, n = 0;
    fl_session_state st = {0};
    while ((r = fl_video_next(v, &frame, &t, &err)) == 1) {
        if (t < a.start) {
            fl_image_free(&frame);
            continue;
        }
        fl_analysis an_res;
        fl_session_state before = st;
        /* analysed here (not by fl_session_push) so the per-frame measures can be printed */
        if (fl_analyze(actx, &frame, &an_res, &err) ||
            fl_session_push_analysis(s, &frame, &an_res, t - a.start, &st, &err)) {
            fprintf(stderr, "facelive video: frame at %.2f s: %s\n", t, err.detail);
            fl_image_free(&frame);
            rc = 1;
            break;
        }
        if (a.json) {
            const fl_face_measures *m = &an_res.measures;
            printf("{\"t\": %.3f, \"faces\": %d", t, an_res.n_faces);
            if (m->valid)
                printf(", \"yaw\": %.2f, \"pitch\": %.2f, \"roll\": %.2f, \"ear_image_left\": %.4f, "
                       "\"ear_image_right\": %.4f, \"mar\": %.4f, \"sharpness\": %.1f", m->yaw, m->pitch, m->roll,
                       m->ear_il, m->ear_ir, m->mar, an_res.sharpness);
            printf(", \"phase\": %d, \"step\": %d, \"prompt\": \"%s\"}\n", (int)st.phase, st.step, st.prompt);
        }
        if (a.draw && (t >= next_cell || st.step != before.step || st.phase != before.phase)) {
            sheet_add(&sh, &frame, t, st.prompt); /* every 0.8 s, and at every change of prompt */
            next_cell = t + 0.8;
        }
        fl_image_free(&frame);
        last_t = t;
        n++;
    }
    if (r < 0) {
        fprintf(stderr, "facelive video: %s\n", err.detail);
        rc = 1;
    }
    fl_session_result res;
    if (!rc && fl_session_result_get(s, &res, &err)) {
        fprintf(stderr, "facelive video: %s\n", err.detail);
        rc = 1;
    }
    if (!rc) {
        int passed = !a.observe && res.state.phase == FL_PHASE_DONE;
        const char *reason = a.observe                              ? "observed only (no challenge)"
                             : res.state.phase == FL_PHASE_DONE      ? "all actions performed in order"
                             : res.state.phase == FL_PHASE_FAILED    ? fl_failure_name(res.state.failure)
                                                                     : "the video ended before the challenge did";
        if (!a.json) {
            printf("%s: %d frames, %.1f s\n", a.path, n, last_t);
            for (int i = 0; i < res.n_events; i++)
                printf("  %6.2f s  %s\n", res.events[i].t, fl_action_name(res.events[i].action));
        }
        printf("{\"passed\": %s, \"frames\": %d, \"challenge\": [", passed ? "true" : "false", n);
        for (int i = 0; !a.observe && i < a.ch.n; i++)
            printf("%s\"%s\"", i ? ", " : "", fl_action_name(a.ch.actions[i]));
        printf("], \"actions\": [");
        for (int i = 0; !a.observe && i < res.state.step; i++)
            printf("%s{\"action\": \"%s\", \"detected_at_s\": %.3f}", i ? ", " : "", fl_action_name(a.ch.actions[i]),
                   res.done_at[i]);
        printf("], \"events\": [");
        for (int i = 0; i < res.n_events; i++)
            printf("%s{\"action\": \"%s\", \"t\": %.3f}", i ? ", " : "", fl_action_name(res.events[i].action),
                   res.events[i].t);
        printf("], \"reason\": \"%s\", \"best_frames_s\": [", reason);
        for (int i = 0; i < res.n_best; i++)
            printf("%s%.3f", i ? ", " : "", res.best_t[i]);
        printf("]");
        if (res.has_verdict)
            printf(", \"silent\": {\"decision\": \"%s\", \"score\": %.4f, \"frames_used\": %d}",
                   fl_decision_name(res.verdict.decision), res.verdict.score, res.verdict.n_used);
        printf(", \"dropped\": %d}\n", res.state.dropped);
    }
    if (a.draw && sh.img.data) {
        if (fl_image_save_png(&sh.img, a.draw, &err)) {
            fprintf(stderr, "facelive video: %s\n", err.detail);
            rc = 1;
        }
        fl_image_free(&sh.img);
    }
done:
    fl_analyzer_ctx_free(actx);
    fl_session_free(s);
    fl_silent_free(sl);
    fl_analyzer_free(an);
    fl_analyzer_free(an640);
    fl_video_close(v);
    return rc;
}
