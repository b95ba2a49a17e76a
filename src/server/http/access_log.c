#include "server/http/access_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int srv_log_open(const char *path)
{
    if (!path)
        return dup(STDOUT_FILENO);
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int srv_log_begin(srv_log_line *l, const char *event)
{
    l->buf = NULL;
    l->len = 0;
    FILE *f = open_memstream(&l->buf, &l->len);
    l->f = f;
    if (!f)
        return -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[96];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    jw_init(&l->w, f);
    jw_object(&l->w, NULL);
    jw_str(&l->w, "ts", when);
    jw_str(&l->w, "event", event);
    return 0;
}

void srv_log_end(srv_log_line *l, int fd)
{
    if (!l->f)
        return;
    jw_end(&l->w); /* ends the line */
    fclose(l->f);
    /* one write: a short write is not retried (it would split the line); EINTR is */
    ssize_t n;
    do
        n = write(fd, l->buf, l->len);
    while (n < 0 && errno == EINTR);
    free(l->buf);
    l->buf = NULL;
    l->f = NULL;
}

void srv_log_event(int fd, const char *event, int worker_pid, const char *detail)
{
    srv_log_line l;
    if (srv_log_begin(&l, event))
        return;
    jw_int(&l.w, "pid", getpid());
    if (worker_pid)
        jw_int(&l.w, "worker_pid", worker_pid);
    if (detail)
        jw_str(&l.w, "detail", detail);
    srv_log_end(&l, fd);
}
