#include "server/http/multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *find(const char *hay, size_t hay_len, const char *needle, size_t n)
{
    if (n == 0 || hay_len < n)
        return NULL;
    for (const char *p = hay, *end = hay + hay_len - n; p <= end; p++) {
        p = memchr(p, needle[0], (size_t)(end - p) + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

static const char *find_nocase(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return s;
    return NULL;
}

int mp_boundary(const char *content_type, char *out, size_t size)
{
    const char *b = content_type ? find_nocase(content_type, "boundary=") : NULL;
    if (!b)
        return -1;
    b += 9;
    size_t n;
    if (*b == '"') {
        const char *q = strchr(++b, '"');
        if (!q)
            return -1;
        n = (size_t)(q - b);
    } else {
        n = strcspn(b, "; \t");
    }
    if (n == 0 || n > 70 || n >= size)
        return -1;
    memcpy(out, b, n);
    out[n] = 0;
    return 0;
}

/* The value of `key="..."` in a Content-Disposition line; -1 when absent or too long. */
static int disposition_param(const char *line, size_t len, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen + 2 <= len; i++) {
        if ((i == 0 || line[i - 1] == ' ' || line[i - 1] == ';') && strncasecmp(line + i, key, klen) == 0 &&
            line[i + klen] == '=' && line[i + klen + 1] == '"') {
            const char *v = line + i + klen + 2;
            const char *q = memchr(v, '"', len - (size_t)(v - line));
            if (!q || (size_t)(q - v) >= size)
                return -1;
            memcpy(out, v, (size_t)(q - v));
            out[q - v] = 0;
            return 0;
        }
    }
    return -1;
}

/* The part's headers (from h to the blank line); fills name and is_file. -1 when malformed. */
static int part_headers(const char *h, size_t len, mp_part *p)
{
    int have_name = 0;
    while (len) {
        const char *eol = find(h, len, "\r\n", 2);
        size_t n = eol ? (size_t)(eol - h) : len;
        static const char cd[] = "content-disposition:";
        if (n >= sizeof cd - 1 && strncasecmp(h, cd, sizeof cd - 1) == 0) {
            char filename[256];
            if (disposition_param(h, n, "name", p->name, sizeof p->name))
                return -1;
            have_name = 1;
            p->is_file = disposition_param(h, n, "filename", filename, sizeof filename) == 0;
        }
        if (!eol)
            break;
        len -= n + 2;
        h = eol + 2;
    }
    return have_name ? 0 : -1;
}

int mp_parse(const char *body, size_t len, const char *boundary, int (*on_part)(const mp_part *p, void *ctx),
             void *ctx)
{
    char delim[80];
    size_t dlen = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    if (dlen >= sizeof delim)
        return -1;
    /* the first delimiter may start the body without its CRLF */
    const char *p;
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
        p = body + dlen - 2;
    else if (!(p = find(body, len, delim, dlen)))
        return -1;
    else
        p += dlen;
    const char *end = body + len;
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return 0; /* the closing delimiter; anything after it is an epilogue */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return -1;
        p += 2;
        const char *hend = find(p, (size_t)(end - p), "\r\n\r\n", 4);
        mp_part part;
        memset(&part, 0, sizeof part);
        if (!hend || part_headers(p, (size_t)(hend - p), &part))
            return -1;
        const char *data = hend + 4;
        const char *next = find(data, (size_t)(end - data), delim, dlen);
        if (!next)
            return -1;
        part.data = data;
        part.len = (size_t)(next - data);
        int rc = on_part(&part, ctx);
        if (rc)
            return rc;
        p = next + dlen;
    }
}
