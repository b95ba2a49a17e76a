/* State every worker of one host sees: counters for /metrics and the provider's circuit breaker.
 * The master maps it (MAP_SHARED | MAP_ANONYMOUS) before forking, so it outlives the workers:
 * counters survive a worker's restart and a reload. Only lock-free atomics live here, so a
 * worker killed in the middle of an update leaves nothing locked. */
#ifndef FL_SERVER_SHARED_STATE_H
#define FL_SERVER_SHARED_STATE_H

#include <stdatomic.h>
#include <stdint.h>

#include "server/state/config.h"

#define SRV_MAX_ROUTES 16     /* series per route (route_table.c checks its length), the last for unknown paths */
#define SRV_N_STATUSES 19     /* the statuses the service answers with, see metrics.c */
#define SRV_N_BUCKETS 12      /* latency histogram buckets, see metrics.c */

typedef enum srv_channel { SRV_CHANNEL_LOCAL = 0, SRV_CHANNEL_PROVIDER = 1 } srv_channel;

typedef enum srv_provider_failure {
    SRV_PF_TIMEOUT = 0, /* no answer in time, or no connection */
    SRV_PF_HTTP,        /* an HTTP status other than 2xx */
    SRV_PF_RESPONSE,    /* an answer without the configured verdict field */
    SRV_PF_CIRCUIT,     /* not called: the circuit was open */
    SRV_PF_COUNT
} srv_provider_failure;

typedef struct srv_histogram {
    _Atomic uint64_t buckets[SRV_N_BUCKETS]; /* counts per bucket (not cumulative) */
    _Atomic uint64_t sum_us, count;
} srv_histogram;

typedef struct srv_metrics {
    _Atomic uint64_t requests[SRV_MAX_ROUTES][SRV_N_STATUSES];
    srv_histogram latency[SRV_MAX_ROUTES];
    _Atomic uint64_t decisions[2][3];           /* [channel][fl_decision] */
    _Atomic uint64_t escalations[SRV_N_ESCALATIONS]; /* by reason: spoof, uncertain, error, overload, unavailable */
    _Atomic uint64_t provider_calls, provider_failures[SRV_PF_COUNT];
    srv_histogram provider_latency;
    _Atomic uint64_t worker_restarts, store_errors;
    _Atomic uint64_t tenant_requests[SRV_MAX_TENANTS], tenant_rate_limited[SRV_MAX_TENANTS];
    char tenant_names[SRV_MAX_TENANTS][SRV_TENANT_NAME_MAX]; /* written by the master only */
} srv_metrics;

typedef struct srv_circuit {
    _Atomic int64_t failures;      /* consecutive failed calls */
    _Atomic int64_t open_until_ms; /* 0: closed; else open until then, then half-open */
    _Atomic int64_t probe_since_ms;/* half-open: when the one call let through started (0: none);
                                      a probe older than open_ms is given up (its worker may have died) */
    _Atomic uint64_t opened_total;
} srv_circuit;

typedef struct srv_shared {
    srv_metrics metrics;
    srv_circuit circuit;
} srv_shared;

/* Maps a zeroed region shared with every process forked afterwards; NULL on failure. */
srv_shared *srv_shared_create(void);
/* Gives each tenant of c a metrics slot, keeping the slot of a name seen before (master only). */
void srv_shared_assign_tenants(srv_shared *s, const srv_config *c);
/* The slot of a tenant name; -1 when it has none. */
int srv_shared_tenant_slot(const srv_shared *s, const char *name);

#endif
