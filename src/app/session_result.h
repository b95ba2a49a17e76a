/* A liveness session's result as JSON fields: one writer for `facelive video --json` and the
 * service's verify answer, so both carry the same keys (docs/openapi.yaml, SessionResult). */
#ifndef FL_APP_SESSION_RESULT_H
#define FL_APP_SESSION_RESULT_H

#include "app/json_writer.h"
#include "facelive/session.h"

/* Into the open object: "decision", "outcome", "failure" (when an action failed), "actions_done",
 * "challenge" (per action: action, done, at_s once done), "events" (action, at_s), "frames_judged",
 * "best_frames_s", "dropped" and, when the silent check ran, "silent" (fl_json_verdict_fields
 * plus "frames_used"). ch NULL: a session observed without a challenge (decision and outcome
 * null, no challenge). */
void fl_json_session_result(jw *w, const fl_challenge *ch, const fl_session_result *r, int frames_judged,
                            const fl_silent *sl);

#endif
