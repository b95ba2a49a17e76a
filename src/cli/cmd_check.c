/* `facelive check IMAGE... [--frames] [--json] [--models DIR] [--model-list FILE]
 * [--threshold T] [--detect-size N]`: the silent liveness verdict of each image, or with --frames of
 * all images as one attempt. The operating point is the library's default unless an option
 * changes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/commands.h"
#include "app/json_verdict.h"
#include "app/json_writer.h"
#include "app/program.h"
#include "facelive/liveness.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facelive check IMAGE... [--frames] [--json] [--models DIR] [--model-list FILE]\n"
            "       [--threshold T] [--detect-size N] [--max-pose Y,P,R] [--min-brightness B]\n"
            "\n"
            "The silent liveness verdict of each JPEG or PNG image: real, spoof or uncertain.\n"
            "  --frames          judge the images (1 to %d) as the frames of one attempt\n"
            "  --json            one JSON object per verdict (or per unreadable image)\n"
            "  --model-list FILE the anti-spoof models to use (default: config/antispoof_models.tsv's)\n"
            "  --threshold T     real at or above T (default: the library's, %.2f)\n"
            "  --detect-size N   the detector's long side (default: the library's, %d; 640 reproduces\n"
            "                    the reference pipeline's scores)\n"
            "  --models DIR      the model pack (default: $FACELIVE_MODELS, the installed pack, ./models)\n",
            FL_SILENT_MAX_FRAMES, fl_silent_options_default().threshold, fl_analyzer_options_default().detect_size);
    fl_print_judge_limits_help(f);
    fprintf(f, "\n" FL_EXIT_STATUS_HELP);
}

static void json_verdict(const char *label, const fl_verdict *v, const fl_silent *sl)
{
    jw w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_str(&w, "input", label);
    fl_json_verdict_fields(&w, v, sl);
    fl_json_model_list(&w, sl);
    jw_end(&w);
}

static void text_verdict(const char *label, const fl_verdict *v, const fl_silent *sl)
{
    if (v->n_used)
        printf("%s: %s (score %.4f; real at >= %.2f, spoof below %.2f; %d of %d frames used)\n", label,
               v->decision == FL_DECISION_REAL ? "REAL" : v->decision == FL_DECISION_SPOOF ? "SPOOF" : "UNCERTAIN",
               v->score, v->threshold, v->spoof_below, v->n_used, v->n_frames);
    else
        printf("%s: UNCERTAIN (no frame could be judged: %s)\n", label,
               v->n_reasons ? fl_quality_reason_prompt(v->reasons[0].reason) : "no usable face");
    for (int i = 0; i < v->n_frames; i++) {
        const fl_frame_score *f = &v->frames[i];
        if (f->used) {
            printf("  frame %d: score %.4f:", f->index, f->score);
            for (int k = 0; k < f->n_models; k++)
                if (fl_silent_model_scale(sl, k) > 0)
                    printf(" scale %.1f->%.2f p_real %.4f%s", fl_silent_model_scale(sl, k), f->models[k].scale,
                           f->models[k].p_real, f->models[k].degraded ? " (degraded)" : "");
                else /* a whole-frame model */
                    printf(" whole frame p_real %.4f", f->models[k].p_real);
            printf("\n");
        }
        for (int k = 0; k < f->n_reasons; k++)
            printf("  frame %d skipped: %s (%.3g, limit %.3g): %s\n", f->index,
                   fl_quality_reason_name(f->reasons[k].reason), f->reasons[k].value, f->reasons[k].threshold,
                   fl_quality_reason_prompt(f->reasons[k].reason));
    }
}

static void print_verdict(const char *label, const fl_verdict *v, const fl_silent *sl, int json)
{
    if (json)
        json_verdict(label, v, sl);
    else
        text_verdict(label, v, sl);
}

/* An input that could not be judged: on stderr always, and as a JSON line with --json. */
static void print_input_error(const char *input, const fl_error *err, int json)
{
    fprintf(stderr, "facelive check: %s: %s\n", fl_status_name(err->status), err->detail);
    if (!json)
        return;
    jw w;
    jw_init(&w, stdout);
    jw_object(&w, NULL);
    jw_str(&w, "input", input);
    jw_str(&w, "error", fl_status_name(err->status));
    jw_str(&w, "detail", err->detail);
    jw_end(&w);
}

typedef struct check_args {
    const char *models, *list;
    int json, as_frames, n, detect_size;
    double threshold;
    fl_judge_limits limits;
    char **images;
} check_args;

