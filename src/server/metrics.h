/* Recording into the shared counters, and their Prometheus text exposition for GET /metrics. */
#ifndef FL_SERVER_METRICS_H
#define FL_SERVER_METRICS_H

#include <stdio.h>

#include "server/shared_state.h"

void srv_metrics_request(srv_metrics *m, srv_route route, int http_status, double seconds);
void srv_metrics_decision(srv_metrics *m, srv_channel channel, int decision);
void srv_metrics_provider_call(srv_metrics *m, int failed, srv_provider_failure why, double seconds);
void srv_histogram_observe(srv_histogram *h, double seconds);

/* The whole exposition (text format 0.0.4). */
/* The Prometheus text; the per-tenant series only with_tenants (they name the tenants: only for the
 * holder of the metrics key). */
void srv_metrics_render(const srv_shared *s, FILE *out, int with_tenants);
/* 1 when status has its own series (every status of errors.h and every success must). */
int srv_metrics_status_known(int status);

#endif
