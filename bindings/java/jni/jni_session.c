/* io.facelive.LivenessSession's native side: one fl_session per attempt. Java serialises the calls
 * on one session (the library's session is used by one thread at a time). */
#include <stdint.h>
#include <stdlib.h>

#include "facelive/session.h"
#include "jni_common.h"
#include "jni_engine.h"
#include "jni_frame.h"

/* The state as Java reads it: phase, step, n_steps, action, reason, failure, frames, dropped. */
enum { STATE_INTS = 8 };

static jstring state_out(JNIEnv *env, const fl_session_state *st, jintArray out)
{
    const jint v[STATE_INTS] = {st->phase, st->step, st->n_steps, st->action, st->reason, st->failure, st->frames,
                                st->dropped};
    if (!out || (*env)->GetArrayLength(env, out) < STATE_INTS) {
        fl_jni_throw(env, FL_E_INVALID_ARGUMENT, "state array too short");
        return NULL;
    }
    (*env)->SetIntArrayRegion(env, out, 0, STATE_INTS, v);
    return (*env)->NewStringUTF(env, st->prompt ? st->prompt : "");
}

JNIEXPORT jlong JNICALL Java_io_facelive_Native_sessionCreate(JNIEnv *env, jclass cls, jlong engine, jintArray actions,
                                                             jfloat light_patience_s, jboolean mirrored,
                                                             jfloat action_timeout_s, jfloat total_timeout_s)
{
    (void)cls;
    fl_jni_engine *e = (fl_jni_engine *)(intptr_t)engine;
    const jsize n = actions ? (*env)->GetArrayLength(env, actions) : 0;
    if (!e || n < 1 || n > FL_CHALLENGE_MAX)
        return fl_jni_throw(env, FL_E_INVALID_ARGUMENT, "a challenge has 1 to 8 actions");
    jint a[FL_CHALLENGE_MAX];
    (*env)->GetIntArrayRegion(env, actions, 0, n, a);
    fl_challenge ch = {(int)n, {0}};
    for (jsize i = 0; i < n; i++) {
        if (a[i] < 0 || a[i] >= FL_ACTION_COUNT)
            return fl_jni_throw(env, FL_E_INVALID_ARGUMENT, "unknown action");
        ch.actions[i] = (fl_action)a[i];
    }
    fl_session_config cfg = fl_session_config_default();
    cfg.light_patience_s = light_patience_s;
    cfg.actions.mirrored = mirrored ? 1 : 0;
    cfg.action_timeout_s = action_timeout_s; /* the library checks them */
    cfg.total_timeout_s = total_timeout_s;
    fl_session *s = NULL;
    fl_error err = {FL_OK, ""};
    if (fl_session_create(e->an, e->sl, &cfg, &ch, &s, &err))
        return fl_jni_throw_error(env, &err);
    return (jlong)(intptr_t)s;
}

JNIEXPORT void JNICALL Java_io_facelive_Native_sessionFree(JNIEnv *env, jclass cls, jlong handle)
{
    (void)env, (void)cls;
    fl_session_free((fl_session *)(intptr_t)handle);
}

/* Pushes a converted frame; frees it. */
static jstring push(JNIEnv *env, jlong handle, fl_image *img, jlong t_nanos, jintArray state)
{
    fl_session_state st;
    fl_error err = {FL_OK, ""};
    fl_status s = fl_session_push((fl_session *)(intptr_t)handle, img, (double)t_nanos / 1e9, &st, &err);
    fl_image_free(img);
    if (s) {
        fl_jni_throw_error(env, &err);
        return NULL;
    }
    return state_out(env, &st, state);
}

/* One buffer: rgba 0 NV21 (rows of Y, then interleaved V,U), 1 RGBA (4 bytes a pixel). */
JNIEXPORT jstring JNICALL Java_io_facelive_Native_sessionPushPacked(JNIEnv *env, jclass cls, jlong handle, jobject data,
                                                                   jboolean rgba, jint width, jint height,
                                                                   jint row_stride, jint rotation, jlong t_nanos,
                                                                   jintArray state)
{
    (void)cls;
    fl_image img;
    int bad = rgba ? fl_jni_frame_rgba(env, data, width, height, row_stride, rotation, &img)
                   : fl_jni_frame_nv21(env, data, width, height, row_stride, rotation, &img);
    return bad ? NULL : push(env, handle, &img, t_nanos, state);
}

