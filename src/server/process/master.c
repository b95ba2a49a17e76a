#include "server/process/master.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server/http/access_log.h"
#include "server/process/worker.h"
#include "server/state/srv_time.h"

#define MAX_WORKERS 512
#define READY_TIMEOUT_S 120

typedef struct child {
    pid_t pid;
    int generation;
    int ready;
    double started;
} child;

typedef struct master {
    srv_config cfg;
    srv_shared *shared;
    int listen_fd;
    int ready_pipe[2];
    int log_fd;
    int n_workers;
    int generation;
    child kids[MAX_WORKERS];
    double restart_at[MAX_WORKERS]; /* per slot of the current generation: when to start again */
    double backoff[MAX_WORKERS];
    pid_t slot_pid[MAX_WORKERS];
    int reloading;                  /* a new generation is starting */
    double reload_started;
    srv_config old_cfg;             /* kept while reloading, restored if the new workers fail */
} master;

static void log_event(master *m, const char *event, pid_t worker, const char *detail)
{
    srv_log_event(m->log_fd, event, (int)worker, detail);
}

static int listen_on(const char *host, int port, char *err, size_t err_size)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    int rc = getaddrinfo(host, port_s, &hints, &res);
    if (rc) {
        snprintf(err, err_size, "listen address %s: %s (give a numeric address)", host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 1024) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)) {
        snprintf(err, err_size, "listen on %s:%d: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len))
        return -1;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

static int worker_count(const srv_config *c)
{
    if (c->workers > 0)
        return c->workers > MAX_WORKERS / 2 ? MAX_WORKERS / 2 : c->workers;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_WORKERS / 2 ? MAX_WORKERS / 2 : (int)n;
}

static child *free_child(master *m)
{
    for (int i = 0; i < MAX_WORKERS; i++)
        if (!m->kids[i].pid)
            return &m->kids[i];
    return NULL;
}

static pid_t spawn(master *m, int slot)
{
    child *k = free_child(m);
    if (!k)
        return -1;
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0) {
        close(m->ready_pipe[0]);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* exit(), not _exit(): a sanitizer build checks the worker for leaks as it ends */
        exit(srv_worker_main(&m->cfg, m->listen_fd, m->shared, m->ready_pipe[1]));
    }
    if (pid < 0)
        return -1;
    *k = (child){pid, m->generation, 0, srv_mono_s()};
    m->slot_pid[slot] = pid;
    return pid;
}

static child *find_child(master *m, pid_t pid)
{
    for (int i = 0; i < MAX_WORKERS; i++)
        if (m->kids[i].pid == pid)
            return &m->kids[i];
    return NULL;
}

static int slot_of(master *m, pid_t pid)
{
    for (int i = 0; i < m->n_workers; i++)
        if (m->slot_pid[i] == pid)
            return i;
    return -1;
}

static void read_ready(master *m)
{
    int pid;
    while (read(m->ready_pipe[0], &pid, sizeof pid) == (ssize_t)sizeof pid) {
        child *k = find_child(m, pid);
        if (k)
            k->ready = 1;
    }
}

static int count(master *m, int generation, int ready_only)
{
    int n = 0;
    for (int i = 0; i < MAX_WORKERS; i++)
        n += m->kids[i].pid && m->kids[i].generation == generation && (!ready_only || m->kids[i].ready);
    return n;
}

static void signal_generation(master *m, int generation, int sig)
{
    for (int i = 0; i < MAX_WORKERS; i++)
        if (m->kids[i].pid && (generation < 0 || m->kids[i].generation == generation))
            kill(m->kids[i].pid, sig);
}

/* A worker of the current generation died: start another after its slot's back-off. */
static void schedule_restart(master *m, child *k, int status)
{
    int slot = slot_of(m, k->pid);
    char detail[96];
    snprintf(detail, sizeof detail, WIFSIGNALED(status) ? "killed by signal %d" : "exit status %d",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    log_event(m, "worker_died", k->pid, detail);
    if (slot < 0)
        return;
    double now = srv_mono_s();
    if (now - k->started > 60)
        m->backoff[slot] = 0;
    m->backoff[slot] = m->backoff[slot] ? m->backoff[slot] * 2 : 0.1;
    if (m->backoff[slot] > 10)
        m->backoff[slot] = 10;
    m->restart_at[slot] = now + m->backoff[slot];
    m->slot_pid[slot] = 0;
}

/* Returns -1 when, during the first start, a worker ended before it was ready: its configuration
 * or models cannot be used (or it crashed at once), and the service cannot run. */
static int reap(master *m, int stopping, int starting)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        child *k = find_child(m, pid);
        if (!k)
            continue;
        if (starting && !k->ready)
            return -1;
        if (!stopping && k->generation == m->generation) {
            atomic_fetch_add(&m->shared->metrics.worker_restarts, 1);
            schedule_restart(m, k, status);
        }
        memset(k, 0, sizeof *k);
    }
    return 0;
}

