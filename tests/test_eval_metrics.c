/* The error-rate arithmetic of facelive eval on hand-made score lists with known answers. */
#include <math.h>

#include "cli/eval/eval_groups.h"
#include "cli/eval/eval_metrics.h"
#include "test_util.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

/* Per-group rates and leave-one-group-out on three made-up sources with known answers. */
static void test_groups(void)
{
    /* source 0: bona fide {0.9, 0.8}, attacks {0.1, 0.2}; source 1: bona fide {0.7, 0.95}, attacks {0.3, 0.6};
       source 2: bona fide {0.4}, attacks {0.85} (an attack the others never show); one attack of source 1
       not acquired */
    const fl_eval_sample s[] = {{1, -1, 1, 0.9},  {1, -1, 1, 0.8}, {0, 0, 1, 0.1}, {0, 0, 1, 0.2},
                                {1, -1, 1, 0.7},  {1, -1, 1, 0.95}, {0, 0, 1, 0.3}, {0, 0, 1, 0.6},
                                {0, 0, 0, 0.99}, {1, -1, 1, 0.4},  {0, 0, 1, 0.85}};
    const int group[] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2};
    const size_t n = sizeof s / sizeof s[0];
    fl_eval_metrics by[3];
    fl_eval_by_group(s, group, n, 3, 1, 0.5, by);
    CHECK(by[0].n_bona_fide == 2 && by[0].bpcer.errors == 0 && by[0].far.errors == 0, "source 0 at 0.5");
    CHECK(by[1].n_attack == 3 && by[1].fta_attack == 1 && by[1].far.errors == 1 && by[1].far.total == 2,
          "source 1 at 0.5: the 0.6 attack accepted, one not acquired");
    CHECK(by[2].bpcer.errors == 1 && by[2].far.errors == 1, "source 2 at 0.5: both wrong");
    static fl_eval_loso l;
    fl_eval_leave_one_out(s, group, n, 3, 1, 0.0, &l);
    /* leaving source 0 out: sources 1 and 2 need a threshold above 0.85 (their worst attack) */
    CHECK(l.threshold[0] > 0.85 && l.threshold[0] < 0.85 + 1e-12, "threshold without source 0: %.15f",
          l.threshold[0]);
    CHECK(by[0].bpcer.errors == 0 && l.group[0].bpcer.errors == 1, "source 0 at its threshold: 0.8 rejected");
    /* leaving source 2 out: sources 0 and 1 need just above 0.6; source 2's attack at 0.85 passes */
    CHECK(l.threshold[2] > 0.6 && l.threshold[2] < 0.6 + 1e-12 && l.group[2].far.errors == 1 &&
              l.group[2].bpcer.errors == 1,
          "the attack no other source shows is accepted when its source is left out");
    /* pooled: every group's decisions at its own threshold */
    int bpcer = 0, far = 0;
    for (int g = 0; g < 3; g++) {
        bpcer += l.group[g].bpcer.errors;
        far += l.group[g].far.errors;
    }
    CHECK(l.groups_used == 3 && l.pooled.bpcer.errors == bpcer && l.pooled.far.errors == far &&
              l.pooled.bpcer.total == 5 && l.pooled.far.total == 5 && isnan(l.pooled.eer),
          "pooled counts %d/%d and %d/%d, no EER", l.pooled.bpcer.errors, l.pooled.bpcer.total, l.pooled.far.errors,
          l.pooled.far.total);
    /* a group whose others hold no attack gets no threshold and is left out of the pool */
    const fl_eval_sample t[] = {{1, -1, 1, 0.9}, {0, 0, 1, 0.1}};
    const int tg[] = {0, 1};
    fl_eval_leave_one_out(t, tg, 2, 2, 1, 0.0, &l);
    CHECK(isnan(l.threshold[0]) && isnan(l.threshold[1]) && l.groups_used == 0, "no threshold without both kinds");
}

