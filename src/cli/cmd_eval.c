/*
 * `facelive eval MANIFEST.tsv [options]` (see usage()): the silent check on every real/spoof row
 * of a manifest, and every error rate of ../shared/docs/METRICS.md, a DET plot (SVG) and a JSON
 * report; optionally the same rates at a second detection size, in the same report.
 *
 * The manifest is tab-separated with a header naming at least relative_path, label
 * (real | spoof; other labels are skipped) and attack_type (the species); an optional split
 * column (dev | test) is used by --calibrate. Without it rows are split by a hash of their
 * source group (the file name without a trailing _fNNN frame number), so frames of one video
 * never land on both sides.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/eval_groups.h"
#include "cli/eval_metrics.h"
#include "cli/json_writer.h"
#include "facelive/liveness.h"

typedef struct row {
    char *path, *species_name;
    int bona_fide, species, dev; /* dev: 1 dev split, 0 test */
    int group;                   /* index of its source (--group-by), 0 without grouping */
    fl_eval_sample sample, compared; /* at the detection size asked, and at --compare-detect-size */
    int error; /* the image could not be read: excluded from every rate, listed */
    int why;   /* not acquired: the first reason (fl_quality_reason), else -1 */
} row;

typedef struct eval_args {
    const char *manifest, *out, *models;
    const char *model_list; /* --model-list: the anti-spoof models (NULL: the default list) */
    const char *group_by; /* NULL: source_repo when the manifest has it; "none": no grouping */
    int json, calibrate, detect_size, compare_size, threshold_given;
    double threshold, target_apcer;
    fl_judge_limits limits;
} eval_args;

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    memcpy(d, s, n);
    return d;
}

static unsigned long hash_str(const char *s, size_t n)
{
    unsigned long h = 5381;
    for (size_t i = 0; i < n; i++)
        h = h * 33 + (unsigned char)s[i];
    return h;
}

/* The group of a path: without the extension and a trailing _fNNN frame number. */
static int is_dev_by_group(const char *path)
{
    const char *dot = strrchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    const char *f = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (path[i] == '_' && path[i + 1] == 'f')
            f = path + i;
    if (f) {
        size_t k = (size_t)(f - path) + 2;
        while (k < n && path[k] >= '0' && path[k] <= '9')
            k++;
        if (k == n)
            n = (size_t)(f - path);
    }
    return hash_str(path, n) % 2 == 0;
}

static int column(char **cells, int nc, const char *name)
{
    for (int i = 0; i < nc; i++)
        if (strcmp(cells[i], name) == 0)
            return i;
    return -1;
}

