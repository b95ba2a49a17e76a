#include "app/json_verdict.h"

/* "scale": the nominal crop scale, or "frame" for a whole-image model (scale 0). */
static void model_scale(jw *w, const fl_silent *sl, int k)
{
    float scale = fl_silent_model_scale(sl, k);
    if (scale > 0)
        jw_num(w, "scale", scale, 2);
    else
        jw_str(w, "scale", "frame");
}

void fl_json_model_list(jw *w, const fl_silent *sl)
{
    jw_array(w, "model_list");
    for (int k = 0; k < fl_silent_model_count(sl); k++) {
        jw_object(w, NULL);
        jw_str(w, "file", fl_silent_model_file(sl, k));
        model_scale(w, sl, k);
        jw_str(w, "licence", fl_silent_model_licence(sl, k));
        jw_str(w, "trained_on", fl_silent_model_trained_on(sl, k));
        jw_end(w);
    }
    jw_end(w);
}

void fl_json_verdict_fields(jw *w, const fl_verdict *v, const fl_silent *sl)
{
    jw_str(w, "decision", fl_decision_name(v->decision));
    if (v->n_used) /* no score without a judged frame: 0 would read as a confident spoof */
        jw_num(w, "score", v->score, 4);
    jw_num(w, "threshold", v->threshold, 3);
    jw_num(w, "spoof_below", v->spoof_below, 3);
    jw_array(w, "frames");
    for (int i = 0; i < v->n_frames; i++) {
        const fl_frame_score *f = &v->frames[i];
        jw_object(w, NULL);
        jw_int(w, "index", f->index);
        jw_bool(w, "used", f->used);
        if (f->used) {
            jw_num(w, "score", f->score, 4);
            jw_num(w, "score_all", f->score_all, 4);
        }
        jw_array(w, "models");
        for (int k = 0; f->used && k < f->n_models; k++) {
            jw_object(w, NULL);
            model_scale(w, sl, k);
            jw_num(w, "scale_used", f->models[k].scale, 3);
            jw_num(w, "p_real", f->models[k].p_real, 4);
            jw_bool(w, "degraded", f->models[k].degraded);
            jw_array(w, "crop");
            for (int c = 0; c < 4; c++)
                jw_int(w, NULL, f->models[k].crop[c]);
            jw_end(w);
            jw_end(w);
        }
        jw_end(w);
        jw_array(w, "reasons");
        for (int k = 0; k < f->n_reasons; k++)
            jw_str(w, NULL, fl_quality_reason_name(f->reasons[k].reason));
        jw_end(w);
        jw_end(w);
    }
    jw_end(w);
    jw_array(w, "reasons");
    for (int k = 0; k < v->n_reasons; k++) {
        jw_object(w, NULL);
        jw_str(w, "reason", fl_quality_reason_name(v->reasons[k].reason));
        jw_num(w, "value", v->reasons[k].value, 4);
        jw_num(w, "threshold", v->reasons[k].threshold, 4);
        jw_end(w);
    }
    jw_end(w);
}
