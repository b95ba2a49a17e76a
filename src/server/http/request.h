/* One HTTP request as the routes see it: the body read so far, who sent it, and the answer they
 * build (a JSON document, or a plain text for /metrics). The reply helpers live in http/reply.c. */
#ifndef FL_SERVER_REQUEST_H
#define FL_SERVER_REQUEST_H

#include <stddef.h>
#include <stdio.h>

#include "app/json_writer.h"
#include "server/http/route.h"
#include "server/state/errors.h"
#include "server/state/state.h"
#include "server/state/token.h"

#define SRV_REQUEST_ID_MAX 65

struct srv_request {
    srv_state *st;
    struct MHD_Connection *conn;
    const srv_route *route;         /* NULL: no route has this path */
    int route_index;                /* in the route table; its length for an unknown path (metrics' "other") */
    const char *method;
    char param[SRV_TOKEN_MAX];      /* the route's parameter: the verify route's {token}, the page's {path} */
    size_t param_len;
    char request_id[SRV_REQUEST_ID_MAX];
    double t0;
    int tenant;                     /* index in the configuration; -1 before authentication */
    char *body;
    size_t len, cap, limit;
    unsigned long long expected_len;/* Content-Length; 0 when not given */
    unsigned long long received;    /* body bytes seen, kept or not */
    srv_error upload_error;         /* from the headers (check_headers), or while reading the body */
    char header_detail[192];        /* what check_headers found wrong */
    int chunked;                    /* Transfer-Encoding: a body of unknown length comes */
    int counted;                    /* counted in the daemon's in_flight */
    /* the answer */
    int status;
    char *out;
    size_t out_len;
    const char *content_type;
    int isolated;                   /* the page's files: the cross-origin isolation headers (COOP, COEP,
                                       CORP) that wasm threads need, and nosniff */
    srv_error error;
    int retry_after_s;              /* > 0: a Retry-After header */
    const char *decision, *channel; /* for the access log */
    char audit_id[48];              /* where the audit trail kept this request (audit.h); "" if not */
};

/* A JSON answer under construction: begin, write fields with o->w, then finish. */
typedef struct srv_out {
    FILE *f;
    char *buf;
    size_t len;
    jw w;
} srv_out;

int srv_out_begin(srv_out *o);
/* Ends the document and hands it to the request as its answer with this status. */
void srv_out_finish(srv_out *o, srv_request *r, int status);
/* The answer to an error: {"error": {code, message, detail}, "request_id"}, plus what `extra`
 * writes into the same object (may be NULL). */
void srv_reply_error(srv_request *r, srv_error e, const char *detail, void (*extra)(jw *w, void *ctx), void *ctx);

/* A request header's value, or NULL. */
const char *srv_request_header(srv_request *r, const char *name);

#endif
