/* The models of one worker: loaded once, shared by its request threads, with a fixed number of
 * inference slots (each a silent-check context) so that a burst queues instead of oversubscribing
 * the cores. A request that waits longer than queue_timeout_ms for a slot is "overloaded". */
#ifndef FL_SERVER_ENGINES_H
#define FL_SERVER_ENGINES_H

#include <pthread.h>

#include "facelive/liveness.h"
#include "facelive/session.h"
#include "server/state/config.h"

#define SRV_MAX_MODEL_FILES 16

typedef struct srv_model_file {
    char name[128];
    char sha256[65];
} srv_model_file;

typedef struct srv_engines {
    fl_analyzer *analyzer;
    fl_silent *silent;
    fl_silent_ctx **slots;   /* free slots are those with in_use[i] == 0 */
    int *in_use;
    int n_slots;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    srv_model_file files[SRV_MAX_MODEL_FILES]; /* the model files' hashes: the "model versions" */
    int n_files;
} srv_engines;

/* Loads the models the configuration names and runs one inference on each (a worker takes
 * connections only after it); -1 with a message on failure. */
int srv_engines_load(srv_engines *e, const srv_config *c, char *err, size_t err_size);
void srv_engines_free(srv_engines *e);

/* A free slot's index, waiting up to timeout_ms; -1 when none came free in time. Thread-safe. */
int srv_engines_acquire(srv_engines *e, int timeout_ms);
void srv_engines_release(srv_engines *e, int slot);

#endif
