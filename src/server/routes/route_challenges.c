/* POST /v1/challenges draws a random action sequence and signs it into a token;
 * POST /v1/challenges/{token}/verify re-runs the whole session on the frames the client captured
 * (images with their times, or a short video):
 * the actions in the challenged order, then the silent check on the best frames. The client's own
 * opinion of its attempt is never read. A token is single-use: it is marked used once the frames
 * were judged, whatever the outcome, so a failed attempt cannot be retried with better frames; a
 * request refused before judging (the client's malformed body or frame, no free slot) leaves it
 * unspent, and of concurrent requests with one token only the first judged is answered. */
#include <stdio.h>
#include <string.h>

#include "app/session_result.h"
#include "server/http/frame_source.h"
#include "server/http/media.h"
#include "server/routes/audit.h"
#include "server/routes/handlers.h"
#include "server/state/metrics.h"
#include "server/state/srv_time.h"

void srv_route_challenges(srv_request *r)
{
    const srv_config *c = r->st->cfg;
    fl_challenge ch;
    fl_error err;
    if (fl_challenge_random(c->allowed_actions.n ? &c->allowed_actions : NULL, c->challenge_length, &ch, &err)) {
        srv_reply_error(r, SRV_E_INTERNAL, err.detail, NULL, NULL);
        return;
    }
    char token[SRV_TOKEN_MAX];
    srv_token t;
    int64_t now = srv_unix_s(), expiry = now + c->token_ttl_s;
    if (srv_token_issue(c->secret, c->tenants[r->tenant].name, now, expiry, &ch, token, sizeof token, &t)) {
        srv_reply_error(r, SRV_E_INTERNAL, "the token does not fit", NULL, NULL);
        return;
    }
    srv_out o;
    if (srv_out_begin(&o))
        return;
    jw_str(&o.w, "request_id", r->request_id);
    jw_str(&o.w, "token", token);
    jw_array(&o.w, "actions");
    for (int i = 0; i < ch.n; i++)
        jw_str(&o.w, NULL, fl_action_name(ch.actions[i]));
    jw_end(&o.w);
    jw_array(&o.w, "prompts");
    for (int i = 0; i < ch.n; i++)
        jw_str(&o.w, NULL, fl_action_prompt(ch.actions[i]));
    jw_end(&o.w);
    jw_int(&o.w, "expires_at", expiry);
    jw_int(&o.w, "expires_in_s", c->token_ttl_s);
    srv_out_finish(&o, r, 201);
}

/* Signature, tenant and expiry: whether the token may be used at all. Read before the frames are
 * judged; the single-use mark (spend_token) comes after. */
static srv_error check_token(srv_request *r, srv_token *t)
{
    srv_error e = srv_token_open(r->st->cfg->secret, r->param, r->param_len, t);
    if (e)
        return e;
    if (strcmp(t->tenant, r->st->cfg->tenants[r->tenant].name) != 0)
        return SRV_E_TOKEN_OTHER_TENANT;
    if (srv_unix_s() > t->expiry)
        return SRV_E_TOKEN_EXPIRED;
    return SRV_OK;
}

/* The single-use mark, once the attempt was judged: of several requests with one token, only the
 * first to get here is answered (fail closed when the store cannot say). An attempt refused
 * before judging (a body that is not frames, a frame that is not an image, no free slot) leaves
 * the token unspent. */
static srv_error spend_token(srv_request *r, const srv_token *t)
{
    char key[64];
    snprintf(key, sizeof key, "tok:%s", t->nonce);
    srv_store_result used = r->st->store->ops->use_once(r->st->store, key, t->issued, srv_token_keep_until(t));
    if (used == SRV_STORE_ERROR || used == SRV_STORE_FORGOT) { /* fail closed */
        atomic_fetch_add(&r->st->shared->metrics.store_errors, 1);
        return SRV_E_STORE_UNAVAILABLE;
    }
    return used == SRV_STORE_USED ? SRV_E_TOKEN_USED : SRV_OK;
}

typedef struct session_run {
    fl_session_result res;
    int frames_pushed;
    char detail[FL_ERROR_DETAIL_MAX + 32];
} session_run;

/* Pushes the frames one at a time, decoded as they are asked for (outside any inference slot: a
 * slot is held only while a frame is judged); stops when the session ends. */
