/* The LMDB store: one memory-mapped file that the processes of a host share safely (LMDB's own
 * lock file serialises the writers). Each value is {expires_at, count}; expired entries are
 * swept now and then by the writer that happens to pass. */
#include <lmdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_time.h"
#include "server/store.h"

#define MAP_SIZE (256u << 20) /* room for millions of tokens; the file grows as used */
#define SWEEP_EVERY 512       /* writes between sweeps of expired entries */

typedef struct lmdb_store {
    srv_store base;
    MDB_env *env;
    MDB_dbi dbi;
    _Atomic unsigned writes; /* paces the sweeps */
} lmdb_store;

typedef struct entry {
    int64_t expires_at, count;
} entry;

static void sweep(MDB_txn *txn, MDB_dbi dbi, int64_t now)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, dbi, &cur))
        return;
    MDB_val k, v;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        entry e;
        if (v.mv_size == sizeof e) {
            memcpy(&e, v.mv_data, sizeof e);
            if (e.expires_at < now)
                mdb_cursor_del(cur, 0);
        }
    }
    mdb_cursor_close(cur);
}

/* One write transaction: reads key's entry (expired entries read as absent), lets `update`
 * change it, writes it back. Returns the update's result, or ERROR when LMDB fails. */
static srv_store_result transact(lmdb_store *s, const char *key, int64_t expires_at, int64_t *count, int once)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, 0, &txn))
        return SRV_STORE_ERROR;
    int64_t now = srv_unix_s();
    MDB_val k = {strlen(key), (void *)key}, v;
    entry e = {expires_at, 0};
    int rc = mdb_get(txn, s->dbi, &k, &v);
    if (rc == 0 && v.mv_size == sizeof e) {
        entry old;
        memcpy(&old, v.mv_data, sizeof old);
        if (old.expires_at >= now)
            e = old;
    } else if (rc != MDB_NOTFOUND && rc != 0) {
        mdb_txn_abort(txn);
        return SRV_STORE_ERROR;
    }
    srv_store_result result = once && e.count ? SRV_STORE_USED : SRV_STORE_FRESH;
    e.count++;
    v.mv_size = sizeof e;
    v.mv_data = &e;
    if (result == SRV_STORE_FRESH || !once)
        rc = mdb_put(txn, s->dbi, &k, &v, 0);
    if (rc == 0 && (atomic_fetch_add(&s->writes, 1) + 1) % SWEEP_EVERY == 0)
        sweep(txn, s->dbi, now);
    if (rc || mdb_txn_commit(txn)) {
        if (rc)
            mdb_txn_abort(txn);
        return SRV_STORE_ERROR;
    }
    if (count)
        *count = e.count;
    return result;
}

/* The file persists (and is synced on every commit): nothing is forgotten, born_at is not needed. */
static srv_store_result lmdb_use_once(srv_store *base, const char *key, int64_t born_at, int64_t expires_at)
{
    (void)born_at;
    return transact((lmdb_store *)base, key, expires_at, NULL, 1);
}

static srv_store_result lmdb_count(srv_store *base, const char *key, int64_t expires_at, int64_t *count)
{
    return transact((lmdb_store *)base, key, expires_at, count, 0);
}

static void lmdb_close(srv_store *base)
{
    lmdb_store *s = (lmdb_store *)base;
    if (s->env)
        mdb_env_close(s->env);
    free(s);
}

static const srv_store_ops lmdb_ops = {lmdb_use_once, lmdb_count, lmdb_close};

srv_store *srv_store_lmdb_open(const char *path, char *err, size_t err_size)
{
    lmdb_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    s->base.ops = &lmdb_ops;
    MDB_txn *txn = NULL;
    /* MDB_NOSUBDIR: the path is the file itself; MDB_NOTLS: a request's thread owns its transaction
     * only for the call; MDB_NOSYNC would lose used tokens on a power cut, so it is not used */
    int rc = mdb_env_create(&s->env);
    if (!rc)
        rc = mdb_env_set_mapsize(s->env, MAP_SIZE);
    if (!rc)
        rc = mdb_env_open(s->env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600);
    if (!rc)
        rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (!rc)
        rc = mdb_dbi_open(txn, NULL, 0, &s->dbi);
    if (!rc)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    if (rc) {
        snprintf(err, err_size, "token store %s: %s", path, mdb_strerror(rc));
        lmdb_close(&s->base);
        return NULL;
    }
    return &s->base;
}