static int split_tabs(char *line, char **cells, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *s = line; n < max;) {
        cells[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

/* The groups (sources) of a manifest: the column's name and the distinct values in order of
 * first appearance. */
typedef struct groups {
    char column[64];
    int n;
    char name[FL_EVAL_MAX_GROUPS][128];
} groups;

static int group_of(groups *g, const char *value)
{
    int i = 0;
    while (i < g->n && strcmp(g->name[i], value))
        i++;
    if (i == g->n && i < FL_EVAL_MAX_GROUPS)
        snprintf(g->name[g->n++], sizeof g->name[0], "%s", value);
    return i < FL_EVAL_MAX_GROUPS ? i : -1;
}

static void free_rows(row *rows, int n)
{
    for (int i = 0; i < n; i++) {
        free(rows[i].path);
        free(rows[i].species_name);
    }
    free(rows);
}

/* Reads the manifest; returns the row count or -1 (message printed). */
static int read_manifest(const char *path, const char *group_by, row **out, char species[][64], int *n_species,
                         int *skipped, groups *grp)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "facelive eval: %s: %s\n", path, strerror(errno));
        return -1;
    }
    static char line[65536];
    char *cells[64];
    if (!fgets(line, sizeof line, f)) {
        fprintf(stderr, "facelive eval: %s: empty file\n", path);
        fclose(f);
        return -1;
    }
    int nc = split_tabs(line, cells, 64);
    int c_path = column(cells, nc, "relative_path"), c_label = column(cells, nc, "label");
    int c_type = column(cells, nc, "attack_type"), c_split = column(cells, nc, "split");
    if (c_path < 0 || c_label < 0 || c_type < 0) {
        fprintf(stderr, "facelive eval: %s: the header must name relative_path, label and attack_type (tab-separated)\n",
                path);
        fclose(f);
        return -1;
    }
    const int c_group = group_by ? (strcmp(group_by, "none") ? column(cells, nc, group_by) : -1)
                                 : column(cells, nc, "source_repo");
    if (group_by && strcmp(group_by, "none") && c_group < 0) {
        fprintf(stderr, "facelive eval: %s: no column '%s' to group by\n", path, group_by);
        fclose(f);
        return -1;
    }
    grp->n = 0;
    snprintf(grp->column, sizeof grp->column, "%s", c_group >= 0 ? cells[c_group] : "");
    int n = 0, cap = 0, lineno = 1;
    row *rows = NULL;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "facelive eval: %s:%d: line too long\n", path, lineno);
            free_rows(rows, n);
            fclose(f);
            return -1;
        }
        int k = split_tabs(line, cells, 64);
        if (k == 1 && !cells[0][0])
            continue;
        if (k <= c_path || k <= c_label || k <= c_type || k <= c_group) {
            fprintf(stderr, "facelive eval: %s:%d: %d columns, the header has %d\n", path, lineno, k, nc);
            free_rows(rows, n);
            fclose(f);
            return -1;
        }
        int bona = strcmp(cells[c_label], "real") == 0;
        if (!bona && strcmp(cells[c_label], "spoof") != 0) {
            (*skipped)++;
            continue;
        }
        const int g = c_group >= 0 ? group_of(grp, cells[c_group]) : 0;
        row *grown = n < cap ? rows : realloc(rows, (size_t)(cap = cap ? cap * 2 : 256) * sizeof *rows);
        if (!grown || g < 0) {
            fprintf(stderr, "facelive eval: %s:%d: %s\n", path, lineno,
                    grown ? "more than 64 groups (see --group-by)" : "out of memory");
            free_rows(grown ? grown : rows, n);
            fclose(f);
            return -1;
        }
        rows = grown;
        row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->why = -1;
        r->group = g;
        r->path = dup_str(cells[c_path]);
        r->bona_fide = bona;
        r->species = -1;
        r->species_name = dup_str(bona ? "bona_fide" : cells[c_type]);
        if (!bona) {
            int s = 0;
            while (s < *n_species && strcmp(species[s], cells[c_type]))
                s++;
            if (s == *n_species && s < FL_EVAL_MAX_SPECIES)
                snprintf(species[(*n_species)++], 64, "%s", cells[c_type]);
            r->species = s < FL_EVAL_MAX_SPECIES ? s : FL_EVAL_MAX_SPECIES - 1;
        }
        r->dev = c_split >= 0 && k > c_split ? strcmp(cells[c_split], "dev") == 0 : is_dev_by_group(r->path);
        r->sample.bona_fide = bona;
        r->sample.species = r->species;
    }
    fclose(f);
    *out = rows;
    return n;
}

static void progress(int done, int total)
{
    if (!isatty(STDERR_FILENO) || total < 20)
        return;
    int w = 40, filled = total ? done * w / total : w;
    fprintf(stderr, "\r[%.*s%*s] %d/%d", filled, "========================================", w - filled, "", done, total);
    if (done == total)
        fprintf(stderr, "\n");
}

static void json_rate(jw *w, const char *key, const fl_rate *r)
{
    jw_object(w, key);
    jw_num(w, "rate", r->rate, 6);
    jw_int(w, "errors", r->errors);
    jw_int(w, "n", r->total);
    jw_array(w, "ci95");
    jw_num(w, NULL, r->lo, 4);
    jw_num(w, NULL, r->hi, 4);
    jw_end(w);
    jw_end(w);
}

