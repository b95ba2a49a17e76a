/* One JSON writer for everything the CLI prints as JSON: strings are escaped (a file name may
 * hold quotes, backslashes or control bytes), non-finite numbers become null, and commas and
 * nesting are tracked so callers cannot produce invalid JSON by hand. */
#ifndef FL_CLI_JSON_WRITER_H
#define FL_CLI_JSON_WRITER_H

#include <stdio.h>

#define JW_MAX_DEPTH 16

typedef struct jw {
    FILE *f;
    int depth;
    int count[JW_MAX_DEPTH]; /* values written so far at each level */
    char close[JW_MAX_DEPTH]; /* the bracket that ends each open level */
} jw;

void jw_init(jw *w, FILE *f);
/* key is NULL for an array element or the top-level value. */
void jw_object(jw *w, const char *key);
void jw_array(jw *w, const char *key);
/* Closes the innermost object or array; at the top level also ends the line and flushes. */
void jw_end(jw *w);
void jw_str(jw *w, const char *key, const char *value); /* NULL: null */
void jw_num(jw *w, const char *key, double value, int decimals);
void jw_int(jw *w, const char *key, long long value);
void jw_bool(jw *w, const char *key, int value);
/* The escaped form of s in quotes, for a caller that builds one line itself. */
void jw_write_string(FILE *f, const char *s);

#endif
