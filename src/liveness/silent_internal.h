/* What the session may ask of the silent check beyond the public API. */
#ifndef FL_LIVENESS_SILENT_INTERNAL_H
#define FL_LIVENESS_SILENT_INTERNAL_H

#include "facelive/liveness.h"

/* fl_silent_check with the frames' analyses already made (analyses[i] may be NULL: that frame is
 * analysed here). Only for analyses made by an analyzer with the same options as the ctx's: the
 * session, which analysed its best frames to choose them, saves a detection and a mesh per frame. */
fl_status fl__silent_check_analysed(fl_silent_ctx *ctx, const fl_image *const *frames,
                                    const fl_analysis *const *analyses, int n_frames, fl_verdict *out, fl_error *err);

/* 1 when the silent check can judge the main face of a (no reason of its own to refuse it), by
 * ctx's options, or the defaults when ctx is NULL (a session whose frames a server judges). */
int fl__silent_can_judge(const fl_silent_ctx *ctx, const fl_analysis *a);

#endif