static void restart_due(master *m)
{
    double now = srv_mono_s();
    for (int s = 0; s < m->n_workers; s++)
        if (!m->slot_pid[s] && m->restart_at[s] > 0 && now >= m->restart_at[s]) {
            m->restart_at[s] = 0;
            pid_t pid = spawn(m, s);
            log_event(m, pid > 0 ? "worker_restarted" : "worker_restart_failed", pid > 0 ? pid : 0, NULL);
        }
}

static void start_generation(master *m)
{
    m->generation++;
    m->n_workers = worker_count(&m->cfg);
    for (int s = 0; s < m->n_workers; s++) {
        m->restart_at[s] = 0;
        m->backoff[s] = 0;
        m->slot_pid[s] = 0;
        spawn(m, s);
    }
}

static void begin_reload(master *m)
{
    srv_config next;
    char err[512];
    if (srv_config_load(m->cfg.path, &next, err, sizeof err)) {
        log_event(m, "reload_refused", 0, err);
        fprintf(stderr, "facelive serve: reload refused: %s\n", err);
        return;
    }
    if (strcmp(next.listen_host, m->cfg.listen_host) || (next.listen_port != m->cfg.listen_port && next.listen_port)) {
        log_event(m, "reload_note", 0, "the listening address cannot change on reload; the old one is kept");
    }
    free(next.listen_host);
    next.listen_host = strdup(m->cfg.listen_host);
    next.listen_port = m->cfg.listen_port;
    m->old_cfg = m->cfg;
    m->cfg = next;
    srv_shared_assign_tenants(m->shared, &m->cfg);
    m->reloading = 1;
    m->reload_started = srv_mono_s();
    start_generation(m);
    log_event(m, "reload_started", 0, NULL);
}

/* The new generation is ready: stop the old one. It failed: stop it and keep the old. */
static void check_reload(master *m)
{
    if (count(m, m->generation, 1) == m->n_workers) {
        signal_generation(m, m->generation - 1, SIGTERM);
        srv_config_free(&m->old_cfg);
        m->reloading = 0;
        log_event(m, "reload_done", 0, NULL);
    } else if (srv_mono_s() - m->reload_started > READY_TIMEOUT_S) {
        signal_generation(m, m->generation, SIGKILL);
        srv_config_free(&m->cfg);
        m->cfg = m->old_cfg;
        m->generation--;
        m->n_workers = worker_count(&m->cfg);
        m->reloading = 0;
        log_event(m, "reload_failed", 0, "the new workers did not become ready; the old ones keep serving");
    }
}

static int wait_signal(const sigset_t *set, double timeout_s)
{
    struct timespec ts = {(time_t)timeout_s, (long)((timeout_s - (double)(time_t)timeout_s) * 1e9)};
    int sig = sigtimedwait(set, NULL, &ts);
    return sig < 0 ? 0 : sig;
}

