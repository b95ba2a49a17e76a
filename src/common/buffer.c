#include "common/buffer.h"

#include <stdlib.h>

void *fl__buffer_reserve(fl_buffer *b, size_t bytes)
{
    if (bytes <= b->size && b->data)
        return b->data;
    free(b->data);
    b->data = malloc(bytes + 64); /* slack: XNNPACK and vector loads may read past the end */
    b->size = b->data ? bytes : 0;
    return b->data;
}

void fl__buffer_free(fl_buffer *b)
{
    free(b->data);
    b->data = NULL;
    b->size = 0;
}
