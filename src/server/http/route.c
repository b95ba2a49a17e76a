#include "server/http/route.h"

#include <string.h>

#define ONE_SEGMENT "{token}" /* one non-empty segment, no '/' */
#define REST "{path}"           /* at the end of a pattern: the rest of the URL, '/' included */

/* Whether url matches path; a parameter's text goes to *param / *param_len. */
static int path_matches(const char *path, const char *url, const char **param, size_t *param_len)
{
    const char *p = strstr(path, ONE_SEGMENT), *rest = strstr(path, REST);
    size_t n = strlen(url);
    if (rest && !rest[sizeof REST - 1]) {
        size_t head = (size_t)(rest - path);
        if (n < head || strncmp(url, path, head) != 0)
            return 0;
        *param = url + head;
        *param_len = n - head;
        return 1;
    }
    if (!p)
        return strcmp(path, url) == 0;
    size_t head = (size_t)(p - path);
    const char *tail = p + sizeof ONE_SEGMENT - 1;
    size_t tl = strlen(tail);
    if (n <= head + tl || strncmp(url, path, head) != 0 || strcmp(url + n - tl, tail) != 0)
        return 0;
    const char *seg = url + head;
    size_t seg_len = n - head - tl;
    if (memchr(seg, '/', seg_len))
        return 0;
    *param = seg;
    *param_len = seg_len;
    return 1;
}

int srv_route_match(const srv_route *table, int n, const char *url, const char **param, size_t *param_len)
{
    for (int i = 0; i < n; i++) {
        *param = NULL;
        *param_len = 0;
        if (path_matches(table[i].path, url, param, param_len))
            return i;
    }
    *param = NULL;
    *param_len = 0;
    return n;
}

size_t srv_route_body_limit(const srv_route *route, const srv_limits *l)
{
    switch (route ? route->body : SRV_BODY_SMALL) {
    case SRV_BODY_IMAGES: return l->max_body_bytes;
    case SRV_BODY_FRAMES: return l->max_verify_body_bytes;
    case SRV_BODY_SMALL: break;
    }
    return 64 * 1024; /* a small JSON, or nothing */
}
