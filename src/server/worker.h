/* One worker process: the models, the store, the log and an HTTP daemon on the listening socket
 * it shares with its siblings. The master forks it; it answers until SIGTERM, then stops taking
 * connections, lets its requests in flight finish (within shutdown_deadline_s) and exits. */
#ifndef FL_SERVER_WORKER_H
#define FL_SERVER_WORKER_H

#include <stdatomic.h>

#include "server/config.h"
#include "server/engines.h"
#include "server/listener.h"
#include "server/shared_state.h"
#include "server/store.h"

#define SRV_MAX_IN_FLIGHT 256

typedef struct srv_worker {
    const srv_config *cfg;
    srv_shared *shared;
    srv_engines engines;
    srv_store *store;
    int log_fd;
    int curl_started, engines_loaded;
    int tenant_slot[SRV_MAX_TENANTS]; /* metrics slot of each configured tenant */
    atomic_int in_flight;             /* requests begun and not yet answered */
    srv_listener listener;            /* the accept loop and the connection watchdog */
    int listener_ready;
    atomic_llong last_daemon_log_s;   /* paces libmicrohttpd's error lines */
    atomic_int stopping;
    atomic_llong last_audit_sweep;
    atomic_llong audit_bytes;         /* the audit folder's size at the last sweep, plus this worker's writes since */
} srv_worker;

/* Exit statuses of a worker (the master logs them; at the first start any early exit stops the start). */
enum { SRV_WORKER_EXIT_OK = 0, SRV_WORKER_EXIT_FATAL = 3 /* configuration or models: restarting will not help */ };

/* Runs a worker until SIGTERM; ready_fd receives the worker's pid once it answers. */
int srv_worker_main(const srv_config *cfg, int listen_fd, srv_shared *shared, int ready_fd);

#endif
