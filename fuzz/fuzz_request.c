/* Fuzz target: the service's request parsing — a JSON or multipart body (images with boxes, or
 * frames with their times) and a challenge token. The first byte picks what the rest is:
 *   bit 0-1: 0 JSON body, 1 multipart body (boundary "fLb"), 2 a token, 3 a multipart boundary
 *            header value;  bit 2: images (0) or frames (1). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/media.h"
#include "server/http/multipart.h"
#include "server/state/token.h"

static const srv_limits limits = {
    .max_body_bytes = 1 << 20, .max_verify_body_bytes = 1 << 20, .max_image_bytes = 64 << 10,
    .max_image_side = 4096, .max_image_pixels = 1 << 22, .max_images = 5, .max_verify_frames = 50,
    .max_json_depth = 8,
};

static void parse_body(const char *ctype, const uint8_t *data, size_t size, srv_media_kind kind)
{
    srv_media m;
    if (srv_media_parse(ctype, (const char *)data, size, kind, kind == SRV_MEDIA_FRAMES ? 50 : 5, &limits, &m) == SRV_OK) {
        for (int i = 0; i < m.n; i++) /* every item must point at readable bytes */
            if (m.items[i].len)
                (void)*(volatile const uint8_t *)&m.items[i].bytes[m.items[i].len - 1];
        srv_media_free(&m);
    }
}

/* A JSON body means the same with its long base64 strings lifted out (server/http/json_lift.h) as
 * read by jansson alone: the same status and detail, the same images, boxes and times. Lifting from
 * 4 characters reaches it with the fuzzer's small inputs. */
static void compare_lifting(const uint8_t *data, size_t size, srv_media_kind kind)
{
    srv_media a, b;
    const int max = kind == SRV_MEDIA_FRAMES ? 50 : 5;
    srv_error ea = srv_media_parse_json((const char *)data, size, kind, max, &limits, SIZE_MAX, &a);
    srv_error eb = srv_media_parse_json((const char *)data, size, kind, max, &limits, 4, &b);
    if (ea != eb || strcmp(a.detail, b.detail) != 0 || (!ea && (a.n != b.n || a.mirrored != b.mirrored)))
        abort();
    for (int i = 0; !ea && i < a.n; i++) {
        const srv_media_item *x = &a.items[i], *y = &b.items[i];
        if (x->len != y->len || memcmp(x->bytes, y->bytes, x->len) != 0 || x->has_box != y->has_box ||
            memcmp(x->box, y->box, sizeof x->box) != 0 || x->t != y->t)
            abort();
    }
    srv_media_free(&a);
    srv_media_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    srv_media_kind kind = (mode & 4) ? SRV_MEDIA_FRAMES : SRV_MEDIA_IMAGES;
    switch (mode & 3) {
    case 0:
        parse_body("application/json", data, size, kind);
        compare_lifting(data, size, kind);
        break;
    case 1: parse_body("multipart/form-data; boundary=fLb", data, size, kind); break;
    case 2: {
        static const uint8_t secret[SRV_SECRET_BYTES] = {1, 2, 3};
        srv_token t;
        (void)srv_token_open(secret, (const char *)data, size, &t);
        break;
    }
    default: {
        char *ctype = malloc(size + 1), boundary[80];
        if (!ctype)
            return 0;
        memcpy(ctype, data, size);
        ctype[size] = 0;
        (void)mp_boundary(ctype, boundary, sizeof boundary);
        free(ctype);
    }
    }
    return 0;
}
