#include "app/json_writer.h"

#include <assert.h>
#include <math.h>

void jw_init(jw *w, FILE *f)
{
    w->f = f;
    w->depth = 0;
    w->count[0] = 0;
}

void jw_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f); /* UTF-8 passes through; invalid bytes are the caller's file names */
        }
    }
    fputc('"', f);
}

/* The separator and key before a value at the current level. */
static void begin_value(jw *w, const char *key)
{
    if (w->count[w->depth]++)
        fputs(", ", w->f);
    if (key) {
        jw_write_string(w->f, key);
        fputs(": ", w->f);
    }
}

static void open_level(jw *w, const char *key, char open, char close)
{
    assert(w->depth + 1 < JW_MAX_DEPTH); /* the CLI's documents are a few levels deep */
    begin_value(w, key);
    fputc(open, w->f);
    w->close[++w->depth] = close;
    w->count[w->depth] = 0;
}

void jw_object(jw *w, const char *key)
{
    open_level(w, key, '{', '}');
}

void jw_array(jw *w, const char *key)
{
    open_level(w, key, '[', ']');
}

void jw_end(jw *w)
{
    assert(w->depth > 0);
    fputc(w->close[w->depth--], w->f);
    if (w->depth == 0) {
        fputc('\n', w->f);
        fflush(w->f);
        w->count[0] = 0;
    }
}

void jw_str(jw *w, const char *key, const char *value)
{
    begin_value(w, key);
    if (value)
        jw_write_string(w->f, value);
    else
        fputs("null", w->f);
}

void jw_num(jw *w, const char *key, double value, int decimals)
{
    begin_value(w, key);
    if (isfinite(value))
        fprintf(w->f, "%.*f", decimals, value);
    else
        fputs("null", w->f);
}

void jw_int(jw *w, const char *key, long long value)
{
    begin_value(w, key);
    fprintf(w->f, "%lld", value);
}

void jw_bool(jw *w, const char *key, int value)
{
    begin_value(w, key);
    fputs(value ? "true" : "false", w->f);
}
