/*
 * facelive's protobuf decoder (src/nn/proto_decode.c) against libprotobuf-c, the decoder it
 * replaces: on every model of the pack, on damaged copies of them (cut short, bytes changed) and
 * on hand-made messages for each rule of the wire format, both must refuse, or both must give the
 * same fields. Unknown fields are the one documented difference (protobuf-c keeps them).
 */
#include <dirent.h>
#include <stdint.h>
#include <string.h>

#include "nn/onnx_subset.pb-c.h"
#include "nn/proto_decode.h"
#include "test_util.h"

static int equal_messages(const ProtobufCMessage *a, const ProtobufCMessage *b);

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_FLOAT: return 4;
    case PROTOBUF_C_TYPE_INT64: return 8;
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    default: return sizeof(void *);
    }
}

static int equal_values(ProtobufCType t, const void *a, const void *b)
{
    switch (t) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *x = *(char *const *)a, *y = *(char *const *)b;
        return (!x && !y) || (x && y && strcmp(x, y) == 0);
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *x = a, *y = b;
        return x->len == y->len && (x->len == 0 || memcmp(x->data, y->data, x->len) == 0);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *x = *(ProtobufCMessage *const *)a, *y = *(ProtobufCMessage *const *)b;
        return (!x && !y) || (x && y && equal_messages(x, y));
    }
    default: return memcmp(a, b, elem_size(t)) == 0; /* bit patterns: NaNs compare too */
    }
}

/* Every field the descriptor names, walked the same way for both messages. */
static int equal_messages(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    const ProtobufCMessageDescriptor *d = a->descriptor;
    if (d != b->descriptor)
        return 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *pa = (const char *)a + f->offset, *pb = (const char *)b + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
            size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
            if (na != nb)
                return 0;
            for (size_t k = 0; k < na; k++)
                if (!equal_values(f->type, *(char *const *)pa + k * elem_size(f->type),
                                  *(char *const *)pb + k * elem_size(f->type)))
                    return 0;
            continue;
        }
        if (f->quantifier_offset && f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE) {
            int ha = *(const protobuf_c_boolean *)((const char *)a + f->quantifier_offset);
            int hb = *(const protobuf_c_boolean *)((const char *)b + f->quantifier_offset);
            if (ha != hb)
                return 0;
            if (!ha)
                continue;
        }
        if (!equal_values(f->type, pa, pb))
            return 0;
    }
    return 1;
}

typedef struct tally {
    int both_refused, both_equal;
} tally;

/* One input through both decoders; `what` names it in failures. */
static void compare(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n, const char *what, tally *t)
{
    ProtobufCMessage *ref = protobuf_c_message_unpack(d, NULL, n, p);
    ProtobufCMessage *ours = fl__proto_unpack(d, p, n);
    CHECK(!ref == !ours, "%s (%zu bytes): protobuf-c %s, facelive %s", what, n, ref ? "decoded" : "refused",
          ours ? "decoded" : "refused");
    if (ref && ours) {
        CHECK(equal_messages(ref, ours), "%s: the two decodings differ", what);
        t->both_equal++;
    } else if (!ref && !ours) {
        t->both_refused++;
    }
    if (ref)
        protobuf_c_message_free_unpacked(ref, NULL);
    fl__proto_free(ours);
}

