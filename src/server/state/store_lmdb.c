/* The LMDB store: one memory-mapped file that the processes of a host share safely (LMDB's own
 * lock file serialises the writers). Each value is {expires_at, count}; expired entries are
 * swept every SWEEP_EVERY writes or SWEEP_EVERY_S seconds by the writer that happens to pass, and
 * at once when the store is full (map_size_mb x 4096 entries; ENTRY_BUDGET). */
#include <lmdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/state/srv_time.h"
#include "server/state/store.h"

#define SWEEP_EVERY 512       /* writes between sweeps of expired entries, */
#define SWEEP_EVERY_S 60      /* or seconds, whichever comes first */
/* The store is full at one entry per ENTRY_BUDGET bytes of the map: an entry takes about 60
 * bytes in a leaf page, so the file is then at most half used, and LMDB (which copies every page
 * it changes) always has the free pages a sweep needs. A map filled to its last page could not
 * even delete. */
#define ENTRY_BUDGET 256

typedef struct lmdb_store {
    srv_store base;
    MDB_env *env;
    MDB_dbi dbi;
    _Atomic unsigned writes; /* paces the sweeps */
    _Atomic long long last_sweep;
    size_t max_entries;
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

static int sweep_due(lmdb_store *s, int64_t now)
{
    return (atomic_fetch_add(&s->writes, 1) + 1) % SWEEP_EVERY == 0 || now - atomic_load(&s->last_sweep) >= SWEEP_EVERY_S;
}

/* A transaction of its own that deletes every expired entry (when the map is full, the write that
 * found it full was aborted: its own transaction cannot make room). */
static int sweep_now(lmdb_store *s, int64_t now)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, 0, &txn))
        return -1;
    sweep(txn, s->dbi, now);
    atomic_store(&s->last_sweep, now);
    return mdb_txn_commit(txn) ? -1 : 0;
}

/* One write transaction: reads key's entry (expired entries read as absent), counts it, writes it
 * back. MDB_MAP_FULL when the map has no room; another LMDB error as its code. */
static int transact_once(lmdb_store *s, const char *key, int64_t expires_at, int once, entry *out,
                         srv_store_result *result)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return rc;
    int64_t now = srv_unix_s();
    MDB_val k = {strlen(key), (void *)key}, v;
    entry e = {expires_at, 0};
    rc = mdb_get(txn, s->dbi, &k, &v);
    if (rc == 0 && v.mv_size == sizeof e) {
        entry old;
        memcpy(&old, v.mv_data, sizeof old);
        if (old.expires_at >= now)
            e = old;
    } else if (rc != MDB_NOTFOUND && rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    *result = once && e.count ? SRV_STORE_USED : SRV_STORE_FRESH;
    MDB_stat st;
    if (rc == MDB_NOTFOUND && (mdb_stat(txn, s->dbi, &st) || st.ms_entries >= s->max_entries)) {
        mdb_txn_abort(txn); /* a new key, and no room for one */
        return MDB_MAP_FULL;
    }
    e.count++;
    v.mv_size = sizeof e;
    v.mv_data = &e;
    rc = 0;
    if (*result == SRV_STORE_FRESH || !once)
        rc = mdb_put(txn, s->dbi, &k, &v, 0);
    if (rc == 0 && sweep_due(s, now)) {
        sweep(txn, s->dbi, now);
        atomic_store(&s->last_sweep, now);
    }
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    if ((rc = mdb_txn_commit(txn)))
        return rc;
    *out = e;
    return 0;
}

/* A write; when the store is full, the expired entries are swept and the write tried once more.
 * A store full of live entries stays an error (SRV_STORE_ERROR: tokens and rate limits fail
 * closed). */
static srv_store_result transact(lmdb_store *s, const char *key, int64_t expires_at, int64_t *count, int once)
{
    entry e;
    srv_store_result result = SRV_STORE_ERROR;
    int rc = transact_once(s, key, expires_at, once, &e, &result);
    if (rc == MDB_MAP_FULL && sweep_now(s, srv_unix_s()) == 0)
        rc = transact_once(s, key, expires_at, once, &e, &result);
    if (rc)
        return SRV_STORE_ERROR;
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

srv_store *srv_store_lmdb_open(const char *path, size_t map_size, char *err, size_t err_size)
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
    s->max_entries = map_size / ENTRY_BUDGET;
    if (!rc)
        rc = mdb_env_set_mapsize(s->env, map_size);
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
