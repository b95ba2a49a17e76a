/*
 * `facelive eval MANIFEST.tsv [options]` (see usage()): the silent check on every real/spoof row
 * of a manifest, and every error rate of ../shared/docs/METRICS.md, a DET plot (SVG) and a JSON
 * report; optionally the same rates at a second detection size, in the same report. Reading the
 * manifest: eval/eval_manifest.c; the outputs: eval/eval_report.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/commands.h"
#include "app/program.h"
#include "cli/eval/eval_manifest.h"
#include "cli/eval/eval_report.h"
#include "facelive/liveness.h"

static void progress(int done, int total)
{
    if (!isatty(STDERR_FILENO) || total < 20)
        return;
    int w = 40, filled = total ? done * w / total : w;
    fprintf(stderr, "\r[%.*s%*s] %d/%d", filled, "========================================", w - filled, "", done, total);
    if (done == total)
        fprintf(stderr, "\n");
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facelive eval MANIFEST.tsv [--json] [--out DIR] [--threshold T]\n"
            "       [--calibrate --target-apcer X] [--detect-size N] [--compare-detect-size N] [--models DIR]\n"
            "       [--model-list FILE] [--max-pose Y,P,R] [--min-brightness B]\n"
            "\n"
            "The silent check on every real/spoof row of a tab-separated manifest (relative_path, label,\n"
            "attack_type; optional split dev|test), and the error rates of ISO 30107-3: APCER per species,\n"
            "BPCER, FAR/FRR/HTER, EER, BPCER20/100 with 95%% intervals; DIR/report.json and DIR/det.svg.\n"
            "  --out DIR                 where the report and plot go (default eval_report)\n"
            "  --threshold T             the operating threshold (default %.2f)\n"
            "  --calibrate               choose the threshold on the dev split for APCER <= --target-apcer\n"
            "                            (default 0.01) and report the test split\n"
            "  --detect-size N           the detector's long side (default: the library's, %d)\n"
            "  --compare-detect-size N   also score every row at this size; both in one report\n"
            "  --decode-min-side N       decode each JPEG reduced (1/2, 1/4, 1/8) while its shorter side stays\n"
            "                            at least N, as the service's decode_min_side does (default 0: full size)\n"
            "  --group-by COLUMN         report every rate per value of COLUMN too (default: source_repo\n"
            "                            when the manifest has it; none: no grouping). With --calibrate, also\n"
            "                            leave one group out: a threshold chosen on the others, tested on it\n"
            "  --models DIR              the model pack (default: $FACELIVE_MODELS, the installed pack, ./models)\n"
            "  --model-list FILE         the anti-spoof models to use (default: config/antispoof_models.tsv's)\n",
            fl_silent_options_default().threshold, fl_analyzer_options_default().detect_size);
    fl_print_judge_limits_help(f);
    fprintf(f, "\n" FL_EXIT_STATUS_HELP);
}

static int parse(int argc, char **argv, eval_args *a)
{
    *a = (eval_args){NULL, "eval_report", NULL, NULL, NULL, 0, 0, fl_analyzer_options_default().detect_size, 0, 0, 0,
                     fl_silent_options_default().threshold, 0.01, {-1, -1, -1, -1}};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        int bad = 0, limit;
        if (strcmp(o, "--json") == 0)
            a->json = 1;
        else if (strcmp(o, "--calibrate") == 0)
            a->calibrate = 1;
        else if (o[0] == '-' && o[1] == '-' && i + 1 >= argc)
            return fl_usage_missing_value("eval", o);
        else if (strcmp(o, "--target-apcer") == 0)
            bad = fl_parse_float("eval", o, argv[++i], 0, 1, &a->target_apcer);
        else if (strcmp(o, "--threshold") == 0) {
            bad = fl_parse_float("eval", o, argv[++i], 0, 1, &a->threshold);
            a->threshold_given = 1;
        } else if (strcmp(o, "--out") == 0)
            a->out = argv[++i];
        else if (strcmp(o, "--models") == 0)
            a->models = argv[++i];
        else if (strcmp(o, "--model-list") == 0)
            a->model_list = argv[++i];
        else if (strcmp(o, "--detect-size") == 0)
            bad = fl_parse_int("eval", o, argv[++i], 32, 4096, &a->detect_size);
        else if (strcmp(o, "--compare-detect-size") == 0)
            bad = fl_parse_int("eval", o, argv[++i], 32, 4096, &a->compare_size);
        else if (strcmp(o, "--decode-min-side") == 0)
            bad = fl_parse_int("eval", o, argv[++i], 0, 16384, &a->decode_min_side);
        else if (strcmp(o, "--group-by") == 0)
            a->group_by = argv[++i];
        else if ((limit = fl_parse_judge_limit("eval", o, argv[i + 1], &a->limits)) >= 0) {
            bad = limit;
            i++;
        }
        else if (o[0] == '-' && o[1] == '-')
            return fl_usage_unknown_option("eval", o);
        else if (!a->manifest)
            a->manifest = o;
        else {
            fprintf(stderr, "facelive eval: one manifest only\n");
            return FL_EXIT_USAGE;
        }
        if (bad)
            return FL_EXIT_USAGE;
    }
    if (!a->manifest) {
        usage(stderr);
        return FL_EXIT_USAGE;
    }
    return 0;
}

/* Scores every row at one detection size into rows[i].sample, or .compared (images that cannot be
 * read are marked, not scored). */
