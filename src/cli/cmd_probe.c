/* facelive probe: sends a known image to a running service and checks the verdict and the time,
 * once or at intervals; runs an alert command when they are not what was expected. */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/commands.h"
#include "app/json_writer.h"
#include "app/program.h"

typedef struct probe_args {
    const char *url, *image, *expect, *key, *alert;
    double interval_s, max_latency_ms;
    int count, json;
} probe_args;

typedef struct probe_result {
    int ok;
    long status;
    double latency_ms;
    char decision[16];
    char why[256];
} probe_result;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: facelive probe URL --image IMG --expect real|spoof [--key KEY] [--interval S [--count N]]\n"
            "                      [--max-latency-ms MS] [--alert-command CMD] [--json]\n"
            "\n"
            "Sends IMG to URL's /v1/liveness (URL: the service or the load balancer, e.g.\n"
            "http://127.0.0.1:8080) and checks that the decision is the expected one, within the time.\n"
            "With --interval it probes every S seconds (N times; forever without --count) and runs the alert\n"
            "command (through /bin/sh, with FACELIVE_PROBE_URL, _EXPECTED, _DECISION, _STATUS, _LATENCY_MS\n"
            "and _REASON in its environment) each time a probe fails.\n"
            "\n"
            "  --key KEY            the tenant's API key (default: $FACELIVE_API_KEY)\n"
            "  --max-latency-ms MS  slower is a failure (default 2000)\n"
            "  --json               one JSON line per probe\n"
            "\nExit status: 0 every probe as expected, 1 a probe failed (unreachable, an error, another\n"
            "decision, too slow), 2 bad usage.\n");
}

static int parse(int argc, char **argv, probe_args *a)
{
    memset(a, 0, sizeof *a);
    a->key = getenv("FACELIVE_API_KEY");
    a->max_latency_ms = 2000;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--json") == 0) {
            a->json = 1;
            continue;
        }
        if (o[0] != '-') {
            if (a->url)
                return fl_usage_unknown_option("probe", o);
            a->url = o;
            continue;
        }
        if (i + 1 >= argc)
            return fl_usage_missing_value("probe", o);
        const char *v = argv[++i];
        if (strcmp(o, "--image") == 0)
            a->image = v;
        else if (strcmp(o, "--expect") == 0)
            a->expect = v;
        else if (strcmp(o, "--key") == 0)
            a->key = v;
        else if (strcmp(o, "--alert-command") == 0)
            a->alert = v;
        else if (strcmp(o, "--interval") == 0) {
            if (fl_parse_float("probe", o, v, 0.01, 86400, &a->interval_s))
                return FL_EXIT_USAGE;
        } else if (strcmp(o, "--max-latency-ms") == 0) {
            if (fl_parse_float("probe", o, v, 0.001, 3600000, &a->max_latency_ms))
                return FL_EXIT_USAGE;
        } else if (strcmp(o, "--count") == 0) {
            if (fl_parse_int("probe", o, v, 1, 1000000000, &a->count))
                return FL_EXIT_USAGE;
        } else
            return fl_usage_unknown_option("probe", o);
    }
    if (!a->url || !a->image || !a->expect || (strcmp(a->expect, "real") && strcmp(a->expect, "spoof"))) {
        fprintf(stderr, "facelive probe: URL, --image and --expect real|spoof are required\n");
        return FL_EXIT_USAGE;
    }
    if (!a->key || !*a->key) {
        fprintf(stderr, "facelive probe: give the tenant's key with --key or $FACELIVE_API_KEY\n");
        return FL_EXIT_USAGE;
    }
    if (!a->interval_s)
        a->count = 1;
    return 0;
}

typedef struct body {
    char *data;
    size_t len;
} body;

static size_t on_data(char *ptr, size_t size, size_t n, void *ctx)
{
    body *b = ctx;
    if (b->len + size * n > (1u << 20))
        return 0;
    char *grown = realloc(b->data, b->len + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, size * n);
    b->data = grown;
    b->len += size * n;
    b->data[b->len] = 0;
    return size * n;
}

/* The decision of an answer, or why there is none. */
static void read_answer(const body *b, probe_result *r)
{
    json_error_t je;
    json_t *root = b->data ? json_loads(b->data, 0, &je) : NULL;
    const char *d = json_string_value(json_object_get(root, "decision"));
    const char *code = json_string_value(json_object_get(json_object_get(root, "error"), "code"));
    if (r->status == 200 && d)
        snprintf(r->decision, sizeof r->decision, "%s", d);
    else
        snprintf(r->why, sizeof r->why, "HTTP %ld%s%s", r->status, code ? ": " : "", code ? code : "");
    json_decref(root);
}

