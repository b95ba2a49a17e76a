#define _GNU_SOURCE /* accept4 */
#include "server/http/listener.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/http/access_log.h"
#include "server/state/srv_time.h"

#define ACCEPT_POLL_MS 100   /* how often the loop looks at the stop flag */
#define ACCEPT_BACKOFF_MS 100
#define ACCEPT_LOG_EVERY_S 10
#define WATCHDOG_EVERY_MS 100
#define BODY_GRACE_S 2       /* the request's own timeout answers 408 first, when it can */

void srv_listener_init(srv_listener *l, int listen_fd, int log_fd, int max_connections, double header_timeout_s,
                       double idle_timeout_s, double request_timeout_s)
{
    l->listen_fd = listen_fd;
    l->log_fd = log_fd;
    l->daemon = NULL;
    l->max_connections = max_connections;
    l->header_timeout_s = header_timeout_s;
    l->idle_timeout_s = idle_timeout_s;
    l->request_timeout_s = request_timeout_s;
    pthread_mutex_init(&l->lock, NULL);
    l->conns = NULL;
    atomic_init(&l->open, 0);
    atomic_init(&l->pending, 0);
    atomic_init(&l->stop, 0);
    atomic_init(&l->accept_errors, 0);
    atomic_init(&l->cut, 0);
    l->threads = 0;
}

static int out_of_resources(int e)
{
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

/* One line per ACCEPT_LOG_EVERY_S at most, however fast accept() fails. */
static void log_accept_error(srv_listener *l, int e, double *last_log, long long *unlogged)
{
    double now = srv_mono_s();
    (*unlogged)++;
    if (now - *last_log < ACCEPT_LOG_EVERY_S)
        return;
    char detail[160];
    snprintf(detail, sizeof detail, "accept: %s (%lld times since the last line); backing off %d ms", strerror(e),
             *unlogged, ACCEPT_BACKOFF_MS);
    srv_log_event(l->log_fd, "accept_failed", 0, detail);
    *last_log = now;
    *unlogged = 0;
}

static void *accept_loop(void *arg)
{
    srv_listener *l = arg;
    double last_log = -1e9;
    long long unlogged = 0;
    while (!atomic_load(&l->stop)) {
        if (atomic_load(&l->open) >= l->max_connections) { /* full: a sibling with room takes it */
            srv_sleep_ms(ACCEPT_POLL_MS / 4);
            continue;
        }
        struct pollfd p = {l->listen_fd, POLLIN, 0};
        if (poll(&p, 1, ACCEPT_POLL_MS) <= 0 || !(p.revents & POLLIN))
            continue;
        struct sockaddr_storage addr;
        socklen_t len = sizeof addr;
        int fd = accept4(l->listen_fd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (out_of_resources(errno)) {
                atomic_fetch_add(&l->accept_errors, 1);
                log_accept_error(l, errno, &last_log, &unlogged);
                srv_sleep_ms(ACCEPT_BACKOFF_MS);
            }
            continue; /* EAGAIN: a sibling took it; ECONNABORTED, EINTR: nothing to do */
        }
        atomic_fetch_add(&l->open, 1); /* counted now, so the next turn sees it */
        atomic_fetch_add(&l->pending, 1);
        if (MHD_add_connection(l->daemon, fd, (struct sockaddr *)&addr, len) != MHD_YES) {
            atomic_fetch_sub(&l->open, 1); /* libmicrohttpd closed it, and will say nothing of it */
            atomic_fetch_sub(&l->pending, 1);
        }
    }
    return NULL;
}

static void *watchdog(void *arg)
{
    srv_listener *l = arg;
    while (!atomic_load(&l->stop)) {
        srv_sleep_ms(WATCHDOG_EVERY_MS);
        double now = srv_mono_s();
        pthread_mutex_lock(&l->lock);
        for (srv_conn *c = l->conns; c; c = c->next)
            if (!c->cut && c->phase != SRV_CONN_HANDLING && now - c->since > c->allowed_s) {
                /* the fd is still the connection's: it is closed only after the CLOSED
                 * notification, which takes this lock to unlink it */
                shutdown(c->fd, SHUT_RDWR);
                c->cut = 1;
                atomic_fetch_add(&l->cut, 1);
            }
        pthread_mutex_unlock(&l->lock);
    }
    return NULL;
}

int srv_listener_start(srv_listener *l, struct MHD_Daemon *daemon)
{
    l->daemon = daemon;
    if (pthread_create(&l->watchdog, NULL, watchdog, l))
        return -1;
    l->threads = 1;
    if (pthread_create(&l->acceptor, NULL, accept_loop, l))
        return -1;
    l->threads = 2;
    return 0;
}

void srv_listener_stop(srv_listener *l)
{
    if (atomic_exchange(&l->stop, 1))
        return;
    if (l->threads > 1)
        pthread_join(l->acceptor, NULL);
    if (l->threads > 0)
        pthread_join(l->watchdog, NULL);
    if (l->listen_fd >= 0)
        close(l->listen_fd);
    l->listen_fd = -1;
}

static void set_phase_locked(srv_listener *l, srv_conn *c, srv_conn_phase phase)
{
    c->phase = phase;
    c->since = srv_mono_s();
    c->allowed_s = phase == SRV_CONN_BODY      ? l->request_timeout_s + BODY_GRACE_S
                   : c->served                 ? l->idle_timeout_s + l->header_timeout_s /* kept alive */
                                               : l->header_timeout_s;
}

void srv_listener_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                                enum MHD_ConnectionNotificationCode code)
{
    srv_listener *l = cls;
    srv_conn *c = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_sub(&l->pending, 1);
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci || !(c = calloc(1, sizeof *c)))
            return; /* not watched; still counted by the accept loop until it closes */
        c->fd = ci->connect_fd;
        pthread_mutex_lock(&l->lock);
        set_phase_locked(l, c, SRV_CONN_HEADERS);
        c->next = l->conns;
        if (l->conns)
            l->conns->prev = c;
        l->conns = c;
        pthread_mutex_unlock(&l->lock);
        *socket_context = c;
        return;
    }
    atomic_fetch_sub(&l->open, 1);
    if (!c)
        return;
    pthread_mutex_lock(&l->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&l->lock);
    free(c);
    *socket_context = NULL;
}

srv_conn *srv_listener_conn(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void srv_listener_set_phase(srv_listener *l, srv_conn *c, srv_conn_phase phase)
{
    if (!c)
        return;
    pthread_mutex_lock(&l->lock);
    if (phase != SRV_CONN_HEADERS)
        c->served = 1;
    set_phase_locked(l, c, phase);
    pthread_mutex_unlock(&l->lock);
}

int srv_listener_fresh(srv_listener *l)
{
    int n = atomic_load(&l->pending); /* handed to libmicrohttpd, which registers them in its own thread */
    pthread_mutex_lock(&l->lock);
    for (srv_conn *c = l->conns; c; c = c->next)
        n += !c->served;
    pthread_mutex_unlock(&l->lock);
    return n;
}
