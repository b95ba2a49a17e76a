#include "cli/eval/eval_groups.h"

#include <math.h>
#include <stdlib.h>

/* The samples whose group is (in = 1) or is not (in = 0) g; returns the count. */
static size_t select_group(const fl_eval_sample *s, const int *group, size_t n, int g, int in, fl_eval_sample *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if ((group[i] == g) == in)
            out[k++] = s[i];
    return k;
}

static int has_both_kinds(const fl_eval_sample *s, size_t n)
{
    int bona = 0, attack = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].acquired) {
            bona |= s[i].bona_fide;
            attack |= !s[i].bona_fide;
        }
    return bona && attack;
}

void fl_eval_by_group(const fl_eval_sample *s, const int *group, size_t n, int n_groups, int n_species, double t,
                      fl_eval_metrics *out)
{
    fl_eval_sample *sel = malloc((n ? n : 1) * sizeof *sel);
    if (!sel)
        return;
    for (int g = 0; g < n_groups; g++)
        fl_eval_compute(sel, select_group(s, group, n, g, 1, sel), n_species, t, &out[g]);
    free(sel);
}

void fl_eval_leave_one_out(const fl_eval_sample *s, const int *group, size_t n, int n_groups, int n_species,
                           double target_apcer, fl_eval_loso *out)
{
    fl_eval_sample *train = malloc((n ? n : 1) * sizeof *train), *pooled = malloc((n ? n : 1) * sizeof *pooled);
    size_t n_pooled = 0;
    out->groups_used = 0;
    for (int g = 0; g < n_groups && train && pooled; g++) {
        const size_t n_train = select_group(s, group, n, g, 0, train);
        out->threshold[g] = NAN;
        if (!has_both_kinds(train, n_train))
            continue;
        const double t = fl_eval_threshold_for_apcer(train, n_train, n_species, target_apcer);
        out->threshold[g] = t;
        out->groups_used++;
        /* the group's own samples, and a copy for the pooled count whose score is moved so that
         * its own threshold sits at 0.5 (only the decisions are pooled) */
        const size_t n_test = select_group(s, group, n, g, 1, train);
        fl_eval_compute(train, n_test, n_species, t, &out->group[g]);
        for (size_t i = 0; i < n_test; i++) {
            pooled[n_pooled] = train[i];
            pooled[n_pooled++].score = train[i].score - t + 0.5;
        }
    }
    fl_eval_compute(pooled ? pooled : train, pooled ? n_pooled : 0, n_species, 0.5, &out->pooled);
    out->pooled.threshold = NAN;
    out->pooled.eer = out->pooled.eer_threshold = NAN;
    out->pooled.bpcer20 = out->pooled.bpcer20_threshold = out->pooled.bpcer100 = out->pooled.bpcer100_threshold = NAN;
    out->pooled.apcer_at_bpcer1 = out->pooled.apcer_at_bpcer5 = NAN;
    free(train);
    free(pooled);
}
