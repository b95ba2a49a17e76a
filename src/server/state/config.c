#include "server/state/config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facelive/liveness.h"

typedef struct reader {
    char *err;
    size_t err_size;
    const char *dir; /* the config file's folder: relative paths are taken from there */
    int failed;
} reader;

static void fail(reader *r, const char *fmt, ...)
{
    if (r->failed++)
        return; /* the first error is the one to fix */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->err_size, fmt, ap);
    va_end(ap);
}

/* Every key of obj must be one of the NULL-terminated allowed names. */
static void only_keys(reader *r, json_t *obj, const char *where, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (!ok)
            fail(r, "%s: unknown key \"%s\"", where, key);
    }
}

static int get_int(reader *r, json_t *obj, const char *key, long lo, long hi, int def)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return def;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        fail(r, "\"%s\" must be an integer from %ld to %ld", key, lo, hi);
        return def;
    }
    return (int)json_integer_value(v);
}

static double get_num(reader *r, json_t *obj, const char *key, double lo, double hi, double def)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return def;
    if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi) {
        fail(r, "\"%s\" must be a number from %g to %g", key, lo, hi);
        return def;
    }
    return json_number_value(v);
}

static char *get_str(reader *r, json_t *obj, const char *key, const char *def)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_string(v)) {
        fail(r, "\"%s\" must be a string", key);
        v = NULL;
    }
    const char *s = v ? json_string_value(v) : def;
    return s ? strdup(s) : NULL;
}

/* A path relative to the configuration file's folder. */
static char *get_path(reader *r, json_t *obj, const char *key, const char *def)
{
    char *p = get_str(r, obj, key, def);
    if (!p || p[0] == '/' || !r->dir)
        return p;
    size_t n = strlen(r->dir) + strlen(p) + 2;
    char *full = malloc(n);
    if (full)
        snprintf(full, n, "%s/%s", r->dir, p);
    free(p);
    return full;
}

static json_t *get_obj(reader *r, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_object(v)) {
        fail(r, "\"%s\" must be an object", key);
        return NULL;
    }
    return v;
}

static int hex_decode(const char *hex, uint8_t *out, size_t n)
{
    size_t bin_len = 0;
    const char *end = NULL;
    return strlen(hex) == 2 * n && sodium_hex2bin(out, n, hex, 2 * n, NULL, &bin_len, &end) == 0 && bin_len == n
               ? 0
               : -1;
}

/* The secret file holds 64 hex digits (32 bytes), with or without a final newline. */
static void read_secret(reader *r, const char *path, uint8_t *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(r, "token_secret_file %s: %s", path, strerror(errno));
        return;
    }
    char hex[2 * SRV_SECRET_BYTES + 2] = {0};
    size_t n = fread(hex, 1, sizeof hex - 1, f);
    fclose(f);
    while (n && isspace((unsigned char)hex[n - 1]))
        hex[--n] = 0;
    if (hex_decode(hex, out, SRV_SECRET_BYTES))
        fail(r, "token_secret_file %s must hold %d hex digits (facelive token --secret makes one)", path,
             2 * SRV_SECRET_BYTES);
}

static void read_listen(reader *r, srv_config *c, json_t *root)
{
    char *listen = get_str(r, root, "listen", "127.0.0.1:8080");
    char *colon = listen ? strrchr(listen, ':') : NULL;
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == listen || !end || *end || port < 0 || port > 65535) {
        fail(r, "\"listen\" must be HOST:PORT (an address to bind explicitly, e.g. 127.0.0.1:8080)");
        free(listen);
        return;
    }
    *colon = 0;
    c->listen_host = listen;
    c->listen_port = (int)port;
}

