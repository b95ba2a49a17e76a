/* A worker's connections: its own accept loop on the listening socket that every worker shares,
 * and a watchdog over the connections it took.
 *
 * - A worker accepts only while it holds fewer than max_connections: at its limit it leaves new
 *   connections in the shared queue for a sibling with room, instead of accepting and resetting
 *   them (what libmicrohttpd's own accept does at its limit).
 * - accept() failing for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) backs off
 *   for ACCEPT_BACKOFF_MS and is logged at most once per ACCEPT_LOG_EVERY_S, with a count.
 * - A request's headers must arrive within header_timeout_s of the connection's start (or, on a
 *   kept-alive connection, within connection_timeout_s + header_timeout_s of the previous answer),
 *   and its body within request_timeout_s of its headers; else the watchdog shuts the connection
 *   down. libmicrohttpd's own timeout is an idle timeout: one byte every few seconds resets it. */
#ifndef FL_SERVER_LISTENER_H
#define FL_SERVER_LISTENER_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

typedef enum srv_conn_phase {
    SRV_CONN_HEADERS = 0, /* waiting for a request's headers */
    SRV_CONN_BODY,        /* headers read: the body is arriving */
    SRV_CONN_HANDLING     /* the request is being judged or answered: never cut */
} srv_conn_phase;

/* One accepted connection (libmicrohttpd's socket context). */
typedef struct srv_conn {
    struct srv_conn *prev, *next;
    int fd;
    srv_conn_phase phase;
    double since;      /* when the phase began (monotonic seconds) */
    double allowed_s;  /* how long the phase may last */
    int served;        /* a request began on it */
    int cut;           /* the watchdog shut it down */
} srv_conn;

typedef struct srv_listener {
    int listen_fd, log_fd;
    struct MHD_Daemon *daemon;
    int max_connections;
    double header_timeout_s, idle_timeout_s, request_timeout_s;
    pthread_mutex_t lock;      /* guards the list */
    srv_conn *conns;
    atomic_int open;           /* connections held */
    atomic_int pending;        /* accepted and handed over, not yet started by libmicrohttpd */
    atomic_int stop;
    atomic_llong accept_errors;/* accept() failures for lack of resources, in all */
    atomic_llong cut;          /* connections the watchdog shut down, in all */
    pthread_t acceptor, watchdog;
    int threads;               /* how many of the two started */
} srv_listener;

/* Sets the listener up (no thread yet). */
void srv_listener_init(srv_listener *l, int listen_fd, int log_fd, int max_connections, double header_timeout_s,
                       double idle_timeout_s, double request_timeout_s);
/* Starts the accept loop and the watchdog for daemon (started with MHD_USE_NO_LISTEN_SOCKET and
 * MHD_USE_ITC). 0, or -1 when a thread could not start. */
int srv_listener_start(srv_listener *l, struct MHD_Daemon *daemon);
/* Stops accepting and closes this process's copy of the listening socket; the connections held go
 * on until the daemon stops. Call before MHD_stop_daemon. Idempotent. */
void srv_listener_stop(srv_listener *l);

/* Connections on which no request began yet, those accepted but not yet started included (a
 * stopping worker waits for them). Thread-safe. */
int srv_listener_fresh(srv_listener *l);

/* libmicrohttpd's connection notifications (MHD_OPTION_NOTIFY_CONNECTION): registers and forgets
 * the connection. The cls is the srv_listener. */
void srv_listener_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                                enum MHD_ConnectionNotificationCode code);
/* The connection's record (NULL if it has none), and a change of its phase. Thread-safe. */
srv_conn *srv_listener_conn(struct MHD_Connection *conn);
void srv_listener_set_phase(srv_listener *l, srv_conn *c, srv_conn_phase phase);

#endif
