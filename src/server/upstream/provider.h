/* The third-party liveness provider, called over HTTP(S) with libcurl: the request body is the
 * configured template with the images filled in, the verdict is read from the configured field of
 * the JSON answer. Only the configured "real" value counts as real; the spoof value is spoof; any
 * other value is uncertain (fail closed). */
#ifndef FL_SERVER_PROVIDER_H
#define FL_SERVER_PROVIDER_H

#include "facelive/liveness.h"
#include "server/http/media.h"
#include "server/state/config.h"
#include "server/state/shared_state.h"

typedef struct srv_provider_result {
    int ok;                     /* 1: an answer with a verdict came */
    fl_decision decision;
    double score;               /* NAN when the answer has none */
    int http_status;            /* of the last attempt; 0 without an HTTP answer */
    int attempts;
    srv_provider_failure why;   /* when !ok */
    char detail[200];
} srv_provider_result;

/* One call with up to p->retries retries (after a transport error or a 5xx; never after an answer
 * that was read). Thread-safe (one curl handle per call). */
void srv_provider_call(const srv_provider *p, const char *request_id, const char *tenant, const srv_media *m,
                       srv_provider_result *out);

/* The template with {{images}}, {{image}}, {{request_id}} and {{tenant}} replaced (malloc'd). */
char *srv_provider_body(const char *tmpl, const char *request_id, const char *tenant, const srv_media *m);

#endif