static void read_challenges(reader *r, srv_config *c, json_t *obj)
{
    static const char *const keys[] = {"actions", "length", "ttl_s", NULL};
    if (obj)
        only_keys(r, obj, "challenges", keys);
    c->token_ttl_s = get_int(r, obj, "ttl_s", 5, 3600, 120);
    json_t *acts = obj ? json_object_get(obj, "actions") : NULL;
    c->allowed_actions.n = 0; /* none configured: every action the library has */
    if (acts && (!json_is_array(acts) || json_array_size(acts) < 1 || json_array_size(acts) > FL_CHALLENGE_MAX)) {
        fail(r, "challenges.actions must be a list of 1 to %d action names", FL_CHALLENGE_MAX);
    } else if (acts) {
        size_t i;
        json_t *a;
        json_array_foreach(acts, i, a) {
            int id = json_is_string(a) ? fl_action_parse(json_string_value(a)) : -1;
            if (id < 0)
                fail(r, "challenges.actions[%zu] is not an action name (blink, open_mouth, turn_left, ...)", i);
            else
                c->allowed_actions.actions[c->allowed_actions.n++] = (fl_action)id;
        }
    }
    c->challenge_length = get_int(r, obj, "length", 1, FL_CHALLENGE_MAX, 3);
    if (c->allowed_actions.n == 1 && c->challenge_length > 1)
        fail(r, "challenges.length > 1 needs at least two actions (no action follows itself)");
}

static void read_store(reader *r, srv_config *c, json_t *obj)
{
    static const char *const keys[] = {"kind", "path", "map_size_mb", "host", "port", "timeout_ms", NULL};
    if (obj)
        only_keys(r, obj, "store", keys);
    c->store_kind = get_str(r, obj, "kind", "lmdb");
    if (c->store_kind && strcmp(c->store_kind, "lmdb") && strcmp(c->store_kind, "redis"))
        fail(r, "store.kind must be \"lmdb\" or \"redis\"");
    c->store_path = get_path(r, obj, "path", "facelive-store.lmdb");
    c->store_map_size_mb = get_int(r, obj, "map_size_mb", 1, 1 << 20, 256);
    c->redis_host = get_str(r, obj, "host", "127.0.0.1");
    c->redis_port = get_int(r, obj, "port", 1, 65535, 6379);
    c->redis_timeout_ms = get_int(r, obj, "timeout_ms", 1, 60000, 200);
}

static void read_limits(reader *r, srv_limits *l, json_t *obj)
{
    static const char *const keys[] = {"max_body_bytes", "max_verify_body_bytes", "max_image_bytes", "max_image_side",
                                       "max_image_pixels", "max_request_pixels", "max_verify_pixels", "max_images", "max_verify_frames", "max_video_frames",
                                       "video_decode_timeout_s", "max_json_depth",
                                       "connection_timeout_s", "header_timeout_s", "request_timeout_s", "max_connections",
                                       "max_connections_per_ip", "queue_timeout_ms", NULL};
    if (obj)
        only_keys(r, obj, "limits", keys);
    l->max_body_bytes = (size_t)get_int(r, obj, "max_body_bytes", 1024, 1 << 30, 16 << 20);
    l->max_verify_body_bytes = (size_t)get_int(r, obj, "max_verify_body_bytes", 1024, 1 << 30, 64 << 20);
    l->max_image_bytes = (size_t)get_int(r, obj, "max_image_bytes", 1024, 1 << 30, 4 << 20);
    l->max_image_side = get_int(r, obj, "max_image_side", 16, 16384, 4096);
    l->max_image_pixels = (uint32_t)get_int(r, obj, "max_image_pixels", 256, 1 << 28, 4096 * 4096);
    l->max_request_pixels = (uint64_t)get_num(r, obj, "max_request_pixels", 256, 1e10, 4096.0 * 4096);
    l->max_verify_pixels = (uint64_t)get_num(r, obj, "max_verify_pixels", 256, 1e11, 300.0 * 1280 * 720);
    l->max_images = get_int(r, obj, "max_images", 1, FL_SILENT_MAX_FRAMES, 5);
    l->max_verify_frames = get_int(r, obj, "max_verify_frames", 1, 2000, 300);
    l->max_video_frames = get_int(r, obj, "max_video_frames", 1, 100000, 1800);
    l->video_decode_timeout_s = get_int(r, obj, "video_decode_timeout_s", 1, 600, 10);
    l->max_json_depth = get_int(r, obj, "max_json_depth", 2, 64, 8);
    l->connection_timeout_s = get_int(r, obj, "connection_timeout_s", 1, 3600, 15);
    l->header_timeout_s = get_int(r, obj, "header_timeout_s", 1, 3600, 10);
    l->request_timeout_s = get_int(r, obj, "request_timeout_s", 1, 3600, 30);
    l->max_connections = get_int(r, obj, "max_connections", 1, 10000, 128);
    l->max_connections_per_ip = get_int(r, obj, "max_connections_per_ip", 0, 10000, 0);
    l->queue_timeout_ms = get_int(r, obj, "queue_timeout_ms", 0, 600000, 2000);
}

