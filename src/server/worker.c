#include "server/worker.h"

#include <curl/curl.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "server/access_log.h"
#include "server/crash_reply.h"
#include "server/http_strict.h"
#include "server/metrics.h"
#include "server/request.h"
#include "server/srv_time.h"

/* Per connection: the crash-reply slot of the request being handled. */
#define NO_SLOT (-1)
#define FD_RESERVE 64 /* descriptors kept for everything but connections */
#define EARLY_REFUSAL_BYTES (1 << 20)

const char *srv_request_header(srv_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* A caller's X-Request-Id is kept when it is short and plain (it goes into logs and headers);
 * otherwise the server makes one. */
static void set_request_id(srv_request *r)
{
    const char *given = srv_request_header(r, "X-Request-Id");
    size_t n = given ? strlen(given) : 0;
    int ok = n > 0 && n < SRV_REQUEST_ID_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (given[i] >= 'a' && given[i] <= 'z') || (given[i] >= 'A' && given[i] <= 'Z') ||
             (given[i] >= '0' && given[i] <= '9') || given[i] == '-' || given[i] == '_' || given[i] == '.';
    if (ok) {
        memcpy(r->request_id, given, n + 1);
        return;
    }
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(r->request_id, sizeof r->request_id, rnd, sizeof rnd);
}

int srv_out_begin(srv_out *o)
{
    o->buf = NULL;
    o->len = 0;
    o->f = open_memstream(&o->buf, &o->len);
    if (!o->f)
        return -1;
    jw_init(&o->w, o->f);
    jw_object(&o->w, NULL);
    return 0;
}

void srv_out_finish(srv_out *o, srv_request *r, int status)
{
    jw_end(&o->w);
    fclose(o->f);
    free(r->out);
    r->out = o->buf;
    r->out_len = o->len;
    r->status = status;
    r->content_type = "application/json";
}

void srv_reply_error(srv_request *r, srv_error e, const char *detail, void (*extra)(jw *w, void *ctx), void *ctx)
{
    srv_out o;
    r->error = e;
    if (srv_out_begin(&o)) {
        r->status = 500;
        return;
    }
    jw_object(&o.w, "error");
    jw_str(&o.w, "code", srv_error_code(e));
    jw_str(&o.w, "message", srv_error_message(e));
    if (detail && *detail)
        jw_str(&o.w, "detail", detail);
    jw_end(&o.w);
    jw_str(&o.w, "request_id", r->request_id);
    if (extra)
        extra(&o.w, ctx);
    srv_out_finish(&o, r, srv_error_status(e));
}

/* Authorization: Bearer KEY, or X-API-Key: KEY. */
static srv_error authenticate(srv_request *r)
{
    const char *key = srv_request_header(r, "X-API-Key");
    const char *auth = srv_request_header(r, "Authorization");
    if (!key && auth && strncasecmp(auth, "Bearer ", 7) == 0)
        key = auth + 7;
    if (!key || !*key)
        return SRV_E_API_KEY_MISSING;
    r->tenant = srv_config_find_tenant(r->w->cfg, key, strlen(key));
    if (r->tenant < 0)
        return SRV_E_API_KEY_INVALID;
    int slot = r->w->tenant_slot[r->tenant];
    if (slot >= 0)
        atomic_fetch_add(&r->w->shared->metrics.tenant_requests[slot], 1);
    return SRV_OK;
}

/* A fixed one-minute window per tenant in the shared store. A store that cannot count refuses the
 * tenant's request (503 store_unavailable): a limit silently off is a limit an attacker can switch
 * off by filling the store. Counted in facelive_store_errors_total. */
static srv_error rate_limit(srv_request *r)
{
    const srv_tenant *t = &r->w->cfg->tenants[r->tenant];
    if (t->rate_per_minute <= 0)
        return SRV_OK;
    int64_t now = srv_unix_s(), window = now / 60;
    char key[96];
    snprintf(key, sizeof key, "rl:%s:%lld", t->name, (long long)window);
    int64_t count = 0;
    if (r->w->store->ops->count(r->w->store, key, (window + 1) * 60 + 1, &count) == SRV_STORE_ERROR) {
        atomic_fetch_add(&r->w->shared->metrics.store_errors, 1);
        return SRV_E_STORE_UNAVAILABLE;
    }
    if (count <= t->rate_per_minute)
        return SRV_OK;
    r->retry_after_s = (int)((window + 1) * 60 - now);
    int slot = r->w->tenant_slot[r->tenant];
    if (slot >= 0)
        atomic_fetch_add(&r->w->shared->metrics.tenant_rate_limited[slot], 1);
    return SRV_E_RATE_LIMITED;
}

static int needs_key(srv_route route)
{
    return route == SRV_ROUTE_LIVENESS || route == SRV_ROUTE_CHALLENGES || route == SRV_ROUTE_VERIFY;
}

static void dispatch(srv_request *r)
{
    if (r->route == SRV_ROUTE_OTHER) {
        srv_reply_error(r, SRV_E_NOT_FOUND, NULL, NULL, NULL);
        return;
    }
    if (strcmp(r->method, srv_route_method(r->route)) != 0) {
        srv_reply_error(r, SRV_E_METHOD, srv_route_method(r->route), NULL, NULL);
        return;
    }
    if (r->upload_error) { /* from the headers (check_headers) or while the body arrived */
        srv_reply_error(r, r->upload_error, r->header_detail, NULL, NULL);
        return;
    }
    if (!needs_key(r->route)) {
        srv_route_ops(r);
        return;
    }
    if (r->route == SRV_ROUTE_LIVENESS)
        srv_route_liveness(r);
    else if (r->route == SRV_ROUTE_CHALLENGES)
        srv_route_challenges(r);
    else
        srv_route_verify(r);
}

static enum MHD_Result queue(srv_request *r)
{
    if (!r->status)
        srv_reply_error(r, SRV_E_INTERNAL, "the route gave no answer", NULL, NULL);
    struct MHD_Response *resp = MHD_create_response_from_buffer(r->out_len, r->out, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        return MHD_NO;
    r->out = NULL; /* owned by the response now */
    MHD_add_response_header(resp, "Content-Type", r->content_type ? r->content_type : "application/json");
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r->error == SRV_E_METHOD)
        MHD_add_response_header(resp, "Allow", srv_route_method(r->route));
    if (r->retry_after_s > 0) {
        char s[16];
        snprintf(s, sizeof s, "%d", r->retry_after_s);
        MHD_add_response_header(resp, "Retry-After", s);
    }
    /* a stopping worker sends its clients elsewhere; a body that was refused half-read leaves
     * the connection in no state to carry another request */
    if (atomic_load(&r->w->stopping) || r->upload_error)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static size_t body_limit(const srv_worker *w, srv_route route)
{
    if (route == SRV_ROUTE_VERIFY)
        return w->cfg->limits.max_verify_body_bytes;
    if (route == SRV_ROUTE_LIVENESS)
        return w->cfg->limits.max_body_bytes;
    return 64 * 1024; /* challenges takes a small JSON, or nothing */
}

/* What can be refused from the headers alone, before any of the body is read or kept: ambiguous
 * framing, a body over the limit, a missing or wrong key, a tenant over its rate. */
static srv_error check_headers(srv_request *r, const char *version, char *detail, size_t size)
{
    const char *cl = srv_request_header(r, "Content-Length");
    r->expected_len = cl ? strtoull(cl, NULL, 10) : 0;
    r->chunked = srv_request_header(r, "Transfer-Encoding") != NULL;
    srv_error e = srv_http_check_headers(r->conn, version, detail, size);
    if (e)
        return e;
    if (r->route != SRV_ROUTE_OTHER && strcmp(r->method, srv_route_method(r->route)) == 0 && needs_key(r->route) &&
        ((e = authenticate(r)) || (e = rate_limit(r))))
        return e; /* who may send a body comes before how large it may be */
    return r->expected_len > r->limit ? SRV_E_BODY_TOO_LARGE : SRV_OK;
}

/* A request refused from its headers is answered before its body is read, and the connection
 * closed after the answer, when: its framing is ambiguous (where its body ends is not known); the
 * client waits for a go-ahead (Expect: 100-continue); or it has no key or a wrong one and a body of
 * more than EARLY_REFUSAL_BYTES is coming (a client without a key must not make the worker read
 * 60 MB). Otherwise the body is read and dropped (nothing kept; within request_timeout_s) and the
 * answer comes at its end: a client still sending when the connection closes gets a reset, not
 * the answer. */
static int answer_before_body(const srv_request *r)
{
    srv_error e = r->upload_error;
    if (!e)
        return 0;
    const char *expect = srv_request_header((srv_request *)r, "Expect");
    int big = r->chunked || r->expected_len > EARLY_REFUSAL_BYTES;
    return e == SRV_E_BAD_REQUEST || (expect && strcasecmp(expect, "100-continue") == 0) ||
           ((e == SRV_E_API_KEY_MISSING || e == SRV_E_API_KEY_INVALID) && big);
}

static srv_request *begin(srv_worker *w, struct MHD_Connection *conn, const char *url, const char *method,
                          const char *version)
{
    srv_listener_set_phase(&w->listener, srv_listener_conn(conn), SRV_CONN_BODY);
    srv_request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->w = w;
    r->conn = conn;
    r->method = method;
    r->t0 = srv_mono_s();
    r->tenant = -1;
    const char *token;
    r->route = srv_route_match(url, &token, &r->token_len);
    if (r->token_len >= sizeof r->token) {
        r->token_len = sizeof r->token - 1; /* too long for a token: the route says malformed */
        r->token[0] = '!';
    } else if (token) {
        memcpy(r->token, token, r->token_len);
    }
    r->limit = body_limit(w, r->route);
    set_request_id(r);
    r->upload_error = check_headers(r, version, r->header_detail, sizeof r->header_detail);
    atomic_fetch_add(&w->in_flight, 1);
    r->counted = 1;
    return r;
}

/* Appends a chunk of the body unless the request already failed; enforces size and time. */
static void take_upload(srv_request *r, const char *data, size_t size)
{
    r->received += size;
    if (r->upload_error)
        return;
    if (srv_mono_s() - r->t0 > r->w->cfg->limits.request_timeout_s) {
        r->upload_error = SRV_E_REQUEST_TIMEOUT;
    } else if (r->len + size > r->limit) {
        r->upload_error = SRV_E_BODY_TOO_LARGE;
    } else {
        if (r->len + size + 1 > r->cap) {
            size_t cap = r->cap ? r->cap : 64 * 1024;
            while (cap < r->len + size + 1)
                cap *= 2;
            char *grown = realloc(r->body, cap);
            if (!grown) {
                r->upload_error = SRV_E_BODY_TOO_LARGE;
                return;
            }
            r->body = grown;
            r->cap = cap;
        }
        memcpy(r->body + r->len, data, size);
        r->len += size;
        r->body[r->len] = 0;
        return;
    }
    free(r->body); /* nothing more of it will be used */
    r->body = NULL;
    r->len = r->cap = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    srv_worker *w = cls;
    srv_request *r = *con_cls;
    if (!r) { /* the headers: answer on a later call, or keep-alive is lost */
        *con_cls = r = begin(w, conn, url, method, version);
        if (r && answer_before_body(r)) {
            dispatch(r);
            return queue(r);
        }
        return r ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size) {
        take_upload(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        /* A body still arriving after request_timeout_s: libmicrohttpd cannot answer in the middle
         * of an upload, so the connection is closed (the log says request_timeout). A body over the
         * limit without a Content-Length is read and dropped, then answered with 413. */
        int complete = r->expected_len && r->received == r->expected_len; /* answered 408 below */
        return r->upload_error == SRV_E_REQUEST_TIMEOUT && !complete ? MHD_NO : MHD_YES;
    }
    srv_listener_set_phase(&w->listener, srv_listener_conn(conn), SRV_CONN_HANDLING);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int slot = ci ? srv_crash_reply_register(ci->connect_fd, r->request_id) : NO_SLOT;
    dispatch(r);
    srv_crash_reply_unregister(slot);
    return queue(r);
}

static void log_request(srv_request *r, int status, double seconds)
{
    srv_log_line l;
    if (srv_log_begin(&l, "request"))
        return;
    jw_str(&l.w, "request_id", r->request_id);
    jw_str(&l.w, "tenant", r->tenant >= 0 ? r->w->cfg->tenants[r->tenant].name : NULL);
    jw_str(&l.w, "method", r->method);
    jw_str(&l.w, "route", srv_route_label(r->route));
    jw_int(&l.w, "status", status);
    if (r->error)
        jw_str(&l.w, "error", srv_error_code(r->error));
    if (r->decision)
        jw_str(&l.w, "decision", r->decision);
    if (r->channel)
        jw_str(&l.w, "channel", r->channel);
    if (r->audit_id[0])
        jw_str(&l.w, "audit_id", r->audit_id);
    jw_num(&l.w, "latency_ms", seconds * 1000, 2);
    jw_int(&l.w, "bytes_in", (long long)r->len);
    jw_int(&l.w, "pid", getpid());
    srv_log_end(&l, r->w->log_fd);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode why)
{
    srv_worker *w = cls;
    srv_request *r = *con_cls;
    srv_listener_set_phase(&w->listener, srv_listener_conn(conn), SRV_CONN_HEADERS);
    if (!r)
        return;
    double seconds = srv_mono_s() - r->t0;
    int status = why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? r->status : 0; /* 0: no answer was sent */
    if (!status && !r->error)
        r->error = r->upload_error;
    srv_metrics_request(&w->shared->metrics, r->route, status, seconds);
    log_request(r, status, seconds);
    if (r->counted)
        atomic_fetch_sub(&w->in_flight, 1);
    free(r->body);
    free(r->out);
    free(r);
    *con_cls = NULL;
}

static void log_event(srv_worker *w, const char *event, const char *detail)
{
    srv_log_event(w->log_fd, event, 0, detail);
}

/* libmicrohttpd's own error messages, as log events: at most one a second (a client can make it
 * complain on every request; an unbounded stderr was a way to fill the disk). */
static void log_daemon_error(void *cls, const char *fmt, va_list ap)
{
    srv_worker *w = cls;
    long long now = (long long)srv_mono_s();
    if (atomic_exchange(&w->last_daemon_log_s, now) == now)
        return;
    char detail[256];
    vsnprintf(detail, sizeof detail, fmt, ap);
    detail[strcspn(detail, "\n")] = 0;
    log_event(w, "http_error", detail);
}

/* Every connection needs a descriptor: max_connections is lowered to what the process's limit
 * (raised to its hard limit first) leaves after FD_RESERVE for the models, the store, the log and
 * libcurl, so that accept() does not run out first. */
static int connections_within_fd_limit(srv_worker *w, int max_connections)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return max_connections;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    long room = rl.rlim_cur == RLIM_INFINITY ? max_connections : (long)rl.rlim_cur - FD_RESERVE;
    if (room >= max_connections)
        return max_connections;
    int lowered = room < 1 ? 1 : (int)room;
    char detail[160];
    snprintf(detail, sizeof detail, "max_connections %d lowered to %d: the descriptor limit is %ld", max_connections,
             lowered, (long)rl.rlim_cur);
    log_event(w, "connections_limited", detail);
    return lowered;
}

/* Connections come from the worker's own accept loop (listener.h); libmicrohttpd's limit is only
 * a backstop above the loop's. */
static struct MHD_Daemon *start_daemon(srv_worker *w)
{
    const srv_limits *l = &w->cfg->limits;
    return MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET |
            MHD_USE_ERROR_LOG,
        0,
        NULL, NULL, on_request, w, MHD_OPTION_EXTERNAL_LOGGER, log_daemon_error, w, /* first, or some go to stderr */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)l->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)w->listener.max_connections + 16, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)l->max_connections_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)512 * 1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_NOTIFY_CONNECTION, srv_listener_on_connection,
        &w->listener, MHD_OPTION_END);
}

