#include "server/http/admission.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server/state/srv_time.h"

/* Authorization: Bearer KEY, or X-API-Key: KEY. */
srv_error srv_authenticate(srv_request *r)
{
    const char *key = srv_request_header(r, "X-API-Key");
    const char *auth = srv_request_header(r, "Authorization");
    if (!key && auth && strncasecmp(auth, "Bearer ", 7) == 0)
        key = auth + 7;
    if (!key || !*key)
        return SRV_E_API_KEY_MISSING;
    r->tenant = srv_config_find_tenant(r->st->cfg, key, strlen(key));
    if (r->tenant < 0)
        return SRV_E_API_KEY_INVALID;
    int slot = r->st->tenant_slot[r->tenant];
    if (slot >= 0)
        atomic_fetch_add(&r->st->shared->metrics.tenant_requests[slot], 1);
    return SRV_OK;
}

/* A fixed one-minute window per tenant in the shared store. A store that cannot count refuses the
 * tenant's request (503 store_unavailable): a limit silently off is a limit an attacker can switch
 * off by filling the store. Counted in facelive_store_errors_total. */
srv_error srv_rate_limit(srv_request *r)
{
    const srv_tenant *t = &r->st->cfg->tenants[r->tenant];
    if (t->rate_per_minute <= 0)
        return SRV_OK;
    int64_t now = srv_unix_s(), window = now / 60;
    char key[96];
    snprintf(key, sizeof key, "rl:%s:%lld", t->name, (long long)window);
    int64_t count = 0;
    if (r->st->store->ops->count(r->st->store, key, (window + 1) * 60 + 1, &count) == SRV_STORE_ERROR) {
        atomic_fetch_add(&r->st->shared->metrics.store_errors, 1);
        return SRV_E_STORE_UNAVAILABLE;
    }
    if (count <= t->rate_per_minute)
        return SRV_OK;
    r->retry_after_s = (int)((window + 1) * 60 - now);
    int slot = r->st->tenant_slot[r->tenant];
    if (slot >= 0)
        atomic_fetch_add(&r->st->shared->metrics.tenant_rate_limited[slot], 1);
    return SRV_E_RATE_LIMITED;
}
