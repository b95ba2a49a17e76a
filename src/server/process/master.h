/* The master process of `facelive serve`: binds the listening socket, forks the workers and
 * supervises them.
 *   - a worker that dies is replaced after a back-off (0.1 s doubling to 10 s; reset once a worker
 *     has lived a minute); a worker that cannot load its configuration or models stops the start;
 *   - SIGTERM / SIGINT: every worker stops taking connections and finishes what it has, within
 *     shutdown_deadline_s; then the master exits 0;
 *   - SIGHUP: the configuration is read again; when it is valid a new set of workers is started
 *     with it, and only once all of them are ready are the old ones stopped, so no request is
 *     dropped (the listening address cannot change on reload). */
#ifndef FL_SERVER_MASTER_H
#define FL_SERVER_MASTER_H

/* Runs the service; returns the process exit status. listen_override: "HOST:PORT" or NULL. */
int srv_master_run(const char *config_path, const char *listen_override, int workers_override);

#endif
