/* What a worker's request threads share: the configuration, the counters every worker sees, the
 * models, the store and the log. The process room owns it (process/worker.c sets it up); the routes
 * and the upstream room reach it through each request. */
#ifndef FL_SERVER_STATE_H
#define FL_SERVER_STATE_H

#include <stdatomic.h>

#include "server/state/config.h"
#include "server/state/engines.h"
#include "server/state/shared_state.h"
#include "server/state/store.h"

typedef struct srv_state {
    const srv_config *cfg;
    srv_shared *shared;
    srv_engines engines;
    int engines_loaded;               /* 0 in adapter mode: the one place the mode decides (worker.c) */
    srv_store *store;
    int log_fd;
    int tenant_slot[SRV_MAX_TENANTS]; /* metrics slot of each configured tenant */
    atomic_int stopping;              /* SIGTERM came: /readyz says no, answers close their connection */
    atomic_llong last_audit_sweep;
    atomic_llong audit_bytes;         /* the audit folder's size at the last sweep, plus this worker's writes since */
} srv_state;

#endif
