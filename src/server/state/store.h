/* The state every worker (and, with Redis, every host) must share: which challenge tokens were
 * used, and the tenants' request counts per minute. Two implementations behind one interface:
 * an LMDB file (one host, nothing to run) and Redis (several hosts). A store that cannot answer
 * says so (SRV_STORE_ERROR), and the caller refuses the token: fail closed. */
#ifndef FL_SERVER_STORE_H
#define FL_SERVER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "server/state/config.h"

typedef enum srv_store_result {
    SRV_STORE_FRESH = 0,
    SRV_STORE_USED = 1,
    SRV_STORE_ERROR = -1,  /* the store did not answer */
    SRV_STORE_FORGOT = -2  /* the store restarted empty after the key's life began: a mark made
                              before may be lost, so "fresh" cannot be believed */
} srv_store_result;

typedef struct srv_store srv_store;

typedef struct srv_store_ops {
    /* Marks key used until expires_at (Unix s); FRESH when it was not used since born_at (the
     * token's issue time). Thread-safe. */
    srv_store_result (*use_once)(srv_store *s, const char *key, int64_t born_at, int64_t expires_at);
    /* Adds one to key's counter for the window ending at expires_at; *count: the new value. Thread-safe. */
    srv_store_result (*count)(srv_store *s, const char *key, int64_t expires_at, int64_t *count);
    void (*close)(srv_store *s);
} srv_store_ops;

struct srv_store {
    const srv_store_ops *ops;
};

/* The two implementations (store_lmdb.c, store_redis.c); store_open.h picks one by configuration. */
srv_store *srv_store_lmdb_open(const char *path, size_t map_size, char *err, size_t err_size);
srv_store *srv_store_redis_open(const char *host, int port, int timeout_ms, char *err, size_t err_size);

#endif
