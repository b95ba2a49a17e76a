#include "cli/eval/eval_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

fl_rate fl_wilson(int errors, int total)
{
    fl_rate r = {errors, total, -1, 0, 1};
    if (total <= 0)
        return r;
    const double z = 1.959963984540054, n = total, p = (double)errors / n;
    const double den = 1 + z * z / n, centre = (p + z * z / (2 * n)) / den;
    const double half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den;
    r.rate = p;
    r.lo = fmax(0, centre - half);
    r.hi = fmin(1, centre + half);
    return r;
}

void fl_eval_far_frr(const fl_eval_sample *s, size_t n, double t, double *far, double *frr)
{
    int a = 0, acc = 0, b = 0, rej = 0;
    for (size_t i = 0; i < n; i++) {
        if (!s[i].acquired)
            continue;
        if (s[i].bona_fide) {
            b++;
            rej += s[i].score < t;
        } else {
            a++;
            acc += s[i].score >= t;
        }
    }
    *far = a ? (double)acc / a : 0;
    *frr = b ? (double)rej / b : 0;
}

static double apcer_max_at(const fl_eval_sample *s, size_t n, int n_species, double t)
{
    int tot[FL_EVAL_MAX_SPECIES] = {0}, acc[FL_EVAL_MAX_SPECIES] = {0};
    for (size_t i = 0; i < n; i++)
        if (s[i].acquired && !s[i].bona_fide && s[i].species >= 0 && s[i].species < n_species) {
            tot[s[i].species]++;
            acc[s[i].species] += s[i].score >= t;
        }
    double worst = 0;
    for (int k = 0; k < n_species; k++)
        if (tot[k])
            worst = fmax(worst, (double)acc[k] / tot[k]);
    return worst;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Candidate thresholds: 0, every acquired score, and the next double above each (a threshold
 * just above a score rejects that sample and nothing else), so "the most permissive threshold
 * that rejects these attacks" sits right above the highest of them. */
static double *candidates(const fl_eval_sample *s, size_t n, size_t *count)
{
    double *c = malloc((2 * n + 1) * sizeof *c);
    size_t k = 0;
    c[k++] = 0.0;
    for (size_t i = 0; i < n; i++)
        if (s[i].acquired) {
            c[k++] = s[i].score;
            c[k++] = nextafter(s[i].score, 2.0);
        }
    qsort(c, k, sizeof *c, cmp_double);
    *count = k;
    return c;
}

double fl_eval_threshold_for_apcer(const fl_eval_sample *s, size_t n, int n_species, double target)
{
    size_t k;
    double *c = candidates(s, n, &k);
    double t = c[k - 1];
    for (size_t i = 0; i < k; i++) /* ascending: the first threshold that meets the target */
        if (apcer_max_at(s, n, n_species, c[i]) <= target) {
            t = c[i];
            break;
        }
    free(c);
    return t;
}

static void bpcer_at_apcer(const fl_eval_sample *s, size_t n, int n_species, double target, double *bpcer, double *t)
{
    double far;
    *t = fl_eval_threshold_for_apcer(s, n, n_species, target);
    fl_eval_far_frr(s, n, *t, &far, bpcer);
}

/* The worst-species APCER at the highest threshold whose BPCER is at most target. */
static double apcer_at_bpcer(const fl_eval_sample *s, size_t n, int n_species, double target)
{
    size_t k;
    double *c = candidates(s, n, &k), best = 1.0;
    for (size_t i = 0; i < k; i++) {
        double far, frr;
        fl_eval_far_frr(s, n, c[i], &far, &frr);
        if (frr <= target)
            best = apcer_max_at(s, n, n_species, c[i]);
    }
    free(c);
    return best;
}

/* Equal error rate: FAR falls and FRR rises with the threshold; between the two candidate
 * thresholds where they cross, interpolate linearly. */
static void eer(const fl_eval_sample *s, size_t n, double *rate, double *threshold)
{
    size_t k;
    double *c = candidates(s, n, &k);
    double pf = 0, pr = 0, pt = c[0];
    fl_eval_far_frr(s, n, c[0], &pf, &pr);
    *rate = (pf + pr) / 2;
    *threshold = pt;
    for (size_t i = 1; i < k; i++) {
        double f, r;
        fl_eval_far_frr(s, n, c[i], &f, &r);
        if (f <= r) { /* crossed between pt and c[i] */
            double d0 = pf - pr, d1 = f - r, a = d0 != d1 ? d0 / (d0 - d1) : 0;
            *rate = pf + a * (f - pf);
            *threshold = pt + a * (c[i] - pt);
            break;
        }
        pf = f, pr = r, pt = c[i];
    }
    free(c);
}

void fl_eval_compute(const fl_eval_sample *s, size_t n, int n_species, double t, fl_eval_metrics *m)
{
    memset(m, 0, sizeof *m);
    m->threshold = t;
    m->n_species = n_species;
    int tot[FL_EVAL_MAX_SPECIES] = {0}, acc[FL_EVAL_MAX_SPECIES] = {0}, b = 0, rej = 0, a = 0, acc_all = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].bona_fide) {
            m->n_bona_fide++;
            if (!s[i].acquired) {
                m->fta_bona_fide++;
                continue;
            }
            b++;
            rej += s[i].score < t;
        } else {
            m->n_attack++;
            if (!s[i].acquired) {
                m->fta_attack++;
                continue;
            }
            a++;
            acc_all += s[i].score >= t;
            if (s[i].species >= 0 && s[i].species < n_species) {
                tot[s[i].species]++;
                acc[s[i].species] += s[i].score >= t;
            }
        }
    }
    double sum = 0;
    int counted = 0;
    m->apcer_max = fl_wilson(0, 0);
    for (int k = 0; k < n_species; k++) {
        m->apcer_species[k] = fl_wilson(acc[k], tot[k]);
        if (tot[k]) {
            sum += m->apcer_species[k].rate;
            counted++;
            if (m->apcer_species[k].rate > m->apcer_max.rate)
                m->apcer_max = m->apcer_species[k];
        }
    }
    m->apcer_mean = counted ? sum / counted : -1;
    m->bpcer = fl_wilson(rej, b);
    m->far = fl_wilson(acc_all, a);
    m->hter = (m->far.rate + m->bpcer.rate) / 2;
    m->acer = (m->apcer_max.rate + m->bpcer.rate) / 2;
    eer(s, n, &m->eer, &m->eer_threshold);
    bpcer_at_apcer(s, n, n_species, 0.05, &m->bpcer20, &m->bpcer20_threshold);
    bpcer_at_apcer(s, n, n_species, 0.01, &m->bpcer100, &m->bpcer100_threshold);
    m->apcer_at_bpcer1 = apcer_at_bpcer(s, n, n_species, 0.01);
    m->apcer_at_bpcer5 = apcer_at_bpcer(s, n, n_species, 0.05);
}
