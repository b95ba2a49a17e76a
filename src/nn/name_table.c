#include "nn/name_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static int alloc_slots(fl_name_table *t, size_t cap)
{
    t->keys = calloc(cap, sizeof *t->keys);
    t->values = calloc(cap, sizeof *t->values);
    if (!t->keys || !t->values) {
        free(t->keys);
        free(t->values);
        t->keys = NULL;
        t->values = NULL;
        return -1;
    }
    t->cap = cap;
    t->count = 0;
    return 0;
}

int fl__name_table_init(fl_name_table *t, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    return alloc_slots(t, cap);
}

void fl__name_table_free(fl_name_table *t)
{
    free(t->keys);
    free(t->values);
    memset(t, 0, sizeof *t);
}

static size_t find_slot(const fl_name_table *t, const char *key)
{
    size_t i = hash(key) & (t->cap - 1);
    while (t->keys[i] && strcmp(t->keys[i], key) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

int fl__name_table_put(fl_name_table *t, const char *key, int value)
{
    if ((t->count + 1) * 2 > t->cap) { /* keep the load factor at most 1/2 */
        fl_name_table old = *t;
        if (alloc_slots(t, old.cap * 2) != 0) {
            *t = old;
            return -1;
        }
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i])
                fl__name_table_put(t, old.keys[i], old.values[i]);
        free(old.keys);
        free(old.values);
    }
    size_t i = find_slot(t, key);
    if (!t->keys[i]) {
        t->keys[i] = key;
        t->count++;
    }
    t->values[i] = value;
    return 0;
}

int fl__name_table_get(const fl_name_table *t, const char *key)
{
    if (!t->cap)
        return -1;
    size_t i = find_slot(t, key);
    return t->keys[i] ? t->values[i] : -1;
}
