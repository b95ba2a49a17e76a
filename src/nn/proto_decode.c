/*
 * Protobuf decoding driven by protoc-c's descriptors (see proto_decode.h for why it exists).
 *
 * A message is a calloc'd struct of desc->sizeof_message, initialised by the generated
 * message_init; fields are written at the offsets the descriptor gives. Repeated fields grow to
 * the next power of two, so the capacity needs no storage of its own: it is derived from the count.
 */
#include "nn/proto_decode.h"

#include <stdlib.h>
#include <string.h>

#include "nn/onnx_wire.h"

typedef struct cursor {
    const uint8_t *p;
    size_t size, pos;
} cursor;

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LENGTH = 2, WIRE_FIXED32 = 5 };

static ProtobufCMessage *decode(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t size, int depth);
static int decode_into(ProtobufCMessage *m, const uint8_t *p, size_t size, int depth);

static int next_varint(cursor *c, uint64_t *v)
{
    return fl__wire_read_varint(c->p, c->size, &c->pos, v) == 1 ? 0 : -1;
}

/* The bytes of a length-delimited field: *out points into the input. */
static int next_chunk(cursor *c, const uint8_t **out, size_t *len)
{
    uint64_t n;
    if (next_varint(c, &n) || n > c->size - c->pos)
        return -1;
    *out = c->p + c->pos;
    *len = (size_t)n;
    c->pos += (size_t)n;
    return 0;
}

static int skip_field(cursor *c, unsigned wire)
{
    uint64_t v;
    const uint8_t *chunk;
    size_t len;
    switch (wire) {
    case WIRE_VARINT: return next_varint(c, &v);
    case WIRE_LENGTH: return next_chunk(c, &chunk, &len);
    case WIRE_FIXED64: len = 8; break;
    case WIRE_FIXED32: len = 4; break;
    default: return -1;
    }
    if (len > c->size - c->pos)
        return -1;
    c->pos += len;
    return 0;
}

static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *desc, uint64_t id)
{
    for (unsigned i = 0; i < desc->n_fields; i++)
        if (desc->fields[i].id == id)
            return &desc->fields[i];
    return NULL;
}

static size_t element_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_FLOAT: return 4;
    case PROTOBUF_C_TYPE_INT64: return 8;
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    default: return 0; /* a type onnx_subset.proto does not use: the message is refused */
    }
}

static int is_scalar(ProtobufCType type)
{
    return type == PROTOBUF_C_TYPE_INT32 || type == PROTOBUF_C_TYPE_INT64 || type == PROTOBUF_C_TYPE_FLOAT;
}

static size_t capacity_for(size_t n)
{
    size_t cap = 1;
    while (cap < n)
        cap *= 2;
    return n ? cap : 0;
}

/* Room for `add` more elements in the repeated field f of m; the address of the first. */
static void *grow_repeated(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t add)
{
    size_t *n = (size_t *)((char *)m + f->quantifier_offset);
    void **array = (void **)((char *)m + f->offset);
    const size_t elem = element_size(f->type);
    if (add > SIZE_MAX / elem - *n)
        return NULL;
    if (*n + add > capacity_for(*n)) {
        void *bigger = realloc(*array, capacity_for(*n + add) * elem);
        if (!bigger)
            return NULL;
        *array = bigger;
    }
    void *first = (char *)*array + *n * elem;
    *n += add;
    return first;
}

/* One scalar of the given type from c at wire type `wire` into out. */
static int read_scalar(cursor *c, ProtobufCType type, unsigned wire, void *out)
{
    if (type == PROTOBUF_C_TYPE_FLOAT) {
        if (wire != WIRE_FIXED32 || c->size - c->pos < 4)
            return -1;
        memcpy(out, c->p + c->pos, 4); /* little-endian on every target facelive builds for */
        c->pos += 4;
        return 0;
    }
    uint64_t v;
    if (wire != WIRE_VARINT || next_varint(c, &v))
        return -1;
    if (type == PROTOBUF_C_TYPE_INT32) {
        int32_t i = (int32_t)(uint32_t)v; /* the low 32 bits, as protobuf-c keeps them */
        memcpy(out, &i, 4);
    } else {
        int64_t i = (int64_t)v;
        memcpy(out, &i, 8);
    }
    return 0;
}

/* A packed run of scalars: the elements are counted first, so the field grows once. */
static int read_packed(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const uint8_t *p, size_t len)
{
    size_t count = 0;
    if (f->type == PROTOBUF_C_TYPE_FLOAT) {
        if (len % 4)
            return -1;
        count = len / 4;
    } else {
        for (size_t i = 0; i < len; i++)
            count += !(p[i] & 0x80);
        if (len && (p[len - 1] & 0x80))
            return -1;
    }
    if (count == 0)
        return 0;
    char *out = grow_repeated(m, f, count);
    if (!out)
        return -1;
    cursor run = {p, len, 0};
    const unsigned wire = f->type == PROTOBUF_C_TYPE_FLOAT ? WIRE_FIXED32 : WIRE_VARINT;
    for (size_t i = 0; i < count; i++)
        if (read_scalar(&run, f->type, wire, out + i * element_size(f->type)))
            return -1;
    return run.pos == len ? 0 : -1;
}

