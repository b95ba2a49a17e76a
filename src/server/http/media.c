#include "server/http/media.h"

#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/http/base64.h"
#include "server/http/json_lift.h"
#include "server/http/multipart.h"

int srv_json_depth(const char *text, size_t len)
{
    int depth = 0, max = 0, in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                max = depth;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return max;
}

void srv_media_free(srv_media *m)
{
    for (int i = 0; i < m->n; i++)
        free(m->items[i].owned);
    free(m->items);
    m->items = NULL;
    m->n = m->cap = 0;
}

__attribute__((format(printf, 3, 4))) static srv_error fail(srv_media *m, srv_error e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->detail, sizeof m->detail, fmt, ap);
    va_end(ap);
    return e;
}

/* A new item, or NULL (with the error set) past the route's limit. */
static srv_media_item *add_item(srv_media *m, int max_items, srv_error *e)
{
    if (m->n >= max_items) {
        *e = fail(m, SRV_E_TOO_MANY_IMAGES, "more than %d images", max_items);
        return NULL;
    }
    if (m->n == m->cap) {
        int cap = m->cap ? 2 * m->cap : 8;
        srv_media_item *items = realloc(m->items, (size_t)cap * sizeof *items);
        if (!items) {
            *e = fail(m, SRV_E_INTERNAL, "out of memory at image %d", m->n);
            return NULL;
        }
        m->items = items;
        m->cap = cap;
    }
    srv_media_item *it = &m->items[m->n++];
    memset(it, 0, sizeof *it);
    return it;
}

/* An image's base64: plain (lifted from the body, json_lift.h) or as jansson read it, where line
 * breaks ("\r\n" escapes, as MIME writes base64) are skipped. */
static srv_error decode_base64(srv_media *m, srv_media_item *it, const char *b64, size_t len, int plain,
                               const srv_limits *l)
{
    if (len / 4 * 3 > l->max_image_bytes + 3)
        return fail(m, SRV_E_IMAGE_TOO_LARGE, "image %d is larger than max_image_bytes", m->n - 1);
    size_t cap = len / 4 * 3 + 3, out_len = 0;
    it->owned = malloc(cap ? cap : 1);
    if (!it->owned)
        return fail(m, SRV_E_INTERNAL, "out of memory at image %d", m->n - 1);
    const char *end = NULL;
    if (len == 0 || (plain ? srv_base64_decode(b64, len, it->owned, cap, &out_len)
                           : sodium_base642bin(it->owned, cap, b64, len, "\r\n", &out_len, &end,
                                               sodium_base64_VARIANT_ORIGINAL) || end != b64 + len))
        return fail(m, SRV_E_BASE64_INVALID, "image %d is not valid base64", m->n - 1);
    if (out_len > l->max_image_bytes)
        return fail(m, SRV_E_IMAGE_TOO_LARGE, "image %d is larger than max_image_bytes", m->n - 1);
    it->bytes = it->owned;
    it->len = out_len;
    return SRV_OK;
}

/* [x, y, w, h] integers with w, h > 0 (null: no box). */
static srv_error read_box(srv_media *m, json_t *box, srv_media_item *it)
{
    if (!box || json_is_null(box))
        return SRV_OK;
    if (!json_is_array(box) || json_array_size(box) != 4)
        return fail(m, SRV_E_BOX_INVALID, "box of image %d must be [x, y, width, height]", m->n - 1);
    for (int k = 0; k < 4; k++) {
        json_t *v = json_array_get(box, (size_t)k);
        if (!json_is_integer(v) || json_integer_value(v) < -100000 || json_integer_value(v) > 100000 ||
            (k >= 2 && json_integer_value(v) <= 0))
            return fail(m, SRV_E_BOX_INVALID, "box of image %d must hold integers, width and height above 0", m->n - 1);
        it->box[k] = (int)json_integer_value(v);
    }
    it->has_box = 1;
    return SRV_OK;
}

static srv_error read_time(srv_media *m, json_t *t, srv_media_item *it)
{
    if (!json_is_number(t) || json_number_value(t) < 0 || json_number_value(t) > 86400)
        return fail(m, SRV_E_TIMESTAMPS_INVALID, "frame %d needs \"t\": seconds from 0 to 86400", m->n - 1);
    it->t = json_number_value(t);
    if (m->n > 1 && it->t < m->items[m->n - 2].t)
        return fail(m, SRV_E_TIMESTAMPS_INVALID, "frame %d is older than the frame before it", m->n - 1);
    return SRV_OK;
}

typedef struct json_body {
    const char *text;        /* the body as sent */
    const srv_lifted *lifted;
} json_body;

