#include "server/process/crash_reply.h"

#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define SLOTS 256

#define CLAIMED (-2) /* a slot being filled: not yet an answer the handler may send */
#define ANSWER_MAX 400

/* Process-wide by necessity: a signal handler has no other way to find them. Each slot's answer is
 * written before its socket is published, so the handler only ever sends a finished one. */
static atomic_int sockets[SLOTS];
static char answers[SLOTS][ANSWER_MAX];
static size_t answer_lens[SLOTS];

static void on_fatal(int sig)
{
    for (int i = 0; i < SLOTS; i++) {
        int fd = atomic_exchange(&sockets[i], -1);
        if (fd >= 0) {
            ssize_t ignored = write(fd, answers[i], answer_lens[i]);
            (void)ignored;
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The 500 answer of one request, with its id, as the worker would have sent it. */
static size_t format_answer(char *out, const char *request_id)
{
    char body[256];
    int n = snprintf(body, sizeof body,
                     "{\"error\": {\"code\": \"internal_error\", \"message\": \"the worker handling this request "
                     "crashed\"}, \"request_id\": \"%.64s\"}\n",
                     request_id ? request_id : "");
    int m = snprintf(out, ANSWER_MAX,
                     "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     "X-Request-Id: %.64s\r\nContent-Length: %d\r\n\r\n%s",
                     request_id ? request_id : "", n, body);
    return m > 0 && m < ANSWER_MAX ? (size_t)m : 0;
}

void srv_crash_reply_install(void)
{
    for (int i = 0; i < SLOTS; i++)
        atomic_store(&sockets[i], -1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

int srv_crash_reply_register(int fd, const char *request_id)
{
    for (int i = 0; i < SLOTS; i++) {
        int expected = -1;
        if (atomic_compare_exchange_strong(&sockets[i], &expected, CLAIMED)) {
            answer_lens[i] = format_answer(answers[i], request_id);
            atomic_store(&sockets[i], fd);
            return i;
        }
    }
    return -1;
}

void srv_crash_reply_unregister(int slot)
{
    if (slot >= 0)
        atomic_store(&sockets[slot], -1);
}