static char *copy_string(const uint8_t *p, size_t len)
{
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, p, len);
        s[len] = 0;
    }
    return s;
}

static int copy_bytes(ProtobufCBinaryData *out, const uint8_t *p, size_t len)
{
    out->len = len;
    out->data = len ? malloc(len) : NULL;
    if (len && !out->data)
        return -1;
    if (len)
        memcpy(out->data, p, len);
    return 0;
}

/* The address of an optional field's "has_" flag, or NULL when the field has none. */
static protobuf_c_boolean *has_flag(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->label != PROTOBUF_C_LABEL_OPTIONAL || f->type == PROTOBUF_C_TYPE_STRING ||
        f->type == PROTOBUF_C_TYPE_MESSAGE)
        return NULL;
    return (protobuf_c_boolean *)((char *)m + f->quantifier_offset);
}

static int is_default_string(const ProtobufCFieldDescriptor *f, const char *s)
{
    return f->default_value && s == *(char *const *)f->default_value;
}

/* A length-delimited value (string, bytes, message) of field f, repeated or not. */
static int read_length_delimited(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const uint8_t *p, size_t len,
                                 int depth)
{
    void *slot = (char *)m + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        slot = grow_repeated(m, f, 1);
        if (!slot)
            return -1;
        memset(slot, 0, element_size(f->type)); /* freeable whatever happens next */
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char **s = slot;
        if (*s && !is_default_string(f, *s))
            free(*s);
        return (*s = copy_string(p, len)) ? 0 : -1;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = slot;
        free(b->data);
        b->data = NULL;
        protobuf_c_boolean *has = has_flag(m, f);
        if (has)
            *has = 1;
        return copy_bytes(b, p, len);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        ProtobufCMessage **sub = slot;
        if (*sub) /* given again: merged into the first, as protobuf defines (and protobuf-c does) */
            return decode_into(*sub, p, len, depth + 1);
        return (*sub = decode(f->descriptor, p, len, depth + 1)) ? 0 : -1;
    }
    default: return -1;
    }
}

static int read_field(cursor *c, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, unsigned wire, int depth)
{
    if (element_size(f->type) == 0)
        return -1;
    if (is_scalar(f->type) && wire != WIRE_LENGTH) {
        void *slot = (char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED && !(slot = grow_repeated(m, f, 1)))
            return -1;
        protobuf_c_boolean *has = has_flag(m, f);
        if (has)
            *has = 1;
        return read_scalar(c, f->type, wire, slot);
    }
    const uint8_t *chunk;
    size_t len;
    if (wire != WIRE_LENGTH || next_chunk(c, &chunk, &len))
        return -1;
    if (is_scalar(f->type))
        return f->label == PROTOBUF_C_LABEL_REPEATED ? read_packed(m, f, chunk, len) : -1;
    return read_length_delimited(m, f, chunk, len, depth);
}

/* The fields of p[0..size) into m: scalars and strings overwrite, repeated fields append,
 * messages merge. */
static int decode_into(ProtobufCMessage *m, const uint8_t *p, size_t size, int depth)
{
    if (depth > FL_PROTO_MAX_DEPTH || (!p && size))
        return -1;
    cursor c = {p, size, 0};
    while (c.pos < c.size) {
        uint64_t key;
        if (next_varint(&c, &key) || (key >> 3) == 0 || (key >> 3) > 536870911u)
            return -1;
        const ProtobufCFieldDescriptor *f = find_field(m->descriptor, key >> 3);
        if (f ? read_field(&c, m, f, (unsigned)(key & 7), depth) : skip_field(&c, (unsigned)(key & 7)))
            return -1;
    }
    return 0;
}

static ProtobufCMessage *decode(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t size, int depth)
{
    ProtobufCMessage *m = calloc(1, desc->sizeof_message);
    if (!m)
        return NULL;
    desc->message_init(m);
    if (decode_into(m, p, size, depth)) {
        fl__proto_free(m);
        return NULL;
    }
    return m;
}

ProtobufCMessage *fl__proto_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t size)
{
    return decode(desc, p, size, 0);
}

static void free_value(const ProtobufCFieldDescriptor *f, void *slot)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char *s = *(char **)slot;
        if (!is_default_string(f, s))
            free(s);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: free(((ProtobufCBinaryData *)slot)->data); break;
    case PROTOBUF_C_TYPE_MESSAGE: fl__proto_free(*(ProtobufCMessage **)slot); break;
    default: break;
    }
}

void fl__proto_free(ProtobufCMessage *m)
{
    if (!m)
        return;
    const ProtobufCMessageDescriptor *desc = m->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        void *slot = (char *)m + f->offset;
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            free_value(f, slot);
            continue;
        }
        const size_t n = *(const size_t *)((char *)m + f->quantifier_offset);
        char *array = *(char **)slot;
        for (size_t k = 0; k < n && !is_scalar(f->type); k++)
            free_value(f, array + k * element_size(f->type));
        free(array);
    }
    free(m);
}
