/* The service's configuration: one JSON file (docs/server.md describes every key), read by the
 * master at start and on SIGHUP, and inherited by the workers it forks. Every key has a default
 * except the token secret, and an unknown key is an error (a typo must not silently fall back to
 * a default). */
#ifndef FL_SERVER_CONFIG_H
#define FL_SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "facelive/liveness.h"
#include "facelive/session.h"

#define SRV_MAX_TENANTS 64
#define SRV_TENANT_NAME_MAX 32
#define SRV_MAX_HEADERS 8
#define SRV_SECRET_BYTES 32

typedef struct srv_tenant {
    char name[SRV_TENANT_NAME_MAX];  /* [A-Za-z0-9_-], also in tokens and metrics labels */
    uint8_t key_sha256[32];          /* the API key is never stored, only its hash */
    int rate_per_minute;             /* 0: unlimited */
} srv_tenant;

typedef enum srv_escalation { /* bit flags: which local answers go to the provider */
    SRV_ESCALATE_SPOOF = 1,
    SRV_ESCALATE_UNCERTAIN = 2,
    SRV_ESCALATE_ERROR = 4,    /* the local engine failed (a model or decode error of our own) */
    SRV_ESCALATE_OVERLOAD = 8, /* no inference slot free within queue_timeout_ms */
    SRV_ESCALATE_UNAVAILABLE = 16 /* no local engine at all (adapter mode): always escalated */
} srv_escalation;

#define SRV_N_ESCALATIONS 5

typedef struct srv_provider {
    char *url;                       /* NULL: no provider; local answers are final */
    char *headers[SRV_MAX_HEADERS];  /* "Authorization: Bearer ..." */
    int n_headers;
    char *request_template;          /* {{images}}: JSON array of base64 strings; {{image}}: the first;
                                        {{request_id}}; {{tenant}} */
    char *verdict_field;             /* dotted path in the answer: "result.decision" */
    char *score_field;               /* optional dotted path to a number */
    char *real_value, *spoof_value;  /* the verdict field's values for real and spoof; any other is uncertain */
    int timeout_ms, retries;
    unsigned escalate;               /* srv_escalation flags */
    int circuit_failures;            /* consecutive failures that open the circuit */
    int circuit_open_ms;             /* how long it stays open before one probe is let through */
} srv_provider;

typedef struct srv_limits {
    size_t max_body_bytes;           /* /v1/liveness */
    size_t max_verify_body_bytes;    /* /v1/challenges/{token}/verify */
    size_t max_image_bytes;
    int max_image_side;
    uint32_t max_image_pixels;
    uint64_t max_request_pixels;     /* /v1/liveness: all images of a request together */
    uint64_t max_verify_pixels;      /* verify: all image frames of a request together */
    int max_images;                  /* per /v1/liveness request, 1..FL_SILENT_MAX_FRAMES */
    int max_verify_frames;
    int max_video_frames;            /* decoded frames of a verify video, before sampling */
    int video_decode_timeout_s;      /* decoding a verify video, all frames */
    int max_json_depth;
    int connection_timeout_s;        /* idle connection */
    int header_timeout_s;            /* a request's headers, from the connection's start */
    int request_timeout_s;           /* a whole request's upload (slow clients) */
    int max_connections;             /* per worker */
    int max_connections_per_ip;
    int queue_timeout_ms;            /* wait for an inference slot before "overloaded" */
} srv_limits;

typedef struct srv_config {
    char *path;                      /* the file it was read from */
    int adapter;                     /* "mode": "adapter": no models; /v1/liveness goes to the provider
                                        (the backup route a load balancer uses when every backend is down) */
    char *listen_host;
    int listen_port;
    int workers;                     /* 0: one per core */
    int inference_slots;             /* concurrent inferences per worker */
    int shutdown_deadline_s;
    char *models_dir, *model_list;   /* model_list NULL: the library's default */
    char *web_root;                  /* the folder served at /demo/ (its real path); NULL: none */
    float threshold;                 /* 0: the library's default */
    int detect_size;                 /* 0: the library's default */
    int decode_min_side;             /* /v1/liveness JPEGs decoded at 1/2..1/8 while the shorter side
                                        stays at least this (fl_image_decode_reduced); 0: full size */
    uint8_t secret[SRV_SECRET_BYTES];/* HMAC key of the challenge tokens, shared by every host */
    int token_ttl_s;
    fl_challenge allowed_actions;    /* the actions a challenge draws from; n 0: every action the library has */
    int challenge_length;
    char *store_kind;                /* "lmdb" or "redis" */
    char *store_path;                /* lmdb: the file */
    int store_map_size_mb;           /* lmdb: the most the file may hold */
    char *redis_host;
    int redis_port, redis_timeout_ms;
    char *log_path;                  /* NULL: standard output */
    char *audit_dir;                 /* NULL: images are never stored */
    int audit_retention_s;
    int audit_max_mb;                /* the audit folder's cap; the oldest files go first */
    uint8_t metrics_key_sha256[32];  /* /metrics needs this key when has_metrics_key; without one it */
    int has_metrics_key;             /* is answered without the per-tenant series */
    srv_limits limits;
    srv_provider provider;
    srv_tenant tenants[SRV_MAX_TENANTS];
    int n_tenants;
} srv_config;

/* Reads and checks path; on failure writes a message naming the key to err and returns -1. */
int srv_config_load(const char *path, srv_config *out, char *err, size_t err_size);
void srv_config_free(srv_config *c);
/* The tenant whose key hash equals sha256(key), compared in constant time against every tenant;
 * -1 when none. */
/* The silent check's options: the library's defaults with the configured threshold (the library's
 * rule, fl_silent_options_set_threshold). */
fl_silent_options srv_config_silent_options(const srv_config *c);
int srv_config_find_tenant(const srv_config *c, const char *key, size_t key_len);
int srv_config_tenant_index(const srv_config *c, const char *name);
/* 1 when key is the configured metrics key (constant time). */
int srv_config_is_metrics_key(const srv_config *c, const char *key, size_t key_len);
/* 1 when name can name a tenant: 1 to SRV_TENANT_NAME_MAX - 1 characters of A-Z a-z 0-9 _ - (it
 * appears in tokens, logs and metric labels). */
int srv_tenant_name_valid(const char *name);

#endif
