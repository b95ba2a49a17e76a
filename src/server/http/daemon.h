/* A worker's HTTP daemon: libmicrohttpd on the connections the worker's accept loop (listener.h)
 * hands over, requests dispatched through a route table (route.h). */
#ifndef FL_SERVER_DAEMON_H
#define FL_SERVER_DAEMON_H

#include <stdatomic.h>

#include "server/http/listener.h"
#include "server/http/route.h"
#include "server/state/state.h"

struct MHD_Daemon;

typedef struct srv_http {
    srv_state *st;
    const srv_route *routes;        /* the route table and its length */
    int n_routes;
    srv_listener listener;          /* the accept loop and the connection watchdog */
    atomic_int in_flight;           /* requests begun and not yet answered */
    atomic_llong last_daemon_log_s; /* paces libmicrohttpd's error lines */
    /* Around each handler (may be NULL): the process room registers the connection for a reply
     * if the process crashes (process/crash_reply.h); begins returns a slot handed to ends. */
    int (*handling_begins)(int fd, const char *request_id);
    void (*handling_ends)(int slot);
} srv_http;

/* Starts libmicrohttpd for h (its listener initialised); NULL when it does not start. */
struct MHD_Daemon *srv_http_start(srv_http *h);

/* SIGTERM: marks the state stopping, stops accepting, lets the requests in flight finish within
 * shutdown_deadline_s, logs what was left, stops the daemon. */
void srv_http_drain(srv_http *h, struct MHD_Daemon *d);

#endif
