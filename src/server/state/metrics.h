/* Recording into the shared counters, and their Prometheus text exposition for GET /metrics. */
#ifndef FL_SERVER_METRICS_H
#define FL_SERVER_METRICS_H

#include <stdio.h>

#include "server/state/shared_state.h"

/* route: the route table's index (its length for an unknown path), below SRV_MAX_ROUTES. */
void srv_metrics_request(srv_metrics *m, int route, int http_status, double seconds);
void srv_metrics_decision(srv_metrics *m, srv_channel channel, int decision);
void srv_metrics_provider_call(srv_metrics *m, int failed, srv_provider_failure why, double seconds);
void srv_histogram_observe(srv_histogram *h, double seconds);

/* The whole exposition (Prometheus text format 0.0.4); route i is labelled route_label(i) for i in
 * [0, n_routes] (the last: unknown paths); the per-tenant series only with_tenants (they name the
 * tenants: only for the holder of the metrics key). */
void srv_metrics_render(const srv_shared *s, FILE *out, int with_tenants, const char *(*route_label)(int),
                        int n_routes);
/* 1 when status has its own series (every status of errors.h and every success must). */
int srv_metrics_status_known(int status);

#endif
