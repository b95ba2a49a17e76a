#include "server/upstream/cascade.h"

#include "server/state/metrics.h"
#include "server/state/srv_time.h"
#include "server/upstream/circuit.h"

unsigned srv_cascade_reason(srv_local_status st, fl_decision local)
{
    if (st == SRV_LOCAL_UNAVAILABLE)
        return SRV_ESCALATE_UNAVAILABLE;
    if (st == SRV_LOCAL_OVERLOAD)
        return SRV_ESCALATE_OVERLOAD;
    if (st == SRV_LOCAL_ERROR)
        return SRV_ESCALATE_ERROR;
    return local == FL_DECISION_SPOOF ? SRV_ESCALATE_SPOOF : local == FL_DECISION_UNCERTAIN ? SRV_ESCALATE_UNCERTAIN : 0;
}

static int reason_index(unsigned reason)
{
    int i = 0;
    while (reason > 1) {
        reason >>= 1;
        i++;
    }
    return i;
}

srv_cascade_outcome srv_cascade_run(srv_state *w, unsigned reason, const char *request_id, const char *tenant,
                                    const srv_media *m, srv_provider_result *provider, double *provider_s)
{
    const srv_provider *p = &w->cfg->provider;
    srv_metrics *metrics = &w->shared->metrics;
    *provider_s = 0;
    if (!reason || !p->url || !((p->escalate | SRV_ESCALATE_UNAVAILABLE) & reason))
        return SRV_CASCADE_LOCAL;
    atomic_fetch_add(&metrics->escalations[reason_index(reason)], 1);
    srv_circuit_pass pass = srv_circuit_allow(&w->shared->circuit, p->circuit_open_ms, srv_mono_ms());
    if (pass == SRV_CIRCUIT_REFUSE) {
        srv_metrics_provider_call(metrics, 1, SRV_PF_CIRCUIT, 0);
        return SRV_CASCADE_CIRCUIT_OPEN;
    }
    double t0 = srv_mono_s();
    srv_provider_call(p, request_id, tenant, m, provider);
    *provider_s = srv_mono_s() - t0;
    srv_metrics_provider_call(metrics, !provider->ok, provider->why, *provider_s);
    if (provider->ok) {
        srv_circuit_success(&w->shared->circuit, pass == SRV_CIRCUIT_PROBE);
        return SRV_CASCADE_PROVIDER;
    }
    srv_circuit_failure(&w->shared->circuit, pass == SRV_CIRCUIT_PROBE, p->circuit_failures, p->circuit_open_ms,
                        srv_mono_ms());
    return SRV_CASCADE_PROVIDER_DOWN;
}