static srv_error run_session(srv_state *w, srv_frames *frames, fl_session *s, session_run *out)
{
    fl_error err;
    fl_image img;
    double t;
    srv_error e = SRV_OK;
    int got;
    while ((got = srv_frames_next(frames, &img, &t, &e, out->detail, sizeof out->detail)) == 1) {
        fl_session_state state;
        int slot = srv_engines_acquire(&w->engines, w->cfg->limits.queue_timeout_ms);
        if (slot < 0) {
            fl_image_free(&img);
            snprintf(out->detail, sizeof out->detail, "no inference slot within %d ms; the token is not spent",
                     w->cfg->limits.queue_timeout_ms);
            return SRV_E_OVERLOADED;
        }
        fl_status st = fl_session_push(s, &img, t, &state, &err);
        srv_engines_release(&w->engines, slot);
        fl_image_free(&img);
        if (st) {
            snprintf(out->detail, sizeof out->detail, "frame %d: %s", frames->taken - 1, err.detail);
            return SRV_E_INTERNAL;
        }
        out->frames_pushed = state.frames; /* the frames the session took (a repeated time is not one) */
        if (state.phase == FL_PHASE_DONE || state.phase == FL_PHASE_FAILED)
            break;
    }
    if (got < 0)
        return e;
    int slot = srv_engines_acquire(&w->engines, w->cfg->limits.queue_timeout_ms); /* the silent check */
    if (slot < 0) {
        snprintf(out->detail, sizeof out->detail, "no inference slot within %d ms; the token is not spent",
                 w->cfg->limits.queue_timeout_ms);
        return SRV_E_OVERLOADED;
    }
    fl_status st = fl_session_result_get(s, &out->res, &err);
    srv_engines_release(&w->engines, slot);
    if (st) {
        snprintf(out->detail, sizeof out->detail, "%s", err.detail);
        return SRV_E_INTERNAL;
    }
    return SRV_OK;
}

static void answer(srv_request *r, const srv_token *t, const session_run *run)
{
    const fl_session_result *res = &run->res;
    srv_out o;
    if (srv_out_begin(&o))
        return;
    jw_str(&o.w, "request_id", r->request_id);
    jw_str(&o.w, "channel", "local");
    fl_json_session_result(&o.w, &t->challenge, res, run->frames_pushed, r->st->engines.silent);
    srv_out_finish(&o, r, 200);
    srv_metrics_decision(&r->st->shared->metrics, SRV_CHANNEL_LOCAL, (int)res->decision);
    r->decision = fl_decision_name(res->decision);
    r->channel = "local";
}

/* The session over the frames; the token is spent once they were judged. */
static void judge(srv_request *r, const srv_token *t, srv_frames *frames, int mirrored)
{
    srv_state *w = r->st;
    fl_session_config sc = fl_session_config_default();
    sc.actions.mirrored = mirrored;
    fl_session *s = NULL;
    fl_error err;
    session_run run;
    memset(&run, 0, sizeof run);
    srv_error e;
    if (fl_session_create(w->engines.analyzer, w->engines.silent, &sc, &t->challenge, &s, &err)) {
        snprintf(run.detail, sizeof run.detail, "%s", err.detail);
        e = SRV_E_INTERNAL;
    } else {
        e = run_session(w, frames, s, &run);
    }
    if (!e && (e = spend_token(r, t)))
        run.detail[0] = 0;
    if (e)
        srv_reply_error(r, e, run.detail, NULL, NULL);
    else
        answer(r, t, &run);
    fl_session_free(s);
}

void srv_route_verify(srv_request *r)
{
    srv_state *w = r->st;
    const char *ctype = srv_request_header(r, "Content-Type");
    int video = srv_is_video_type(ctype);
    srv_media m;
    memset(&m, 0, sizeof m);
    srv_frames frames;
    char detail[FL_ERROR_DETAIL_MAX + 32] = "";
    /* the body is read first: one that is not frames or not a video does not spend the token */
    srv_error e = video ? srv_frames_from_video(&frames, r->body ? r->body : "", r->len, &w->cfg->limits, detail,
                                                sizeof detail)
                        : srv_media_parse(ctype, r->body, r->len, SRV_MEDIA_FRAMES, w->cfg->limits.max_verify_frames,
                                          &w->cfg->limits, &m);
    if (e) {
        srv_reply_error(r, e, video ? detail : m.detail, NULL, NULL);
        return;
    }
    if (!video)
        srv_frames_from_media(&frames, &m, &w->cfg->limits);
    srv_token t;
    e = check_token(r, &t);
    if (!e)
        srv_audit_keep(r, video ? NULL : &m, r->body, video ? r->len : 0);
    if (e)
        srv_reply_error(r, e, NULL, NULL, NULL);
    else
        judge(r, &t, &frames, m.mirrored);
    srv_frames_close(&frames);
    srv_media_free(&m);
}
