/* One worker process: the models, the store, the log and an HTTP daemon on the listening socket
 * it shares with its siblings. The master forks it; it answers until SIGTERM, then stops taking
 * connections, lets its requests in flight finish (within shutdown_deadline_s) and exits. */
#ifndef FL_SERVER_WORKER_H
#define FL_SERVER_WORKER_H

#include "server/http/daemon.h"
#include "server/state/shared_state.h"
#include "server/state/state.h"

typedef struct srv_worker {
    srv_state st;  /* what its request threads share */
    srv_http http; /* its HTTP daemon */
    int curl_started;
} srv_worker;

/* Exit statuses of a worker (the master logs them; at the first start any early exit stops the start). */
enum { SRV_WORKER_EXIT_OK = 0, SRV_WORKER_EXIT_FATAL = 3 /* configuration or models: restarting will not help */ };

/* Runs a worker until SIGTERM; ready_fd receives the worker's pid once it answers. */
int srv_worker_main(const srv_config *cfg, int listen_fd, srv_shared *shared, int ready_fd);

#endif
