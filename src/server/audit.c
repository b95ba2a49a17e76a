#include "server/audit.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/srv_time.h"

static void sweep(const char *dir, int64_t older_than)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    while (d && (ent = readdir(d))) {
        if (strncmp(ent->d_name, "audit-", 6) != 0)
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if (stat(path, &st) == 0 && st.st_mtime < older_than)
            unlink(path);
    }
    if (d)
        closedir(d);
}

void srv_audit_keep(srv_worker *w, const char *request_id, const srv_media *m)
{
    const char *dir = w->cfg->audit_dir;
    if (!dir)
        return;
    int64_t now = srv_unix_s();
    for (int i = 0; i < m->n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/audit-%s-%d.img", dir, request_id, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            continue;
        ssize_t n = write(fd, m->items[i].bytes, m->items[i].len);
        close(fd);
        if (n != (ssize_t)m->items[i].len)
            unlink(path); /* never keep a partial image */
    }
    long long last = atomic_load(&w->last_audit_sweep);
    if (now - last >= 60 && atomic_compare_exchange_strong(&w->last_audit_sweep, &last, now))
        sweep(dir, now - w->cfg->audit_retention_s);
}
