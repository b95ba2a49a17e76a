/* If a worker crashes (a fatal signal), the clients whose requests it was handling get a 500
 * answer before the process dies, instead of a connection that closes without a word. The
 * requests register their sockets while they are being handled; the signal handler writes one
 * prepared answer to each with write(), which is async-signal-safe, then lets the signal kill the
 * process as it would have (the master replaces it). SIGKILL cannot be caught: those clients see
 * the connection close. */
#ifndef FL_SERVER_CRASH_REPLY_H
#define FL_SERVER_CRASH_REPLY_H

/* Installs the handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT (once per process). */
void srv_crash_reply_install(void);
/* Registers a socket whose request (request_id) has no answer yet; returns a slot for unregister
 * (-1: none free). The answer names the request. */
int srv_crash_reply_register(int fd, const char *request_id);
void srv_crash_reply_unregister(int slot);

#endif
