#include "server/state/store_open.h"

#include <string.h>

srv_store *srv_store_open(const srv_config *c, char *err, size_t err_size)
{
    if (strcmp(c->store_kind, "redis") == 0)
        return srv_store_redis_open(c->redis_host, c->redis_port, c->redis_timeout_ms, err, err_size);
    return srv_store_lmdb_open(c->store_path, (size_t)c->store_map_size_mb << 20, err, err_size);
}