static void probe_once(const probe_args *a, const char *endpoint, probe_result *r)
{
    memset(r, 0, sizeof *r);
    CURL *h = curl_easy_init();
    curl_mime *mime = h ? curl_mime_init(h) : NULL;
    if (!mime) {
        snprintf(r->why, sizeof r->why, "curl could not start");
        curl_easy_cleanup(h);
        return;
    }
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "image");
    curl_mime_filedata(part, a->image);
    char auth[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", a->key);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    body b = {0};
    curl_easy_setopt(h, CURLOPT_URL, endpoint);
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(a->max_latency_ms * 3 + 1000));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(h);
    double total = 0;
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &total);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    r->latency_ms = total * 1000;
    if (rc != CURLE_OK)
        snprintf(r->why, sizeof r->why, "%s", curl_easy_strerror(rc));
    else
        read_answer(&b, r);
    if (!r->why[0] && strcmp(r->decision, a->expect))
        snprintf(r->why, sizeof r->why, "decision %s, expected %s", r->decision, a->expect);
    if (!r->why[0] && r->latency_ms > a->max_latency_ms)
        snprintf(r->why, sizeof r->why, "%.0f ms, over %.0f ms", r->latency_ms, a->max_latency_ms);
    r->ok = !r->why[0];
    free(b.data);
    curl_slist_free_all(headers);
    curl_mime_free(mime);
    curl_easy_cleanup(h);
}

static void report(const probe_args *a, const probe_result *r)
{
    if (!a->json) {
        printf("%s: %s (%s, HTTP %ld, %.1f ms)%s%s\n", a->url, r->ok ? "OK" : "FAILED",
               r->decision[0] ? r->decision : "no decision", r->status, r->latency_ms, r->ok ? "" : ": ",
               r->ok ? "" : r->why);
    } else {
        jw w;
        jw_init(&w, stdout);
        jw_object(&w, NULL);
        jw_str(&w, "url", a->url);
        jw_bool(&w, "ok", r->ok);
        jw_str(&w, "expected", a->expect);
        jw_str(&w, "decision", r->decision[0] ? r->decision : NULL);
        jw_int(&w, "status", r->status);
        jw_num(&w, "latency_ms", r->latency_ms, 1);
        jw_str(&w, "reason", r->ok ? NULL : r->why);
        jw_end(&w);
    }
    fflush(stdout);
}

static void alert(const probe_args *a, const probe_result *r)
{
    char status[16], latency[32];
    snprintf(status, sizeof status, "%ld", r->status);
    snprintf(latency, sizeof latency, "%.1f", r->latency_ms);
    setenv("FACELIVE_PROBE_URL", a->url, 1);
    setenv("FACELIVE_PROBE_EXPECTED", a->expect, 1);
    setenv("FACELIVE_PROBE_DECISION", r->decision, 1);
    setenv("FACELIVE_PROBE_STATUS", status, 1);
    setenv("FACELIVE_PROBE_LATENCY_MS", latency, 1);
    setenv("FACELIVE_PROBE_REASON", r->why, 1);
    int rc = system(a->alert);
    if (rc != 0)
        fprintf(stderr, "facelive probe: the alert command exited with %d\n", rc);
}

int fl_cmd_probe(int argc, char **argv)
{
    if (fl_wants_help(argc, argv)) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    probe_args a;
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc;
    char endpoint[2048];
    size_t n = strlen(a.url);
    snprintf(endpoint, sizeof endpoint, "%s%s", a.url,
             strstr(a.url, "/v1/liveness") ? "" : n && a.url[n - 1] == '/' ? "v1/liveness" : "/v1/liveness");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "facelive probe: libcurl could not start\n");
        return FL_EXIT_ERROR;
    }
    int failed = 0;
    for (int i = 0; a.count == 0 || i < a.count; i++) {
        if (i) {
            struct timespec ts = {(time_t)a.interval_s, (long)((a.interval_s - (double)(time_t)a.interval_s) * 1e9)};
            nanosleep(&ts, NULL);
        }
        probe_result r;
        probe_once(&a, endpoint, &r);
        report(&a, &r);
        if (!r.ok) {
            failed = 1;
            if (a.alert)
                alert(&a, &r);
        }
    }
    curl_global_cleanup();
    return failed ? FL_EXIT_ERROR : FL_EXIT_OK;
}