static int score_rows(const eval_args *a, row *rows, int n, int detect_size, int compared)
{
    fl_error err;
    fl_analyzer *an = NULL;
    fl_silent *sl = NULL;
    fl_silent_ctx *ctx = NULL;
    fl_analyzer_options ao = fl_analyzer_options_default();
    ao.detect_size = detect_size;
    fl_silent_options so = fl_silent_options_default(); /* the threshold only counts in the rates */
    fl_judge_limits_apply(&a->limits, &so);
    if (fl_analyzer_create(a->models, &ao, &an, &err) || fl_silent_create(a->models, a->model_list, &so, &sl, &err) ||
        fl_silent_ctx_create(sl, an, &ctx, &err)) {
        fprintf(stderr, "facelive eval: %s: %s\n", fl_status_name(err.status), err.detail);
        fl_silent_free(sl);
        fl_analyzer_free(an);
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", a->manifest);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = '\0';
    else
        dir[0] = '\0';
    for (int i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s%s", dir, rows[i].path);
        fl_image img;
        fl_verdict v;
        int divisor;
        if (fl_image_load_reduced(path, NULL, a->decode_min_side, &img, &divisor, &err)) {
            fprintf(stderr, "%sfacelive eval: %s: %s\n", isatty(STDERR_FILENO) ? "\n" : "", fl_status_name(err.status),
                    err.detail);
            rows[i].error = 1;
        } else {
            const fl_image *frames[1] = {&img};
            if (fl_silent_check(ctx, frames, 1, &v, &err)) {
                fprintf(stderr, "facelive eval: %s: %s\n", rows[i].path, err.detail);
                rows[i].error = 1;
            } else {
                fl_eval_sample *smp = compared ? &rows[i].compared : &rows[i].sample;
                *smp = rows[i].sample; /* the species and label */
                smp->acquired = v.n_used > 0;
                smp->score = v.score;
                if (!compared)
                    rows[i].why = v.n_used == 0 && v.n_reasons ? (int)v.reasons[0].reason : -1;
            }
            fl_image_free(&img);
        }
        progress(i + 1, n);
    }
    fl_silent_ctx_free(ctx);
    fl_silent_free(sl);
    fl_analyzer_free(an);
    return 0;
}

/* Samples of one split (-1: all) that were read, with their groups when groups is not NULL;
 * returns the count. */
static size_t select_samples(const row *rows, int n, int split, int compared, fl_eval_sample *out, int *groups)
{
    size_t k = 0;
    for (int i = 0; i < n; i++)
        if (!rows[i].error && (split < 0 || rows[i].dev == split)) {
            if (groups) /* each sample's group, in the same order */
                groups[k] = rows[i].group;
            out[k++] = compared ? rows[i].compared : rows[i].sample;
        }
    return k;
}

/* The rates at the threshold given or, with --calibrate, chosen on the dev split; by group and
 * left-one-group-out when grouped; at the compared detection size. */
static void compute(const eval_args *a, const manifest *m, const fl_eval_sample *all, size_t n_all,
                    const int *group_of_sample, fl_eval_sample *scratch, eval_result *r)
{
    const int n_species = m->species.n;
    r->threshold = a->threshold;
    if (a->calibrate) {
        size_t n_dev = select_samples(m->rows, m->n, 1, 0, scratch, NULL);
        r->threshold = fl_eval_threshold_for_apcer(scratch, n_dev, n_species, a->target_apcer);
        fl_eval_compute(scratch, n_dev, n_species, r->threshold, &r->dev);
        size_t n_test = select_samples(m->rows, m->n, 0, 0, scratch, NULL);
        fl_eval_compute(scratch, n_test, n_species, r->threshold, &r->test);
    }
    fl_eval_compute(all, n_all, n_species, r->threshold, &r->all);
    if (group_of_sample) {
        r->by_group = calloc((size_t)r->grp.n, sizeof *r->by_group);
        r->loso = a->calibrate ? calloc(1, sizeof *r->loso) : NULL;
        if (r->by_group)
            fl_eval_by_group(all, group_of_sample, n_all, r->grp.n, n_species, r->threshold, r->by_group);
        if (r->loso)
            fl_eval_leave_one_out(all, group_of_sample, n_all, r->grp.n, n_species, a->target_apcer, r->loso);
    }
    if (a->compare_size) {
        size_t n_cmp = select_samples(m->rows, m->n, -1, 1, scratch, NULL);
        fl_eval_compute(scratch, n_cmp, n_species, r->threshold, &r->compared);
    }
    for (int i = 0; i < m->n; i++)
        r->errors += m->rows[i].error;
}

/* The manifest's rows, scored at the detection size (and the compared one); 0, or -1 (printed). */
static int read_and_score(const eval_args *a, manifest *m)
{
    if (eval_read_manifest(a->manifest, a->group_by, m))
        return -1;
    if (m->n == 0) {
        fprintf(stderr, "facelive eval: %s has no real or spoof rows\n", a->manifest);
        return -1;
    }
    if (score_rows(a, m->rows, m->n, a->detect_size, 0) || (a->compare_size && score_rows(a, m->rows, m->n, a->compare_size, 1)))
        return -1;
    return 0;
}

int fl_cmd_eval(int argc, char **argv)
{
    if (fl_wants_help(argc, argv)) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    eval_args a;
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc;
    char models_buf[4096];
    if (!(a.models = fl_find_models("eval", a.models, models_buf, sizeof models_buf)))
        return FL_EXIT_ERROR;
    manifest m;
    eval_result r = {0};
    if (read_and_score(&a, &m)) {
        eval_free_manifest(&m);
        return FL_EXIT_ERROR;
    }
    r.skipped = m.skipped;
    r.grp = m.grp;
    fl_eval_sample *all = malloc((size_t)m.n * sizeof *all), *scratch = malloc((size_t)m.n * sizeof *scratch);
    int *group_of_sample = r.grp.n ? malloc((size_t)m.n * sizeof *group_of_sample) : NULL;
    size_t n_all = all && scratch ? select_samples(m.rows, m.n, -1, 0, all, group_of_sample) : 0;
    if (n_all == 0) { /* rates over nothing would be printed as if measured */
        fprintf(stderr, "facelive eval: none of the %d rows of %s could be read\n", m.n, a.manifest);
        rc = FL_EXIT_ERROR;
    } else {
        compute(&a, &m, all, n_all, group_of_sample, scratch, &r);
        rc = eval_write_files(&a, &r, &m, all, n_all) ? FL_EXIT_ERROR : FL_EXIT_OK;
        eval_print(&a, &r, &m);
    }
    eval_free_manifest(&m);
    free(all);
    free(scratch);
    free(group_of_sample);
    free(r.by_group);
    free(r.loso);
    return rc;
}
