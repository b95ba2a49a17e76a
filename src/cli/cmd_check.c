/* `facelive check IMAGE... [--frames] [--json] [--models DIR] [--model-list FILE]
 * [--threshold T] [--detect-size N]`: the silent liveness verdict of each image, or with --frames of all images as
 * one attempt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "facelive/liveness.h"

static void print_verdict(const char *label, const fl_verdict *v, const fl_silent *sl, int json)
{
    if (json) {
        printf("{\"input\": \"%s\", \"decision\": \"%s\", \"score\": %.4f, \"threshold\": %.3f, \"spoof_below\": %.3f, "
               "\"frames\": [", label, fl_decision_name(v->decision), v->score, v->threshold, v->spoof_below);
        for (int i = 0; i < v->n_frames; i++) {
            const fl_frame_score *f = &v->frames[i];
            printf("%s{\"index\": %d, \"used\": %s, \"score\": %.4f, \"score_all\": %.4f, \"models\": [", i ? ", " : "",
                   f->index, f->used ? "true" : "false", f->score, f->score_all);
            for (int k = 0; k < f->n_models; k++)
                printf("%s{\"scale\": %.2f, \"scale_used\": %.3f, \"p_real\": %.4f, \"degraded\": %s, "
                       "\"crop\": [%d, %d, %d, %d]}", k ? ", " : "", fl_silent_model_scale(sl, k), f->models[k].scale,
                       f->models[k].p_real, f->models[k].degraded ? "true" : "false", f->models[k].crop[0],
                       f->models[k].crop[1], f->models[k].crop[2], f->models[k].crop[3]);
            printf("], \"reasons\": [");
            for (int k = 0; k < f->n_reasons; k++)
                printf("%s\"%s\"", k ? ", " : "", fl_quality_reason_name(f->reasons[k].reason));
            printf("]}");
        }
        printf("], \"reasons\": [");
        for (int k = 0; k < v->n_reasons; k++)
            printf("%s{\"reason\": \"%s\", \"value\": %.4g, \"threshold\": %.4g}", k ? ", " : "",
                   fl_quality_reason_name(v->reasons[k].reason), v->reasons[k].value, v->reasons[k].threshold);
        printf("]}\n");
        return;
    }
    printf("%s: %s (score %.4f; real at >= %.2f, spoof below %.2f; %d of %d frames used)\n", label,
           fl_decision_name(v->decision), v->score, v->threshold, v->spoof_below, v->n_used, v->n_frames);
    for (int i = 0; i < v->n_frames; i++) {
        const fl_frame_score *f = &v->frames[i];
        if (f->used) {
            printf("  frame %d: score %.4f:", f->index, f->score);
            for (int k = 0; k < f->n_models; k++)
                printf(" scale %.1f->%.2f p_real %.4f%s", fl_silent_model_scale(sl, k), f->models[k].scale,
                       f->models[k].p_real, f->models[k].degraded ? " (degraded)" : "");
            printf("\n");
        }
        for (int k = 0; k < f->n_reasons; k++)
            printf("  frame %d skipped: %s (%.3g, limit %.3g): %s\n", f->index,
                   fl_quality_reason_name(f->reasons[k].reason), f->reasons[k].value, f->reasons[k].threshold,
                   fl_quality_reason_prompt(f->reasons[k].reason));
    }
}

int fl_cmd_check(int argc, char **argv)
{
    const char *models = "models", *list = NULL;
    int json = 0, as_frames = 0, n = 0, detect_size = 640;
    fl_silent_options opt = fl_silent_options_default();
    char **images = calloc((size_t)argc, sizeof *images);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--frames") == 0)
            as_frames = 1;
        else if (strcmp(argv[i], "--models") == 0 && i + 1 < argc)
            models = argv[++i];
        else if (strcmp(argv[i], "--model-list") == 0 && i + 1 < argc)
            list = argv[++i];
        else if (strcmp(argv[i], "--detect-size") == 0 && i + 1 < argc)
            detect_size = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threshold") == 0 && i + 1 < argc)
            opt.threshold = (float)atof(argv[++i]);
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "facelive check: unknown option '%s'\n", argv[i]);
            free(images);
            return 2;
        } else
            images[n++] = argv[i];
    }
    if (!n || (as_frames && n > FL_SILENT_MAX_FRAMES)) {
        fprintf(stderr, "usage: facelive check IMAGE... [--frames] [--json] [--models DIR] [--model-list FILE] "
                        "[--threshold T] [--detect-size N]\n(--frames: 1 to %d images judged as one attempt)\n", FL_SILENT_MAX_FRAMES);
        free(images);
        return 2;
    }
    if (opt.spoof_below > opt.threshold)
        opt.spoof_below = opt.threshold;
    fl_error err;
    fl_analyzer *an = NULL;
    fl_silent *sl = NULL;
    fl_silent_ctx *ctx = NULL;
    fl_analyzer_options ao = fl_analyzer_options_default();
    /* 640: the box precision the anti-spoof models need (docs/liveness.md) */
    ao.detect_size = detect_size;
    if (fl_analyzer_create(models, &ao, &an, &err) || fl_silent_create(models, list, &opt, &sl, &err) ||
        fl_silent_ctx_create(sl, an, &ctx, &err)) {
        fprintf(stderr, "facelive check: %s: %s\n", fl_status_name(err.status), err.detail);
        fl_silent_free(sl);
        fl_analyzer_free(an);
        free(images);
        return 1;
    }
    int failures = 0;
    fl_image *imgs = calloc((size_t)n, sizeof *imgs);
    const fl_image **ptrs = calloc((size_t)n, sizeof *ptrs);
    int loaded = 0;
    for (int i = 0; i < n; i++) {
        if (fl_image_load(images[i], NULL, &imgs[loaded], &err)) {
            if (json)
                printf("{\"input\": \"%s\", \"error\": \"%s\", \"detail\": \"image could not be read\"}\n", images[i],
                       fl_status_name(err.status));
            fprintf(stderr, "facelive check: %s: %s\n", fl_status_name(err.status), err.detail);
            failures++;
            continue;
        }
        ptrs[loaded] = &imgs[loaded];
        if (!as_frames) {
            fl_verdict v;
            if (fl_silent_check(ctx, &ptrs[loaded], 1, &v, &err)) {
                fprintf(stderr, "facelive check: %s: %s\n", images[i], err.detail);
                failures++;
            } else {
                print_verdict(images[i], &v, sl, json);
            }
            fl_image_free(&imgs[loaded]);
            continue;
        }
        loaded++;
    }
    if (as_frames && loaded) {
        fl_verdict v;
        if (fl_silent_check(ctx, ptrs, loaded, &v, &err)) {
            fprintf(stderr, "facelive check: %s\n", err.detail);
            failures++;
        } else {
            print_verdict("attempt", &v, sl, json);
        }
    }
    for (int i = 0; i < loaded; i++)
        fl_image_free(&imgs[i]);
    free(imgs);
    free(ptrs);
    free(images);
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    fl_analyzer_free(an);
    return failures ? 1 : 0;
}
