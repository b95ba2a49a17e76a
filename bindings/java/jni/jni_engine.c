/* io.facelive.FaceLive's native side: the analyzer and the silent engine, loaded once, shared by
 * every session (both are immutable and thread-safe in the library). */
#include <stdlib.h>
#include <string.h>

#include "facelive/liveness.h"
#include "jni_common.h"
#include "jni_engine.h"

static jlong made(JNIEnv *env, fl_jni_engine *e, fl_status s, const fl_error *err)
{
    if (s) {
        fl_silent_free(e->sl);
        fl_analyzer_free(e->an);
        free(e);
        return fl_jni_throw_error(env, err);
    }
    return (jlong)(intptr_t)e;
}

JNIEXPORT jlong JNICALL Java_io_facelive_Native_engineCreate(JNIEnv *env, jclass cls, jstring dir, jstring list)
{
    (void)cls;
    fl_jni_engine *e = calloc(1, sizeof *e);
    if (!e)
        return fl_jni_throw(env, FL_E_NO_MEMORY, "out of memory");
    const char *d = (*env)->GetStringUTFChars(env, dir, NULL);
    const char *l = list ? (*env)->GetStringUTFChars(env, list, NULL) : NULL;
    fl_error err = {FL_OK, ""};
    fl_status s = FL_OK;
    if (!d || (list && !l))
        s = err.status = FL_E_NO_MEMORY;
    if (!s)
        s = fl_analyzer_create(d, NULL, &e->an, &err);
    if (!s)
        s = fl_silent_create(d, l, NULL, &e->sl, &err);
    if (d)
        (*env)->ReleaseStringUTFChars(env, dir, d);
    if (l)
        (*env)->ReleaseStringUTFChars(env, list, l);
    return made(env, e, s, &err);
}

/* Reads blob i into mb (a direct ByteBuffer in place; a byte[] copied, *owned set: the library
 * keeps no reference to model bytes after loading, so the copy is freed right after). */
static fl_status blob_bytes(JNIEnv *env, jobject blob, fl_model_blob *mb, int *owned, fl_error *err)
{
    jlong cap = blob ? (*env)->GetDirectBufferCapacity(env, blob) : -1;
    if (!blob)
        return err->status = FL_E_INVALID_ARGUMENT;
    if (cap >= 0) {
        mb->data = (*env)->GetDirectBufferAddress(env, blob);
        mb->size = (size_t)cap;
        return FL_OK;
    }
    jsize len = (*env)->GetArrayLength(env, (jarray)blob);
    void *copy = malloc(len > 0 ? (size_t)len : 1);
    if (!copy)
        return err->status = FL_E_NO_MEMORY;
    (*env)->GetByteArrayRegion(env, (jbyteArray)blob, 0, len, copy);
    mb->data = copy;
    mb->size = (size_t)len;
    *owned = 1;
    return FL_OK;
}

/* names[i] names blobs[i] (a byte[] or a direct ByteBuffer); list: the model list's text or null. */
JNIEXPORT jlong JNICALL Java_io_facelive_Native_engineCreateFromMemory(JNIEnv *env, jclass cls, jobjectArray names,
                                                                      jobjectArray blobs, jstring list)
{
    (void)cls;
    const jsize n = names ? (*env)->GetArrayLength(env, names) : 0;
    if (n < 1 || n > 64 || !blobs || (*env)->GetArrayLength(env, blobs) != n)
        return fl_jni_throw(env, FL_E_INVALID_ARGUMENT, "1 to 64 models, one name per model");
    fl_jni_engine *e = calloc(1, sizeof *e);
    fl_model_blob mb[64];
    jstring js[64];
    int owned[64] = {0};
    memset(mb, 0, sizeof mb);
    memset(js, 0, sizeof js);
    if (!e)
        return fl_jni_throw(env, FL_E_NO_MEMORY, "out of memory");
    fl_error err = {FL_OK, "a model name or its bytes are null"};
    fl_status s = FL_OK;
    for (jsize i = 0; i < n && !s; i++) {
        js[i] = (jstring)(*env)->GetObjectArrayElement(env, names, i);
        mb[i].name = js[i] ? (*env)->GetStringUTFChars(env, js[i], NULL) : NULL;
        s = mb[i].name ? blob_bytes(env, (*env)->GetObjectArrayElement(env, blobs, i), &mb[i], &owned[i], &err)
                       : (err.status = FL_E_INVALID_ARGUMENT);
    }
    const char *l = !s && list ? (*env)->GetStringUTFChars(env, list, NULL) : NULL;
    if (!s)
        s = fl_analyzer_create_from_memory(mb, (int)n, NULL, &e->an, &err);
    if (!s)
        s = fl_silent_create_from_memory(mb, (int)n, l, NULL, &e->sl, &err);
    if (l)
        (*env)->ReleaseStringUTFChars(env, list, l);
    for (jsize i = 0; i < n; i++) {
        if (owned[i])
            free((void *)mb[i].data);
        if (mb[i].name)
            (*env)->ReleaseStringUTFChars(env, js[i], mb[i].name);
    }
    return made(env, e, s, &err);
}

JNIEXPORT void JNICALL Java_io_facelive_Native_engineFree(JNIEnv *env, jclass cls, jlong handle)
{
    (void)env, (void)cls;
    fl_jni_engine *e = (fl_jni_engine *)(intptr_t)handle;
    if (!e)
        return;
    fl_silent_free(e->sl);
    fl_analyzer_free(e->an);
    free(e);
}
