/*
 * facelive/status.h - status codes and error details shared by every facelive call.
 *
 * Every fallible function returns an fl_status. FL_OK is zero; every failure is a negative
 * constant from one table (FL_STATUS_MAP). Functions that can say more take an optional
 * fl_error*: on failure it receives the status and a human-readable detail naming the file,
 * node or field at fault. On failure, out-parameters are left untouched unless documented.
 *
 * Thread-safety: every function in this header is pure and may be called from any thread.
 */
#ifndef FACELIVE_STATUS_H
#define FACELIVE_STATUS_H

#include "facelive/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message) */
#define FL_STATUS_MAP(X)                                                                   \
    X(FL_OK, 0, "success")                                                                 \
    X(FL_E_INVALID_ARGUMENT, -1, "invalid argument")                                       \
    X(FL_E_NO_MEMORY, -2, "out of memory")                                                 \
    X(FL_E_IO, -3, "file could not be read")                                               \
    X(FL_E_TOO_LARGE, -4, "input exceeds a size limit")                                    \
    X(FL_E_BUFFER_TOO_SMALL, -5, "caller buffer is too small")                             \
    X(FL_E_MODEL_TRUNCATED, -10, "model file is truncated")                                \
    X(FL_E_MODEL_MALFORMED, -11, "model file is not a valid ONNX protobuf")                \
    X(FL_E_MODEL_INVALID, -12, "model graph is inconsistent")                              \
    X(FL_E_UNSUPPORTED_OP, -13, "model uses an unsupported operator")                      \
    X(FL_E_UNSUPPORTED_ATTRIBUTE, -14, "model uses an unsupported attribute value")        \
    X(FL_E_UNSUPPORTED_DTYPE, -15, "model uses an unsupported data type")                  \
    X(FL_E_TENSOR_DATA, -16, "tensor data does not match its dims")                        \
    X(FL_E_SHAPE, -17, "tensor shapes are inconsistent")                                   \
    X(FL_E_BACKEND, -18, "inference backend failed")                                       \
    X(FL_E_UNAVAILABLE, -19, "feature is not available in this build")                    \
    X(FL_E_IMAGE_FORMAT, -20, "not a JPEG or PNG image")                                   \
    X(FL_E_IMAGE_CORRUPT, -21, "image data is truncated or damaged")

typedef enum fl_status {
#define FL_STATUS_ENUM_(name, value, msg) name = value,
    FL_STATUS_MAP(FL_STATUS_ENUM_)
#undef FL_STATUS_ENUM_
} fl_status;

/* Room for one detail line; longer details are truncated, never overflowed. */
#define FL_ERROR_DETAIL_MAX 256

typedef struct fl_error {
    fl_status status;
    char detail[FL_ERROR_DETAIL_MAX];
} fl_error;

/* "FL_E_MODEL_TRUNCATED"; "FL_UNKNOWN_STATUS" for values outside the table. */
FL_API const char *fl_status_name(fl_status status);
/* "model file is truncated"; "unknown status" for values outside the table. */
FL_API const char *fl_status_message(fl_status status);

#ifdef __cplusplus
}
#endif
#endif