static srv_error json_item(srv_media *m, const json_body *b, json_t *v, srv_media_kind kind, int max_items,
                           const srv_limits *l)
{
    srv_error e = SRV_OK;
    srv_media_item *it = add_item(m, max_items, &e);
    if (!it)
        return e;
    json_t *data = v;
    if (json_is_object(v))
        data = json_object_get(v, kind == SRV_MEDIA_FRAMES ? "image" : "data");
    else if (kind == SRV_MEDIA_FRAMES)
        return fail(m, SRV_E_FIELD_INVALID, "frame %d must be {\"image\": base64, \"t\": seconds}", m->n - 1);
    if (!json_is_string(data))
        return fail(m, SRV_E_FIELD_INVALID, "image %d must be a base64 string", m->n - 1);
    const char *text = json_string_value(data);
    size_t len = json_string_length(data);
    const char *plain = srv_json_lifted(b->lifted, b->text, text, len, &len); /* len: the lifted one's */
    e = decode_base64(m, it, plain ? plain : text, len, plain != NULL, l);
    if (!e && kind == SRV_MEDIA_IMAGES && json_is_object(v))
        e = read_box(m, json_object_get(v, "box"), it);
    if (!e && kind == SRV_MEDIA_FRAMES)
        e = read_time(m, json_object_get(v, "t"), it);
    return e;
}

/* jansson's tree of the body, read from the lifted copy; its error as the body itself gives it. */
static json_t *load_json(const char *body, size_t len, const srv_lifted *lifted, srv_media *m)
{
    json_error_t je;
    json_t *root = json_loadb(lifted->text, lifted->len, JSON_REJECT_DUPLICATES, &je);
    if (!root && lifted->n) /* the copy's lines and columns are not the body's */
        json_decref(json_loadb(body, len, JSON_REJECT_DUPLICATES, &je));
    if (!root)
        snprintf(m->detail, sizeof m->detail, "line %d column %d: %.100s", je.line, je.column, je.text);
    return root;
}

static srv_error parse_lifted(const char *body, size_t len, const srv_lifted *lifted, srv_media_kind kind,
                              int max_items, const srv_limits *l, srv_media *m)
{
    if (srv_json_depth(lifted->text, lifted->len) > l->max_json_depth) /* strings are skipped: the same depth */
        return fail(m, SRV_E_JSON_TOO_DEEP, "nesting deeper than %d", l->max_json_depth);
    json_t *root = load_json(body, len, lifted, m);
    if (!root)
        return SRV_E_JSON_INVALID;
    const json_body b = {body, lifted};
    const char *key = kind == SRV_MEDIA_FRAMES ? "frames" : "images";
    json_t *list = json_is_object(root) ? json_object_get(root, key) : NULL;
    json_t *mirrored = json_is_object(root) ? json_object_get(root, "mirrored") : NULL;
    srv_error e = SRV_OK;
    if (!json_is_array(list))
        e = fail(m, SRV_E_FIELD_INVALID, "the body needs \"%s\": [...]", key);
    else if (mirrored && !json_is_boolean(mirrored))
        e = fail(m, SRV_E_FIELD_INVALID, "\"mirrored\" must be true or false");
    m->mirrored = json_is_true(mirrored);
    size_t i;
    json_t *v;
    if (!e)
        json_array_foreach(list, i, v) {
            if ((e = json_item(m, &b, v, kind, max_items, l)))
                break;
        }
    json_decref(root);
    return e;
}

/* A body without images is an error too; after an error nothing is kept. */
static srv_error finish(srv_media *m, srv_error e, srv_media_kind kind)
{
    if (!e && m->n == 0)
        e = fail(m, SRV_E_NO_IMAGES, "no %s", kind == SRV_MEDIA_FRAMES ? "frames" : "images");
    if (e)
        srv_media_free(m);
    return e;
}

srv_error srv_media_parse_json(const char *body, size_t len, srv_media_kind kind, int max_items,
                               const srv_limits *l, size_t lift_min, srv_media *m)
{
    memset(m, 0, sizeof *m);
    srv_lifted lifted;
    if (srv_json_lift(body, len, lift_min, &lifted))
        return fail(m, SRV_E_INTERNAL, "out of memory for the body");
    srv_error e = parse_lifted(body, len, &lifted, kind, max_items, l, m);
    srv_lifted_free(&lifted);
    return finish(m, e, kind);
}

typedef struct mp_state {
    srv_media *m;
    srv_media_kind kind;
    int max_items;
    const srv_limits *l;
    json_t *boxes;
    char timestamps[8192];
    int have_timestamps;
    srv_error e;
} mp_state;

