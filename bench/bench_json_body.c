/*
 * bench_json_body IMAGE [RUNS]: what parsing a /v1/liveness JSON body costs, with the long base64
 * strings lifted out before jansson reads it (the service's way, src/server/http/json_lift.h) and
 * with jansson reading the whole body (the way before), alternating run by run, for a body of one
 * image and of five. Prints one JSON object: {"<n>img": {"jansson_ms", "lifted_ms", "ratio"},
 * "body_bytes_1img", "runs"} with medians.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/http/json_lift.h"
#include "server/http/media.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* {"images": ["<base64>", ... n times]} */
static char *json_body(const uint8_t *img, size_t size, int n, size_t *len)
{
    const size_t b64 = sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL);
    char *body = malloc(16 + (size_t)n * (b64 + 4));
    if (!body)
        return NULL;
    char *w = body + sprintf(body, "{\"images\": [");
    for (int i = 0; i < n; i++) {
        w += sprintf(w, "%s\"", i ? ", " : "");
        sodium_bin2base64(w, b64, img, size, sodium_base64_VARIANT_ORIGINAL);
        w += strlen(w);
        *w++ = '"';
    }
    w += sprintf(w, "]}");
    *len = (size_t)(w - body);
    return body;
}

/* The medians of parsing body with jansson alone and lifted, alternating. */
static int measure(const char *body, size_t len, int runs, double out[2])
{
    const srv_limits l = {.max_image_bytes = 64u << 20, .max_json_depth = 8};
    double *t = malloc(2 * (size_t)runs * sizeof *t);
    if (!t)
        return -1;
    for (int r = 0; r < runs; r++)
        for (int k = 0; k < 2; k++) {
            srv_media m;
            double t0 = now_ms();
            srv_error e = srv_media_parse_json(body, len, SRV_MEDIA_IMAGES, 5, &l, k ? SRV_LIFT_MIN : SIZE_MAX, &m);
            t[k * runs + r] = now_ms() - t0;
            srv_media_free(&m);
            if (e) {
                fprintf(stderr, "bench_json_body: the body did not parse: %s\n", m.detail);
                free(t);
                return -1;
            }
        }
    for (int k = 0; k < 2; k++) {
        qsort(t + k * runs, (size_t)runs, sizeof *t, by_value);
        out[k] = t[k * runs + runs / 2];
    }
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    const int runs = argc > 2 ? atoi(argv[2]) : 200;
    if (argc < 2 || runs < 1 || runs > 100000 || sodium_init() < 0) {
        fprintf(stderr, "usage: bench_json_body IMAGE [RUNS]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    uint8_t *img = malloc(64u << 20);
    size_t size = f && img ? fread(img, 1, 64u << 20, f) : 0;
    if (f)
        fclose(f);
    if (!size) {
        fprintf(stderr, "bench_json_body: cannot read %s\n", argv[1]);
        free(img);
        return 1;
    }
    printf("{");
    for (int n = 1; n <= 5; n += 4) {
        size_t len;
        char *body = json_body(img, size, n, &len);
        double ms[2];
        if (!body || measure(body, len, runs, ms)) {
            free(body);
            free(img);
            return 1;
        }
        printf("\"%dimg\": {\"jansson_ms\": %.4f, \"lifted_ms\": %.4f, \"ratio\": %.3f}, ", n, ms[0], ms[1],
               ms[1] / ms[0]);
        if (n == 1)
            printf("\"body_bytes_1img\": %zu, ", len);
        free(body);
    }
    printf("\"runs\": %d}\n", runs);
    free(img);
    return 0;
}
