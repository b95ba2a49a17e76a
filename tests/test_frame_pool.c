/*
 * The frame pool: frames arriving while every worker is busy are dropped and counted; results
 * come back in submit order, each exactly once; freeing the pool with frames in flight delivers
 * them and leaks nothing (the sanitizer build runs this).
 */
#include <pthread.h>
#include <time.h>
#include <string.h>

#include "facelive/frame_pool.h"
#include "test_util.h"

typedef struct record {
    pthread_mutex_t mu;
    double t[512];
    int n, faces, in_callback, overlap;
} record;

static void on_frame(void *user, const fl_image *frame, const fl_analysis *a, double t, fl_status s)
{
    record *r = user;
    pthread_mutex_lock(&r->mu);
    r->overlap |= r->in_callback;
    r->in_callback = 1;
    pthread_mutex_unlock(&r->mu);
    (void)frame;
    pthread_mutex_lock(&r->mu);
    if (r->n < 512)
        r->t[r->n++] = t;
    r->faces += s == FL_OK && a && a->n_faces == 1;
    r->in_callback = 0;
    pthread_mutex_unlock(&r->mu);
}

static int run(const fl_analyzer *an, const fl_image *img, int workers, int frames, int free_early, record *r,
               long *dropped, int *submitted)
{
    fl_error err;
    fl_frame_pool *pool;
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    CHECK(fl_frame_pool_create(an, workers, on_frame, r, &pool, &err) == FL_OK, "%s", err.detail);
    int accepted = 0;
    /* One frame per ms: faster than the analysis, so some drop. At least `frames` frames, and on
     * until a few frames past the first batch were taken (a slow sanitizer build analyses a frame
     * in tens of ms), bounded at 20 s. */
    int i;
    for (i = 0; i < frames || (accepted < workers + 4 && i < 20000); i++) {
        int ok;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        CHECK(fl_frame_pool_submit(pool, img, i, &ok, &err) == FL_OK, "%s", err.detail);
        accepted += ok;
    }
    if (!free_early)
        fl_frame_pool_drain(pool);
    *dropped = fl_frame_pool_dropped(pool);
    *submitted = i;
    fl_frame_pool_free(pool); /* with free_early: frames still in flight */
    pthread_mutex_destroy(&r->mu);
    return accepted;
}

int main(void)
{
    fl_error err;
    fl_analyzer *an;
    fl_image img;
    char path[1024];
    snprintf(path, sizeof path, "%s/silent_face_minivision/image_T1.jpg", fl_test_data_dir());
    CHECK(fl_analyzer_create(fl_test_models_dir(), NULL, &an, &err) == FL_OK, "%s", err.detail);
    CHECK(fl_image_load(path, NULL, &img, &err) == FL_OK, "%s", err.detail);
    if (!an || !img.data)
        TEST_MAIN_END();
    for (int workers = 1; workers <= 3; workers++)
        for (int early = 0; early <= 1; early++) {
            record r;
            long dropped;
            int submitted;
            int accepted = run(an, &img, workers, 300, early, &r, &dropped, &submitted);
            printf("%d workers%s: %d accepted, %ld dropped, %d delivered\n", workers, early ? " (freed in flight)" : "",
                   accepted, dropped, r.n);
            CHECK(accepted + dropped == submitted && submitted >= 300,
                  "every frame is either accepted or counted as dropped (%d + %ld of %d)", accepted, dropped,
                  submitted);
            CHECK(dropped > 0, "a burst faster than the workers drops frames");
            CHECK(accepted >= workers + 4, "frames keep being taken as workers free up (%d)", accepted);
            CHECK(r.n == accepted && r.faces == accepted, "each accepted frame delivered once, analysed (%d/%d/%d)",
                  r.n, r.faces, accepted);
            for (int i = 1; i < r.n; i++)
                CHECK(r.t[i] > r.t[i - 1], "delivered in submit order (%g after %g)", r.t[i], r.t[i - 1]);
            CHECK(!r.overlap, "the callback never runs twice at once");
        }
    fl_frame_pool *p;
    CHECK(fl_frame_pool_create(an, 0, NULL, NULL, &p, &err) == FL_E_INVALID_ARGUMENT, "0 workers");
    CHECK(fl_frame_pool_create(NULL, 2, NULL, NULL, &p, &err) == FL_E_INVALID_ARGUMENT, "no analyzer");
    fl_image_free(&img);
    fl_analyzer_free(an);
    TEST_MAIN_END();
}
