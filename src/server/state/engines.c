#include "server/state/engines.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* The sha256 of every .onnx file in the models folder, so an answer names the exact files that
 * made it (a retrained model changes its hash, whatever its name). */
static void hash_model_files(srv_engines *e, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    while (d && (ent = readdir(d)) && e->n_files < SRV_MAX_MODEL_FILES) {
        size_t n = strlen(ent->d_name);
        if (n < 6 || n >= sizeof e->files[0].name || strcmp(ent->d_name + n - 5, ".onnx"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        unsigned char buf[65536], h[32];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0)
            crypto_hash_sha256_update(&st, buf, got);
        fclose(f);
        crypto_hash_sha256_final(&st, h);
        srv_model_file *m = &e->files[e->n_files++];
        memcpy(m->name, ent->d_name, n + 1); /* n < sizeof m->name: checked above */
        sodium_bin2hex(m->sha256, sizeof m->sha256, h, sizeof h);
    }
    if (d)
        closedir(d);
}

/* One inference on every model: the detector on a grey frame, the anti-spoof models on a box. */
static int warm_up(srv_engines *e, char *err, size_t err_size)
{
    fl_image img;
    fl_error fe;
    if (fl_image_alloc(320, 240, &img, &fe)) {
        snprintf(err, err_size, "warm-up: %s", fe.detail);
        return -1;
    }
    memset(img.data, 128, (size_t)img.stride * (size_t)img.height);
    int box[1][4] = {{100, 60, 120, 120}};
    const fl_image *frames[1] = {&img};
    fl_verdict v;
    int rc = fl_silent_check(e->slots[0], frames, 1, &v, &fe) || fl_silent_check_boxes(e->slots[0], frames, box, 1, &v, &fe);
    fl_image_free(&img);
    if (rc) {
        snprintf(err, err_size, "warm-up inference: %s", fe.detail);
        return -1;
    }
    return 0;
}

int srv_engines_load(srv_engines *e, const srv_config *c, char *err, size_t err_size)
{
    memset(e, 0, sizeof *e);
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->freed, NULL);
    fl_error fe;
    fl_analyzer_options ao = fl_analyzer_options_default();
    if (c->detect_size)
        ao.detect_size = c->detect_size;
    fl_silent_options so = srv_config_silent_options(c);
    if (fl_analyzer_create(c->models_dir, &ao, &e->analyzer, &fe) ||
        fl_silent_create(c->models_dir, c->model_list, &so, &e->silent, &fe)) {
        snprintf(err, err_size, "models in %s: %s", c->models_dir, fe.detail);
        return -1;
    }
    e->slots = calloc((size_t)c->inference_slots, sizeof *e->slots);
    e->in_use = calloc((size_t)c->inference_slots, sizeof *e->in_use);
    if (!e->slots || !e->in_use) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (; e->n_slots < c->inference_slots; e->n_slots++)
        if (fl_silent_ctx_create(e->silent, e->analyzer, &e->slots[e->n_slots], &fe)) {
            snprintf(err, err_size, "inference context: %s", fe.detail);
            return -1;
        }
    hash_model_files(e, c->models_dir);
    return warm_up(e, err, err_size);
}

void srv_engines_free(srv_engines *e)
{
    for (int i = 0; i < e->n_slots; i++)
        fl_silent_ctx_free(e->slots[i]);
    free(e->slots);
    free(e->in_use);
    fl_silent_free(e->silent);
    fl_analyzer_free(e->analyzer);
    pthread_mutex_destroy(&e->lock);
    pthread_cond_destroy(&e->freed);
    memset(e, 0, sizeof *e);
}

int srv_engines_acquire(srv_engines *e, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->lock);
    int slot = -1;
    for (;;) {
        for (int i = 0; i < e->n_slots && slot < 0; i++)
            if (!e->in_use[i])
                slot = i;
        if (slot >= 0) {
            e->in_use[slot] = 1;
            break;
        }
        if (pthread_cond_timedwait(&e->freed, &e->lock, &deadline) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&e->lock);
    return slot;
}

void srv_engines_release(srv_engines *e, int slot)
{
    pthread_mutex_lock(&e->lock);
    e->in_use[slot] = 0;
    pthread_cond_signal(&e->freed);
    pthread_mutex_unlock(&e->lock);
}
