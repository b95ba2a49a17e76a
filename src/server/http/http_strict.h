/* What libmicrohttpd 0.9.75 lets through: requests whose framing two parsers could read
 * differently (request smuggling; HAProxy 2.6 refuses most of these, but passes a NUL inside a
 * header value on), and header values a C string would cut short. Checked on a request's headers,
 * before its body is read. */
#ifndef FL_SERVER_HTTP_STRICT_H
#define FL_SERVER_HTTP_STRICT_H

#include <microhttpd.h>
#include <stddef.h>

#include "server/state/errors.h"

/* SRV_E_BAD_REQUEST, with detail, for: two Content-Length headers that differ, a Content-Length
 * that is not a plain number, Content-Length together with Transfer-Encoding, a header name with
 * white space in it ("Content-Length : 0"), a NUL or other control byte in a header value (with
 * 0.9.75 a header line ended by a bare LF reads as one: only CR LF is taken), and an HTTP/1.1
 * request without Host. SRV_OK otherwise. */
srv_error srv_http_check_headers(struct MHD_Connection *conn, const char *version, char *detail, size_t size);

#endif