int main(void)
{
    test_groups();
    /* 10 bona fide scores 0.05..0.95; attacks: species 0 = {0.1, 0.2, 0.3, 0.96}, species 1 = {0.5, 0.6};
       one bona fide and one attack not acquired. */
    fl_eval_sample s[20];
    int n = 0;
    for (int i = 0; i < 10; i++)
        s[n++] = (fl_eval_sample){1, -1, 1, 0.05 + 0.1 * i};
    const double a0[4] = {0.1, 0.2, 0.3, 0.96}, a1[2] = {0.5, 0.6};
    for (int i = 0; i < 4; i++)
        s[n++] = (fl_eval_sample){0, 0, 1, a0[i]};
    for (int i = 0; i < 2; i++)
        s[n++] = (fl_eval_sample){0, 1, 1, a1[i]};
    s[n++] = (fl_eval_sample){1, -1, 0, 0.99};
    s[n++] = (fl_eval_sample){0, 1, 0, 0.99};
    fl_eval_metrics m;
    fl_eval_compute(s, (size_t)n, 2, 0.55, &m);
    CHECK(m.n_bona_fide == 11 && m.n_attack == 7 && m.fta_bona_fide == 1 && m.fta_attack == 1, "counts");
    /* at 0.55: bona fide rejected = scores < 0.55: 0.05..0.45 = 5 of 10 */
    CHECK(m.bpcer.errors == 5 && m.bpcer.total == 10 && NEAR(m.bpcer.rate, 0.5), "BPCER %d/%d", m.bpcer.errors,
          m.bpcer.total);
    /* species 0: 0.96 accepted = 1/4; species 1: 0.6 accepted = 1/2 */
    CHECK(NEAR(m.apcer_species[0].rate, 0.25) && NEAR(m.apcer_species[1].rate, 0.5), "APCER per species");
    CHECK(NEAR(m.apcer_max.rate, 0.5) && NEAR(m.apcer_mean, 0.375), "APCER max is the worst species, mean apart");
    CHECK(m.far.errors == 2 && m.far.total == 6 && NEAR(m.hter, (2.0 / 6 + 0.5) / 2), "FAR and HTER");
    CHECK(NEAR(m.acer, (0.5 + 0.5) / 2), "ACER");
    /* Wilson interval of 0 of 20: [0, 0.161] (not "0 %") */
    fl_rate w = fl_wilson(0, 20);
    CHECK(w.rate == 0 && w.lo == 0 && fabs(w.hi - 0.1611) < 1e-3, "Wilson 0/20 upper %.4f", w.hi);
    w = fl_wilson(5, 10);
    CHECK(fabs(w.lo - 0.2366) < 1e-3 && fabs(w.hi - 0.7634) < 1e-3, "Wilson 5/10 [%.4f, %.4f]", w.lo, w.hi);
    /* the most permissive threshold with APCER(max) <= 0: above 0.96 */
    double t = fl_eval_threshold_for_apcer(s, (size_t)n, 2, 0.0);
    CHECK(t > 0.96 && t < 0.96 + 1e-12, "threshold for APCER 0: just above 0.96 (%.15f)", t);
    /* APCER <= 0.25 allows accepting one of species 0 but nothing of species 1: just above 0.6 */
    t = fl_eval_threshold_for_apcer(s, (size_t)n, 2, 0.25);
    CHECK(t > 0.6 && t < 0.6 + 1e-12, "threshold for APCER 25%%: %.15f", t);
    /* EER: at 0.45 FAR = 3/6 and FRR = 4/10; at 0.5 both are 0.5: they meet there */
    double far, frr;
    fl_eval_far_frr(s, (size_t)n, 0.45, &far, &frr);
    CHECK(NEAR(far, 0.5) && NEAR(frr, 0.4), "FAR/FRR at 0.45: %.3f %.3f", far, frr);
    CHECK(NEAR(m.eer, 0.5) && m.eer_threshold >= 0.45 && m.eer_threshold <= 0.5, "EER %.3f at %.3f", m.eer,
          m.eer_threshold);
    /* interpolation: bona fide {0.5, 0.9}, attacks {0.1, 0.5}: just at 0.5, FAR - FRR jumps from +0.5
       to -0.5 (the tied attack is accepted, the tied bona fide rejected above it): the lines cross
       halfway, at a rate of 0.25 */
    fl_eval_sample q[4] = {{1, -1, 1, 0.5}, {1, -1, 1, 0.9}, {0, 0, 1, 0.1}, {0, 0, 1, 0.5}};
    fl_eval_compute(q, 4, 1, 0.5, &m);
    CHECK(NEAR(m.eer, 0.25) && fabs(m.eer_threshold - 0.5) < 1e-9, "interpolated EER %.3f at %.3f", m.eer,
          m.eer_threshold);
    /* a perfect separation: EER 0 */
    fl_eval_sample p[4] = {{1, -1, 1, 0.9}, {1, -1, 1, 0.8}, {0, 0, 1, 0.1}, {0, 0, 1, 0.2}};
    fl_eval_compute(p, 4, 1, 0.5, &m);
    CHECK(m.eer < 1e-9 && m.bpcer.rate == 0 && m.far.rate == 0 && m.bpcer20 == 0, "perfect separation: EER %.3f",
          m.eer);
    TEST_MAIN_END();
}
