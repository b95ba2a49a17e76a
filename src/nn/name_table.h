/* A string -> index map for tensor names while loading (open addressing, FNV-1a). */
#ifndef FL_NN_NAME_TABLE_H
#define FL_NN_NAME_TABLE_H

#include <stddef.h>

typedef struct fl_name_table {
    const char **keys; /* borrowed; must outlive the table */
    int *values;
    size_t cap;        /* power of two */
    size_t count;
} fl_name_table;

/* 0 on success, -1 when out of memory. */
int fl__name_table_init(fl_name_table *t, size_t expected);
void fl__name_table_free(fl_name_table *t);
/* Inserts or replaces; 0 on success, -1 when out of memory. */
int fl__name_table_put(fl_name_table *t, const char *key, int value);
/* The value, or -1 when absent. */
int fl__name_table_get(const fl_name_table *t, const char *key);

#endif