/* SIGTERM: stop accepting, let the requests in flight finish within the deadline, stop. */
static void drain(srv_worker *w, struct MHD_Daemon *d)
{
    atomic_store(&w->stopping, 1);
    /* Stop accepting, and close this process's copy of the listening socket: once the master and
     * every stopping worker have closed theirs, a new connection is refused at once (a proxy in
     * front retries it elsewhere) instead of waiting in a backlog nobody reads. */
    srv_listener_stop(&w->listener);
    double deadline = srv_mono_s() + w->cfg->shutdown_deadline_s;
    while ((atomic_load(&w->in_flight) > 0 || srv_listener_fresh(&w->listener) > 0) && srv_mono_s() < deadline)
        srv_sleep_ms(10);
    char detail[64];
    snprintf(detail, sizeof detail, "%d requests unfinished at the deadline", atomic_load(&w->in_flight));
    log_event(w, "worker_stopped", atomic_load(&w->in_flight) ? detail : NULL);
    MHD_stop_daemon(d);
}

/* Frees what setup made, whatever step it reached. */
static void teardown(srv_worker *w)
{
    if (w->store)
        w->store->ops->close(w->store);
    if (w->engines_loaded)
        srv_engines_free(&w->engines);
    if (w->curl_started)
        curl_global_cleanup();
    if (w->log_fd >= 0)
        close(w->log_fd);
}