static int first_start(master *m, const sigset_t *set)
{
    start_generation(m);
    double t0 = srv_mono_s();
    while (count(m, m->generation, 1) < m->n_workers) {
        int sig = wait_signal(set, 0.05);
        read_ready(m);
        if (reap(m, 0, 1) < 0 || sig == SIGTERM || sig == SIGINT || srv_mono_s() - t0 > READY_TIMEOUT_S) {
            fprintf(stderr, "facelive serve: the workers did not start (see the messages above)\n");
            signal_generation(m, -1, SIGKILL);
            while (wait(NULL) > 0)
                ;
            return -1;
        }
        restart_due(m);
    }
    fprintf(stderr, "facelive serve: listening on http://%s:%d with %d workers (master pid %d)\n",
            m->cfg.listen_host, m->cfg.listen_port, m->n_workers, (int)getpid());
    log_event(m, "serving", 0, NULL);
    return 0;
}

static void stop_all(master *m)
{
    log_event(m, "stopping", 0, NULL);
    signal_generation(m, -1, SIGTERM);
    close(m->listen_fd); /* with the workers' copies closed too, new connections are refused */
    m->listen_fd = -1;
    double deadline = srv_mono_s() + m->cfg.shutdown_deadline_s + 2;
    while (count(m, m->generation, 0) + count(m, m->generation - 1, 0) > 0 && srv_mono_s() < deadline) {
        srv_sleep_ms(20);
        reap(m, 1, 0);
    }
    signal_generation(m, -1, SIGKILL); /* past the deadline */
    while (wait(NULL) > 0)
        ;
    log_event(m, "stopped", 0, NULL);
}

static int setup(master *m, const char *config_path, const char *listen_override, int workers_override)
{
    char err[512];
    if (srv_config_load(config_path, &m->cfg, err, sizeof err)) {
        fprintf(stderr, "facelive serve: %s\n", err);
        return -1;
    }
    if (listen_override) {
        char *colon = strrchr(listen_override, ':');
        free(m->cfg.listen_host);
        m->cfg.listen_host = strndup(listen_override, colon ? (size_t)(colon - listen_override) : 0);
        m->cfg.listen_port = colon ? atoi(colon + 1) : -1;
    }
    if (workers_override > 0)
        m->cfg.workers = workers_override;
    m->log_fd = srv_log_open(m->cfg.log_path);
    m->shared = srv_shared_create();
    m->listen_fd = listen_on(m->cfg.listen_host, m->cfg.listen_port, err, sizeof err);
    if (m->log_fd < 0 || !m->shared || m->listen_fd < 0 || pipe(m->ready_pipe)) {
        fprintf(stderr, "facelive serve: %s\n", m->log_fd < 0 ? "the log file cannot be opened"
                                                : !m->shared ? "shared memory could not be mapped"
                                                             : err);
        return -1;
    }
    fcntl(m->ready_pipe[0], F_SETFL, O_NONBLOCK);
    m->cfg.listen_port = bound_port(m->listen_fd); /* port 0: the one the system chose */
    srv_shared_assign_tenants(m->shared, &m->cfg);
    return 0;
}

int srv_master_run(const char *config_path, const char *listen_override, int workers_override)
{
    static master m; /* large; one per process */
    memset(&m, 0, sizeof m);
    if (sodium_init() < 0 || setup(&m, config_path, listen_override, workers_override))
        return 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (first_start(&m, &set))
        return 1;
    for (;;) {
        int sig = wait_signal(&set, 0.1);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (sig == SIGHUP && !m.reloading)
            begin_reload(&m);
        read_ready(&m);
        reap(&m, 0, 0);
        restart_due(&m);
        if (m.reloading)
            check_reload(&m);
    }
    stop_all(&m);
    fprintf(stderr, "facelive serve: stopped\n");
    return 0;
}
