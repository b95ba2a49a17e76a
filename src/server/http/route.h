/* What the HTTP layer knows of a route: how to find it and what to check before its handler runs.
 * The routes room fills one table of them (routes/route_table.c); dispatch is a lookup in it. */
#ifndef FL_SERVER_ROUTE_H
#define FL_SERVER_ROUTE_H

#include <stddef.h>

#include "server/state/config.h"

typedef struct srv_request srv_request;

/* Answers r by srv_out_finish or srv_reply_error (http/request.h). */
typedef void (*srv_handler)(srv_request *r);

/* Which configured limit bounds a route's body. */
typedef enum srv_body_limit {
    SRV_BODY_SMALL,  /* a small JSON, or nothing: 64 KiB */
    SRV_BODY_IMAGES, /* limits.max_body_bytes */
    SRV_BODY_FRAMES  /* limits.max_verify_body_bytes */
} srv_body_limit;

typedef struct srv_route {
    const char *method;
    const char *path;      /* as in docs/openapi.yaml; "{token}" matches one segment, "{path}" at the
                              end the rest of the URL ('/' included, possibly empty) */
    const char *label;     /* for metrics and logs */
    srv_handler handler;
    int needs_key;         /* a tenant's API key, checked (with its rate) before the body is read */
    int needs_engine;      /* answered only where the local engine runs (503 local_unavailable in adapter mode) */
    srv_body_limit body;
} srv_route;

/* The index in table[0..n) of the route whose path matches url (the method is not looked at), with
 * its parameter in *param (length *param_len; NULL when it has none); n when none matches. */
int srv_route_match(const srv_route *table, int n, const char *url, const char **param, size_t *param_len);

/* The largest body a route takes under these limits; route NULL (unknown path): the small limit. */
size_t srv_route_body_limit(const srv_route *route, const srv_limits *l);

#endif
