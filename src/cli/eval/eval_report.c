/* `facelive eval`'s report: report.json, det.svg and the text summary (or the JSON on stdout). */
#include "cli/eval/eval_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/json_writer.h"
#include "facelive/liveness.h"

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
    if (a->decode_min_side) /* absent at full size, so reports of before it stay comparable byte for byte */
        jw_int(&w, "decode_min_side", a->decode_min_side);
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

int eval_write_files(const eval_args *a, const eval_result *r, const manifest *m, const fl_eval_sample *all, size_t n_all)
{
    if (mkdir(a->out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "facelive eval: cannot create '%s': %s\n", a->out, strerror(errno));
        return -1;
    }
    char path[4096], title[256];
    snprintf(path, sizeof path, "%s/det.svg", a->out);
    snprintf(title, sizeof title, "DET: facelive silent check, %d bona fide, %d attacks", r->all.n_bona_fide,
             r->all.n_attack);
    if (write_svg(path, all, n_all, &r->all, title)) {
        fprintf(stderr, "facelive eval: cannot write %s\n", path);
        return -1;
    }
    snprintf(path, sizeof path, "%s/report.json", a->out);
    FILE *rep = fopen(path, "w");
    if (!rep) {
        fprintf(stderr, "facelive eval: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    write_report(rep, a, r, m->rows, m->n, (char(*)[64])m->species.name, 1);
    return fclose(rep) != 0 ? -1 : 0;
}

static void print_groups(const eval_args *a, const eval_result *r)
{
    char title[256];
    if (r->by_group) {
        snprintf(title, sizeof title, "by %s, threshold %.4f%s", r->grp.column, r->threshold,
                 a->calibrate ? " (chosen on the dev split of every group: not an independent figure)" : "");
        text_groups(r, r->by_group, title);
    }
    if (!r->loso)
        return;
    snprintf(title, sizeof title, "leave one %s out: each at the threshold chosen on the others for APCER <= "
             "%.2f%%", r->grp.column, a->target_apcer * 100);
    text_groups(r, r->loso->group, title);
    printf("  pooled over the left-out groups: BPCER %d/%d (%.1f%%), APCER (max) %d/%d (%.1f%%), HTER %.1f%%\n",
           r->loso->pooled.bpcer.errors, r->loso->pooled.bpcer.total, 100 * r->loso->pooled.bpcer.rate,
           r->loso->pooled.apcer_max.errors, r->loso->pooled.apcer_max.total, 100 * r->loso->pooled.apcer_max.rate,
           100 * r->loso->pooled.hter);
}

void eval_print(const eval_args *a, const eval_result *r, const manifest *m)
{
    char(*species)[64] = (char(*)[64])m->species.name;
    if (a->json) {
        write_report(stdout, a, r, m->rows, m->n, species, 0);
        return;
    }
    char title[256];
    if (a->calibrate) {
        printf("calibration: threshold %.4f chosen on the dev split for APCER(max) <= %.2f%%\n", r->threshold,
               a->target_apcer * 100);
        print_text(&r->dev, species, "dev split");
        print_text(&r->test, species, "test split (reported)");
    }
    snprintf(title, sizeof title, "all rows, detection at %d px", a->detect_size);
    print_text(&r->all, species, title);
    print_not_acquired(m->rows, m->n);
    print_groups(a, r);
    if (a->compare_size) {
        snprintf(title, sizeof title, "all rows, detection at %d px (compared)", a->compare_size);
        print_text(&r->compared, species, title);
    }
    printf("  %d rows of other labels skipped, %d unreadable; report %s/report.json, plot %s/det.svg\n", r->skipped,
           r->errors, a->out, a->out);
}
