#include "server/state/metrics.h"

#include <stdint.h>

#include "facelive/liveness.h"
#include "server/state/srv_time.h"

/* Every status the service answers with has its own series; anything else counts as 0 ("other"). */
static const int statuses[SRV_N_STATUSES] = {0,   200, 201, 400, 401, 403, 404, 405, 408, 409,
                                             410, 413, 415, 422, 429, 500, 502, 503, 504};
/* Upper bounds in seconds; the last is +Inf. */
static const double bucket_le[SRV_N_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 1e300};

static int status_slot(int status)
{
    for (int i = 1; i < SRV_N_STATUSES; i++)
        if (statuses[i] == status)
            return i;
    return 0;
}

void srv_histogram_observe(srv_histogram *h, double seconds)
{
    int b = 0;
    while (b < SRV_N_BUCKETS - 1 && seconds > bucket_le[b])
        b++;
    atomic_fetch_add(&h->buckets[b], 1);
    atomic_fetch_add(&h->sum_us, (uint64_t)(seconds * 1e6));
    atomic_fetch_add(&h->count, 1);
}

void srv_metrics_request(srv_metrics *m, int route, int http_status, double seconds)
{
    if (route < 0 || route >= SRV_MAX_ROUTES)
        return;
    atomic_fetch_add(&m->requests[route][status_slot(http_status)], 1);
    srv_histogram_observe(&m->latency[route], seconds);
}

void srv_metrics_decision(srv_metrics *m, srv_channel channel, int decision)
{
    if (decision >= 0 && decision < 3)
        atomic_fetch_add(&m->decisions[channel][decision], 1);
}

void srv_metrics_provider_call(srv_metrics *m, int failed, srv_provider_failure why, double seconds)
{
    if (why != SRV_PF_CIRCUIT) { /* a call the circuit stopped was not made */
        atomic_fetch_add(&m->provider_calls, 1);
        srv_histogram_observe(&m->provider_latency, seconds);
    }
    if (failed)
        atomic_fetch_add(&m->provider_failures[why], 1);
}

static void render_histogram(FILE *out, const char *name, const char *labels, const srv_histogram *h)
{
    uint64_t cum = 0;
    for (int b = 0; b < SRV_N_BUCKETS; b++) {
        cum += atomic_load(&h->buckets[b]);
        if (b == SRV_N_BUCKETS - 1)
            fprintf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, *labels ? "," : "", (unsigned long long)cum);
        else
            fprintf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, *labels ? "," : "", bucket_le[b],
                    (unsigned long long)cum);
    }
    const char *open = *labels ? "{" : "", *close = *labels ? "}" : "";
    fprintf(out, "%s_sum%s%s%s %.6f\n", name, open, labels, close, (double)atomic_load(&h->sum_us) / 1e6);
    fprintf(out, "%s_count%s%s%s %llu\n", name, open, labels, close, (unsigned long long)atomic_load(&h->count));
}