static uint32_t next_random(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* A model, then copies cut at many places and copies with changed bytes. */
static void check_model(const char *path, const char *name, tally *t)
{
    size_t n;
    uint8_t *bytes = fl_test_read_file(path, &n);
    CHECK(bytes != NULL, "cannot read %s", path);
    if (!bytes)
        return;
    const ProtobufCMessageDescriptor *d = &flonnx__model_proto__descriptor;
    compare(d, bytes, n, name, t);
    ProtobufCMessage *whole = fl__proto_unpack(d, bytes, n);
    CHECK(whole && ((Flonnx__ModelProto *)whole)->graph && ((Flonnx__ModelProto *)whole)->graph->n_node > 0,
          "%s: decoded without a graph", name);
    fl__proto_free(whole);
    uint8_t *copy = malloc(n);
    uint32_t seed = (uint32_t)n;
    const int rounds = n > 1000000 ? 12 : 60; /* the mesh is 2.5 MB: fewer copies of it */
    for (int r = 0; r < rounds; r++) {
        size_t cut = r < 8 ? (size_t)r * 3 : next_random(&seed) % n;
        compare(d, bytes, cut, "a copy cut short", t);
        memcpy(copy, bytes, n);
        /* changes in the first bytes hit keys and lengths; later ones mostly weights */
        for (int k = 0; k < 1 + r % 4; k++) {
            size_t at = (r % 2 ? next_random(&seed) % (n < 4096 ? n : 4096) : next_random(&seed) % n);
            copy[at] = (uint8_t)next_random(&seed);
        }
        compare(d, copy, n, "a copy with changed bytes", t);
    }
    free(copy);
    free(bytes);
}

/* Hand-made TensorProto and ModelProto bytes, one wire-format rule each. */
static void check_wire_rules(tally *t)
{
    const ProtobufCMessageDescriptor *tensor = &flonnx__tensor_proto__descriptor;
    const ProtobufCMessageDescriptor *model = &flonnx__model_proto__descriptor;
    static const struct {
        const char *what;
        int is_model;
        size_t n;
        uint8_t bytes[24];
    } cases[] = {
        {"empty", 0, 0, {0}},
        {"dims unpacked", 0, 4, {0x08, 0x02, 0x08, 0x03}},
        {"dims packed", 0, 4, {0x0a, 0x02, 0x02, 0x03}},
        {"floats packed", 0, 10, {0x22, 0x08, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}},
        {"floats unpacked", 0, 5, {0x25, 0, 0, 0x80, 0x3f}},
        {"floats packed, 7 bytes", 0, 9, {0x22, 0x07, 0, 0, 0x80, 0x3f, 0, 0, 0}},
        {"negative int32 as 10 bytes", 0, 11, {0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
        {"int32 over 32 bits", 0, 6, {0x10, 0x80, 0x80, 0x80, 0x80, 0x10}},
        {"varint of 11 bytes", 0, 12, {0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
        {"packed varints cut", 0, 4, {0x0a, 0x02, 0x02, 0x83}},
        {"name given twice", 0, 8, {0x42, 0x01, 'a', 0x42, 0x03, 'b', 'c', 'd'}},
        {"name with a NUL", 0, 5, {0x42, 0x03, 'a', 0, 'b'}},
        {"raw_data empty", 0, 2, {0x4a, 0x00}},
        {"unknown varint, fixed64, fixed32, bytes", 0, 19,
         {0x58, 0x05, 0x61, 1, 2, 3, 4, 5, 6, 7, 8, 0x6d, 1, 2, 3, 4, 0x72, 0x01, 0x09}},
        {"unknown group start", 0, 2, {0x5b, 0x00}},
        {"wire type 7", 0, 2, {0x5f, 0x00}},
        {"field number 0", 0, 2, {0x00, 0x01}},
        {"data_type as bytes", 0, 3, {0x12, 0x01, 0x01}},
        {"dims as fixed32", 0, 5, {0x0d, 1, 2, 3, 4}},
        {"name as varint", 0, 2, {0x40, 0x01}},
        {"length past the end", 0, 3, {0x42, 0x05, 'a'}},
        {"graph twice: merged", 1, 12, {0x3a, 0x04, 0x12, 0x02, 'g', '1', 0x3a, 0x04, 0x0a, 0x02, 0x22, 0x00}},
        {"opset twice: appended", 1, 8, {0x42, 0x02, 0x10, 0x0d, 0x42, 0x02, 0x10, 0x0b}},
        {"graph of bad bytes", 1, 4, {0x3a, 0x02, 0x5f, 0x00}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        compare(cases[i].is_model ? model : tensor, cases[i].bytes, cases[i].n, cases[i].what, t);

    /* the merge gives the first graph's name and the second graph's node */
    const uint8_t *twice = cases[21].bytes;
    Flonnx__ModelProto *m = (Flonnx__ModelProto *)fl__proto_unpack(model, twice, cases[21].n);
    CHECK(m && m->graph && m->graph->name && strcmp(m->graph->name, "g1") == 0 && m->graph->n_node == 1,
          "a graph given twice is not merged");
    fl__proto_free(m ? &m->base : NULL);
    CHECK(fl__proto_unpack(tensor, NULL, 5) == NULL, "NULL bytes with a length are refused");
}

int main(void)
{
    tally t = {0, 0};
    check_wire_rules(&t);
    const char *dir = fl_test_models_dir();
    DIR *folder = opendir(dir);
    CHECK(folder != NULL, "cannot open the model folder %s", dir);
    int models = 0;
    for (struct dirent *e; folder && (e = readdir(folder));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".onnx") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        check_model(path, e->d_name, &t);
        models++;
    }
    if (folder)
        closedir(folder);
    CHECK(models >= 8, "only %d models in %s", models, dir);
    printf("%d models; %d inputs decoded alike, %d refused by both\n", models, t.both_equal, t.both_refused);
    CHECK(t.both_equal > 100 && t.both_refused > 100, "too few of either kind to mean anything");
    TEST_MAIN_END();
}
