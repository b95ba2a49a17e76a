/* The Redis store, for several hosts: a used token is `SET key 1 NX EXAT expiry` (answered nil when
 * the key exists), a counter is INCR then EXPIREAT in one MULTI. Connections are kept in a small
 * pool; one that failed is dropped, and a new one is made for the next call. Every Redis error or
 * timeout is SRV_STORE_ERROR: the caller refuses the token. */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/state/srv_time.h"
#include "server/state/store.h"

#define POOL_MAX 16

typedef struct redis_store {
    srv_store base;
    char host[256];
    int port;
    struct timeval timeout;
    pthread_mutex_t lock;
    redisContext *idle[POOL_MAX];
    int n_idle;
} redis_store;

static redisContext *take(redis_store *s)
{
    redisContext *c = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->n_idle)
        c = s->idle[--s->n_idle];
    pthread_mutex_unlock(&s->lock);
    if (c)
        return c;
    c = redisConnectWithTimeout(s->host, s->port, s->timeout);
    if (!c || c->err || redisSetTimeout(c, s->timeout) != REDIS_OK) {
        if (c)
            redisFree(c);
        return NULL;
    }
    return c;
}

/* Back to the pool when healthy; freed after an error (its state is unknown). */
static void give_back(redis_store *s, redisContext *c, int ok)
{
    if (ok) {
        pthread_mutex_lock(&s->lock);
        if (s->n_idle < POOL_MAX) {
            s->idle[s->n_idle++] = c;
            c = NULL;
        }
        pthread_mutex_unlock(&s->lock);
    }
    if (c)
        redisFree(c);
}

/* When Redis started, from INFO's uptime_in_seconds; -1 when the reply does not say. */
static int64_t started_at(const redisReply *info)
{
    const char *u = info && info->type == REDIS_REPLY_STRING ? strstr(info->str, "uptime_in_seconds:") : NULL;
    return u ? srv_unix_s() - strtoll(u + 18, NULL, 10) : -1;
}

/* SET NX and INFO server in one round trip: a Redis that started after the token was issued may
 * have lost the mark of an earlier use (it keeps no file unless configured to), so such a token is
 * refused however SET answered. */
static srv_store_result use_once_on(redis_store *s, redisContext *c, const char *key, int64_t born_at,
                                    int64_t expires_at)
{
    redisReply *set = NULL, *info = NULL;
    int ok = redisAppendCommand(c, "SET %s 1 NX EXAT %lld", key, (long long)expires_at) == REDIS_OK &&
             redisAppendCommand(c, "INFO server") == REDIS_OK && redisGetReply(c, (void **)&set) == REDIS_OK &&
             redisGetReply(c, (void **)&info) == REDIS_OK;
    srv_store_result result = SRV_STORE_ERROR;
    int64_t start = ok ? started_at(info) : -1;
    if (!ok || start < 0)
        result = SRV_STORE_ERROR;
    else if (start > born_at - 2) /* 2 s: the hosts' clocks and uptime's one-second steps */
        result = SRV_STORE_FORGOT;
    else if (set && set->type == REDIS_REPLY_STATUS && strcmp(set->str, "OK") == 0)
        result = SRV_STORE_FRESH;
    else if (set && set->type == REDIS_REPLY_NIL)
        result = SRV_STORE_USED;
    if (set)
        freeReplyObject(set);
    if (info)
        freeReplyObject(info);
    give_back(s, c, ok);
    return result;
}

static srv_store_result count_on(redis_store *s, redisContext *c, const char *key, int64_t expires_at, int64_t *count)
{
    int ok = redisAppendCommand(c, "MULTI") == REDIS_OK && redisAppendCommand(c, "INCR %s", key) == REDIS_OK &&
             redisAppendCommand(c, "EXPIREAT %s %lld", key, (long long)expires_at) == REDIS_OK &&
             redisAppendCommand(c, "EXEC") == REDIS_OK;
    redisReply *replies[4] = {0};
    for (int i = 0; i < 4 && ok; i++)
        ok = redisGetReply(c, (void **)&replies[i]) == REDIS_OK && replies[i] &&
             replies[i]->type != REDIS_REPLY_ERROR;
    redisReply *exec = replies[3];
    ok = ok && exec->type == REDIS_REPLY_ARRAY && exec->elements == 2 &&
         exec->element[0]->type == REDIS_REPLY_INTEGER;
    if (ok)
        *count = exec->element[0]->integer;
    for (int i = 0; i < 4; i++)
        if (replies[i])
            freeReplyObject(replies[i]);
    give_back(s, c, ok);
    return ok ? SRV_STORE_FRESH : SRV_STORE_ERROR;
}

/* A pooled connection may be dead (Redis restarted since it was made): on failure, the pool is
 * emptied and the call made once more on a new connection. */
static void drop_idle(redis_store *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->n_idle)
        redisFree(s->idle[--s->n_idle]);
    pthread_mutex_unlock(&s->lock);
}

/* The arguments of either call, so that one retry loop serves both. */
typedef struct call {
    const char *key;
    int64_t born_at, expires_at;
    int64_t *count; /* NULL: use_once */
} call;

static srv_store_result with_retry(redis_store *s, const call *a)
{
    srv_store_result r = SRV_STORE_ERROR;
    for (int attempt = 0; attempt < 2 && r == SRV_STORE_ERROR; attempt++) {
        redisContext *c = take(s);
        if (!c)
            break;
        r = a->count ? count_on(s, c, a->key, a->expires_at, a->count)
                     : use_once_on(s, c, a->key, a->born_at, a->expires_at);
        if (r == SRV_STORE_ERROR)
            drop_idle(s);
    }
    return r;
}

static srv_store_result redis_use_once(srv_store *base, const char *key, int64_t born_at, int64_t expires_at)
{
    call a = {key, born_at, expires_at, NULL};
    return with_retry((redis_store *)base, &a);
}

static srv_store_result redis_count(srv_store *base, const char *key, int64_t expires_at, int64_t *count)
{
    call a = {key, 0, expires_at, count};
    return with_retry((redis_store *)base, &a);
}

static void redis_close(srv_store *base)
{
    redis_store *s = (redis_store *)base;
    for (int i = 0; i < s->n_idle; i++)
        redisFree(s->idle[i]);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const srv_store_ops redis_ops = {redis_use_once, redis_count, redis_close};

srv_store *srv_store_redis_open(const char *host, int port, int timeout_ms, char *err, size_t err_size)
{
    redis_store *s = calloc(1, sizeof *s);
    if (!s || strlen(host) >= sizeof s->host) {
        snprintf(err, err_size, "redis store: %s", s ? "host name too long" : "out of memory");
        free(s);
        return NULL;
    }
    s->base.ops = &redis_ops;
    snprintf(s->host, sizeof s->host, "%s", host);
    s->port = port;
    s->timeout.tv_sec = timeout_ms / 1000;
    s->timeout.tv_usec = (timeout_ms % 1000) * 1000;
    pthread_mutex_init(&s->lock, NULL);
    /* Not connected yet: a worker starts (and answers /healthz) while Redis is down, and refuses
     * tokens until it is back. */
    return &s->base;
}
