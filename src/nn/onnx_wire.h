/* Wire-format pre-scan of a protobuf message (see onnx_wire.c for why). */
#ifndef FL_NN_ONNX_WIRE_H
#define FL_NN_ONNX_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "facelive/status.h"

/* Walks the top-level fields of p[0..size) (named as ModelProto fields in messages). FL_E_MODEL_TRUNCATED when a field runs past the
 * end, FL_E_MODEL_MALFORMED when the bytes are not protobuf; `what` names the data in errors. */
fl_status fl__onnx_wire_scan(const uint8_t *p, size_t size, const char *what, fl_error *err);

/* Reads a varint of p[0..size) at *pos (advanced past it); returns 0 at end of data, -1 when the
 * varint runs past the end, -2 when it is longer than 10 bytes, 1 on success. */
int fl__wire_read_varint(const uint8_t *p, size_t size, size_t *pos, uint64_t *out);

#endif
