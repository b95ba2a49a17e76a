/*
 * Frame threading like the original mobile SDK: a fixed pool of workers analyses frames; a frame
 * that arrives while every worker is busy is dropped and counted, never queued without bound;
 * results come back in frame order (a finished frame waits for the ones before it).
 */
#include "facelive/frame_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

typedef struct slot {
    int busy;            /* taken by submit (being copied, analysed, or waiting to be delivered) */
    int ready;           /* the frame is copied in: a worker may take it */
    int done;
    unsigned long seq;
    double t;
    fl_image frame;      /* a copy: the caller's buffer is free as soon as submit returns */
    fl_analysis result;
    fl_status status;
    fl_analyzer_ctx *ctx;
} slot;

struct fl_frame_pool {
    pthread_mutex_t mu;
    pthread_cond_t work, finished;
    pthread_t *threads;
    slot *slots;
    int n, stopping;
    int delivering; /* a thread is in deliver(): the others leave their finished frames to it */
    unsigned long next_seq, deliver_seq;
    long dropped;
    fl_frame_pool_callback cb;
    void *user;
};

static slot *next_job(fl_frame_pool *p)
{
    slot *best = NULL;
    for (int i = 0; i < p->n; i++)
        if (p->slots[i].ready && !p->slots[i].done && !p->slots[i].ctx && (!best || p->slots[i].seq < best->seq))
            best = &p->slots[i];
    return best;
}

/* Hands finished frames to the callback in sequence order (called with the lock held; the lock
 * is released around the callback so workers keep going). One thread delivers at a time: another
 * worker finishing meanwhile leaves its frame to it (it looks again after every callback), so the
 * callbacks never overlap and never run out of order. */
static void deliver(fl_frame_pool *p)
{
    if (p->delivering)
        return;
    p->delivering = 1;
    for (;;) {
        slot *s = NULL;
        for (int i = 0; i < p->n; i++)
            if (p->slots[i].busy && p->slots[i].done && p->slots[i].seq == p->deliver_seq)
                s = &p->slots[i];
        if (!s)
            break;
        p->deliver_seq++;
        pthread_mutex_unlock(&p->mu);
        if (p->cb)
            p->cb(p->user, &s->frame, s->status ? NULL : &s->result, s->t, s->status);
        pthread_mutex_lock(&p->mu);
        fl_image_free(&s->frame);
        s->busy = s->ready = s->done = 0;
        pthread_cond_broadcast(&p->finished);
    }
    p->delivering = 0;
}

typedef struct worker {
    fl_frame_pool *p;
    fl_analyzer_ctx *ctx;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    fl_frame_pool *p = w->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        slot *s;
        while (!(s = next_job(p)) && !p->stopping)
            pthread_cond_wait(&p->work, &p->mu);
        if (!s) /* stopping and nothing left to analyse */
            break;
        s->ctx = w->ctx; /* claimed */
        pthread_mutex_unlock(&p->mu);
        fl_error err;
        s->status = fl_analyze(w->ctx, &s->frame, &s->result, &err);
        pthread_mutex_lock(&p->mu);
        s->ctx = NULL;
        s->done = 1;
        deliver(p);
    }
    pthread_mutex_unlock(&p->mu);
    fl_analyzer_ctx_free(w->ctx);
    free(w);
    return NULL;
}

fl_status fl_frame_pool_create(const fl_analyzer *an, int workers, fl_frame_pool_callback cb, void *user,
                               fl_frame_pool **out, fl_error *err)
{
    fl__error_clear(err);
    if (!an || !out || workers < 1 || workers > 64)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "analyzer or out is NULL, or workers = %d (1..64)", workers);
    fl_frame_pool *p = calloc(1, sizeof *p);
    if (!p)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    p->slots = calloc((size_t)workers, sizeof *p->slots);
    p->threads = calloc((size_t)workers, sizeof *p->threads);
    p->cb = cb;
    p->user = user;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->finished, NULL);
    if (!p->slots || !p->threads) {
        fl_frame_pool_free(p);
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    }
    for (int i = 0; i < workers; i++) {
        worker *w = calloc(1, sizeof *w);
        fl_status s = w ? fl_analyzer_ctx_create(an, &w->ctx, err) : fl__fail(err, FL_E_NO_MEMORY, "out of memory");
        if (w) /* before the thread starts: it reads w->p at once */
            w->p = p;
        if (s || pthread_create(&p->threads[i], NULL, work, w) != 0) {
            if (w)
                fl_analyzer_ctx_free(w->ctx);
            free(w);
            fl_frame_pool_free(p);
            return s ? s : fl__fail(err, FL_E_NO_MEMORY, "could not start worker thread %d", i);
        }
        pthread_mutex_lock(&p->mu); /* running workers read n */
        p->n++;
        pthread_mutex_unlock(&p->mu);
    }
    *out = p;
    return FL_OK;
}

fl_status fl_frame_pool_submit(fl_frame_pool *p, const fl_image *frame, double t, int *accepted, fl_error *err)
{
    fl__error_clear(err);
    if (!p || !frame || !frame->data || !accepted)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "pool, frame or accepted is NULL");
    *accepted = 0;
    pthread_mutex_lock(&p->mu);
    slot *s = NULL;
    for (int i = 0; i < p->n && !s; i++)
        if (!p->slots[i].busy)
            s = &p->slots[i];
    if (!s || p->stopping) { /* every worker busy: drop, as a camera preview would */
        p->dropped++;
        pthread_mutex_unlock(&p->mu);
        return FL_OK;
    }
    s->busy = 1;
    s->ready = s->done = 0;
    s->seq = p->next_seq++;
    s->t = t;
    pthread_mutex_unlock(&p->mu);
    /* The copy happens outside the lock: the slot is ours (busy) but not yet a job (no frame). */
    fl_status st = fl_image_alloc(frame->width, frame->height, &s->frame, err);
    pthread_mutex_lock(&p->mu);
    if (st) { /* deliver it as failed so later frames are not held back */
        s->status = st;
        s->done = 1;
        deliver(p);
        pthread_mutex_unlock(&p->mu);
        return st;
    }
    for (int y = 0; y < frame->height; y++)
        memcpy(s->frame.data + (size_t)y * s->frame.stride, frame->data + (size_t)y * frame->stride,
               (size_t)frame->width * 3);
    *accepted = 1;
    s->ready = 1;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return FL_OK;
}

long fl_frame_pool_dropped(fl_frame_pool *p)
{
    pthread_mutex_lock(&p->mu);
    long d = p->dropped;
    pthread_mutex_unlock(&p->mu);
    return d;
}

void fl_frame_pool_drain(fl_frame_pool *p)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        int busy = 0;
        for (int i = 0; i < p->n; i++)
            busy |= p->slots[i].busy;
        if (!busy)
            break;
        pthread_cond_wait(&p->finished, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

void fl_frame_pool_free(fl_frame_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1; /* frames in flight are finished and delivered; nothing new is taken */
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n; i++)
        pthread_join(p->threads[i], NULL);
    for (int i = 0; p->slots && i < p->n; i++)
        fl_image_free(&p->slots[i].frame);
    pthread_cond_destroy(&p->finished);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p->slots);
    free(p);
}
