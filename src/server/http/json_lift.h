/* Long base64 strings lifted out of a JSON body before jansson reads it.
 *
 * jansson reads a string a character at a time, checking and then copying it: about 100 MB/s on
 * this project's machine, half a millisecond for one 640x480 JPEG in base64 — more than the rest
 * of the request's parsing. So every string value of at least min_len characters that holds only
 * base64's characters is lifted out: a copy of the body holds a short reference in its place, and
 * the caller decodes the image straight from the body. A reference carries 128 random bits drawn
 * per body, so no string a client writes can pass for one. Lifting replaces one string literal by
 * another, so the copy is valid JSON exactly when the body is, with the same structure; keys are
 * never lifted (duplicate keys must still be found). */
#ifndef FL_SERVER_JSON_LIFT_H
#define FL_SERVER_JSON_LIFT_H

#include <stddef.h>

#define SRV_LIFT_MIN 1024 /* shorter strings cost jansson little */

typedef struct srv_lift_span {
    size_t offset, len; /* a lifted string's characters in the body */
} srv_lift_span;

typedef struct srv_lifted {
    const char *text;     /* what jansson reads: the copy, or the body itself when nothing was lifted */
    size_t len;
    char *copy;           /* owned */
    srv_lift_span *spans; /* owned; in the order of the body */
    size_t n;
    char tag[48];         /* every reference is the tag followed by its span's index */
    size_t tag_len;
} srv_lifted;

/* Lifts from body (len bytes) every string value of at least min_len base64 characters. Returns
 * 0, or -1 when out of memory (out then needs no freeing). Reentrant. */
int srv_json_lift(const char *body, size_t len, size_t min_len, srv_lifted *out);

/* The body's characters of the lifted string that s (slen bytes, a string jansson read from
 * l->text) stands for, with their count in *len; NULL when s is not a reference. */
const char *srv_json_lifted(const srv_lifted *l, const char *body, const char *s, size_t slen, size_t *len);

void srv_lifted_free(srv_lifted *l);

#endif
