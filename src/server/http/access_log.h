/* JSON lines for the access log and the master's events. Each line is written with a single
 * write() on a descriptor opened with O_APPEND, so the lines of several workers never interleave. */
#ifndef FL_SERVER_ACCESS_LOG_H
#define FL_SERVER_ACCESS_LOG_H

#include "app/json_writer.h"

/* The log file (created 0640) or, for NULL, a duplicate of standard output; -1 on failure. */
int srv_log_open(const char *path);

/* A line under construction: srv_log_begin opens the object with "ts" (UTC, milliseconds) and
 * "event"; srv_log_end closes it and writes it. */
typedef struct srv_log_line {
    char *buf;
    size_t len;
    void *f;
    jw w;
} srv_log_line;

int srv_log_begin(srv_log_line *l, const char *event);
void srv_log_end(srv_log_line *l, int fd);

/* A process event: {"ts", "event", "pid": the caller's, "worker_pid" (when not 0), "detail" (when
 * not NULL)}. */
void srv_log_event(int fd, const char *event, int worker_pid, const char *detail);

#endif
