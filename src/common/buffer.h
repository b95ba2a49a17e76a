/* A growable scratch buffer: per-context memory reused from frame to frame. */
#ifndef FL_COMMON_BUFFER_H
#define FL_COMMON_BUFFER_H

#include <stddef.h>

typedef struct fl_buffer {
    void *data;
    size_t size;
} fl_buffer;

/* Makes room for at least `bytes` (contents not kept); NULL when out of memory. */
void *fl__buffer_reserve(fl_buffer *b, size_t bytes);
void fl__buffer_free(fl_buffer *b);

#endif