static void json_metrics(jw *w, const char *key, const fl_eval_metrics *m, char species[][64])
{
    jw_object(w, key);
    jw_num(w, "threshold", m->threshold, 6);
    jw_int(w, "n_bona_fide", m->n_bona_fide);
    jw_int(w, "n_attack", m->n_attack);
    jw_object(w, "failures_to_acquire");
    jw_int(w, "bona_fide", m->fta_bona_fide);
    jw_int(w, "attack", m->fta_attack);
    jw_end(w);
    jw_object(w, "apcer_by_species");
    for (int k = 0; k < m->n_species; k++)
        json_rate(w, species[k], &m->apcer_species[k]);
    jw_end(w);
    json_rate(w, "apcer_max", &m->apcer_max);
    jw_num(w, "apcer_mean", m->apcer_mean, 6);
    json_rate(w, "bpcer", &m->bpcer);
    json_rate(w, "far", &m->far);
    json_rate(w, "frr", &m->bpcer);
    const struct {
        const char *key;
        double v;
    } f[] = {{"hter", m->hter},
             {"acer", m->acer},
             {"eer", m->eer},
             {"eer_threshold", m->eer_threshold},
             {"bpcer20", m->bpcer20},
             {"bpcer20_threshold", m->bpcer20_threshold},
             {"bpcer100", m->bpcer100},
             {"bpcer100_threshold", m->bpcer100_threshold},
             {"apcer_at_bpcer1", m->apcer_at_bpcer1},
             {"apcer_at_bpcer5", m->apcer_at_bpcer5}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        jw_num(w, f[i].key, f[i].v, 6);
    jw_end(w);
}

/* A DET plot: FRR (BPCER) against FAR over all thresholds, with the operating point and EER. */
static int write_svg(const char *path, const fl_eval_sample *s, size_t n, const fl_eval_metrics *m, const char *title)
{
    FILE *o = fopen(path, "w");
    if (!o)
        return -1;
    const int W = 520, H = 520, L = 70, T = 50, P = 400;
    fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H);
    fprintf(o, "<text x=\"%d\" y=\"25\" font-size=\"14\">%s</text>\n", L, title);
    for (int i = 0; i <= 10; i++) {
        double v = i / 10.0;
        fprintf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>", L, T + P - v * P, L + P,
                T + P - v * P);
        fprintf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", L + v * P, T, L + v * P,
                T + P);
        fprintf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f%%</text>", L + v * P, T + P + 16, v * 100);
        fprintf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f%%</text>\n", L - 6, T + P - v * P + 4, v * 100);
    }
    fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n", L, T, P, P);
    fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">FAR (attacks accepted)</text>\n", L + P / 2,
            T + P + 36);
    fprintf(o, "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">FRR = BPCER (bona fide "
               "rejected)</text>\n", T + P / 2);
    /* the curve over every score as a threshold */
    double *th = malloc((n + 2) * sizeof *th);
    size_t k = 0;
    th[k++] = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].acquired)
            th[k++] = s[i].score;
    th[k++] = 1.0000001;
    for (size_t i = 1; i < k; i++) /* insertion sort: k is small */
        for (size_t j = i; j > 0 && th[j] < th[j - 1]; j--) {
            double x = th[j];
            th[j] = th[j - 1], th[j - 1] = x;
        }
    fprintf(o, "<polyline fill=\"none\" stroke=\"#1f6fd1\" stroke-width=\"2\" points=\"");
    for (size_t i = 0; i < k; i++) {
        double far, frr;
        fl_eval_far_frr(s, n, th[i], &far, &frr);
        fprintf(o, "%.1f,%.1f ", L + far * P, T + P - frr * P);
    }
    fprintf(o, "\"/>\n");
    free(th);
    fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4\"/>\n", L, T + P,
            L + P, T);
    fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"#d13b1f\"/>\n", L + m->far.rate * P,
            T + P - m->bpcer.rate * P);
    fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"none\" stroke=\"black\"/>\n", L + m->eer * P,
            T + P - m->eer * P);
    fprintf(o, "<text x=\"%d\" y=\"%d\" fill=\"#d13b1f\">&#9679; operating point: threshold %.3f, FAR %.1f%%, FRR "
               "%.1f%%</text>\n", L + 10, T + 20, m->threshold, m->far.rate * 100, m->bpcer.rate * 100);
    fprintf(o, "<text x=\"%d\" y=\"%d\">&#9675; EER %.1f%% at threshold %.3f</text>\n", L + 10, T + 38, m->eer * 100,
            m->eer_threshold);
    fprintf(o, "</svg>\n");
    return fclose(o);
}

