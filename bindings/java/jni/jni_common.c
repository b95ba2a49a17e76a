#include "jni_common.h"

#include <stdio.h>
#include <string.h>

jlong fl_jni_throw(JNIEnv *env, fl_status status, const char *message)
{
    if ((*env)->ExceptionCheck(env))
        return 0; /* the first exception is the one the caller sees */
    jclass cls = (*env)->FindClass(env, "io/facelive/FaceLiveException");
    if (!cls)
        return 0; /* FindClass threw NoClassDefFoundError */
    jmethodID ctor = (*env)->GetMethodID(env, cls, "<init>", "(ILjava/lang/String;)V");
    jstring msg = (*env)->NewStringUTF(env, message ? message : fl_status_message(status));
    if (ctor && msg) {
        jobject ex = (*env)->NewObject(env, cls, ctor, (jint)status, msg);
        if (ex)
            (*env)->Throw(env, (jthrowable)ex);
    }
    return 0;
}

jlong fl_jni_throw_error(JNIEnv *env, const fl_error *err)
{
    char msg[FL_ERROR_DETAIL_MAX + 64];
    snprintf(msg, sizeof msg, "%s: %s", fl_status_name(err->status),
             err->detail[0] ? err->detail : fl_status_message(err->status));
    return fl_jni_throw(env, err->status, msg);
}

int fl_jni_bytes_get(JNIEnv *env, jobject buffer, const char *what, fl_jni_bytes *out)
{
    char msg[160];
    memset(out, 0, sizeof *out);
    if (!buffer) {
        snprintf(msg, sizeof msg, "the %s is null", what);
        fl_jni_throw(env, FL_E_INVALID_ARGUMENT, msg);
        return -1;
    }
    out->ref = buffer;
    jclass array_cls = (*env)->FindClass(env, "[B");
    if (array_cls && (*env)->IsInstanceOf(env, buffer, array_cls)) {
        out->size = (size_t)(*env)->GetArrayLength(env, (jarray)buffer);
        out->data = (*env)->GetPrimitiveArrayCritical(env, (jarray)buffer, NULL);
        out->pinned = 1;
        if (!out->data) {
            fl_jni_throw(env, FL_E_NO_MEMORY, "the byte[] could not be pinned");
            return -1;
        }
        return 0;
    }
    const uint8_t *addr = (*env)->GetDirectBufferAddress(env, buffer);
    jlong cap = (*env)->GetDirectBufferCapacity(env, buffer);
    if (!addr || cap < 0) {
        snprintf(msg, sizeof msg, "the %s is neither a byte[] nor a direct ByteBuffer (a heap buffer would need a copy)",
                 what);
        fl_jni_throw(env, FL_E_INVALID_ARGUMENT, msg);
        return -1;
    }
    out->data = addr;
    out->size = (size_t)cap;
    return 0;
}

void fl_jni_bytes_release(JNIEnv *env, fl_jni_bytes *b)
{
    if (b->pinned && b->data)
        (*env)->ReleasePrimitiveArrayCritical(env, (jarray)b->ref, (void *)b->data, JNI_ABORT);
    b->data = NULL;
    b->pinned = 0;
}
