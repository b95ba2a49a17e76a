/*
 * facelive's own decoder of protobuf messages, driven by the descriptors protoc-c generates.
 *
 * Why not protobuf-c's runtime: Debian ships it only for the host, so the WebAssembly build
 * (issue 22) has no protobuf_c_message_unpack to link. Every build uses this one decoder, so the
 * native tests (tests/test_proto_decode.c compares it with libprotobuf-c on every model of the
 * pack and on damaged copies; fuzz_proto_decode) test exactly what the browser runs.
 *
 * Covers what onnx_subset.proto uses: optional and repeated fields of the types int32, int64,
 * float, string, bytes and message (repeated scalars packed or not). Unknown fields are skipped
 * (not kept: the one difference from protobuf-c's result), an optional message given twice is
 * merged, as protobuf defines. A message nested deeper than FL_PROTO_MAX_DEPTH is refused.
 */
#ifndef FL_NN_PROTO_DECODE_H
#define FL_NN_PROTO_DECODE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

enum { FL_PROTO_MAX_DEPTH = 32 };

/* A message of type *desc decoded from p[0..size), to be freed with fl__proto_free; NULL when the
 * bytes are not such a message or memory ran out. Thread-safe (no shared state). */
ProtobufCMessage *fl__proto_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t size);

/* Frees a message of fl__proto_unpack and everything it owns; NULL is ignored. */
void fl__proto_free(ProtobufCMessage *m);

#endif
