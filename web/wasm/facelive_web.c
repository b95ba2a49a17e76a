/*
 * The C side of the WebAssembly module (web/facelive.mjs loads it in a Worker): engines from model
 * bytes, a session fed with RGBA frames, its state as integers and its result as JSON.
 *
 * JavaScript owns nothing but handles and buffers it allocated with malloc: every function takes
 * an error buffer of its own (no global state), and every handle has its free function.
 * Thread-safety: as the library's; one Worker owns a module instance, so calls never overlap.
 */
#include <emscripten/emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/model_probe.h"
#include "app/session_result.h"
#include "facelive/face.h"
#include "facelive/liveness.h"
#include "facelive/session.h"

typedef struct fw_engine {
    fl_analyzer *analyzer;
    fl_silent *silent; /* NULL: the page leaves the silent check to the server */
} fw_engine;

typedef struct fw_session {
    fl_session *session;
    fl_challenge challenge;
    const fl_silent *silent;
    fl_image frame; /* the last frame, BGR: reused, so a session allocates once */
} fw_session;

/* fl_phase's names, in its order (the library names failures and outcomes, not phases). */
static const char *const phase_names[] = {"quality", "neutral", "action", "capture", "done", "failed"};

/* The indices of fw_session_push's state array. */
enum { ST_PHASE, ST_STEP, ST_N_STEPS, ST_ACTION, ST_REASON, ST_FAILURE, ST_FRAMES, ST_DROPPED, ST_PROMPT, ST_COUNT };

static void copy_error(const fl_error *err, fl_status s, char *out, int cap)
{
    if (out && cap > 0)
        snprintf(out, (size_t)cap, "%s: %s", fl_status_name(s), err->detail);
}

EMSCRIPTEN_KEEPALIVE void fw_engine_free(fw_engine *e)
{
    if (!e)
        return;
    fl_silent_free(e->silent);
    fl_analyzer_free(e->analyzer);
    free(e);
}

/* names[i], data[i], sizes[i]: the model files; with_silent: also load the anti-spoof models of
 * the default list (they must be among the files). NULL on failure, with the reason in error. */
EMSCRIPTEN_KEEPALIVE fw_engine *fw_engine_create(int n, const char *const *names, const uint8_t *const *data,
                                                 const uint32_t *sizes, int with_silent, char *error, int error_cap)
{
    fl_model_blob *blobs = calloc((size_t)(n > 0 ? n : 1), sizeof *blobs);
    fw_engine *e = calloc(1, sizeof *e);
    fl_error err = {0};
    fl_status s = FL_E_NO_MEMORY;
    snprintf(err.detail, sizeof err.detail, "out of memory");
    if (blobs && e) {
        for (int i = 0; i < n; i++)
            blobs[i] = (fl_model_blob){names[i], data[i], sizes[i]};
        s = fl_analyzer_create_from_memory(blobs, n, NULL, &e->analyzer, &err);
        if (!s && with_silent)
            s = fl_silent_create_from_memory(blobs, n, NULL, NULL, &e->silent, &err);
    }
    free(blobs);
    if (s) {
        copy_error(&err, s, error, error_cap);
        fw_engine_free(e);
        return NULL;
    }
    return e;
}

EMSCRIPTEN_KEEPALIVE void fw_session_free(fw_session *ws)
{
    if (!ws)
        return;
    fl_session_free(ws->session);
    fl_image_free(&ws->frame);
    free(ws);
}

/* actions[0..n): the challenge (fl_action numbers, as the server drew them); mirrored: the frames
 * are a selfie preview, mirrored. */
