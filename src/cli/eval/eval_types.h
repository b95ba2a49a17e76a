/* What `facelive eval` reads, is asked and finds: shared by its manifest reader, its report and
 * the command (cmd_eval.c). */
#ifndef FL_CLI_EVAL_TYPES_H
#define FL_CLI_EVAL_TYPES_H

#include "app/program.h"
#include "cli/eval/eval_groups.h"
#include "cli/eval/eval_metrics.h"

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
    int decode_min_side; /* --decode-min-side: JPEGs decoded reduced (fl_image_load_reduced); 0 full */
    double threshold, target_apcer;
    fl_judge_limits limits;
} eval_args;

/* The groups (sources) of a manifest: the column's name and the distinct values in order of
 * first appearance. */
typedef struct groups {
    char column[64];
    int n;
    char name[FL_EVAL_MAX_GROUPS][128];
} groups;

typedef struct eval_result {
    fl_eval_metrics all, dev, test, compared;
    double threshold;
    int skipped, errors;
    groups grp;
    fl_eval_metrics *by_group; /* grp.n, when grouped */
    fl_eval_loso *loso;        /* when grouped and calibrating */
} eval_result;

/* The attack species of a manifest, in order of first appearance. */
typedef struct species_names {
    int n;
    char name[FL_EVAL_MAX_SPECIES][64];
} species_names;

/* A manifest's real and spoof rows. */
typedef struct manifest {
    row *rows;
    int n, cap;
    int skipped; /* rows of other labels */
    groups grp;
    species_names species;
} manifest;

#endif
