/* libFuzzer target: JPEG/PNG decoding (TurboJPEG, libspng) from untrusted bytes, with the limits
 * a server would set, and the header probe before it. Any status is fine; a crash, a leak or
 * undefined behaviour is not, and a success must give a consistent image that the probe measured. */
#include <stdint.h>
#include <stdlib.h>

#include "facelive/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fl_decode_limits limits = {1u << 20, 4096, 4u * 1024u * 1024u};
    fl_image img = {0};
    fl_error err;
    int pw = 0, ph = 0;
    int probed = fl_image_probe(data, size, &pw, &ph, &err) == FL_OK;
    if (fl_image_decode(data, size, &limits, &img, &err) == FL_OK) {
        if (!probed || (long long)pw * ph != (long long)img.width * img.height)
            abort(); /* what decodes was probed first, to the same number of pixels */
        if (!img.data || img.width < 1 || img.height < 1 || img.stride < (size_t)img.width * 3 ||
            (uint32_t)img.width * (uint32_t)img.height > limits.max_pixels)
            abort(); /* a success must be a usable image within the limits */
        volatile uint8_t last = img.data[(size_t)(img.height - 1) * img.stride + (size_t)img.width * 3 - 1];
        (void)last;
        fl_image_free(&img);
    } else if (img.data) {
        abort(); /* failure leaves the output untouched */
    }
    /* the scaled decode (the service's decode_min_side): a success is the stored size divided by
     * the divisor it gives, sides rounded up, turned or not by the EXIF orientation */
    int divisor = 0;
    if (fl_image_decode_reduced(data, size, &limits, 1 + (size ? data[0] % 128 : 0), &img, &divisor, &err) == FL_OK) {
        const int w = (pw + divisor - 1) / divisor, h = (ph + divisor - 1) / divisor;
        if (!probed || !(divisor == 1 || divisor == 2 || divisor == 4 || divisor == 8) ||
            !((img.width == w && img.height == h) || (img.width == h && img.height == w)))
            abort();
        volatile uint8_t last = img.data[(size_t)(img.height - 1) * img.stride + (size_t)img.width * 3 - 1];
        (void)last;
        fl_image_free(&img);
    } else if (img.data) {
        abort();
    }
    return 0;
}
