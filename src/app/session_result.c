#include "app/session_result.h"

#include "app/json_verdict.h"

static void write_challenge(jw *w, const fl_challenge *ch, const fl_session_result *r)
{
    jw_array(w, "challenge");
    for (int i = 0; ch && i < ch->n; i++) {
        jw_object(w, NULL);
        jw_str(w, "action", fl_action_name(ch->actions[i]));
        jw_bool(w, "done", i < r->state.step);
        if (i < r->state.step)
            jw_num(w, "at_s", r->done_at[i], 3);
        jw_end(w);
    }
    jw_end(w);
}

static void write_events(jw *w, const fl_session_result *r)
{
    jw_array(w, "events");
    for (int i = 0; i < r->n_events; i++) {
        jw_object(w, NULL);
        jw_str(w, "action", fl_action_name(r->events[i].action));
        jw_num(w, "at_s", r->events[i].t, 3);
        jw_end(w);
    }
    jw_end(w);
}

void fl_json_session_result(jw *w, const fl_challenge *ch, const fl_session_result *r, int frames_judged,
                            const fl_silent *sl)
{
    jw_str(w, "decision", ch ? fl_decision_name(r->decision) : NULL);
    jw_str(w, "outcome", ch ? fl_outcome_name(r->outcome) : NULL);
    if (ch && r->state.failure)
        jw_str(w, "failure", fl_failure_name(r->state.failure));
    jw_bool(w, "actions_done", ch && r->state.step == ch->n);
    write_challenge(w, ch, r);
    write_events(w, r);
    jw_int(w, "frames_judged", frames_judged);
    jw_array(w, "best_frames_s");
    for (int i = 0; i < r->n_best; i++)
        jw_num(w, NULL, r->best_t[i], 3);
    jw_end(w);
    jw_int(w, "dropped", r->state.dropped);
    if (r->has_verdict) {
        jw_object(w, "silent");
        fl_json_verdict_fields(w, &r->verdict, sl);
        jw_int(w, "frames_used", r->verdict.n_used);
        jw_end(w);
    }
}
