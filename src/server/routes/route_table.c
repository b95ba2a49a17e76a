#include "server/routes/route_table.h"

#include "server/routes/handlers.h"
#include "server/state/shared_state.h"

/* method, path (as in docs/openapi.yaml), label, handler, needs a tenant key, needs the local
 * engine, body limit. A new route is one line here and its handler. */
const srv_route srv_routes[] = {
    {"POST", "/v1/liveness", "liveness", srv_route_liveness, 1, 0, SRV_BODY_IMAGES},
    {"POST", "/v1/challenges", "challenges", srv_route_challenges, 1, 1, SRV_BODY_SMALL},
    {"POST", "/v1/challenges/{token}/verify", "verify", srv_route_verify, 1, 1, SRV_BODY_FRAMES},
    {"GET", "/v1/version", "version", srv_route_version, 0, 0, SRV_BODY_SMALL},
    {"GET", "/healthz", "healthz", srv_route_healthz, 0, 0, SRV_BODY_SMALL},
    {"GET", "/readyz", "readyz", srv_route_readyz, 0, 0, SRV_BODY_SMALL},
    {"GET", "/metrics", "metrics", srv_route_metrics, 0, 0, SRV_BODY_SMALL},
    {"GET", "/demo/{path}", "demo", srv_route_web, 0, 0, SRV_BODY_SMALL},
};
#define N_ROUTES ((int)(sizeof srv_routes / sizeof srv_routes[0]))
const int srv_n_routes = N_ROUTES;

/* the shared counters keep one series per route and one for unknown paths */
_Static_assert(N_ROUTES + 1 <= SRV_MAX_ROUTES, "raise SRV_MAX_ROUTES (state/shared_state.h)");

const char *srv_route_label_at(int i)
{
    return i >= 0 && i < N_ROUTES ? srv_routes[i].label : "other";
}