static void render_requests(FILE *out, const srv_metrics *m, const char *(*route_label)(int), int n_routes)
{
    fprintf(out, "# HELP facelive_http_requests_total HTTP requests by route and status.\n"
                 "# TYPE facelive_http_requests_total counter\n");
    for (int r = 0; r <= n_routes && r < SRV_MAX_ROUTES; r++)
        for (int s = 0; s < SRV_N_STATUSES; s++) {
            uint64_t n = atomic_load(&m->requests[r][s]);
            if (n)
                fprintf(out, "facelive_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                        route_label(r), statuses[s], (unsigned long long)n);
        }
    fprintf(out, "# HELP facelive_http_request_duration_seconds Time from the request's first byte to its answer.\n"
                 "# TYPE facelive_http_request_duration_seconds histogram\n");
    for (int r = 0; r <= n_routes && r < SRV_MAX_ROUTES; r++) {
        char labels[64];
        snprintf(labels, sizeof labels, "route=\"%s\"", route_label(r));
        render_histogram(out, "facelive_http_request_duration_seconds", labels, &m->latency[r]);
    }
}

static void render_decisions(FILE *out, const srv_metrics *m)
{
    static const char *channels[2] = {"local", "provider"};
    static const char *reasons[SRV_N_ESCALATIONS] = {"spoof", "uncertain", "error", "overload", "unavailable"};
    fprintf(out, "# HELP facelive_decisions_total Liveness answers by the channel that decided and the decision.\n"
                 "# TYPE facelive_decisions_total counter\n");
    uint64_t by_channel[2] = {0, 0};
    for (int c = 0; c < 2; c++)
        for (int d = 0; d < 3; d++) {
            uint64_t n = atomic_load(&m->decisions[c][d]);
            by_channel[c] += n;
            fprintf(out, "facelive_decisions_total{channel=\"%s\",decision=\"%s\"} %llu\n", channels[c],
                    fl_decision_name((fl_decision)d), (unsigned long long)n);
        }
    uint64_t all = by_channel[0] + by_channel[1];
    fprintf(out, "# HELP facelive_answered_locally_ratio Share of answers decided by the local engine (since start).\n"
                 "# TYPE facelive_answered_locally_ratio gauge\nfacelive_answered_locally_ratio %.6f\n",
            all ? (double)by_channel[0] / (double)all : 0.0);
    fprintf(out, "# HELP facelive_escalations_total Requests sent to the provider, by the local reason.\n"
                 "# TYPE facelive_escalations_total counter\n");
    for (int i = 0; i < SRV_N_ESCALATIONS; i++)
        fprintf(out, "facelive_escalations_total{reason=\"%s\"} %llu\n", reasons[i],
                (unsigned long long)atomic_load(&m->escalations[i]));
}

static void render_provider(FILE *out, const srv_shared *s, int64_t now_ms)
{
    static const char *why[SRV_PF_COUNT] = {"timeout", "http", "response", "circuit_open"};
    const srv_metrics *m = &s->metrics;
    fprintf(out, "# HELP facelive_provider_calls_total Calls made to the third-party provider.\n"
                 "# TYPE facelive_provider_calls_total counter\nfacelive_provider_calls_total %llu\n",
            (unsigned long long)atomic_load(&m->provider_calls));
    fprintf(out, "# HELP facelive_provider_failures_total Provider calls that failed, by why.\n"
                 "# TYPE facelive_provider_failures_total counter\n");
    for (int i = 0; i < SRV_PF_COUNT; i++)
        fprintf(out, "facelive_provider_failures_total{reason=\"%s\"} %llu\n", why[i],
                (unsigned long long)atomic_load(&m->provider_failures[i]));
    fprintf(out, "# HELP facelive_provider_duration_seconds Provider call time, retries included.\n"
                 "# TYPE facelive_provider_duration_seconds histogram\n");
    render_histogram(out, "facelive_provider_duration_seconds", "", &m->provider_latency);
    int64_t until = atomic_load(&s->circuit.open_until_ms);
    int state = until == 0 ? 0 : now_ms < until ? 1 : 2;
    fprintf(out, "# HELP facelive_provider_circuit_state 0 closed, 1 open, 2 half-open.\n"
                 "# TYPE facelive_provider_circuit_state gauge\nfacelive_provider_circuit_state %d\n", state);
    fprintf(out, "# HELP facelive_provider_circuit_opened_total Times the circuit opened.\n"
                 "# TYPE facelive_provider_circuit_opened_total counter\nfacelive_provider_circuit_opened_total %llu\n",
            (unsigned long long)atomic_load(&s->circuit.opened_total));
}

static void render_by_tenant(FILE *out, const srv_metrics *m, const char *name, const char *help,
                             const _Atomic uint64_t *counts)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    for (int i = 0; i < SRV_MAX_TENANTS; i++)
        if (m->tenant_names[i][0])
            fprintf(out, "%s{tenant=\"%s\"} %llu\n", name, m->tenant_names[i], (unsigned long long)atomic_load(&counts[i]));
}

static void render_process(FILE *out, const srv_metrics *m)
{
    fprintf(out, "# HELP facelive_worker_restarts_total Workers the master replaced after they died.\n"
                 "# TYPE facelive_worker_restarts_total counter\nfacelive_worker_restarts_total %llu\n",
            (unsigned long long)atomic_load(&m->worker_restarts));
    fprintf(out, "# HELP facelive_store_errors_total Token or rate-limit store operations that failed.\n"
                 "# TYPE facelive_store_errors_total counter\nfacelive_store_errors_total %llu\n",
            (unsigned long long)atomic_load(&m->store_errors));
}

void srv_metrics_render(const srv_shared *s, FILE *out, int with_tenants, const char *(*route_label)(int),
                        int n_routes)
{
    const srv_metrics *m = &s->metrics;
    render_requests(out, m, route_label, n_routes);
    render_decisions(out, m);
    render_provider(out, s, srv_mono_ms());
    render_process(out, m);
    if (!with_tenants)
        return;
    render_by_tenant(out, m, "facelive_tenant_requests_total", "Authenticated requests by tenant.", m->tenant_requests);
    render_by_tenant(out, m, "facelive_tenant_rate_limited_total", "Requests refused with 429, by tenant.",
                     m->tenant_rate_limited);
}

int srv_metrics_status_known(int status)
{
    return status_slot(status) != 0;
}
