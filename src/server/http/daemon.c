/* libmicrohttpd's side of a worker: a request's headers, body and answer, dispatch through the
 * route table, the access log line and the drain on SIGTERM. */
#include "server/http/daemon.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "server/http/access_log.h"
#include "server/http/admission.h"
#include "server/http/http_strict.h"
#include "server/state/metrics.h"
#include "server/state/srv_time.h"

#define EARLY_REFUSAL_BYTES (1 << 20)

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

/* The route table decides: an unknown path, a wrong method, a refused upload, a route that needs the
 * local engine where none runs (adapter mode); otherwise the route's handler answers. */
static void dispatch(srv_request *r)
{
    const srv_route *route = r->route;
    if (!route)
        srv_reply_error(r, SRV_E_NOT_FOUND, NULL, NULL, NULL);
    else if (strcmp(r->method, route->method) != 0)
        srv_reply_error(r, SRV_E_METHOD, route->method, NULL, NULL);
    else if (r->upload_error) /* from the headers (check_headers) or while the body arrived */
        srv_reply_error(r, r->upload_error, r->header_detail, NULL, NULL);
    else if (route->needs_engine && !r->st->engines_loaded)
        srv_reply_error(r, SRV_E_LOCAL_UNAVAILABLE, NULL, NULL, NULL);
    else
        route->handler(r);
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
        MHD_add_response_header(resp, "Allow", r->route->method);
    if (r->isolated) {
        MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
        MHD_add_response_header(resp, "Cross-Origin-Embedder-Policy", "require-corp");
        MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    }
    if (r->retry_after_s > 0) {
        char s[16];
        snprintf(s, sizeof s, "%d", r->retry_after_s);
        MHD_add_response_header(resp, "Retry-After", s);
    }
    /* a stopping worker sends its clients elsewhere; a body that was refused half-read leaves
     * the connection in no state to carry another request */
    if (atomic_load(&r->st->stopping) || r->upload_error)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
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
    if (r->route && strcmp(r->method, r->route->method) == 0 && r->route->needs_key &&
        ((e = srv_authenticate(r)) || (e = srv_rate_limit(r))))
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

static srv_request *begin(srv_http *h, struct MHD_Connection *conn, const char *url, const char *method,
                          const char *version)
{
    srv_listener_set_phase(&h->listener, srv_listener_conn(conn), SRV_CONN_BODY);
    srv_request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->st = h->st;
    r->conn = conn;
    r->method = method;
    r->t0 = srv_mono_s();
    r->tenant = -1;
    const char *param;
    r->route_index = srv_route_match(h->routes, h->n_routes, url, &param, &r->param_len);
    r->route = r->route_index < h->n_routes ? &h->routes[r->route_index] : NULL;
    if (r->param_len >= sizeof r->param) {
        r->param_len = sizeof r->param - 1; /* too long for any parameter: the route says malformed */
        r->param[0] = '!';
    } else if (param) {
        memcpy(r->param, param, r->param_len);
    }
    r->limit = srv_route_body_limit(r->route, &h->st->cfg->limits);
    set_request_id(r);
    r->upload_error = check_headers(r, version, r->header_detail, sizeof r->header_detail);
    atomic_fetch_add(&h->in_flight, 1);
    r->counted = 1;
    return r;
}

/* Appends a chunk of the body unless the request already failed; enforces size and time. */
static void take_upload(srv_request *r, const char *data, size_t size)
{
    r->received += size;
    if (r->upload_error)
        return;
    if (srv_mono_s() - r->t0 > r->st->cfg->limits.request_timeout_s) {
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
    srv_http *h = cls;
    srv_request *r = *con_cls;
    if (!r) { /* the headers: answer on a later call, or keep-alive is lost */
        *con_cls = r = begin(h, conn, url, method, version);
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
    srv_listener_set_phase(&h->listener, srv_listener_conn(conn), SRV_CONN_HANDLING);
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int slot = ci && h->handling_begins ? h->handling_begins(ci->connect_fd, r->request_id) : -1;
    dispatch(r);
    if (h->handling_ends)
        h->handling_ends(slot);
    return queue(r);
}

static void log_request(srv_request *r, int status, double seconds)
{
    srv_log_line l;
    if (srv_log_begin(&l, "request"))
        return;
    jw_str(&l.w, "request_id", r->request_id);
    jw_str(&l.w, "tenant", r->tenant >= 0 ? r->st->cfg->tenants[r->tenant].name : NULL);
    jw_str(&l.w, "method", r->method);
    jw_str(&l.w, "route", r->route ? r->route->label : "other");
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
    srv_log_end(&l, r->st->log_fd);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode why)
{
    srv_http *h = cls;
    srv_request *r = *con_cls;
    srv_listener_set_phase(&h->listener, srv_listener_conn(conn), SRV_CONN_HEADERS);
    if (!r)
        return;
    double seconds = srv_mono_s() - r->t0;
    int status = why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? r->status : 0; /* 0: no answer was sent */
    if (!status && !r->error)
        r->error = r->upload_error;
    srv_metrics_request(&h->st->shared->metrics, r->route_index, status, seconds);
    log_request(r, status, seconds);
    if (r->counted)
        atomic_fetch_sub(&h->in_flight, 1);
    free(r->body);
    free(r->out);
    free(r);
    *con_cls = NULL;
}


/* libmicrohttpd's own error messages, as log events: at most one a second (a client can make it
 * complain on every request; an unbounded stderr was a way to fill the disk). */
static void log_daemon_error(void *cls, const char *fmt, va_list ap)
{
    srv_http *h = cls;
    long long now = (long long)srv_mono_s();
    if (atomic_exchange(&h->last_daemon_log_s, now) == now)
        return;
    char detail[256];
    vsnprintf(detail, sizeof detail, fmt, ap);
    detail[strcspn(detail, "\n")] = 0;
    srv_log_event(h->st->log_fd, "http_error", 0, detail);
}

/* URLs are matched as sent: no route takes an escaped character, and libmicrohttpd's decoding
 * would turn "%00" into the end of the path ("/demo/app.mjs%00.png" served app.mjs) and "%2e%2e"
 * into "..". A '%' reaches the routes, which refuse it. */
static size_t keep_escaped(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

/* Connections come from the worker's own accept loop (listener.h); libmicrohttpd's limit is only
 * a backstop above the loop's. */
struct MHD_Daemon *srv_http_start(srv_http *h)
{
    const srv_limits *l = &h->st->cfg->limits;
    return MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET |
            MHD_USE_ERROR_LOG,
        0,
        NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, log_daemon_error, h, /* first, or some go to stderr */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)l->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->listener.max_connections + 16, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)l->max_connections_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)512 * 1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_NOTIFY_CONNECTION, srv_listener_on_connection,
        &h->listener, MHD_OPTION_END);
}

void srv_http_drain(srv_http *h, struct MHD_Daemon *d)
{
    atomic_store(&h->st->stopping, 1);
    /* Stop accepting, and close this process's copy of the listening socket: once the master and
     * every stopping worker have closed theirs, a new connection is refused at once (a proxy in
     * front retries it elsewhere) instead of waiting in a backlog nobody reads. */
    srv_listener_stop(&h->listener);
    double deadline = srv_mono_s() + h->st->cfg->shutdown_deadline_s;
    while ((atomic_load(&h->in_flight) > 0 || srv_listener_fresh(&h->listener) > 0) && srv_mono_s() < deadline)
        srv_sleep_ms(10);
    char detail[64];
    snprintf(detail, sizeof detail, "%d requests unfinished at the deadline", atomic_load(&h->in_flight));
    srv_log_event(h->st->log_fd, "worker_stopped", 0, atomic_load(&h->in_flight) ? detail : NULL);
    MHD_stop_daemon(d);
}
