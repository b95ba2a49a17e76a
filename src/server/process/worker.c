/* One worker process: sets up its state (models, store, log), runs the HTTP daemon over the route
 * table until SIGTERM, drains, and exits. */
#include "server/process/worker.h"

#include <curl/curl.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "server/http/access_log.h"
#include "server/process/crash_reply.h"
#include "server/routes/route_table.h"
#include "server/state/errors.h"
#include "server/state/metrics.h"
#include "server/state/store_open.h"

#define FD_RESERVE 64 /* descriptors kept for everything but connections */

/* Every connection needs a descriptor: max_connections is lowered to what the process's limit
 * (raised to its hard limit first) leaves after FD_RESERVE for the models, the store, the log and
 * libcurl, so that accept() does not run out first. */
static int connections_within_fd_limit(const srv_state *st, int max_connections)
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
    srv_log_event(st->log_fd, "connections_limited", 0, detail);
    return lowered;
}

/* Frees what setup made, whatever step it reached. */
static void teardown(srv_worker *w)
{
    srv_state *st = &w->st;
    if (st->store)
        st->store->ops->close(st->store);
    if (st->engines_loaded)
        srv_engines_free(&st->engines);
    if (w->curl_started)
        curl_global_cleanup();
    if (st->log_fd >= 0)
        close(st->log_fd);
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

/* The configuration, the store and, unless the worker is the provider's adapter, the models. */
static int setup(srv_worker *w, const srv_config *cfg, srv_shared *shared, char *err, size_t err_size)
{
    memset(w, 0, sizeof *w);
    srv_state *st = &w->st;
    st->cfg = cfg;
    st->shared = shared;
    if (!statuses_counted(err, err_size))
        return -1;
    st->log_fd = srv_log_open(cfg->log_path);
    if (st->log_fd < 0) {
        snprintf(err, err_size, "log %s cannot be opened", cfg->log_path);
        return -1;
    }
    for (int i = 0; i < cfg->n_tenants; i++)
        st->tenant_slot[i] = srv_shared_tenant_slot(shared, cfg->tenants[i].name);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, err_size, "libcurl could not start");
        return -1;
    }
    w->curl_started = 1;
    st->store = srv_store_open(cfg, err, err_size);
    if (!st->store)
        return -1;
    /* Adapter mode, decided here only: no local engine, so the routes that need one answer
     * local_unavailable (route table) and the liveness route goes to the provider. */
    if (cfg->adapter)
        return 0;
    st->engines_loaded = 1; /* srv_engines_free undoes a partial load too */
    return srv_engines_load(&st->engines, cfg, err, err_size);
}

/* The HTTP daemon over the route table; NULL with err set when it does not start. */
static struct MHD_Daemon *start_http(srv_worker *w, int listen_fd, char *err, size_t err_size)
{
    srv_http *h = &w->http;
    const srv_limits *l = &w->st.cfg->limits;
    h->st = &w->st;
    h->routes = srv_routes;
    h->n_routes = srv_n_routes;
    h->handling_begins = srv_crash_reply_register;
    h->handling_ends = srv_crash_reply_unregister;
    srv_listener_init(&h->listener, listen_fd, w->st.log_fd, connections_within_fd_limit(&w->st, l->max_connections),
                      l->header_timeout_s, l->connection_timeout_s, l->request_timeout_s);
    struct MHD_Daemon *d = srv_http_start(h);
    if (d && !srv_listener_start(&h->listener, d))
        return d;
    snprintf(err, err_size, "the HTTP daemon did not start");
    if (d) {
        srv_listener_stop(&h->listener);
        MHD_stop_daemon(d);
    }
    return NULL;
}

static void block_signals(sigset_t *set)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* no orphan workers if the master is killed */
#endif
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL); /* every thread inherits it; the main thread waits for them */
    signal(SIGPIPE, SIG_IGN);
}

int srv_worker_main(const srv_config *cfg, int listen_fd, srv_shared *shared, int ready_fd)
{
    sigset_t set;
    block_signals(&set);
    srv_crash_reply_install();
    srv_worker w;
    char err[512] = "";
    struct MHD_Daemon *d = NULL;
    if (setup(&w, cfg, shared, err, sizeof err) == 0)
        d = start_http(&w, listen_fd, err, sizeof err);
    if (!d) {
        fprintf(stderr, "facelive serve: worker %d: %s\n", (int)getpid(), err);
        if (w.st.log_fd >= 0)
            srv_log_event(w.st.log_fd, "worker_failed", 0, err);
        teardown(&w);
        return SRV_WORKER_EXIT_FATAL;
    }
    srv_log_event(w.st.log_fd, "worker_ready", 0, NULL);
    int pid = (int)getpid();
    if (write(ready_fd, &pid, sizeof pid) != (ssize_t)sizeof pid)
        fprintf(stderr, "facelive serve: worker %d could not report ready\n", pid);
    close(ready_fd);
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        ; /* the master reloads by replacing workers; a worker ignores SIGHUP */
    srv_http_drain(&w.http, d);
    teardown(&w);
    return SRV_WORKER_EXIT_OK;
}