/* Every status the service can answer has its own metrics series (a programmer's error otherwise). */
static int statuses_counted(char *err, size_t err_size)
{
    for (int e = 1; e < SRV_ERROR_COUNT; e++)
        if (!srv_metrics_status_known(srv_error_status((srv_error)e))) {
            snprintf(err, err_size, "status %d of %s has no metrics series (metrics.c)", srv_error_status((srv_error)e),
                     srv_error_code((srv_error)e));
            return 0;
        }
    return srv_metrics_status_known(201);
}

static int setup(srv_worker *w, const srv_config *cfg, srv_shared *shared, char *err, size_t err_size)
{
    memset(w, 0, sizeof *w);
    w->cfg = cfg;
    w->shared = shared;
    if (!statuses_counted(err, err_size))
        return -1;
    w->log_fd = srv_log_open(cfg->log_path);
    if (w->log_fd < 0) {
        snprintf(err, err_size, "log %s cannot be opened", cfg->log_path);
        return -1;
    }
    for (int i = 0; i < cfg->n_tenants; i++)
        w->tenant_slot[i] = srv_shared_tenant_slot(shared, cfg->tenants[i].name);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, err_size, "libcurl could not start");
        return -1;
    }
    w->curl_started = 1;
    w->store = srv_store_open(cfg, err, err_size);
    if (!w->store)
        return -1;
    if (cfg->adapter) /* the provider's adapter judges nothing itself */
        return 0;
    w->engines_loaded = 1; /* srv_engines_free undoes a partial load too */
    return srv_engines_load(&w->engines, cfg, err, err_size);
}