static void print_text(const fl_eval_metrics *m, char species[][64], const char *title)
{
    printf("%s (threshold %.4f)\n", title, m->threshold);
    printf("  bona fide %d (failures to acquire %d), attacks %d (failures to acquire %d)\n", m->n_bona_fide,
           m->fta_bona_fide, m->n_attack, m->fta_attack);
    for (int k = 0; k < m->n_species; k++) {
        if (m->apcer_species[k].total == 0) {
            printf("  APCER %-10s    n/a  (no acquired sample)\n", species[k]);
            continue;
        }
        printf("  APCER %-10s %6.2f%%  (%d of %d, 95%% CI %.1f-%.1f%%)\n", species[k],
               m->apcer_species[k].rate * 100, m->apcer_species[k].errors, m->apcer_species[k].total,
               m->apcer_species[k].lo * 100, m->apcer_species[k].hi * 100);
    }
    printf("  APCER (max) %.2f%%, APCER (mean of species) %.2f%%\n", m->apcer_max.rate * 100, m->apcer_mean * 100);
    printf("  BPCER = FRR %.2f%% (%d of %d, 95%% CI %.1f-%.1f%%)\n", m->bpcer.rate * 100, m->bpcer.errors,
           m->bpcer.total, m->bpcer.lo * 100, m->bpcer.hi * 100);
    printf("  FAR %.2f%% (%d of %d, 95%% CI %.1f-%.1f%%), HTER %.2f%%, ACER %.2f%%\n", m->far.rate * 100,
           m->far.errors, m->far.total, m->far.lo * 100, m->far.hi * 100, m->hter * 100, m->acer * 100);
    printf("  EER %.2f%% at threshold %.4f; BPCER20 %.2f%% (t %.4f); BPCER100 %.2f%% (t %.4f); APCER at BPCER 1%% "
           "%.2f%%, at 5%% %.2f%%\n", m->eer * 100, m->eer_threshold, m->bpcer20 * 100, m->bpcer20_threshold,
           m->bpcer100 * 100, m->bpcer100_threshold, m->apcer_at_bpcer1 * 100, m->apcer_at_bpcer5 * 100);
}

