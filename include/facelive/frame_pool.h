/*
 * facelive/frame_pool.h - frame threading for camera streams, like the original mobile SDK: a
 * fixed pool of worker threads analyses frames; a frame arriving while every worker is busy is
 * dropped (and counted), never queued without bound; results are delivered in frame order.
 *
 *     static void on_frame(void *user, const fl_image *frame, const fl_analysis *a, double t, fl_status s)
 *     {   // called on a worker thread, one call at a time, in submit order
 *         if (a) fl_session_push_analysis(user_session, frame, a, t, &state, NULL);
 *     }
 *     fl_frame_pool_create(an, 2, on_frame, session, &pool, &err);
 *     camera loop: fl_frame_pool_submit(pool, &frame, t, &accepted, &err);
 *     fl_frame_pool_free(pool);   // finishes and delivers the frames in flight, then stops
 *
 * These are the only threads facelive starts, and only here, when the caller asks.
 * Thread-safety: submit, dropped and drain may be called from any thread; free from one thread
 * after the last submit. The callback runs on the pool's threads, never two at once.
 */
#ifndef FACELIVE_FRAME_POOL_H
#define FACELIVE_FRAME_POOL_H

#include "facelive/export.h"
#include "facelive/face.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_frame_pool fl_frame_pool;

/* a is NULL when status is not FL_OK. The frame is the pool's copy, valid during the call. */
typedef void (*fl_frame_pool_callback)(void *user, const fl_image *frame, const fl_analysis *a, double t,
                                       fl_status status);

FL_API fl_status fl_frame_pool_create(const fl_analyzer *an, int workers, fl_frame_pool_callback cb, void *user,
                                      fl_frame_pool **out, fl_error *err);

/* Copies the frame to a free worker; *accepted = 0 when all are busy (the frame is dropped), and
 * on failure (the one output this call writes then). */
FL_API fl_status fl_frame_pool_submit(fl_frame_pool *pool, const fl_image *frame, double t, int *accepted,
                                      fl_error *err);

/* Frames dropped so far. */
FL_API long fl_frame_pool_dropped(fl_frame_pool *pool);

/* Waits until every accepted frame has been delivered. */
FL_API void fl_frame_pool_drain(fl_frame_pool *pool);

/* Delivers the frames in flight, stops the workers, frees everything. NULL is ignored. */
FL_API void fl_frame_pool_free(fl_frame_pool *pool);

#ifdef __cplusplus
}
#endif
#endif