JNIEXPORT jstring JNICALL Java_io_facelive_Native_sessionPushYuv(JNIEnv *env, jclass cls, jlong handle, jobject y,
                                                                jobject u, jobject v, jint width, jint height,
                                                                jint y_row_stride, jint uv_row_stride,
                                                                jint uv_pixel_stride, jint rotation, jlong t_nanos,
                                                                jintArray state)
{
    (void)cls;
    fl_image img;
    return fl_jni_frame_yuv(env, y, u, v, width, height, y_row_stride, uv_row_stride, uv_pixel_stride, rotation, &img)
               ? NULL
               : push(env, handle, &img, t_nanos, state);
}

JNIEXPORT void JNICALL Java_io_facelive_Native_sessionAddDropped(JNIEnv *env, jclass cls, jlong handle, jint n)
{
    (void)env, (void)cls;
    fl_session_add_dropped((fl_session *)(intptr_t)handle, n);
}

/* The result: ints {decision, outcome, has_verdict, n_used, n_best, failure, silent_status, n_done}, doubles
 * {score, threshold}; returns the state's prompt. */
JNIEXPORT jstring JNICALL Java_io_facelive_Native_sessionResult(JNIEnv *env, jclass cls, jlong handle, jintArray ints,
                                                               jdoubleArray doubles, jintArray state)
{
    (void)cls;
    fl_session_result *r = malloc(sizeof *r); /* large: the events and the verdict's frames */
    fl_error err = {FL_OK, ""};
    if (!r) {
        fl_jni_throw(env, FL_E_NO_MEMORY, "out of memory");
        return NULL;
    }
    if (fl_session_result_get((fl_session *)(intptr_t)handle, r, &err)) {
        free(r);
        fl_jni_throw_error(env, &err);
        return NULL;
    }
    const jint iv[8] = {r->decision, r->outcome, r->has_verdict, r->has_verdict ? r->verdict.n_used : 0, r->n_best,
                        r->state.failure, r->silent_status, r->state.step};
    const jdouble dv[2] = {r->has_verdict ? r->verdict.score : 0.0, r->has_verdict ? r->verdict.threshold : 0.0};
    jstring prompt = NULL;
    if ((*env)->GetArrayLength(env, ints) >= 8 && (*env)->GetArrayLength(env, doubles) >= 2) {
        (*env)->SetIntArrayRegion(env, ints, 0, 8, iv);
        (*env)->SetDoubleArrayRegion(env, doubles, 0, 2, dv);
        prompt = state_out(env, &r->state, state);
    } else {
        fl_jni_throw(env, FL_E_INVALID_ARGUMENT, "result arrays too short");
    }
    free(r);
    return prompt;
}

JNIEXPORT jintArray JNICALL Java_io_facelive_Native_challengeRandom(JNIEnv *env, jclass cls, jint n)
{
    (void)cls;
    fl_challenge ch;
    fl_error err = {FL_OK, ""};
    if (fl_challenge_random(NULL, n, &ch, &err)) {
        fl_jni_throw_error(env, &err);
        return NULL;
    }
    jintArray out = (*env)->NewIntArray(env, ch.n);
    jint a[FL_CHALLENGE_MAX];
    for (int i = 0; i < ch.n; i++)
        a[i] = ch.actions[i];
    if (out)
        (*env)->SetIntArrayRegion(env, out, 0, ch.n, a);
    return out;
}

/* The library's names, so Java's enums can be checked against them. kind: 0 action, 1 quality
 * reason, 2 failure, 3 outcome, 4 decision, 5 status. */
JNIEXPORT jstring JNICALL Java_io_facelive_Native_name(JNIEnv *env, jclass cls, jint kind, jint value)
{
    (void)cls;
    const char *s = kind == 0   ? fl_action_name((fl_action)value)
                    : kind == 1 ? fl_quality_reason_name((fl_quality_reason)value)
                    : kind == 2 ? fl_failure_name((fl_failure)value)
                    : kind == 3 ? fl_outcome_name((fl_outcome)value)
                    : kind == 4 ? fl_decision_name((fl_decision)value)
                                : fl_status_name((fl_status)value);
    return (*env)->NewStringUTF(env, s ? s : "");
}
