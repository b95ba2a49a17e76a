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
    return 0;
}
