#include "server/http/json_lift.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/base64.h"

/* Just past the string literal whose quote is body[i] (len when it never closes), and whether it
 * holds base64 characters only ('=' included), no escapes. */
static size_t string_end(const char *body, size_t len, size_t i, int *plain)
{
    /* memchr's speed for the common case: no backslash before the next quote, which then closes it */
    const char *q = memchr(body + i + 1, '"', len - i - 1);
    if (q && !memchr(body + i + 1, '\\', (size_t)(q - body) - i - 1)) {
        *plain = srv_base64_chars_only(body + i + 1, (size_t)(q - body) - i - 1);
        return (size_t)(q - body) + 1;
    }
    *plain = 0; /* an escape, or no end: a character at a time */
    for (size_t k = i + 1; k < len; k++) {
        if (body[k] == '"')
            return k + 1;
        if (body[k] == '\\')
            k++;
    }
    return len;
}

/* Whether the string that ended before body[k] is an object's key: a colon follows it. */
static int is_key(const char *body, size_t len, size_t k)
{
    while (k < len && (body[k] == ' ' || body[k] == '\t' || body[k] == '\n' || body[k] == '\r'))
        k++;
    return k < len && body[k] == ':';
}

static int add_span(srv_lifted *l, size_t *cap, size_t offset, size_t len)
{
    if (l->n == *cap) {
        size_t c = *cap ? 2 * *cap : 8;
        srv_lift_span *s = realloc(l->spans, c * sizeof *s);
        if (!s)
            return -1;
        l->spans = s;
        *cap = c;
    }
    l->spans[l->n++] = (srv_lift_span){offset, len};
    return 0;
}

/* The body with every span's characters replaced by the tag and the span's index. */
static int build_copy(const char *body, size_t len, srv_lifted *l)
{
    size_t lifted = 0;
    for (size_t k = 0; k < l->n; k++)
        lifted += l->spans[k].len;
    const size_t cap = len - lifted + l->n * (l->tag_len + 21) + 1;
    if (!(l->copy = malloc(cap)))
        return -1;
    char *w = l->copy;
    size_t from = 0;
    for (size_t k = 0; k < l->n; k++) {
        memcpy(w, body + from, l->spans[k].offset - from);
        w += l->spans[k].offset - from;
        w += snprintf(w, cap - (size_t)(w - l->copy), "%s%zu", l->tag, k);
        from = l->spans[k].offset + l->spans[k].len;
    }
    memcpy(w, body + from, len - from);
    w += len - from;
    l->text = l->copy;
    l->len = (size_t)(w - l->copy);
    return 0;
}

int srv_json_lift(const char *body, size_t len, size_t min_len, srv_lifted *out)
{
    memset(out, 0, sizeof *out);
    out->text = body;
    out->len = len;
    size_t cap = 0;
    for (size_t i = 0; i < len; i++) {
        if (body[i] != '"')
            continue; /* outside strings: only a quote opens one, as jansson reads it */
        int plain;
        const size_t end = string_end(body, len, i, &plain);
        if (plain && end - i - 2 >= min_len && !is_key(body, len, end) && add_span(out, &cap, i + 1, end - i - 2)) {
            srv_lifted_free(out);
            return -1;
        }
        i = end - 1;
    }
    if (out->n == 0)
        return 0;
    unsigned char nonce[16];
    char hex[2 * sizeof nonce + 1];
    randombytes_buf(nonce, sizeof nonce);
    sodium_bin2hex(hex, sizeof hex, nonce, sizeof nonce);
    out->tag_len = (size_t)snprintf(out->tag, sizeof out->tag, "fl-lifted-%s-", hex);
    if (build_copy(body, len, out)) {
        srv_lifted_free(out);
        return -1;
    }
    return 0;
}

const char *srv_json_lifted(const srv_lifted *l, const char *body, const char *s, size_t slen, size_t *len)
{
    if (l->n == 0 || slen <= l->tag_len || slen > l->tag_len + 19 || memcmp(s, l->tag, l->tag_len) != 0)
        return NULL;
    size_t k = 0;
    for (size_t i = l->tag_len; i < slen; i++) {
        if (s[i] < '0' || s[i] > '9')
            return NULL;
        k = k * 10 + (size_t)(s[i] - '0');
    }
    if (k >= l->n)
        return NULL;
    *len = l->spans[k].len;
    return body + l->spans[k].offset;
}

void srv_lifted_free(srv_lifted *l)
{
    free(l->copy);
    free(l->spans);
    memset(l, 0, sizeof *l);
}