static unsigned read_escalation(reader *r, json_t *list)
{
    static const char *const names[] = {"spoof", "uncertain", "error", "overload"};
    if (!list)
        return SRV_ESCALATE_SPOOF | SRV_ESCALATE_UNCERTAIN | SRV_ESCALATE_ERROR | SRV_ESCALATE_OVERLOAD;
    unsigned flags = 0;
    size_t i;
    json_t *v;
    if (!json_is_array(list))
        fail(r, "provider.escalate must be a list");
    json_array_foreach(list, i, v) {
        int found = 0;
        for (unsigned k = 0; k < 4; k++)
            if (json_is_string(v) && strcmp(json_string_value(v), names[k]) == 0) {
                flags |= 1u << k;
                found = 1;
            }
        if (!found)
            fail(r, "provider.escalate[%zu] must be one of spoof, uncertain, error, overload", i);
    }
    return flags;
}

static void read_provider(reader *r, srv_provider *p, json_t *obj)
{
    static const char *const keys[] = {"url", "headers", "request_template", "verdict_field", "score_field",
                                       "real_value", "spoof_value", "timeout_ms", "retries", "escalate",
                                       "circuit_failures", "circuit_open_ms", NULL};
    memset(p, 0, sizeof *p);
    if (obj)
        only_keys(r, obj, "provider", keys);
    p->url = get_str(r, obj, "url", NULL);
    json_t *h = obj ? json_object_get(obj, "headers") : NULL;
    if (h && (!json_is_array(h) || json_array_size(h) > SRV_MAX_HEADERS))
        fail(r, "provider.headers must be a list of at most %d \"Name: value\" strings", SRV_MAX_HEADERS);
    else if (h) {
        size_t i;
        json_t *v;
        json_array_foreach(h, i, v) {
            if (!json_is_string(v) || !strchr(json_string_value(v), ':') || strpbrk(json_string_value(v), "\r\n"))
                fail(r, "provider.headers[%zu] must be one \"Name: value\" line", i);
            else
                p->headers[p->n_headers++] = strdup(json_string_value(v));
        }
    }
    p->request_template = get_str(r, obj, "request_template", "{\"images\": {{images}}, \"request_id\": \"{{request_id}}\"}");
    p->verdict_field = get_str(r, obj, "verdict_field", "decision");
    p->score_field = get_str(r, obj, "score_field", NULL);
    p->real_value = get_str(r, obj, "real_value", "real");
    p->spoof_value = get_str(r, obj, "spoof_value", "spoof");
    p->timeout_ms = get_int(r, obj, "timeout_ms", 10, 120000, 3000);
    p->retries = get_int(r, obj, "retries", 0, 5, 1);
    p->escalate = read_escalation(r, obj ? json_object_get(obj, "escalate") : NULL);
    p->circuit_failures = get_int(r, obj, "circuit_failures", 1, 1000, 5);
    p->circuit_open_ms = get_int(r, obj, "circuit_open_ms", 10, 3600000, 10000);
    if (p->url && strncmp(p->url, "http://", 7) && strncmp(p->url, "https://", 8))
        fail(r, "provider.url must start with http:// or https://");
}

