#include "jni_frame.h"

#include <stdio.h>

#include "jni_common.h"

/* -1 with an exception when a buffer of `have` bytes is shorter than `need`. */
static int holds(JNIEnv *env, const char *what, size_t have, size_t need)
{
    if (have >= need)
        return 0;
    char msg[200];
    snprintf(msg, sizeof msg, "the %s holds %zu bytes; the frame's size and strides need %zu", what, have, need);
    fl_jni_throw(env, FL_E_BUFFER_TOO_SMALL, msg);
    return -1;
}

static int sizes_ok(JNIEnv *env, jint width, jint height, jint row_stride, int bpp)
{
    char msg[160];
    if (width < 2 || height < 2 || width > FL_IMAGE_MAX_SIDE || height > FL_IMAGE_MAX_SIDE)
        snprintf(msg, sizeof msg, "frame size %dx%d (2..%d a side)", (int)width, (int)height, FL_IMAGE_MAX_SIDE);
    else if (row_stride < (jlong)width * bpp)
        snprintf(msg, sizeof msg, "row stride %d is less than width %d x %d bytes", (int)row_stride, (int)width, bpp);
    else
        return 0;
    fl_jni_throw(env, FL_E_INVALID_ARGUMENT, msg);
    return -1;
}

/* Converts a one-buffer view; the buffer is pinned only while the conversion reads it. */
static int packed(JNIEnv *env, jobject data, fl_image_view v, size_t need, fl_image *out)
{
    fl_jni_bytes b;
    if (fl_jni_bytes_get(env, data, "frame buffer", &b))
        return -1;
    fl_error err = {FL_OK, ""};
    fl_status s = b.size < need ? FL_E_BUFFER_TOO_SMALL : FL_OK;
    if (!s) {
        v.data = b.data;
        s = fl_image_from_view(&v, out, &err);
    }
    const size_t have = b.size;
    fl_jni_bytes_release(env, &b); /* before any other JNI call */
    if (s == FL_E_BUFFER_TOO_SMALL)
        return holds(env, "frame buffer", have, need);
    if (s) {
        fl_jni_throw_error(env, &err);
        return -1;
    }
    return 0;
}

int fl_jni_frame_nv21(JNIEnv *env, jobject data, jint width, jint height, jint row_stride, jint rotation,
                      fl_image *out)
{
    if (sizes_ok(env, width, height, row_stride, 1))
        return -1;
    fl_image_view v = {NULL, width, height, (size_t)row_stride, FL_PIXEL_NV21, rotation};
    return packed(env, data, v, (size_t)row_stride * (size_t)(height + height / 2), out);
}

int fl_jni_frame_rgba(JNIEnv *env, jobject data, jint width, jint height, jint row_stride, jint rotation,
                      fl_image *out)
{
    if (sizes_ok(env, width, height, row_stride, 4))
        return -1;
    fl_image_view v = {NULL, width, height, (size_t)row_stride, FL_PIXEL_RGBA, rotation};
    return packed(env, data, v, (size_t)row_stride * (size_t)(height - 1) + 4 * (size_t)width, out);
}

int fl_jni_frame_yuv(JNIEnv *env, jobject y, jobject u, jobject v, jint width, jint height, jint y_row_stride,
                     jint uv_row_stride, jint uv_pixel_stride, jint rotation, fl_image *out)
{
    if (sizes_ok(env, width, height, y_row_stride, 1))
        return -1;
    if (uv_pixel_stride < 1 || uv_pixel_stride > 4 || uv_row_stride < 1) {
        fl_jni_throw(env, FL_E_INVALID_ARGUMENT, "chroma pixel stride 1..4 and a positive chroma row stride");
        return -1;
    }
    /* planes must be direct buffers (CameraX's are): pinning three arrays at once is not allowed */
    const uint8_t *p[3];
    size_t size[3];
    jobject planes[3] = {y, u, v};
    const char *names[3] = {"y plane", "u plane", "v plane"};
    for (int i = 0; i < 3; i++) {
        jlong cap = planes[i] ? (*env)->GetDirectBufferCapacity(env, planes[i]) : -1;
        p[i] = cap >= 0 ? (*env)->GetDirectBufferAddress(env, planes[i]) : NULL;
        if (!p[i]) {
            char msg[120];
            snprintf(msg, sizeof msg, "the %s must be a direct ByteBuffer", names[i]);
            fl_jni_throw(env, FL_E_INVALID_ARGUMENT, msg);
            return -1;
        }
        size[i] = (size_t)cap;
    }
    const size_t ch = (size_t)height / 2, cw = (size_t)width / 2;
    const size_t need_y = (size_t)y_row_stride * (size_t)(height - 1) + (size_t)width;
    const size_t need_uv = (size_t)uv_row_stride * (ch - 1) + (cw - 1) * (size_t)uv_pixel_stride + 1;
    if (holds(env, names[0], size[0], need_y) || holds(env, names[1], size[1], need_uv) ||
        holds(env, names[2], size[2], need_uv))
        return -1;
    fl_yuv420_view view = {p[0], p[1], p[2], width, height, (size_t)y_row_stride, (size_t)uv_row_stride,
                           uv_pixel_stride, rotation};
    fl_error err = {FL_OK, ""};
    if (fl_image_from_yuv420(&view, out, &err)) {
        fl_jni_throw_error(env, &err);
        return -1;
    }
    return 0;
}
