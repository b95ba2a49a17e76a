/* The images of a request, from either body format the API takes:
 *
 *   application/json     {"images": ["<base64>", {"data": "<base64>", "box": [x, y, w, h]}, ...]}
 *                        {"frames": [{"image": "<base64>", "t": 0.0}, ...], "mirrored": false}
 *   multipart/form-data  parts named "image" (or "frame") holding the files, in order; optional
 *                        fields "boxes" (a JSON list of [x, y, w, h] or null, one per image),
 *                        "timestamps" (comma-separated seconds, one per frame) and "mirrored"
 *
 * Every limit is checked here, before any image is decoded: JSON nesting depth, the number of
 * images, each image's encoded size. Parsing is separate from decoding so the fuzz target can
 * reach it without models. */
#ifndef FL_SERVER_MEDIA_H
#define FL_SERVER_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "server/state/config.h"
#include "server/state/errors.h"

typedef enum srv_media_kind {
    SRV_MEDIA_IMAGES = 0, /* /v1/liveness: "images", optional boxes */
    SRV_MEDIA_FRAMES = 1  /* verify: "frames", each with its time */
} srv_media_kind;

typedef struct srv_media_item {
    const uint8_t *bytes; /* into the body (multipart) or into owned (base64) */
    size_t len;
    uint8_t *owned;
    int has_box;
    int box[4];           /* x, y, w, h */
    double t;             /* frames: seconds */
} srv_media_item;

typedef struct srv_media {
    srv_media_item *items;
    int n, cap;
    int mirrored;
    char detail[160];     /* what exactly was wrong, for the error message */
} srv_media;

/* Parses body (len bytes; it need not be NUL-terminated) of the given Content-Type. max_items:
 * the limit for this route. On error the media holds nothing to free beyond srv_media_free. */
srv_error srv_media_parse(const char *content_type, const char *body, size_t len, srv_media_kind kind,
                          int max_items, const srv_limits *limits, srv_media *out);
void srv_media_free(srv_media *m);

/* srv_media_parse of a JSON body with the strings of at least lift_min base64 characters lifted
 * out before jansson reads it (SRV_LIFT_MIN, json_lift.h); SIZE_MAX: none, as jansson alone
 * would read it. The fuzz target compares the two. */
srv_error srv_media_parse_json(const char *body, size_t len, srv_media_kind kind, int max_items,
                               const srv_limits *limits, size_t lift_min, srv_media *out);

/* The deepest nesting of arrays and objects in a JSON text (strings are skipped). */
int srv_json_depth(const char *text, size_t len);

#endif
