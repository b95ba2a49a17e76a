#include "server/http/route.h"

#include <string.h>

#define PARAM "{token}"

/* Whether url matches path segment by segment; the {token} segment takes one non-empty segment. */
static int path_matches(const char *path, const char *url, const char **param, size_t *param_len)
{
    const char *p = strstr(path, PARAM);
    if (!p)
        return strcmp(path, url) == 0;
    size_t head = (size_t)(p - path), n = strlen(url);
    const char *tail = p + sizeof PARAM - 1;
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
    case SRV_BODY_SMALL: return 64 * 1024;
    case SRV_BODY_IMAGES: return l->max_body_bytes;
    case SRV_BODY_FRAMES: return l->max_verify_body_bytes;
    }
    return 64 * 1024;
}
