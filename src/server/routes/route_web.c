/* GET /demo/{path}: the files of the configured web_root (the liveness page, its scripts, its wasm),
 * with the MIME types browsers insist on (wasm as application/wasm, modules as JavaScript) and the
 * cross-origin isolation headers that wasm threads need. Only plain names are served: every segment
 * of A-Z a-z 0-9 . _ - not starting with a dot, resolved inside the folder (a link that leads out of
 * it is not followed), a regular file of at most SRV_WEB_MAX_FILE bytes. Anything else is 404: the
 * answer does not say which rule refused it. No key: the page is public, its calls carry the key. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/routes/handlers.h"

#define SRV_WEB_MAX_FILE (64 << 20)
#define SRV_WEB_MAX_PATH 255

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".wasm", "application/wasm"},           {".json", "application/json"},
    {".svg", "image/svg+xml"},               {".png", "image/png"},
    {".jpg", "image/jpeg"},                  {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},   {".tsv", "text/tab-separated-values; charset=utf-8"},
    {".map", "application/json"},            {".onnx", "application/octet-stream"},
};

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* The file's path under the root from the URL's rest ("" and a trailing '/': index.html); 0, or -1
 * when it is not a plain relative name. */
static int relative_name(const char *param, size_t len, char *out, size_t size)
{
    if (len > SRV_WEB_MAX_PATH || len + sizeof "index.html" > size)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = param[i];
        int start = i == 0 || param[i - 1] == '/';
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || (c == '.' && !start) || (c == '/' && !start);
        if (!plain)
            return -1; /* no "..", no hidden files, no empty segment, no '%', '\\' or NUL */
    }
    memcpy(out, param, len);
    out[len] = 0;
    if (len == 0 || out[len - 1] == '/')
        strcat(out, "index.html");
    return 0;
}

/* The whole file at root/name into *data, when it resolves inside root to a regular file of at
 * most SRV_WEB_MAX_FILE bytes; 0, or -1. */
static int read_inside(const char *root, const char *name, char **data, size_t *len)
{
    char path[PATH_MAX], real[PATH_MAX];
    size_t rl = strlen(root);
    if (snprintf(path, sizeof path, "%s/%s", root, name) >= (int)sizeof path || !realpath(path, real) ||
        strncmp(real, root, rl) != 0 || real[rl] != '/')
        return -1;
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    char *buf = NULL;
    ssize_t got = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= SRV_WEB_MAX_FILE &&
        (buf = malloc((size_t)st.st_size + 1)))
        got = read(fd, buf, (size_t)st.st_size);
    close(fd);
    if (got < 0 || got != st.st_size) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = (size_t)got;
    return 0;
}

void srv_route_web(srv_request *r)
{
    const char *root = r->st->cfg->web_root;
    char name[SRV_WEB_MAX_PATH + sizeof "index.html" + 1];
    char *data;
    size_t len;
    if (!root || relative_name(r->param, r->param_len, name, sizeof name) || read_inside(root, name, &data, &len)) {
        srv_reply_error(r, SRV_E_NOT_FOUND, root ? NULL : "no web_root is configured", NULL, NULL);
        return;
    }
    free(r->out);
    r->out = data;
    r->out_len = len;
    r->status = 200;
    r->content_type = type_of(name);
    r->isolated = 1;
}
