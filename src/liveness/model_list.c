#include "liveness/model_list.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#include "liveness/default_model_list.h" /* generated from config/antispoof_models.tsv */

const char *const fl__default_model_list = default_model_list_text;

static const char *const columns[] = {"file",   "input",      "colour", "pixel_scale", "crop_scale",
                                      "output", "real_class", "weight", "licence",     "trained_on"};
enum { N_REQUIRED = 8, N_COLUMNS = 10 };

const char *fl__model_list_column(int i)
{
    return i >= 0 && i < N_COLUMNS ? columns[i] : NULL;
}

static int parse_float(const char *s, float lo, float hi, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return 0;
    *out = (float)v;
    return 1;
}

/* An optional text column: printable, no more than the field holds. */
static fl_status text_field(const char *what, int line, const char *c, const char *value, char *dst, size_t size,
                            fl_error *err)
{
    size_t n = strlen(value);
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)value[k] < 0x20 || value[k] == 0x7f)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %s holds a control byte", what, line, c);
    if (n >= size)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %s longer than %zu bytes", what, line, c, size - 1);
    memcpy(dst, value, n + 1);
    return FL_OK;
}

/* crop_scale: a number, or "frame" for the whole image. */
static fl_status crop_field(const char *what, int line, const char *value, fl_antispoof_spec *sp, fl_error *err)
{
    if (!strcmp(value, "frame")) {
        sp->whole_frame = 1;
        sp->crop_scale = 0;
        return FL_OK;
    }
    if (!parse_float(value, 0.5f, 10.0f, &sp->crop_scale))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: crop_scale '%s' must be a number in [0.5, 10] or frame",
                       what, line, value);
    return FL_OK;
}

static fl_status field(const char *what, int line, int col, const char *value, fl_antispoof_spec *sp, fl_error *err)
{
    const char *c = columns[col];
    switch (col) {
    case 0:
        if (!*value || strlen(value) >= sizeof sp->file || strstr(value, "..") || value[0] == '/')
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %s '%s' must be a file name inside the models folder",
                           what, line, c, value);
        strcpy(sp->file, value);
        return FL_OK;
    case 1: {
        char *x;
        long w = strtol(value, &x, 10), h = (x && *x == 'x') ? strtol(x + 1, &x, 10) : 0;
        if (*x || w < 8 || h < 8 || w > 1024 || h > 1024)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %s '%s' must be WxH, 8..1024", what, line, c, value);
        sp->input_w = (int)w, sp->input_h = (int)h;
        return FL_OK;
    }
    case 2:
        if (strcmp(value, "bgr") && strcmp(value, "rgb"))
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %s '%s' must be bgr or rgb", what, line, c, value);
        sp->rgb = value[0] == 'r';
        return FL_OK;
    case 3:
    case 7: {
        float v, lo = 1e-6f, hi = 1000.0f;
        if (!parse_float(value, lo, hi, &v))
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %s '%s' must be a number in [%g, %g]", what, line, c,
                           value, lo, hi);
        *(col == 3 ? &sp->pixel_scale : &sp->weight) = v;
        return FL_OK;
    }
    case 4:
        return crop_field(what, line, value, sp, err);
    case 5:
        if (strcmp(value, "logits") && strcmp(value, "probabilities") && strcmp(value, "texture"))
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %s '%s' must be logits, probabilities or texture", what,
                           line, c, value);
        sp->logits = value[0] == 'l';
        sp->texture = value[0] == 't';
        return FL_OK;
    case 8:
        return text_field(what, line, c, value, sp->licence, sizeof sp->licence, err);
    case 9:
        return text_field(what, line, c, value, sp->trained_on, sizeof sp->trained_on, err);
    case 6: {
        char *end;
        long v = strtol(value, &end, 10);
        if (*end || end == value || v < 0 || v > 1000)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %s '%s' must be a class index", what, line, c, value);
        sp->real_class = (int)v;
        return FL_OK;
    }
    default:
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: no column %d", what, line, col + 1);
    }
}

/* The header: the required columns in order, then optionally both text columns. *n_cols gets the count. */
static fl_status header_line(const char *what, int line, char **cells, int nc, int *n_cols, fl_error *err)
{
    if (nc != N_REQUIRED && nc != N_COLUMNS)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %d tab-separated columns, expected %d (%s ... %s) or %d (... %s)",
                       what, line, nc, N_REQUIRED, columns[0], columns[N_REQUIRED - 1], N_COLUMNS, columns[N_COLUMNS - 1]);
    for (int c = 0; c < nc; c++)
        if (strcmp(cells[c], columns[c]))
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: column %d is '%s', expected '%s'", what, line, c + 1,
                           cells[c], columns[c]);
    *n_cols = nc;
    return FL_OK;
}

fl_status fl__model_list_parse(const char *text, const char *what, fl_antispoof_spec *specs, int *n, fl_error *err)
{
    *n = 0;
    int line = 0, n_cols = 0; /* n_cols: 0 until the header is read */
    const char *p = text;
    while (*p) {
        line++;
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char buf[1024];
        if (len >= sizeof buf)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: line longer than %zu bytes", what, line, sizeof buf - 1);
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (len && buf[len - 1] == '\r')
            buf[len - 1] = '\0';
        p = eol ? eol + 1 : p + len;
        if (!buf[0] || buf[0] == '#')
            continue;
        char *cells[N_COLUMNS + 1];
        int nc = 0;
        for (char *s = buf; nc <= N_COLUMNS;) {
            cells[nc++] = s;
            char *tab = strchr(s, '\t');
            if (!tab)
                break;
            *tab = '\0';
            s = tab + 1;
        }
        if (!n_cols) { /* the first non-comment line names the columns, in this order */
            fl_status s = header_line(what, line, cells, nc, &n_cols, err);
            if (s)
                return s;
            continue;
        }
        if (nc != n_cols)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: %d tab-separated columns, expected %d as the header says",
                           what, line, nc, n_cols);
        if (*n == FL_SILENT_MAX_MODELS)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: more than %d models", what, line, FL_SILENT_MAX_MODELS);
        fl_antispoof_spec *sp = &specs[*n];
        memset(sp, 0, sizeof *sp);
        for (int c = 0; c < n_cols; c++) {
            fl_status s = field(what, line, c, cells[c], sp, err);
            if (s)
                return s;
        }
        if (sp->texture && sp->whole_frame)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: a texture model reads the face, not the whole frame",
                           what, line);
        if (sp->texture && (sp->rgb || sp->pixel_scale != 1.0f || sp->real_class != 1))
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s:%d: a texture model reads bgr pixels as they are and gives "
                           "p_real: colour bgr, pixel_scale 1, real_class 1", what, line);
        (*n)++;
    }
    if (!n_cols || *n == 0)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "%s: no models listed (a header line and at least one model)", what);
    return FL_OK;
}
