/* Bytes from the operating system's cryptographic random source, portably: getrandom on Linux
 * and Android 9+, arc4random_buf on Apple platforms (iOS has no getrandom), /dev/urandom elsewhere. */
#ifndef FL_COMMON_RANDOM_H
#define FL_COMMON_RANDOM_H

#include <stddef.h>

#include "facelive/status.h"

fl_status fl__random_bytes(void *out, size_t n, fl_error *err);

#endif
