#include "server/upstream/provider.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ANSWER (1u << 20) /* a verdict fits in far less; a bigger answer is refused */

static void put_base64(FILE *f, const srv_media_item *it)
{
    size_t n = sodium_base64_ENCODED_LEN(it->len, sodium_base64_VARIANT_ORIGINAL);
    char *b = malloc(n);
    if (!b)
        return;
    sodium_bin2base64(b, n, it->bytes, it->len, sodium_base64_VARIANT_ORIGINAL);
    fputs(b, f);
    free(b);
}

char *srv_provider_body(const char *tmpl, const char *request_id, const char *tenant, const srv_media *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "{{images}}", 10) == 0) {
            fputc('[', f);
            for (int i = 0; i < m->n; i++) {
                fputs(i ? ", \"" : "\"", f);
                put_base64(f, &m->items[i]);
                fputc('"', f);
            }
            fputc(']', f);
            p += 10;
        } else if (strncmp(p, "{{image}}", 9) == 0) {
            if (m->n)
                put_base64(f, &m->items[0]);
            p += 9;
        } else if (strncmp(p, "{{request_id}}", 14) == 0) {
            fputs(request_id, f); /* [A-Za-z0-9._-] only: checked where it is made */
            p += 14;
        } else if (strncmp(p, "{{tenant}}", 10) == 0) {
            fputs(tenant, f);     /* [A-Za-z0-9_-] only: checked in the configuration */
            p += 10;
        } else {
            fputc(*p++, f);
        }
    }
    fclose(f);
    return buf;
}

typedef struct answer {
    char *data;
    size_t len;
    int too_big;
} answer;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    answer *a = ctx;
    size_t n = size * nmemb;
    if (a->len + n > MAX_ANSWER) {
        a->too_big = 1;
        return 0; /* makes curl stop with a write error */
    }
    char *grown = realloc(a->data, a->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + a->len, ptr, n);
    a->data = grown;
    a->len += n;
    a->data[a->len] = 0;
    return n;
}

/* The value at a dotted path ("result.decision") of a JSON object. */
static json_t *at_path(json_t *root, const char *path)
{
    char key[128];
    json_t *v = root;
    while (v && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = 0;
        v = json_is_object(v) ? json_object_get(v, key) : NULL;
        path += n + (path[n] == '.');
    }
    return v;
}

static void read_answer(const srv_provider *p, const answer *a, srv_provider_result *out)
{
    json_error_t je;
    json_t *root = json_loadb(a->data ? a->data : "", a->len, 0, &je);
    json_t *v = root ? at_path(root, p->verdict_field) : NULL;
    if (!json_is_string(v)) {
        out->why = SRV_PF_RESPONSE;
        snprintf(out->detail, sizeof out->detail, "the answer has no string at \"%s\"", p->verdict_field);
    } else {
        const char *s = json_string_value(v);
        out->ok = 1;
        out->decision = strcmp(s, p->real_value) == 0    ? FL_DECISION_REAL
                        : strcmp(s, p->spoof_value) == 0 ? FL_DECISION_SPOOF
                                                         : FL_DECISION_UNCERTAIN;
        json_t *score = p->score_field ? at_path(root, p->score_field) : NULL;
        out->score = json_is_number(score) ? json_number_value(score) : NAN;
    }
    json_decref(root);
}

/* One attempt; returns 1 when it is worth retrying (no answer, or a 5xx). */
static int attempt(const srv_provider *p, const char *body, srv_provider_result *out)
{
    CURL *h = curl_easy_init();
    if (!h) {
        out->why = SRV_PF_TIMEOUT;
        snprintf(out->detail, sizeof out->detail, "curl could not start");
        return 0;
    }
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    for (int i = 0; i < p->n_headers; i++)
        headers = curl_slist_append(headers, p->headers[i]);
    answer a = {0};
    curl_easy_setopt(h, CURLOPT_URL, p->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)p->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    out->http_status = (int)status;
    int retry = 0;
    if (rc != CURLE_OK) {
        out->why = SRV_PF_TIMEOUT;
        snprintf(out->detail, sizeof out->detail, "%s", a.too_big ? "the answer is larger than 1 MiB" : curl_easy_strerror(rc));
        retry = !a.too_big;
    } else if (status < 200 || status > 299) {
        out->why = SRV_PF_HTTP;
        snprintf(out->detail, sizeof out->detail, "the provider answered HTTP %ld", status);
        retry = status >= 500;
    } else {
        read_answer(p, &a, out);
    }
    free(a.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return retry;
}

void srv_provider_call(const srv_provider *p, const char *request_id, const char *tenant, const srv_media *m,
                       srv_provider_result *out)
{
    memset(out, 0, sizeof *out);
    out->score = NAN;
    char *body = srv_provider_body(p->request_template, request_id, tenant, m);
    if (!body) {
        out->why = SRV_PF_TIMEOUT;
        snprintf(out->detail, sizeof out->detail, "out of memory");
        return;
    }
    for (int i = 0; i <= p->retries; i++) {
        out->attempts++;
        if (!attempt(p, body, out))
            break;
    }
    free(body);
}
