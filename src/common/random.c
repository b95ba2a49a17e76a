#include "common/random.h"

#include "common/error.h"

#if defined(__APPLE__)
#include <stdlib.h>

fl_status fl__random_bytes(void *out, size_t n, fl_error *err)
{
    (void)err;
    arc4random_buf(out, n); /* cannot fail */
    return FL_OK;
}

#elif defined(__linux__) && (!defined(__ANDROID__) || __ANDROID_API__ >= 28)
#include <errno.h>
#include <sys/random.h>

fl_status fl__random_bytes(void *out, size_t n, fl_error *err)
{
    for (size_t got = 0; got < n;) {
        ssize_t k = getrandom((char *)out + got, n - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return fl__fail(err, FL_E_IO, "getrandom failed: no random source");
        got += (size_t)k;
    }
    return FL_OK;
}

#else
#include <stdio.h>

fl_status fl__random_bytes(void *out, size_t n, fl_error *err)
{
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(out, 1, n, f) : 0;
    if (f)
        fclose(f);
    return got == n ? FL_OK : fl__fail(err, FL_E_IO, "/dev/urandom could not be read: no random source");
}
#endif
