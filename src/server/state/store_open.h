/* The store the configuration names (store.h's interface, one of its implementations). */
#ifndef FL_SERVER_STORE_OPEN_H
#define FL_SERVER_STORE_OPEN_H

#include "server/state/config.h"
#include "server/state/store.h"

/* Opens the store the configuration names; each worker process opens its own after the fork.
 * On failure writes why to err and returns NULL. */
srv_store *srv_store_open(const srv_config *c, char *err, size_t err_size);

#endif