static int parse(int argc, char **argv, check_args *a)
{
    memset(a, 0, sizeof *a);
    a->threshold = -1;
    a->limits = (fl_judge_limits){-1, -1, -1, -1};
    a->images = calloc((size_t)argc, sizeof *a->images);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        int bad = 0, limit;
        if (strcmp(o, "--json") == 0)
            a->json = 1;
        else if (strcmp(o, "--frames") == 0)
            a->as_frames = 1;
        else if (o[0] == '-' && o[1] == '-' && i + 1 >= argc)
            return fl_usage_missing_value("check", o);
        else if (strcmp(o, "--models") == 0)
            a->models = argv[++i];
        else if (strcmp(o, "--model-list") == 0)
            a->list = argv[++i];
        else if (strcmp(o, "--detect-size") == 0)
            bad = fl_parse_int("check", o, argv[++i], 32, 4096, &a->detect_size);
        else if (strcmp(o, "--threshold") == 0)
            bad = fl_parse_float("check", o, argv[++i], 0.001, 1, &a->threshold);
        else if ((limit = fl_parse_judge_limit("check", o, argv[i + 1], &a->limits)) >= 0) {
            bad = limit;
            i++;
        }
        else if (o[0] == '-' && o[1] == '-')
            return fl_usage_unknown_option("check", o);
        else
            a->images[a->n++] = argv[i];
        if (bad)
            return FL_EXIT_USAGE;
    }
    if (!a->n) {
        usage(stderr);
        return FL_EXIT_USAGE;
    }
    if (a->as_frames && a->n > FL_SILENT_MAX_FRAMES) {
        fprintf(stderr, "facelive check: --frames takes 1 to %d images, not %d\n", FL_SILENT_MAX_FRAMES, a->n);
        return FL_EXIT_USAGE;
    }
    return 0;
}

typedef struct engines {
    fl_analyzer *an;
    fl_silent *sl;
    fl_silent_ctx *ctx;
} engines;

static fl_status engines_create(const check_args *a, const char *models, engines *e, fl_error *err)
{
    fl_silent_options so = fl_silent_options_default();
    fl_silent_options_set_threshold(&so, (float)a->threshold);
    fl_judge_limits_apply(&a->limits, &so);
    fl_analyzer_options ao = fl_analyzer_options_default();
    if (a->detect_size)
        ao.detect_size = a->detect_size;
    fl_status s = fl_analyzer_create(models, &ao, &e->an, err);
    if (!s)
        s = fl_silent_create(models, a->list, &so, &e->sl, err);
    if (!s)
        s = fl_silent_ctx_create(e->sl, e->an, &e->ctx, err);
    return s;
}

static void engines_free(engines *e)
{
    fl_silent_ctx_free(e->ctx);
    fl_silent_free(e->sl);
    fl_analyzer_free(e->an);
}

/* Judges the images one by one, or all together as one attempt; returns the exit status. */
static int judge(const check_args *a, const engines *e)
{
    fl_error err;
    fl_image *imgs = calloc((size_t)a->n, sizeof *imgs);
    const fl_image **ptrs = calloc((size_t)a->n, sizeof *ptrs);
    int loaded = 0, rc = FL_EXIT_OK;
    fl_verdict v;
    for (int i = 0; i < a->n; i++) {
        if (fl_image_load(a->images[i], NULL, &imgs[loaded], &err)) {
            print_input_error(a->images[i], &err, a->json);
            rc = fl_exit_worst(rc, FL_EXIT_ERROR);
            continue;
        }
        ptrs[loaded] = &imgs[loaded];
        if (a->as_frames) {
            loaded++;
            continue;
        }
        if (fl_silent_check(e->ctx, &ptrs[loaded], 1, &v, &err)) {
            print_input_error(a->images[i], &err, a->json);
            rc = fl_exit_worst(rc, FL_EXIT_ERROR);
        } else {
            print_verdict(a->images[i], &v, e->sl, a->json);
            rc = fl_exit_worst(rc, fl_exit_of_decision(v.decision));
        }
        fl_image_free(&imgs[loaded]);
    }
    if (a->as_frames && loaded) {
        if (fl_silent_check(e->ctx, ptrs, loaded, &v, &err)) {
            print_input_error("attempt", &err, a->json);
            rc = fl_exit_worst(rc, FL_EXIT_ERROR);
        } else {
            print_verdict("attempt", &v, e->sl, a->json);
            rc = fl_exit_worst(rc, fl_exit_of_decision(v.decision));
        }
    }
    for (int i = 0; i < loaded; i++)
        fl_image_free(&imgs[i]);
    free(imgs);
    free(ptrs);
    return rc;
}

int fl_cmd_check(int argc, char **argv)
{
    if (fl_wants_help(argc, argv)) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    check_args a;
    int rc = parse(argc, argv, &a);
    char models_buf[4096];
    const char *models = rc ? NULL : fl_find_models("check", a.models, models_buf, sizeof models_buf);
    if (!rc && !models)
        rc = FL_EXIT_ERROR;
    if (rc) {
        free(a.images);
        return rc;
    }
    fl_error err;
    engines e = {0};
    if (engines_create(&a, models, &e, &err)) {
        fprintf(stderr, "facelive check: %s: %s\n", fl_status_name(err.status), err.detail);
        rc = FL_EXIT_ERROR;
    } else {
        rc = judge(&a, &e);
    }
    engines_free(&e);
    free(a.images);
    return rc;
}
