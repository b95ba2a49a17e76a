/* The operations routes: /healthz (the process answers), /readyz (not stopping, and its store takes
 * a write: a worker takes connections only once its models are loaded and one inference ran),
 * /metrics (Prometheus text; behind the metrics key when one is configured) and /v1/version. No
 * tenant key is needed: they say nothing about any tenant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "facelive/version.h"
#include "server/routes/handlers.h"
#include "server/routes/route_table.h"
#include "server/state/metrics.h"
#include "server/state/srv_time.h"

static void status_answer(srv_request *r, const char *status)
{
    srv_out o;
    if (srv_out_begin(&o))
        return;
    jw_str(&o.w, "request_id", r->request_id);
    jw_str(&o.w, "status", status);
    jw_int(&o.w, "pid", getpid());
    srv_out_finish(&o, r, 200);
}

/* Ready: not stopping, and the shared store takes a write (a worker whose store cannot write
 * would refuse every token and every rate-limited tenant; the load balancer should send the
 * traffic elsewhere). The adapter (no local engine) is the route of last resort: it stays ready
 * while the store is down, so that calls that need no token (/v1/liveness through the provider)
 * still have somewhere to go when every backend is out; its token calls answer store_unavailable. */
void srv_route_readyz(srv_request *r)
{
    int64_t now = srv_unix_s(), count;
    char key[64];
    snprintf(key, sizeof key, "ready:%d", (int)getpid());
    if (atomic_load(&r->st->stopping))
        srv_reply_error(r, SRV_E_SHUTTING_DOWN, NULL, NULL, NULL);
    else if (r->st->engines_loaded && r->st->store->ops->count(r->st->store, key, now + 60, &count) == SRV_STORE_ERROR) {
        atomic_fetch_add(&r->st->shared->metrics.store_errors, 1);
        srv_reply_error(r, SRV_E_STORE_UNAVAILABLE, "the store cannot write", NULL, NULL);
    } else
        status_answer(r, "ready");
}

/* With metrics_key_sha256 configured, /metrics needs that key and shows the per-tenant series;
 * without it, anyone may read it and the tenants are not named. */
static int metrics_key_refused(srv_request *r)
{
    if (!r->st->cfg->has_metrics_key)
        return 0;
    const char *auth = srv_request_header(r, "Authorization");
    const char *key = auth && strncasecmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL;
    if (key && srv_config_is_metrics_key(r->st->cfg, key, strlen(key)))
        return 0;
    srv_reply_error(r, key ? SRV_E_API_KEY_INVALID : SRV_E_API_KEY_MISSING, "/metrics needs the metrics key", NULL,
                    NULL);
    return 1;
}

void srv_route_metrics(srv_request *r)
{
    if (metrics_key_refused(r))
        return;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    srv_metrics_render(r->st->shared, f, r->st->cfg->has_metrics_key, srv_route_label_at, srv_n_routes);
    fclose(f);
    free(r->out);
    r->out = buf;
    r->out_len = len;
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void srv_route_version(srv_request *r)
{
    const srv_engines *e = &r->st->engines;
    srv_out o;
    if (srv_out_begin(&o))
        return;
    jw_str(&o.w, "request_id", r->request_id);
    jw_str(&o.w, "service", "facelive");
    jw_str(&o.w, "library", fl_version());
    jw_str(&o.w, "api", "v1");
    jw_str(&o.w, "mode", r->st->cfg->adapter ? "adapter" : "service");
    jw_num(&o.w, "threshold", srv_config_silent_options(r->st->cfg).threshold, 3);
    srv_write_version_and_models(&o.w, e);
    srv_out_finish(&o, r, 200);
}

void srv_write_version_and_models(jw *w, const srv_engines *e)
{
    jw_str(w, "version", FL_VERSION_STRING);
    jw_array(w, "models");
    for (int i = 0; i < e->n_files; i++) {
        jw_object(w, NULL);
        jw_str(w, "file", e->files[i].name);
        jw_str(w, "sha256", e->files[i].sha256);
        jw_end(w);
    }
    jw_end(w);
}

void srv_route_healthz(srv_request *r) { status_answer(r, "alive"); }