/* Why rows were not acquired, bona fide and attacks apart: "pose (bona fide 2, attacks 4), ...". */
static void print_not_acquired(const row *rows, int n)
{
    int count[FL_QUALITY_COUNT_][2] = {{0}};
    for (int i = 0; i < n; i++)
        if (rows[i].why >= 0 && rows[i].why < FL_QUALITY_COUNT_)
            count[rows[i].why][!rows[i].bona_fide]++;
    const char *sep = "  not acquired, by reason: ";
    for (int r = 0; r < FL_QUALITY_COUNT_; r++)
        if (count[r][0] + count[r][1]) {
            printf("%s%s (bona fide %d, attacks %d)", sep, fl_quality_reason_name((fl_quality_reason)r), count[r][0],
                   count[r][1]);
            sep = ", ";
        }
    if (sep[0] == ',')
        printf("\n");
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
    *a = (eval_args){NULL, "eval_report", NULL, NULL, NULL, 0, 0, fl_analyzer_options_default().detect_size, 0, 0,
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
        if (fl_image_load(path, NULL, &img, &err)) {
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

typedef struct eval_result {
    fl_eval_metrics all, dev, test, compared;
    double threshold;
    int skipped, errors;
    groups grp;
    fl_eval_metrics *by_group; /* grp.n, when grouped */
    fl_eval_loso *loso;        /* when grouped and calibrating */
} eval_result;

static void json_groups(jw *w, const eval_args *a, const eval_result *r, char species[][64])
{
    jw_str(w, "group_by", r->grp.column);
    jw_object(w, "by_group");
    for (int g = 0; g < r->grp.n; g++)
        json_metrics(w, r->grp.name[g], &r->by_group[g], species);
    jw_end(w);
    if (!r->loso)
        return;
    jw_object(w, "leave_one_group_out");
    jw_str(w, "protocol", "for each group: the threshold meeting target_apcer on every other group, its rates on "
                          "that group; pooled: every group's decisions at its own threshold");
    jw_num(w, "target_apcer", a->target_apcer, 6);
    jw_int(w, "groups_used", r->loso->groups_used);
    json_metrics(w, "pooled", &r->loso->pooled, species);
    jw_object(w, "groups");
    for (int g = 0; g < r->grp.n; g++)
        json_metrics(w, r->grp.name[g], &r->loso->group[g], species);
    jw_end(w);
    jw_end(w);
}

/* One line per group: counts, failures to acquire, BPCER, attacks accepted, worst-species APCER, HTER. */
static void text_groups(const eval_result *r, const fl_eval_metrics *m, const char *title)
{
    printf("%s\n  %-40s %9s %9s %12s %10s %8s %7s\n", title, r->grp.column, "bona fide", "attacks", "BPCER",
           "accepted", "APCER", "HTER");
    for (int g = 0; g < r->grp.n; g++) {
        const fl_eval_metrics *x = &m[g];
        char bp[32] = "n/a", fa[32] = "n/a", ap[16] = "n/a", ht[16] = "n/a";
        if (x->bpcer.total)
            snprintf(bp, sizeof bp, "%d/%d %.0f%%", x->bpcer.errors, x->bpcer.total, 100 * x->bpcer.rate);
        if (x->far.total)
            snprintf(fa, sizeof fa, "%d/%d", x->far.errors, x->far.total);
        if (x->apcer_max.total)
            snprintf(ap, sizeof ap, "%.0f%%", 100 * x->apcer_max.rate);
        if (x->bpcer.total && x->far.total)
            snprintf(ht, sizeof ht, "%.1f%%", 100 * x->hter);
        printf("  %-40.40s %4d (%2d) %4d (%2d) %12s %10s %8s %7s\n", r->grp.name[g], x->n_bona_fide,
               x->fta_bona_fide, x->n_attack, x->fta_attack, bp, fa, ap, ht);
    }
    printf("  (counts with failures to acquire in brackets; rates over the acquired samples; APCER: the worst "
           "species)\n");
}

static void write_report(FILE *f, const eval_args *a, const eval_result *r, const row *rows, int n,
                         char species[][64], int with_scores)
{
    jw w;
    jw_init(&w, f);
    jw_object(&w, NULL);
    jw_str(&w, "manifest", a->manifest);
    jw_int(&w, "detect_size", a->detect_size);
    jw_int(&w, "rows_skipped", r->skipped);
    jw_int(&w, "unreadable", r->errors);
    if (a->calibrate) {
        jw_object(&w, "calibration");
        jw_num(&w, "target_apcer", a->target_apcer, 6);
        jw_str(&w, "split", "dev/test");
        jw_num(&w, "threshold", r->threshold, 6);
        json_metrics(&w, "dev", &r->dev, species);
        json_metrics(&w, "test", &r->test, species);
        jw_end(&w);
    }
    json_metrics(&w, "all", &r->all, species);
    if (r->by_group)
        json_groups(&w, a, r, species);
    if (a->compare_size) {
        jw_object(&w, "compare");
        jw_int(&w, "detect_size", a->compare_size);
        json_metrics(&w, "all", &r->compared, species);
        jw_end(&w);
    }
    /* the keys of the whole set at the top level too, for scripts */
    const fl_eval_metrics *m = &r->all;
    jw_int(&w, "n_bona_fide", m->n_bona_fide);
    jw_int(&w, "n_attack", m->n_attack);
    jw_num(&w, "threshold", m->threshold, 6);
    const struct {
        const char *key;
        double v;
    } top[] = {{"apcer_max", m->apcer_max.rate}, {"bpcer", m->bpcer.rate}, {"far", m->far.rate},
               {"frr", m->bpcer.rate},           {"hter", m->hter},        {"eer", m->eer},
               {"bpcer20", m->bpcer20},          {"bpcer100", m->bpcer100}};
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        jw_num(&w, top[i].key, top[i].v, 6);
    jw_int(&w, "failures_to_acquire", m->fta_bona_fide + m->fta_attack);
    jw_object(&w, "apcer_by_species");
    for (int k = 0; k < m->n_species; k++)
        jw_num(&w, species[k], m->apcer_species[k].rate, 6);
    jw_end(&w);
    if (with_scores) {
        jw_array(&w, "scores");
        for (int i = 0; i < n; i++) {
            jw_object(&w, NULL);
            jw_str(&w, "path", rows[i].path);
            jw_str(&w, "species", rows[i].species_name);
            jw_str(&w, "split", rows[i].dev ? "dev" : "test");
            jw_bool(&w, "acquired", rows[i].sample.acquired);
            jw_num(&w, "score", rows[i].sample.score, 6);
            if (rows[i].why >= 0)
                jw_str(&w, "not_acquired_because", fl_quality_reason_name((fl_quality_reason)rows[i].why));
            if (a->compare_size) {
                jw_bool(&w, "compared_acquired", rows[i].compared.acquired);
                jw_num(&w, "compared_score", rows[i].compared.score, 6);
            }
            if (rows[i].error)
                jw_bool(&w, "unreadable", 1);
            jw_end(&w);
        }
        jw_end(&w);
    }
    jw_end(&w);
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
    row *rows = NULL;
    char species[FL_EVAL_MAX_SPECIES][64];
    int n_species = 0;
    eval_result r = {0};
    int n = read_manifest(a.manifest, a.group_by, &rows, species, &n_species, &r.skipped, &r.grp);
    if (n < 0)
        return FL_EXIT_ERROR;
    if (n == 0) {
        fprintf(stderr, "facelive eval: %s has no real or spoof rows\n", a.manifest);
        free(rows);
        return FL_EXIT_ERROR;
    }
    if (score_rows(&a, rows, n, a.detect_size, 0) ||
        (a.compare_size && score_rows(&a, rows, n, a.compare_size, 1))) {
        free(rows);
        return FL_EXIT_ERROR;
    }
    fl_eval_sample *all = malloc((size_t)n * sizeof *all), *dev = malloc((size_t)n * sizeof *dev);
    int *group_of_sample = r.grp.n ? malloc((size_t)n * sizeof *group_of_sample) : NULL;
    size_t n_all = select_samples(rows, n, -1, 0, all, group_of_sample);
    if (n_all == 0) { /* rates over nothing would be printed as if measured */
        fprintf(stderr, "facelive eval: none of the %d rows of %s could be read\n", n, a.manifest);
        rc = FL_EXIT_ERROR;
        goto done;
    }
    r.threshold = a.threshold;
    if (a.calibrate) {
        size_t n_dev = select_samples(rows, n, 1, 0, dev, NULL);
        r.threshold = fl_eval_threshold_for_apcer(dev, n_dev, n_species, a.target_apcer);
        fl_eval_compute(dev, n_dev, n_species, r.threshold, &r.dev);
        size_t n_test = select_samples(rows, n, 0, 0, dev, NULL);
        fl_eval_compute(dev, n_test, n_species, r.threshold, &r.test);
    }
    fl_eval_compute(all, n_all, n_species, r.threshold, &r.all);
    if (group_of_sample) {
        r.by_group = calloc((size_t)r.grp.n, sizeof *r.by_group);
        r.loso = a.calibrate ? calloc(1, sizeof *r.loso) : NULL;
        if (r.by_group)
            fl_eval_by_group(all, group_of_sample, n_all, r.grp.n, n_species, r.threshold, r.by_group);
        if (r.loso)
            fl_eval_leave_one_out(all, group_of_sample, n_all, r.grp.n, n_species, a.target_apcer, r.loso);
    }
    if (a.compare_size) {
        size_t n_cmp = select_samples(rows, n, -1, 1, dev, NULL);
        fl_eval_compute(dev, n_cmp, n_species, r.threshold, &r.compared);
    }
    for (int i = 0; i < n; i++)
        r.errors += rows[i].error;
    if (mkdir(a.out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "facelive eval: cannot create '%s': %s\n", a.out, strerror(errno));
        rc = FL_EXIT_ERROR;
    }
    char path[4096], title[256];
    snprintf(path, sizeof path, "%s/det.svg", a.out);
    snprintf(title, sizeof title, "DET: facelive silent check, %d bona fide, %d attacks", r.all.n_bona_fide,
             r.all.n_attack);
    if (!rc && write_svg(path, all, n_all, &r.all, title)) {
        fprintf(stderr, "facelive eval: cannot write %s\n", path);
        rc = FL_EXIT_ERROR;
    }
    snprintf(path, sizeof path, "%s/report.json", a.out);
    FILE *rep = rc ? NULL : fopen(path, "w");
    if (rep) {
        write_report(rep, &a, &r, rows, n, species, 1);
        if (fclose(rep) != 0)
            rc = FL_EXIT_ERROR;
    } else if (!rc) {
        fprintf(stderr, "facelive eval: cannot write %s: %s\n", path, strerror(errno));
        rc = FL_EXIT_ERROR;
    }
    if (a.json) {
        write_report(stdout, &a, &r, rows, n, species, 0);
    } else {
        if (a.calibrate) {
            printf("calibration: threshold %.4f chosen on the dev split for APCER(max) <= %.2f%%\n", r.threshold,
                   a.target_apcer * 100);
            print_text(&r.dev, species, "dev split");
            print_text(&r.test, species, "test split (reported)");
        }
        snprintf(title, sizeof title, "all rows, detection at %d px", a.detect_size);
        print_text(&r.all, species, title);
        print_not_acquired(rows, n);
        if (r.by_group) {
            snprintf(title, sizeof title, "by %s, threshold %.4f%s", r.grp.column, r.threshold,
                     a.calibrate ? " (chosen on the dev split of every group: not an independent figure)" : "");
            text_groups(&r, r.by_group, title);
        }
        if (r.loso) {
            snprintf(title, sizeof title, "leave one %s out: each at the threshold chosen on the others for APCER <= "
                     "%.2f%%", r.grp.column, a.target_apcer * 100);
            text_groups(&r, r.loso->group, title);
            printf("  pooled over the left-out groups: BPCER %d/%d (%.1f%%), APCER (max) %d/%d (%.1f%%), HTER %.1f%%\n",
                   r.loso->pooled.bpcer.errors, r.loso->pooled.bpcer.total, 100 * r.loso->pooled.bpcer.rate,
                   r.loso->pooled.apcer_max.errors, r.loso->pooled.apcer_max.total,
                   100 * r.loso->pooled.apcer_max.rate, 100 * r.loso->pooled.hter);
        }
        if (a.compare_size) {
            snprintf(title, sizeof title, "all rows, detection at %d px (compared)", a.compare_size);
            print_text(&r.compared, species, title);
        }
        printf("  %d rows of other labels skipped, %d unreadable; report %s/report.json, plot %s/det.svg\n",
               r.skipped, r.errors, a.out, a.out);
    }
done:
    free_rows(rows, n);
    free(all);
    free(dev);
    free(group_of_sample);
    free(r.by_group);
    free(r.loso);
    return rc;
}
