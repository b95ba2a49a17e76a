/*
 * Presentation-attack-detection error rates as ../shared/docs/METRICS.md defines them
 * (ISO/IEC 30107-3 names plus FAR/FRR/HTER), with Wilson 95 % intervals. Pure functions on a
 * list of scored samples, so they can be tested on hand-made lists.
 */
#ifndef FL_CLI_EVAL_METRICS_H
#define FL_CLI_EVAL_METRICS_H

#include <stddef.h>

#define FL_EVAL_MAX_SPECIES 16

typedef struct fl_eval_sample {
    int bona_fide;   /* 1: a live person; 0: an attack */
    int species;     /* attack instrument species index (attacks only) */
    int acquired;    /* 0: failure to acquire (no usable face): counted apart, never scored */
    double score;    /* the fused "real" probability */
} fl_eval_sample;

typedef struct fl_rate {
    int errors, total;
    double rate, lo, hi; /* rate and its Wilson 95 % interval; rate = -1 when total = 0 */
} fl_rate;

typedef struct fl_eval_metrics {
    double threshold;
    int n_bona_fide, n_attack, fta_bona_fide, fta_attack;
    int n_species;
    fl_rate apcer_species[FL_EVAL_MAX_SPECIES];
    fl_rate apcer_max;       /* the worst species */
    double apcer_mean;
    fl_rate bpcer;           /* = FRR */
    fl_rate far;             /* all attacks accepted / all attacks */
    double hter, acer;
    double eer, eer_threshold;
    double bpcer20, bpcer20_threshold;   /* BPCER where the worst-species APCER reaches 5 % */
    double bpcer100, bpcer100_threshold; /* ... 1 % */
    double apcer_at_bpcer1, apcer_at_bpcer5;
} fl_eval_metrics;

fl_rate fl_wilson(int errors, int total);

/* All metrics at threshold t (real when score >= t) over the acquired samples. */
void fl_eval_compute(const fl_eval_sample *s, size_t n, int n_species, double t, fl_eval_metrics *m);

/* The most permissive threshold whose worst-species APCER is at most target (so BPCER is as
 * low as the target allows). */
double fl_eval_threshold_for_apcer(const fl_eval_sample *s, size_t n, int n_species, double target);

/* FAR and FRR at threshold t (acquired samples). */
void fl_eval_far_frr(const fl_eval_sample *s, size_t n, double t, double *far, double *frr);

#endif
