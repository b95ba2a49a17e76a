#include "server/http/http_strict.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct header_scan {
    int content_lengths, transfer_encodings, hosts;
    const char *content_length;
    size_t content_length_size;
    char problem[160];
} header_scan;

static int plain_number(const char *v, size_t n)
{
    if (n == 0 || n > 19)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    return 1;
}

/* The name's first byte that is not a token character (RFC 9110), or NULL. */
static const char *bad_name_byte(const char *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (k[i] <= ' ' || k[i] == ':' || (unsigned char)k[i] >= 127)
            return k + i;
    return NULL;
}

static int control_byte_in(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < ' ' && v[i] != '\t')
            return 1;
    return 0;
}

#if MHD_VERSION == 0x00097500
/* libmicrohttpd 0.9.75 hands a header value over as a C string: "KEY\0junk" arrives as "KEY", so a
 * proxy in front and this server would read different values (HAProxy 2.6 passes the NUL on). What
 * follows the string in libmicrohttpd's read buffer is the rest of the line, then its CR LF, which
 * it overwrote with two zero bytes: anything but white space and zeros before those is what a NUL
 * hid. (This reads the library's buffer past the string, within the line it parsed: only for the
 * version whose parsing this was checked on.) */
static int hidden_after_nul(const char *value, size_t value_size)
{
    const char *p = value + value_size;
    for (size_t i = 1; i < 8192; i++) {
        if (p[i] == '\0' && p[i - 1] == '\0')
            return 0;
        if (p[i] != '\0' && p[i] != ' ' && p[i] != '\t')
            return 1;
    }
    return 1;
}
#else
static int hidden_after_nul(const char *value, size_t value_size)
{
    (void)value, (void)value_size;
    return 0; /* later versions refuse a NUL in a header themselves */
}
#endif

static void note(header_scan *s, const char *what, const char *key)
{
    if (!s->problem[0])
        snprintf(s->problem, sizeof s->problem, "%s (header \"%.40s\")", what, key);
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                   const char *value, size_t value_size)
{
    (void)kind;
    header_scan *s = cls;
    if (bad_name_byte(key, key_size))
        note(s, "a header name holds white space or a control byte", key);
    if (value && (control_byte_in(value, value_size) || hidden_after_nul(value, value_size)))
        note(s, "a header value holds a NUL or control byte", key);
    if (strcasecmp(key, "Content-Length") == 0) {
        if (!plain_number(value, value_size))
            note(s, "Content-Length is not a plain number", key);
        else if (s->content_lengths &&
                 (value_size != s->content_length_size || memcmp(value, s->content_length, value_size) != 0))
            note(s, "two Content-Length headers differ", key);
        s->content_lengths++;
        s->content_length = value;
        s->content_length_size = value_size;
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        s->transfer_encodings++;
    } else if (strcasecmp(key, "Host") == 0) {
        s->hosts++;
    }
    return MHD_YES;
}

srv_error srv_http_check_headers(struct MHD_Connection *conn, const char *version, char *detail, size_t size)
{
    header_scan s;
    memset(&s, 0, sizeof s);
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, scan_header, &s);
    if (!s.problem[0] && s.content_lengths && s.transfer_encodings)
        snprintf(s.problem, sizeof s.problem, "Content-Length together with Transfer-Encoding");
    if (!s.problem[0] && s.hosts != 1 && version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
        snprintf(s.problem, sizeof s.problem, "an HTTP/1.1 request needs exactly one Host header (%d)", s.hosts);
    if (!s.problem[0])
        return SRV_OK;
    snprintf(detail, size, "%s", s.problem);
    return SRV_E_BAD_REQUEST;
}
