/* The routes the service answers, for dispatch, metrics labels and `facelive serve --describe`. */
#ifndef FL_SERVER_ROUTES_H
#define FL_SERVER_ROUTES_H

#include <stddef.h>

/* X(id, method, path as in docs/openapi.yaml, metrics label) */
#define SRV_ROUTE_MAP(X)                                                               \
    X(SRV_ROUTE_LIVENESS, "POST", "/v1/liveness", "liveness")                          \
    X(SRV_ROUTE_CHALLENGES, "POST", "/v1/challenges", "challenges")                    \
    X(SRV_ROUTE_VERIFY, "POST", "/v1/challenges/{token}/verify", "verify")             \
    X(SRV_ROUTE_VERSION, "GET", "/v1/version", "version")                              \
    X(SRV_ROUTE_HEALTHZ, "GET", "/healthz", "healthz")                                 \
    X(SRV_ROUTE_READYZ, "GET", "/readyz", "readyz")                                    \
    X(SRV_ROUTE_METRICS, "GET", "/metrics", "metrics")

typedef enum srv_route {
#define SRV_ROUTE_ENUM_(id, method, path, label) id,
    SRV_ROUTE_MAP(SRV_ROUTE_ENUM_)
#undef SRV_ROUTE_ENUM_
    SRV_ROUTE_OTHER, /* unknown paths: counted under "other" */
    SRV_ROUTE_COUNT
} srv_route;

const char *srv_route_method(srv_route r);
const char *srv_route_path(srv_route r);
const char *srv_route_label(srv_route r);

/* The route of a path (the method is not looked at), with the {token} segment of the verify route
 * pointed to by *token (length *token_len). SRV_ROUTE_OTHER when none matches. */
srv_route srv_route_match(const char *url, const char **token, size_t *token_len);

#endif
