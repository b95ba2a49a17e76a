/* facelive/export.h - FL_API marks the public surface; everything else is hidden in the
 * shared library (built with -fvisibility=hidden), as a mobile .so with a fixed ABI needs. */
#ifndef FACELIVE_EXPORT_H
#define FACELIVE_EXPORT_H

#if defined(FL_BUILDING_LIBRARY) && defined(__GNUC__)
#define FL_API __attribute__((visibility("default")))
#else
#define FL_API
#endif

#endif
