/* `facelive eval`'s manifest: tab-separated with a header naming at least relative_path, label
 * (real | spoof; other labels are skipped) and attack_type (the species); an optional split column
 * (dev | test) is used by --calibrate. Without it rows are split by a hash of their source group
 * (the file name without a trailing _fNNN frame number), so frames of one video never land on both
 * sides. */
#include "cli/eval/eval_manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    memcpy(d, s, n);
    return d;
}

static unsigned long hash_str(const char *s, size_t n)
{
    unsigned long h = 5381;
    for (size_t i = 0; i < n; i++)
        h = h * 33 + (unsigned char)s[i];
    return h;
}

/* The group of a path: without the extension and a trailing _fNNN frame number. */
static int is_dev_by_group(const char *path)
{
    const char *dot = strrchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    const char *f = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if (path[i] == '_' && path[i + 1] == 'f')
            f = path + i;
    if (f) {
        size_t k = (size_t)(f - path) + 2;
        while (k < n && path[k] >= '0' && path[k] <= '9')
            k++;
        if (k == n)
            n = (size_t)(f - path);
    }
    return hash_str(path, n) % 2 == 0;
}

static int column(char **cells, int nc, const char *name)
{
    for (int i = 0; i < nc; i++)
        if (strcmp(cells[i], name) == 0)
            return i;
    return -1;
}

static int split_tabs(char *line, char **cells, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *s = line; n < max;) {
        cells[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

static int group_of(groups *g, const char *value)
{
    int i = 0;
    while (i < g->n && strcmp(g->name[i], value))
        i++;
    if (i == g->n && i < FL_EVAL_MAX_GROUPS)
        snprintf(g->name[g->n++], sizeof g->name[0], "%s", value);
    return i < FL_EVAL_MAX_GROUPS ? i : -1;
}

/* The manifest's columns, from its header line. */
typedef struct manifest_columns {
    int n, path, label, type, split, group;
} manifest_columns;

static int read_header(const char *path, const char *group_by, char *line, manifest_columns *c, groups *grp)
{
    char *cells[64];
    c->n = split_tabs(line, cells, 64);
    c->path = column(cells, c->n, "relative_path"), c->label = column(cells, c->n, "label");
    c->type = column(cells, c->n, "attack_type"), c->split = column(cells, c->n, "split");
    if (c->path < 0 || c->label < 0 || c->type < 0) {
        fprintf(stderr, "facelive eval: %s: the header must name relative_path, label and attack_type (tab-separated)\n",
                path);
        return -1;
    }
    c->group = group_by ? (strcmp(group_by, "none") ? column(cells, c->n, group_by) : -1)
                        : column(cells, c->n, "source_repo");
    if (group_by && strcmp(group_by, "none") && c->group < 0) {
        fprintf(stderr, "facelive eval: %s: no column '%s' to group by\n", path, group_by);
        return -1;
    }
    grp->n = 0;
    snprintf(grp->column, sizeof grp->column, "%s", c->group >= 0 ? cells[c->group] : "");
    return 0;
}

/* One real or spoof row from its cells (species are numbered in order of first appearance). */
static void fill_row(row *r, char **cells, int k, const manifest_columns *c, int g, species_names *sp)
{
    const int bona = strcmp(cells[c->label], "real") == 0;
    memset(r, 0, sizeof *r);
    r->why = -1;
    r->group = g;
    r->path = dup_str(cells[c->path]);
    r->bona_fide = bona;
    r->species = -1;
    r->species_name = dup_str(bona ? "bona_fide" : cells[c->type]);
    if (!bona) {
        int s = 0;
        while (s < sp->n && strcmp(sp->name[s], cells[c->type]))
            s++;
        if (s == sp->n && s < FL_EVAL_MAX_SPECIES)
            snprintf(sp->name[sp->n++], 64, "%s", cells[c->type]);
        r->species = s < FL_EVAL_MAX_SPECIES ? s : FL_EVAL_MAX_SPECIES - 1;
    }
    r->dev = c->split >= 0 && k > c->split ? strcmp(cells[c->split], "dev") == 0 : is_dev_by_group(r->path);
    r->sample.bona_fide = bona;
    r->sample.species = r->species;
}

/* Reads one data line into rows (grown as needed): 1 a row was added, 0 the line was skipped (blank,
 * or another label), -1 an error (message printed). */
static int read_row(const char *path, int lineno, char *line, const manifest_columns *c, manifest *m)
{
    char *cells[64];
    int k = split_tabs(line, cells, 64);
    if (k == 1 && !cells[0][0])
        return 0;
    if (k <= c->path || k <= c->label || k <= c->type || k <= c->group) {
        fprintf(stderr, "facelive eval: %s:%d: %d columns, the header has %d\n", path, lineno, k, c->n);
        return -1;
    }
    if (strcmp(cells[c->label], "real") != 0 && strcmp(cells[c->label], "spoof") != 0) {
        m->skipped++;
        return 0;
    }
    const int g = c->group >= 0 ? group_of(&m->grp, cells[c->group]) : 0;
    row *grown = m->n < m->cap ? m->rows : realloc(m->rows, (size_t)(m->cap = m->cap ? m->cap * 2 : 256) * sizeof *m->rows);
    if (grown)
        m->rows = grown;
    if (!grown || g < 0) {
        fprintf(stderr, "facelive eval: %s:%d: %s\n", path, lineno, grown ? "more than 64 groups (see --group-by)" : "out of memory");
        return -1;
    }
    fill_row(&m->rows[m->n++], cells, k, c, g, &m->species);
    return 1;
}

int eval_read_manifest(const char *path, const char *group_by, manifest *m)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "facelive eval: %s: %s\n", path, strerror(errno));
        return -1;
    }
    static char line[65536];
    manifest_columns c;
    int rc = 0, lineno = 1;
    if (!fgets(line, sizeof line, f)) {
        fprintf(stderr, "facelive eval: %s: empty file\n", path);
        rc = -1;
    } else {
        rc = read_header(path, group_by, line, &c, &m->grp);
    }
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "facelive eval: %s:%d: line too long\n", path, lineno);
            rc = -1;
        } else if (read_row(path, lineno, line, &c, m) < 0) {
            rc = -1;
        }
    }
    fclose(f);
    if (rc)
        eval_free_manifest(m);
    return rc;
}

void eval_free_manifest(manifest *m)
{
    for (int i = 0; i < m->n; i++) {
        free(m->rows[i].path);
        free(m->rows[i].species_name);
    }
    free(m->rows);
    m->rows = NULL;
    m->n = m->cap = 0;
}
