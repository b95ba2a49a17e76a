#include "common/buffer.h"

#include <stdlib.h>

void *fl_buffer_reserve(fl_buffer *b, size_t bytes)
{
    if (bytes <= b->size && b->data)
        return b->data;
    free(b->data);
    b->data = malloc(bytes + 64); /* slack: XNNPACK and vector loads may read past the end */
    b->size = b->data ? bytes : 0;
    return b->data;
}

void fl_buffer_free(fl_buffer *b)
{
    free(b->data);
    b->data = NULL;
    b->size = 0;
}
