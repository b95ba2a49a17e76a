/*
 * The image file functions of a build without JPEG and PNG libraries (the WebAssembly build:
 * the browser hands over camera frames as RGBA, and Debian has no libjpeg-turbo or libspng for
 * wasm). Each answers FL_E_UNAVAILABLE, so a caller learns why rather than getting a link error.
 */
#include "facelive/image.h"

#include "common/error.h"

static fl_status unavailable(fl_error *err)
{
    return fl__fail(err, FL_E_UNAVAILABLE,
                    "this build has no JPEG/PNG decoder (WebAssembly): pass frames with fl_image_from_view");
}

fl_status fl_image_decode(const void *bytes, size_t size, const fl_decode_limits *lim, fl_image *out, fl_error *err)
{
    (void)bytes, (void)size, (void)lim, (void)out;
    return unavailable(err);
}

fl_status fl_image_decode_reduced(const void *bytes, size_t size, const fl_decode_limits *lim, int min_side,
                                  fl_image *out, int *divisor, fl_error *err)
{
    (void)bytes, (void)size, (void)lim, (void)min_side, (void)out, (void)divisor;
    return unavailable(err);
}

fl_status fl_image_probe(const void *bytes, size_t size, int *width, int *height, fl_error *err)
{
    (void)bytes, (void)size, (void)width, (void)height;
    return unavailable(err);
}

fl_status fl_image_load(const char *path, const fl_decode_limits *lim, fl_image *out, fl_error *err)
{
    (void)path, (void)lim, (void)out;
    return unavailable(err);
}

fl_status fl_image_load_reduced(const char *path, const fl_decode_limits *lim, int min_side, fl_image *out,
                                int *divisor, fl_error *err)
{
    (void)path, (void)lim, (void)min_side, (void)out, (void)divisor;
    return unavailable(err);
}

fl_status fl_image_save_png(const fl_image *img, const char *path, fl_error *err)
{
    (void)img, (void)path;
    return unavailable(err);
}
