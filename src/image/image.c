/* Owned BGR images: allocation and release. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "facelive/image.h"

fl_status fl_image_alloc(int width, int height, fl_image *out, fl_error *err)
{
    if (!out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "out is NULL");
    if (width < 1 || height < 1)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "image size %dx%d", width, height);
    if (width > FL_IMAGE_MAX_SIDE || height > FL_IMAGE_MAX_SIDE ||
        (uint64_t)width * (uint64_t)height > FL_IMAGE_MAX_PIXELS)
        return fl__fail(err, FL_E_TOO_LARGE, "image size %dx%d exceeds %d a side or %u pixels", width, height,
                       FL_IMAGE_MAX_SIDE, FL_IMAGE_MAX_PIXELS);
    size_t stride = (size_t)width * 3;
    uint8_t *data = calloc((size_t)height * stride + 16, 1); /* slack for vector reads past the end */
    if (!data)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for a %dx%d image", width, height);
    *out = (fl_image){data, width, height, stride};
    return FL_OK;
}

void fl_image_free(fl_image *img)
{
    if (!img)
        return;
    free(img->data);
    memset(img, 0, sizeof *img);
}
