#include "facelive/version.h"

const char *fl_version(void)
{
    return FL_VERSION_STRING;
}

int fl_version_number(void)
{
    return FL_VERSION_NUMBER;
}
