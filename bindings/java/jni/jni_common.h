/* What every part of the JNI glue shares: turning a status into a Java exception, and reading the
 * caller's pixel and model buffers (direct ByteBuffers by address, no copy; byte arrays pinned). */
#ifndef FL_JNI_COMMON_H
#define FL_JNI_COMMON_H

#include <jni.h>
#include <stddef.h>
#include <stdint.h>

#include "facelive/status.h"

/* Throws io.facelive.FaceLiveException(status code, message). Returns 0 for the caller to return. */
jlong fl_jni_throw(JNIEnv *env, fl_status status, const char *message);
/* Throws the error's status and detail. */
jlong fl_jni_throw_error(JNIEnv *env, const fl_error *err);

/* Bytes of a direct ByteBuffer (from its start to its capacity: Java slices at the position) or a
 * byte[]. */
typedef struct fl_jni_bytes {
    jobject ref;       /* the buffer or array */
    const uint8_t *data;
    size_t size;
    int pinned;        /* 1: a byte[] pinned with GetPrimitiveArrayCritical */
} fl_jni_bytes;

/* 0 and *out filled, or -1 with an exception thrown (what names the argument: "y plane"). A
 * heap ByteBuffer is refused: its bytes cannot be read without a copy. Between get and release no
 * other JNI call may be made when pinned (a critical section). */
int fl_jni_bytes_get(JNIEnv *env, jobject buffer, const char *what, fl_jni_bytes *out);
void fl_jni_bytes_release(JNIEnv *env, fl_jni_bytes *b);

#endif
