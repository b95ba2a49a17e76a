#include "server/routes.h"

#include <string.h>

typedef struct route_info {
    const char *method, *path, *label;
} route_info;

static const route_info infos[SRV_ROUTE_COUNT] = {
#define SRV_ROUTE_INFO_(id, method, path, label) [id] = {method, path, label},
    SRV_ROUTE_MAP(SRV_ROUTE_INFO_)
#undef SRV_ROUTE_INFO_
    [SRV_ROUTE_OTHER] = {"", "", "other"},
};

const char *srv_route_method(srv_route r) { return infos[r].method; }
const char *srv_route_path(srv_route r) { return infos[r].path; }
const char *srv_route_label(srv_route r) { return infos[r].label; }

srv_route srv_route_match(const char *url, const char **token, size_t *token_len)
{
    static const char prefix[] = "/v1/challenges/", suffix[] = "/verify";
    *token = NULL;
    *token_len = 0;
    for (int r = 0; r < SRV_ROUTE_COUNT; r++)
        if (r != SRV_ROUTE_VERIFY && r != SRV_ROUTE_OTHER && strcmp(url, infos[r].path) == 0)
            return (srv_route)r;
    size_t n = strlen(url), np = sizeof prefix - 1, ns = sizeof suffix - 1;
    if (n > np + ns && strncmp(url, prefix, np) == 0 && strcmp(url + n - ns, suffix) == 0) {
        const char *t = url + np;
        size_t tl = n - np - ns;
        if (!memchr(t, '/', tl)) {
            *token = t;
            *token_len = tl;
            return SRV_ROUTE_VERIFY;
        }
    }
    return SRV_ROUTE_OTHER;
}
