#include "server/upstream/circuit.h"

srv_circuit_pass srv_circuit_allow(srv_circuit *c, int open_ms, int64_t now_ms)
{
    int64_t until = atomic_load(&c->open_until_ms);
    if (until == 0)
        return SRV_CIRCUIT_CALL;
    if (now_ms < until)
        return SRV_CIRCUIT_REFUSE;
    /* half-open: the first caller becomes the probe, the others are refused while it runs */
    int64_t since = atomic_load(&c->probe_since_ms);
    if (since != 0 && now_ms - since < open_ms)
        return SRV_CIRCUIT_REFUSE;
    return atomic_compare_exchange_strong(&c->probe_since_ms, &since, now_ms) ? SRV_CIRCUIT_PROBE : SRV_CIRCUIT_REFUSE;
}

void srv_circuit_success(srv_circuit *c, int probe)
{
    atomic_store(&c->failures, 0);
    atomic_store(&c->open_until_ms, 0);
    if (probe)
        atomic_store(&c->probe_since_ms, 0);
}

void srv_circuit_failure(srv_circuit *c, int probe, int threshold, int open_ms, int64_t now_ms)
{
    int64_t n = atomic_fetch_add(&c->failures, 1) + 1;
    if (probe || n >= threshold) {
        if (atomic_exchange(&c->open_until_ms, now_ms + open_ms) == 0 || probe)
            atomic_fetch_add(&c->opened_total, 1);
    }
    if (probe)
        atomic_store(&c->probe_since_ms, 0);
}
