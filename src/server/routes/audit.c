#include "server/routes/audit.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/state/srv_time.h"

#define SWEEP_EVERY_S 60
#define CAP_HEADROOM 0.9 /* a sweep for the cap deletes down to this share of it */

typedef struct audit_file {
    char name[256];
    time_t mtime;
    off_t size;
} audit_file;

static int older_first(const void *a, const void *b)
{
    const audit_file *x = a, *y = b;
    return x->mtime < y->mtime ? -1 : x->mtime > y->mtime ? 1 : strcmp(x->name, y->name);
}

/* The folder's audit files (never anything else in it), oldest first; *n of them. */
static audit_file *list_files(const char *dir, int *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    audit_file *files = NULL;
    int cap = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        struct stat st;
        char path[4096];
        if (strncmp(ent->d_name, "audit-", 6) != 0 || strlen(ent->d_name) >= sizeof files->name)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if (lstat(path, &st) || !S_ISREG(st.st_mode))
            continue;
        if (*n == cap) {
            audit_file *grown = realloc(files, (size_t)(cap = cap ? 2 * cap : 256) * sizeof *files);
            if (!grown)
                break;
            files = grown;
        }
        snprintf(files[*n].name, sizeof files[*n].name, "%s", ent->d_name);
        files[*n].mtime = st.st_mtime;
        files[*n].size = st.st_size;
        (*n)++;
    }
    closedir(d);
    if (files)
        qsort(files, (size_t)*n, sizeof *files, older_first);
    return files;
}

/* Deletes what is past retention, then the oldest until the folder is under the cap's headroom.
 * Returns the bytes left. */
static long long sweep(const char *dir, int64_t older_than, long long cap_bytes)
{
    int n;
    audit_file *files = list_files(dir, &n);
    long long total = 0;
    for (int i = 0; i < n; i++)
        total += files[i].size;
    for (int i = 0; i < n; i++) {
        if (files[i].mtime >= older_than && total <= (long long)(cap_bytes * CAP_HEADROOM))
            break;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        if (unlink(path) == 0)
            total -= files[i].size;
    }
    free(files);
    return total;
}

static int write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t k = write(fd, (const char *)data + done, len - done);
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    close(fd);
    if (done != len)
        unlink(path); /* never keep a partial file */
    return done == len ? 0 : -1;
}

static void write_record(srv_request *r, const char *dir, int files)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    jw w;
    jw_init(&w, f);
    jw_object(&w, NULL);
    jw_str(&w, "audit_id", r->audit_id);
    jw_str(&w, "request_id", r->request_id);
    jw_str(&w, "tenant", r->tenant >= 0 ? r->st->cfg->tenants[r->tenant].name : NULL);
    jw_str(&w, "route", r->route ? r->route->label : "other");
    jw_int(&w, "unix_ms", (long long)(srv_unix_s_precise() * 1000));
    jw_int(&w, "files", files);
    jw_end(&w);
    fclose(f);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.json", dir, r->audit_id);
    write_file(path, buf, len);
    free(buf);
}

/* Sweeps when a minute has passed, or at once when this worker's writes would pass the cap. */
static void keep_within_limits(srv_state *w, size_t about_to_write)
{
    const srv_config *c = w->cfg;
    long long cap = (long long)c->audit_max_mb << 20, now = srv_unix_s();
    long long last = atomic_load(&w->last_audit_sweep);
    long long estimate = atomic_load(&w->audit_bytes) + (long long)about_to_write;
    if ((now - last >= SWEEP_EVERY_S || estimate > cap) && atomic_compare_exchange_strong(&w->last_audit_sweep, &last, now))
        atomic_store(&w->audit_bytes, sweep(c->audit_dir, now - c->audit_retention_s, cap));
    atomic_fetch_add(&w->audit_bytes, (long long)about_to_write);
}

void srv_audit_keep(srv_request *r, const srv_media *m, const void *data, size_t len)
{
    srv_state *w = r->st;
    const char *dir = w->cfg->audit_dir;
    r->audit_id[0] = 0;
    if (!dir)
        return;
    size_t total = len;
    for (int i = 0; m && i < m->n; i++)
        total += m->items[i].len;
    keep_within_limits(w, total);
    unsigned char rnd[8];
    char hex[17];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(r->audit_id, sizeof r->audit_id, "audit-%lld-%s", (long long)(srv_unix_s_precise() * 1000), hex);
    int kept = 0;
    for (int i = 0; i < (m ? m->n : 1); i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s-%d.img", dir, r->audit_id, i);
        kept += write_file(path, m ? m->items[i].bytes : data, m ? m->items[i].len : len) == 0;
    }
    write_record(r, dir, kept);
}