int srv_worker_main(const srv_config *cfg, int listen_fd, srv_shared *shared, int ready_fd)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* no orphan workers if the master is killed */
#endif
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread inherits it; the main thread waits for them */
    signal(SIGPIPE, SIG_IGN);
    srv_crash_reply_install();
    srv_worker w;
    char err[512] = "";
    struct MHD_Daemon *d = NULL;
    if (setup(&w, cfg, shared, err, sizeof err) == 0) {
        const srv_limits *l = &cfg->limits;
        srv_listener_init(&w.listener, listen_fd, w.log_fd, connections_within_fd_limit(&w, l->max_connections),
                          l->header_timeout_s, l->connection_timeout_s, l->request_timeout_s);
        w.listener_ready = 1;
        if (!(d = start_daemon(&w)) || srv_listener_start(&w.listener, d))
            snprintf(err, sizeof err, "the HTTP daemon did not start");
    }
    if (d && err[0]) {
        srv_listener_stop(&w.listener);
        MHD_stop_daemon(d);
        d = NULL;
    }
    if (!d) {
        fprintf(stderr, "facelive serve: worker %d: %s\n", (int)getpid(), err);
        if (w.log_fd >= 0)
            log_event(&w, "worker_failed", err);
        teardown(&w);
        return SRV_WORKER_EXIT_FATAL;
    }
    log_event(&w, "worker_ready", NULL);
    int pid = (int)getpid();
    if (write(ready_fd, &pid, sizeof pid) != (ssize_t)sizeof pid)
        fprintf(stderr, "facelive serve: worker %d could not report ready\n", pid);
    close(ready_fd);
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        ; /* the master reloads by replacing workers; a worker ignores SIGHUP */
    drain(&w, d);
    teardown(&w);
    return SRV_WORKER_EXIT_OK;
}
