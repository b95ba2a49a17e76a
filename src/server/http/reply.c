#include "server/http/request.h"

#include <microhttpd.h>
#include <stdlib.h>

const char *srv_request_header(srv_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int srv_out_begin(srv_out *o)
{
    o->buf = NULL;
    o->len = 0;
    o->f = open_memstream(&o->buf, &o->len);
    if (!o->f)
        return -1;
    jw_init(&o->w, o->f);
    jw_object(&o->w, NULL);
    return 0;
}

void srv_out_finish(srv_out *o, srv_request *r, int status)
{
    jw_end(&o->w);
    fclose(o->f);
    free(r->out);
    r->out = o->buf;
    r->out_len = o->len;
    r->status = status;
    r->content_type = "application/json";
}

void srv_reply_error(srv_request *r, srv_error e, const char *detail, void (*extra)(jw *w, void *ctx), void *ctx)
{
    srv_out o;
    r->error = e;
    if (srv_out_begin(&o)) {
        r->status = 500;
        return;
    }
    jw_object(&o.w, "error");
    jw_str(&o.w, "code", srv_error_code(e));
    jw_str(&o.w, "message", srv_error_message(e));
    if (detail && *detail)
        jw_str(&o.w, "detail", detail);
    jw_end(&o.w);
    jw_str(&o.w, "request_id", r->request_id);
    if (extra)
        extra(&o.w, ctx);
    srv_out_finish(&o, r, srv_error_status(e));
}
