#include "server/state/token.h"

#include <sodium.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define PAYLOAD_MAX 256

static int payload_text(const srv_token *t, char *out, size_t size)
{
    int n = snprintf(out, size, "1|%s|%lld|%lld|%s|", t->tenant, (long long)t->issued, (long long)t->expiry, t->nonce);
    for (int i = 0; i < t->challenge.n && n > 0 && (size_t)n < size; i++)
        n += snprintf(out + n, size - (size_t)n, "%s%s", i ? "," : "", fl_action_name(t->challenge.actions[i]));
    return n > 0 && (size_t)n < size ? n : -1;
}

int srv_token_issue(const uint8_t secret[SRV_SECRET_BYTES], const char *tenant, int64_t issued, int64_t expiry,
                    const fl_challenge *ch, char *out, size_t out_size, srv_token *made)
{
    srv_token t;
    memset(&t, 0, sizeof t);
    snprintf(t.tenant, sizeof t.tenant, "%s", tenant);
    t.issued = issued;
    t.expiry = expiry;
    t.challenge = *ch;
    uint8_t nonce[16];
    randombytes_buf(nonce, sizeof nonce);
    sodium_bin2hex(t.nonce, sizeof t.nonce, nonce, sizeof nonce);
    char payload[PAYLOAD_MAX];
    int n = payload_text(&t, payload, sizeof payload);
    if (n < 0)
        return -1;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)payload, (unsigned long long)n, secret);
    size_t need = sodium_base64_ENCODED_LEN((size_t)n, B64) + 1 + sodium_base64_ENCODED_LEN(sizeof mac, B64);
    if (need > out_size)
        return -1;
    sodium_bin2base64(out, out_size, (const unsigned char *)payload, (size_t)n, B64);
    size_t used = strlen(out);
    out[used++] = '.';
    sodium_bin2base64(out + used, out_size - used, mac, sizeof mac, B64);
    if (made)
        *made = t;
    return 0;
}

static int parse_time(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || end == s || v < 0 || v > SRV_TOKEN_MAX_TIME || errno)
        return -1;
    *out = v;
    return 0;
}

/* "1|tenant|issued|expiry|nonce|actions" into t; -1 when any part is malformed. */
static int parse_payload(char *p, srv_token *t)
{
    char *parts[6];
    int n = 0;
    for (char *s = p; n < 6; n++) {
        parts[n] = s;
        char *bar = strchr(s, '|');
        if (!bar) {
            n++;
            break;
        }
        *bar = 0;
        s = bar + 1;
    }
    if (n != 6 || strcmp(parts[0], "1") || strchr(parts[5], '|'))
        return -1;
    if (strlen(parts[1]) == 0 || strlen(parts[1]) >= sizeof t->tenant || strlen(parts[4]) != SRV_NONCE_HEX - 1 ||
        parse_time(parts[2], &t->issued) || parse_time(parts[3], &t->expiry) || t->expiry < t->issued ||
        t->expiry - t->issued > SRV_TOKEN_MAX_TTL_S)
        return -1;
    snprintf(t->tenant, sizeof t->tenant, "%s", parts[1]);
    snprintf(t->nonce, sizeof t->nonce, "%s", parts[4]);
    t->challenge.n = 0;
    char *end;
    for (char *a = strtok_r(parts[5], ",", &end); a; a = strtok_r(NULL, ",", &end)) {
        int id = fl_action_parse(a);
        if (id < 0 || t->challenge.n == FL_CHALLENGE_MAX)
            return -1;
        t->challenge.actions[t->challenge.n++] = (fl_action)id;
    }
    return t->challenge.n ? 0 : -1;
}

srv_error srv_token_open(const uint8_t secret[SRV_SECRET_BYTES], const char *token, size_t len, srv_token *out)
{
    const char *dot = len < SRV_TOKEN_MAX ? memchr(token, '.', len) : NULL;
    if (!dot)
        return SRV_E_TOKEN_MALFORMED;
    char payload[PAYLOAD_MAX];
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    size_t plen = 0, mlen = 0;
    const char *end;
    if (sodium_base642bin((unsigned char *)payload, sizeof payload - 1, token, (size_t)(dot - token), NULL, &plen,
                          &end, B64) ||
        end != dot ||
        sodium_base642bin(mac, sizeof mac, dot + 1, len - (size_t)(dot - token) - 1, NULL, &mlen, &end, B64) ||
        end != token + len || mlen != sizeof mac)
        return SRV_E_TOKEN_MALFORMED;
    if (crypto_auth_hmacsha256_verify(mac, (const unsigned char *)payload, plen, secret) != 0)
        return SRV_E_TOKEN_FORGED;
    payload[plen] = 0;
    if (memchr(payload, 0, plen)) /* signed by us, so never; but the parser relies on it */
        return SRV_E_TOKEN_MALFORMED;
    srv_token t;
    memset(&t, 0, sizeof t);
    if (parse_payload(payload, &t))
        return SRV_E_TOKEN_MALFORMED;
    *out = t;
    return SRV_OK;
}

int64_t srv_token_keep_until(const srv_token *t)
{
    return t->expiry + SRV_TOKEN_REPLAY_MARGIN_S; /* bounded by SRV_TOKEN_MAX_TIME: cannot overflow */
}
