/* A multipart/form-data reader (RFC 7578) over a body held in memory: the parts point into the
 * body, nothing is copied. Strict: a part without a name, a missing closing delimiter or a header
 * block without its end is an error, never a guess. */
#ifndef FL_SERVER_MULTIPART_H
#define FL_SERVER_MULTIPART_H

#include <stddef.h>

#define MP_NAME_MAX 64

typedef struct mp_part {
    char name[MP_NAME_MAX];  /* the form field's name */
    int is_file;             /* a filename was given */
    const char *data;
    size_t len;
} mp_part;

/* The boundary of a Content-Type header value into out (NUL-terminated); -1 when absent or longer
 * than RFC 2046's 70 characters. */
int mp_boundary(const char *content_type, char *out, size_t size);

/* Calls on_part for each part in order; stops at the first nonzero return and gives it back.
 * Returns 0 at the closing delimiter, -1 when the body is malformed, or on_part's value. */
int mp_parse(const char *body, size_t len, const char *boundary, int (*on_part)(const mp_part *p, void *ctx),
             void *ctx);

#endif
