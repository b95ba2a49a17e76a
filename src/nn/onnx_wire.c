/*
 * A pre-scan of the protobuf wire format of a whole file, before it is unpacked (nn/proto_decode.c).
 *
 * The decoder answers NULL for every kind of bad input. Walking the top-level fields first lets
 * the loader say *which* failure it was: a file cut short (a field claims more bytes than
 * remain) or bytes that are not protobuf at all (bad wire type, field number 0, overlong
 * varint). Truncated ONNX files are the common case (interrupted copies), so this is worth it.
 */
#include "nn/onnx_wire.h"

#include <inttypes.h>

#include "common/error.h"

int fl__wire_read_varint(const uint8_t *p, size_t size, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*pos >= size)
            return shift == 0 ? 0 : -1;
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 1;
        }
    }
    return -2;
}

/* ModelProto's top-level fields, so a truncation message can say "graph" rather than "7". */
static const char *field_name(uint64_t field)
{
    switch (field) {
    case 1: return " (ir_version)";
    case 2: return " (producer_name)";
    case 3: return " (producer_version)";
    case 4: return " (domain)";
    case 5: return " (model_version)";
    case 6: return " (doc_string)";
    case 7: return " (graph)";
    case 8: return " (opset_import)";
    case 14: return " (metadata_props)";
    default: return "";
    }
}

fl_status fl__onnx_wire_scan(const uint8_t *p, size_t size, const char *what, fl_error *err)
{
    size_t pos = 0;
    while (pos < size) {
        size_t field_at = pos;
        uint64_t key;
        int r = fl__wire_read_varint(p, size, &pos, &key);
        if (r == -1)
            return fl__fail(err, FL_E_MODEL_TRUNCATED, "%s: ends inside a field key at byte %zu", what, field_at);
        if (r == -2)
            return fl__fail(err, FL_E_MODEL_MALFORMED, "%s: overlong varint at byte %zu", what, field_at);
        uint64_t field = key >> 3;
        unsigned wire = (unsigned)(key & 7);
        if (field == 0 || field > 536870911u)
            return fl__fail(err, FL_E_MODEL_MALFORMED, "%s: invalid field number %" PRIu64 " at byte %zu", what,
                           field, field_at);
        uint64_t len = 0;
        switch (wire) {
        case 0: /* varint */
            r = fl__wire_read_varint(p, size, &pos, &len);
            if (r != 1)
                return fl__fail(err, r == -2 ? FL_E_MODEL_MALFORMED : FL_E_MODEL_TRUNCATED,
                               "%s: field %" PRIu64 " at byte %zu: %s", what, field, field_at,
                               r == -2 ? "overlong varint" : "varint cut short");
            continue;
        case 1: len = 8; break; /* fixed64 */
        case 5: len = 4; break; /* fixed32 */
        case 2:                 /* length-delimited */
            r = fl__wire_read_varint(p, size, &pos, &len);
            if (r != 1)
                return fl__fail(err, r == -2 ? FL_E_MODEL_MALFORMED : FL_E_MODEL_TRUNCATED,
                               "%s: field %" PRIu64 " at byte %zu: length %s", what, field, field_at,
                               r == -2 ? "is an overlong varint" : "cut short");
            break;
        default:
            return fl__fail(err, FL_E_MODEL_MALFORMED, "%s: field %" PRIu64 " at byte %zu has wire type %u", what,
                           field, field_at, wire);
        }
        if (len > size - pos)
            return fl__fail(err, FL_E_MODEL_TRUNCATED,
                           "%s: field %" PRIu64 "%s at byte %zu needs %" PRIu64 " bytes, only %zu remain", what, field,
                           field_name(field), field_at, len, size - pos);
        pos += (size_t)len;
    }
    return FL_OK;
}
