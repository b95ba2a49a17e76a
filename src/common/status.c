/* Names and messages of fl_status, generated from the one table in facelive/status.h. */
#include "facelive/status.h"

const char *fl_status_name(fl_status status)
{
    switch (status) {
#define FL_STATUS_NAME_(name, value, msg) \
    case name:                            \
        return #name;
        FL_STATUS_MAP(FL_STATUS_NAME_)
#undef FL_STATUS_NAME_
    }
    return "FL_UNKNOWN_STATUS";
}

const char *fl_status_message(fl_status status)
{
    switch (status) {
#define FL_STATUS_MSG_(name, value, msg) \
    case name:                           \
        return msg;
        FL_STATUS_MAP(FL_STATUS_MSG_)
#undef FL_STATUS_MSG_
    }
    return "unknown status";
}
