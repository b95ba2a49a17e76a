/* Camera frames from Java (NV21, YUV_420_888 planes, RGBA) to the upright BGR image the library
 * works on. Each checks that the buffers hold what the sizes and strides claim before reading. */
#ifndef FL_JNI_FRAME_H
#define FL_JNI_FRAME_H

#include <jni.h>

#include "facelive/image.h"

/* 0 and *out (free it with fl_image_free), or -1 with an exception thrown. */
int fl_jni_frame_nv21(JNIEnv *env, jobject data, jint width, jint height, jint row_stride, jint rotation,
                      fl_image *out);
int fl_jni_frame_rgba(JNIEnv *env, jobject data, jint width, jint height, jint row_stride, jint rotation,
                      fl_image *out);
int fl_jni_frame_yuv(JNIEnv *env, jobject y, jobject u, jobject v, jint width, jint height, jint y_row_stride,
                     jint uv_row_stride, jint uv_pixel_stride, jint rotation, fl_image *out);

#endif
