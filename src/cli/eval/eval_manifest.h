/* Reading `facelive eval`'s manifest (cmd_eval.c's usage describes its columns). */
#ifndef FL_CLI_EVAL_MANIFEST_H
#define FL_CLI_EVAL_MANIFEST_H

#include "cli/eval/eval_types.h"

/* Reads every real and spoof row of the manifest at path, grouped by the column group_by (NULL:
 * source_repo when there is one; "none": no groups); 0, or -1 with the reason printed. */
int eval_read_manifest(const char *path, const char *group_by, manifest *m);
void eval_free_manifest(manifest *m);

#endif