int srv_tenant_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SRV_TENANT_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

static void read_tenants(reader *r, srv_config *c, json_t *list)
{
    static const char *const keys[] = {"name", "key_sha256", "rate_per_minute", NULL};
    if (!list || !json_is_array(list) || json_array_size(list) < 1 || json_array_size(list) > SRV_MAX_TENANTS) {
        fail(r, "\"tenants\" must list 1 to %d tenants (facelive token --tenant NAME makes an entry)", SRV_MAX_TENANTS);
        return;
    }
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) {
        srv_tenant *x = &c->tenants[c->n_tenants];
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *hash = json_string_value(json_object_get(t, "key_sha256"));
        if (!json_is_object(t) || !name || !srv_tenant_name_valid(name)) {
            fail(r, "tenants[%zu].name must be 1-%d characters of A-Z a-z 0-9 _ -", i, SRV_TENANT_NAME_MAX - 1);
            continue;
        }
        only_keys(r, t, "tenants[]", keys);
        if (!hash || hex_decode(hash, x->key_sha256, 32))
            fail(r, "tenants[%zu].key_sha256 must be 64 hex digits", i);
        if (srv_config_tenant_index(c, name) >= 0)
            fail(r, "tenants[%zu]: tenant \"%s\" is listed twice", i, name);
        snprintf(x->name, sizeof x->name, "%s", name);
        x->rate_per_minute = get_int(r, t, "rate_per_minute", 0, 10000000, 0);
        c->n_tenants++;
    }
}

/* The folder served at /demo/ (the web page): resolved once here, so that every file served is
 * checked against the real folder, whatever links lead to it. */
static void read_web_root(reader *r, srv_config *c, json_t *root)
{
    char *given = get_path(r, root, "web_root", NULL);
    struct stat st;
    if (!given)
        return;
    if (stat(given, &st) != 0 || !S_ISDIR(st.st_mode) || !(c->web_root = realpath(given, NULL)))
        fail(r, "\"web_root\" %s is not a folder that can be read", given);
    free(given);
}

static void read_root(reader *r, srv_config *c, json_t *root)
{
    static const char *const keys[] = {"mode", "listen", "workers", "inference_slots", "shutdown_deadline_s", "models",
                                       "model_list", "threshold", "detect_size", "decode_min_side", "token_secret_file", "challenges",
                                       "store", "log", "audit_dir", "audit_retention_s", "audit_max_mb",
                                       "metrics_key_sha256", "limits", "provider",
                                       "tenants", "web_root", NULL};
    only_keys(r, root, "configuration", keys);
    char *mode = get_str(r, root, "mode", "service");
    if (mode && strcmp(mode, "service") && strcmp(mode, "adapter"))
        fail(r, "\"mode\" must be \"service\" or \"adapter\"");
    c->adapter = mode && strcmp(mode, "adapter") == 0;
    free(mode);
    read_listen(r, c, root);
    c->workers = get_int(r, root, "workers", 0, 256, 0);
    c->inference_slots = get_int(r, root, "inference_slots", 1, 64, 2);
    c->shutdown_deadline_s = get_int(r, root, "shutdown_deadline_s", 1, 600, 20);
    c->models_dir = get_path(r, root, "models", NULL);
    c->model_list = get_path(r, root, "model_list", NULL);
    c->threshold = (float)get_num(r, root, "threshold", 0.0, 1.0, 0.0);
    c->detect_size = get_int(r, root, "detect_size", 0, 4096, 0);
    /* 480: the data's images decoded so gave the same error rates as at full size (docs/cost.md) */
    c->decode_min_side = get_int(r, root, "decode_min_side", 0, 16384, 480);
    char *secret = get_path(r, root, "token_secret_file", NULL);
    if (!secret)
        fail(r, "\"token_secret_file\" is required (facelive token --secret > FILE makes one)");
    else
        read_secret(r, secret, c->secret);
    free(secret);
    read_challenges(r, c, get_obj(r, root, "challenges"));
    read_store(r, c, get_obj(r, root, "store"));
    c->log_path = get_path(r, root, "log", NULL);
    c->audit_dir = get_path(r, root, "audit_dir", NULL);
    c->audit_retention_s = get_int(r, root, "audit_retention_s", 60, 365 * 86400, 7 * 86400);
    c->audit_max_mb = get_int(r, root, "audit_max_mb", 1, 1 << 24, 1024);
    char *metrics_hash = get_str(r, root, "metrics_key_sha256", NULL);
    if (metrics_hash && hex_decode(metrics_hash, c->metrics_key_sha256, 32))
        fail(r, "metrics_key_sha256 must be 64 hex digits (facelive token --hash KEY)");
    c->has_metrics_key = metrics_hash != NULL;
    free(metrics_hash);
    read_limits(r, &c->limits, get_obj(r, root, "limits"));
    read_provider(r, &c->provider, get_obj(r, root, "provider"));
    read_tenants(r, c, json_object_get(root, "tenants"));
    read_web_root(r, c, root);
    if (c->adapter && !c->provider.url)
        fail(r, "\"mode\": \"adapter\" needs provider.url (it answers through the provider only)");
}

