/* `facelive eval`'s outputs. */
#ifndef FL_CLI_EVAL_REPORT_H
#define FL_CLI_EVAL_REPORT_H

#include <stddef.h>

#include "cli/eval/eval_types.h"

/* a->out/det.svg and a->out/report.json (with every row's score); 0, or -1 with the reason printed. */
int eval_write_files(const eval_args *a, const eval_result *r, const manifest *m, const fl_eval_sample *all,
                     size_t n_all);
/* The rates as text on stdout, or (--json) the report without the rows' scores. */
void eval_print(const eval_args *a, const eval_result *r, const manifest *m);

#endif
