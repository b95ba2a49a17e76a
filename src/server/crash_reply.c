#include "server/crash_reply.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define SLOTS 256

/* Process-wide by necessity: a signal handler has no other way to find them. */
static atomic_int sockets[SLOTS];
static const char answer[] =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nConnection: close\r\n"
    "Content-Length: 93\r\n\r\n"
    "{\"error\": {\"code\": \"internal_error\", \"message\": \"the worker handling this request crashed\"}}\n";

static void on_fatal(int sig)
{
    for (int i = 0; i < SLOTS; i++) {
        int fd = atomic_exchange(&sockets[i], -1);
        if (fd >= 0) {
            ssize_t ignored = write(fd, answer, sizeof answer - 1);
            (void)ignored;
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
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

int srv_crash_reply_register(int fd)
{
    for (int i = 0; i < SLOTS; i++) {
        int expected = -1;
        if (atomic_compare_exchange_strong(&sockets[i], &expected, fd))
            return i;
    }
    return -1;
}

void srv_crash_reply_unregister(int slot)
{
    if (slot >= 0)
        atomic_store(&sockets[slot], -1);
}