int srv_config_load(const char *path, srv_config *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_object(root)) {
        if (root)
            snprintf(err, err_size, "%s: the configuration must be a JSON object", path);
        else
            snprintf(err, err_size, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        json_decref(root);
        return -1;
    }
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash)
        *slash = 0;
    reader r = {err, err_size, slash ? dir : NULL, 0};
    out->path = strdup(path);
    read_root(&r, out, root);
    free(dir);
    json_decref(root);
    if (r.failed) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", err);
        snprintf(err, err_size, "%s: %s", path, msg);
        srv_config_free(out);
        return -1;
    }
    return 0;
}

void srv_config_free(srv_config *c)
{
    free(c->path);
    free(c->listen_host);
    free(c->models_dir);
    free(c->model_list);
    free(c->store_kind);
    free(c->store_path);
    free(c->redis_host);
    free(c->log_path);
    free(c->audit_dir);
    free(c->web_root);
    srv_provider *p = &c->provider;
    free(p->url);
    for (int i = 0; i < p->n_headers; i++)
        free(p->headers[i]);
    free(p->request_template);
    free(p->verdict_field);
    free(p->score_field);
    free(p->real_value);
    free(p->spoof_value);
    memset(c, 0, sizeof *c);
}

fl_silent_options srv_config_silent_options(const srv_config *c)
{
    fl_silent_options so = fl_silent_options_default();
    fl_silent_options_set_threshold(&so, c->threshold);
    return so;
}

int srv_config_find_tenant(const srv_config *c, const char *key, size_t key_len)
{
    uint8_t h[32];
    crypto_hash_sha256(h, (const unsigned char *)key, key_len);
    int found = -1;
    for (int i = 0; i < c->n_tenants; i++) /* every tenant is compared: the time says nothing */
        if (sodium_memcmp(h, c->tenants[i].key_sha256, 32) == 0)
            found = i;
    return found;
}

int srv_config_is_metrics_key(const srv_config *c, const char *key, size_t key_len)
{
    uint8_t h[32];
    crypto_hash_sha256(h, (const unsigned char *)key, key_len);
    return c->has_metrics_key && sodium_memcmp(h, c->metrics_key_sha256, 32) == 0;
}

int srv_config_tenant_index(const srv_config *c, const char *name)
{
    for (int i = 0; i < c->n_tenants; i++)
        if (strcmp(c->tenants[i].name, name) == 0)
            return i;
    return -1;
}
