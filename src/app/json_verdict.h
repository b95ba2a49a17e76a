/* A silent verdict as JSON fields, the same for `facelive check --json` and the service's answers. */
#ifndef FL_CLI_JSON_VERDICT_H
#define FL_CLI_JSON_VERDICT_H

#include "app/json_writer.h"
#include "facelive/liveness.h"

/* "decision", "score" (only when a frame was judged), "threshold", "spoof_below", "frames" (per
 * frame: index, used, scores, per-model p_real and crop, reasons) and "reasons" into the open
 * object. */
void fl_json_verdict_fields(jw *w, const fl_verdict *v, const fl_silent *sl);

/* "model_list": the anti-spoof models of sl, each its file, nominal scale ("frame" for the whole
 * image), weight-free provenance: licence and trained_on as the list states them ("" when not). */
void fl_json_model_list(jw *w, const fl_silent *sl);

#endif
