#include "common/options.h"

#include <string.h>

#include "common/error.h"

fl_status fl__options_adopt(void *dst, const void *src, size_t lib_size, const char *what, fl_error *err)
{
    uint32_t size;
    memcpy(&size, src, sizeof size);
    if (size < sizeof size || size > 65536)
        return fl__fail(err, FL_E_INVALID_ARGUMENT,
                        "%s.struct_size is %u: start from %s_default() and change fields", what, (unsigned)size, what);
    memcpy(dst, src, size < lib_size ? size : lib_size);
    const uint32_t mine = (uint32_t)lib_size;
    memcpy(dst, &mine, sizeof mine);
    return FL_OK;
}

void fl__options_init(void *out, size_t size, const void *defaults, size_t lib_size)
{
    if (!out || size < sizeof(uint32_t))
        return;
    const size_t n = size < lib_size ? size : lib_size;
    memcpy(out, defaults, n);
    const uint32_t written = (uint32_t)n;
    memcpy(out, &written, sizeof written);
}
