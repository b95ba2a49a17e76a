#include "server/state/errors.h"

typedef struct error_info {
    int status;
    const char *code, *message;
} error_info;

static const error_info infos[SRV_ERROR_COUNT] = {
    [SRV_OK] = {200, "ok", "success"},
#define SRV_ERROR_INFO_(id, status, code, msg) [id] = {status, code, msg},
    SRV_ERROR_MAP(SRV_ERROR_INFO_)
#undef SRV_ERROR_INFO_
};

static const error_info *info(srv_error e)
{
    return e >= 0 && e < SRV_ERROR_COUNT ? &infos[e] : &infos[SRV_E_INTERNAL];
}

int srv_error_status(srv_error e) { return info(e)->status; }
const char *srv_error_code(srv_error e) { return info(e)->code; }
const char *srv_error_message(srv_error e) { return info(e)->message; }