static int on_part(const mp_part *p, void *ctx)
{
    mp_state *s = ctx;
    srv_media *m = s->m;
    if (strcmp(p->name, "image") == 0 || strcmp(p->name, "frame") == 0) {
        srv_media_item *it = add_item(m, s->max_items, &s->e);
        if (!it)
            return 1;
        if (p->len > s->l->max_image_bytes) {
            s->e = fail(m, SRV_E_IMAGE_TOO_LARGE, "image %d is larger than max_image_bytes", m->n - 1);
            return 1;
        }
        it->bytes = (const uint8_t *)p->data;
        it->len = p->len;
    } else if (strcmp(p->name, "boxes") == 0 && s->kind == SRV_MEDIA_IMAGES && !s->boxes) {
        json_error_t je;
        if (srv_json_depth(p->data, p->len) > s->l->max_json_depth ||
            !(s->boxes = json_loadb(p->data, p->len, 0, &je)) || !json_is_array(s->boxes)) {
            s->e = fail(m, SRV_E_BOX_INVALID, "\"boxes\" must be a JSON list of [x, y, w, h] or null");
            return 1;
        }
    } else if (strcmp(p->name, "timestamps") == 0 && s->kind == SRV_MEDIA_FRAMES && !s->have_timestamps) {
        if (p->len >= sizeof s->timestamps) {
            s->e = fail(m, SRV_E_TIMESTAMPS_INVALID, "\"timestamps\" is longer than %zu bytes", sizeof s->timestamps);
            return 1;
        }
        memcpy(s->timestamps, p->data, p->len);
        s->timestamps[p->len] = 0;
        s->have_timestamps = 1;
    } else if (strcmp(p->name, "mirrored") == 0) {
        m->mirrored = p->len == 4 && memcmp(p->data, "true", 4) == 0;
    } else {
        snprintf(m->detail, sizeof m->detail, "unexpected part \"%s\"", p->name);
        s->e = SRV_E_MULTIPART_INVALID;
        return 1;
    }
    return 0;
}

/* "0,0.1,0.2": one time per frame, never decreasing. */
static srv_error apply_timestamps(mp_state *s)
{
    srv_media *m = s->m;
    if (!s->have_timestamps)
        return fail(m, SRV_E_TIMESTAMPS_INVALID, "the \"timestamps\" field is missing");
    char *p = s->timestamps, *end;
    for (int i = 0; i < m->n; i++) {
        double t = strtod(p, &end);
        /* !(t >= 0 && t <= 86400) also refuses nan, which every comparison lets through */
        if (end == p || !(t >= 0 && t <= 86400) || (i && t < m->items[i - 1].t) || (*end && *end != ','))
            return fail(m, SRV_E_TIMESTAMPS_INVALID, "timestamp %d is missing, not a number or decreasing", i);
        m->items[i].t = t;
        p = *end ? end + 1 : end;
    }
    return *p ? fail(m, SRV_E_TIMESTAMPS_INVALID, "more timestamps than frames (%d)", m->n) : SRV_OK;
}

static srv_error apply_boxes(mp_state *s)
{
    srv_media *m = s->m;
    if (!s->boxes)
        return SRV_OK;
    if ((int)json_array_size(s->boxes) != m->n)
        return fail(m, SRV_E_BOX_INVALID, "\"boxes\" must have one entry per image (%d)", m->n);
    int n = m->n;
    srv_error e = SRV_OK;
    for (int i = 0; i < n && !e; i++) {
        m->n = i + 1; /* read_box names the image m->n - 1 */
        e = read_box(m, json_array_get(s->boxes, (size_t)i), &m->items[i]);
    }
    m->n = n;
    return e;
}

static srv_error parse_multipart(const char *ctype, const char *body, size_t len, srv_media_kind kind,
                                 int max_items, const srv_limits *l, srv_media *m)
{
    char boundary[80];
    if (mp_boundary(ctype, boundary, sizeof boundary))
        return fail(m, SRV_E_MULTIPART_INVALID, "the Content-Type has no usable boundary");
    mp_state s = {.m = m, .kind = kind, .max_items = max_items, .l = l};
    int rc = mp_parse(body, len, boundary, on_part, &s);
    srv_error e = s.e;
    if (!e && rc)
        e = fail(m, SRV_E_MULTIPART_INVALID, "the parts or their delimiters are malformed");
    if (!e && kind == SRV_MEDIA_FRAMES)
        e = apply_timestamps(&s);
    if (!e && kind == SRV_MEDIA_IMAGES)
        e = apply_boxes(&s);
    json_decref(s.boxes);
    return e;
}

static int is_type(const char *ctype, const char *type)
{
    size_t n = strlen(type);
    return ctype && strncasecmp(ctype, type, n) == 0 && (ctype[n] == 0 || ctype[n] == ';' || ctype[n] == ' ');
}

srv_error srv_media_parse(const char *content_type, const char *body, size_t len, srv_media_kind kind,
                          int max_items, const srv_limits *limits, srv_media *out)
{
    if (is_type(content_type, "application/json"))
        return srv_media_parse_json(body, len, kind, max_items, limits, SRV_LIFT_MIN, out);
    memset(out, 0, sizeof *out);
    srv_error e;
    if (is_type(content_type, "multipart/form-data"))
        e = parse_multipart(content_type, body, len, kind, max_items, limits, out);
    else
        e = fail(out, SRV_E_CONTENT_TYPE, "send application/json or multipart/form-data");
    return finish(out, e, kind);
}
