/* The native object behind io.facelive.FaceLive. */
#ifndef FL_JNI_ENGINE_H
#define FL_JNI_ENGINE_H

#include "facelive/face.h"
#include "facelive/liveness.h"

typedef struct fl_jni_engine {
    fl_analyzer *an;
    fl_silent *sl;
} fl_jni_engine;

#endif
