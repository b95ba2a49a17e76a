/* Option structs that grow without breaking the ABI. Each public option struct starts with
 * uint32_t struct_size, set by its *_default() helper (inline in the header, so it is the size the
 * caller was compiled with). The library starts from its own defaults and takes over only the
 * fields the caller's struct has: a program built against an older header keeps working, and its
 * new fields keep their defaults. */
#ifndef FL_COMMON_OPTIONS_H
#define FL_COMMON_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "facelive/status.h"

/* dst holds the library's defaults (lib_size bytes). Copies the first src->struct_size bytes of
 * src over them and sets dst's struct_size to lib_size. A struct_size that no *_default() can
 * have given (0: a struct zeroed or filled by hand; over 64 KiB) is FL_E_INVALID_ARGUMENT. */
fl_status fl__options_adopt(void *dst, const void *src, size_t lib_size, const char *what, fl_error *err);

/* Writes the defaults in full (lib_size bytes) into the first size bytes of out, with struct_size
 * = min(size, lib_size): what the *_init functions do for any caller's version of the struct. */
void fl__options_init(void *out, size_t size, const void *defaults, size_t lib_size);

/* Defines the exported `void fn(type *o, size_t size)` of an option struct from its defaults(). */
#define FL__DEFINE_OPTIONS_INIT(fn, type, defaults_fn)          \
    void fn(type *o, size_t size)                               \
    {                                                           \
        const type d = defaults_fn();                           \
        fl__options_init(o, size, &d, sizeof d);                \
    }

#endif