EMSCRIPTEN_KEEPALIVE fw_session *fw_session_create(const fw_engine *e, const int *actions, int n, int mirrored,
                                                   char *error, int error_cap)
{
    fl_error err = {0};
    fw_session *ws = calloc(1, sizeof *ws);
    if (!ws || n < 1 || n > FL_CHALLENGE_MAX) {
        snprintf(error, (size_t)error_cap, "%s", ws ? "a challenge has 1 to 8 actions" : "out of memory");
        free(ws);
        return NULL;
    }
    ws->challenge.n = n;
    for (int i = 0; i < n; i++)
        ws->challenge.actions[i] = (fl_action)actions[i];
    fl_session_config config = fl_session_config_default();
    config.actions.mirrored = mirrored;
    ws->silent = e->silent;
    fl_status s = fl_session_create(e->analyzer, e->silent, &config, &ws->challenge, &ws->session, &err);
    if (s) {
        copy_error(&err, s, error, error_cap);
        fw_session_free(ws);
        return NULL;
    }
    return ws;
}

/* One RGBA frame (rows of width*4 bytes) at t seconds; state[ST_COUNT] receives the state, the
 * prompt as a pointer to static text. Returns the status (0: FL_OK). */
EMSCRIPTEN_KEEPALIVE int fw_session_push(fw_session *ws, const uint8_t *rgba, int width, int height, double t,
                                         int *state, char *error, int error_cap)
{
    fl_error err = {0};
    fl_image_view view = {rgba, width, height, (size_t)width * 4, FL_PIXEL_RGBA, 0};
    fl_image_free(&ws->frame);
    fl_status s = fl_image_from_view(&view, &ws->frame, &err);
    fl_session_state st;
    if (!s)
        s = fl_session_push(ws->session, &ws->frame, t, &st, &err);
    if (s) {
        copy_error(&err, s, error, error_cap);
        return (int)s;
    }
    const int values[ST_COUNT] = {st.phase, st.step,   st.n_steps, st.action,
                                  st.reason, st.failure, st.frames, st.dropped,
                                  (int)(intptr_t)st.prompt};
    memcpy(state, values, sizeof values);
    return 0;
}

EMSCRIPTEN_KEEPALIVE void fw_session_add_dropped(fw_session *ws, int n)
{
    fl_session_add_dropped(ws->session, n);
}

/* The session's result as JSON (the service's verify keys), malloc'd: the caller frees it. */
EMSCRIPTEN_KEEPALIVE char *fw_session_result_json(fw_session *ws, char *error, int error_cap)
{
    fl_error err = {0};
    fl_session_result r;
    fl_status s = fl_session_result_get(ws->session, &r, &err);
    if (s) {
        copy_error(&err, s, error, error_cap);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        snprintf(error, (size_t)error_cap, "out of memory");
        return NULL;
    }
    jw w;
    jw_init(&w, f);
    jw_object(&w, NULL);
    jw_str(&w, "phase", phase_names[r.state.phase]);
    fl_json_session_result(&w, &ws->challenge, &r, r.state.frames, ws->silent);
    jw_end(&w);
    fclose(f);
    return text;
}

/* Names for the integers of the state (static text). */
EMSCRIPTEN_KEEPALIVE const char *fw_action_name(int a) { return fl_action_name((fl_action)a); }
EMSCRIPTEN_KEEPALIVE const char *fw_failure_name(int f) { return fl_failure_name((fl_failure)f); }
EMSCRIPTEN_KEEPALIVE const char *fw_reason_name(int r) { return fl_quality_reason_name((fl_quality_reason)r); }
EMSCRIPTEN_KEEPALIVE int fw_action_parse(const char *name) { return fl_action_parse(name); }

/* For scripts/bench.sh web: one model from its bytes, `runs` timed inferences (after 3 untimed) on
 * this build's default backend at the model's shapes; *p50 receives the median in ms. */
EMSCRIPTEN_KEEPALIVE int fw_model_bench(const uint8_t *bytes, uint32_t size, int runs, double *p50, char *error,
                                        int error_cap)
{
    fl_error err = {0};
    fl_model *m = NULL;
    fl_probe probe = {0};
    double p99;
    fl_status s = fl_model_load_memory(bytes, size, &m, &err);
    if (!s) {
        s = fl_probe_bench(&probe, m, fl_model_ctx_options_default().backend, runs, p50, &p99, &err);
        fl_probe_free(&probe);
    }
    fl_model_free(m);
    if (s)
        copy_error(&err, s, error, error_cap);
    return (int)s;
}
