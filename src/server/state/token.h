/* Challenge tokens: a challenge's facts, signed so that any worker of any host holding the same
 * secret can check them without shared state (only the single-use mark needs the store).
 *
 *   token   = base64url(payload) "." base64url(HMAC-SHA256(secret, payload))
 *   payload = "1|" tenant "|" issued "|" expiry (Unix seconds) "|" nonce (32 hex digits) "|" action,...
 *
 * The signature is checked (in constant time) before anything in the payload is believed. */
#ifndef FL_SERVER_TOKEN_H
#define FL_SERVER_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "facelive/session.h"
#include "server/state/config.h"
#include "server/state/errors.h"

#define SRV_TOKEN_MAX 512
#define SRV_NONCE_HEX 33 /* 32 hex digits and the terminator */
/* A signed time past the year 9999, or a life longer than a day (the longest token_ttl_s), is
 * malformed: no arithmetic on a token's times can overflow. */
#define SRV_TOKEN_MAX_TIME 253402300799LL
#define SRV_TOKEN_MAX_TTL_S 86400
#define SRV_TOKEN_REPLAY_MARGIN_S 60 /* the used mark outlives the expiry by this (clock skew between hosts) */

typedef struct srv_token {
    char tenant[SRV_TENANT_NAME_MAX];
    int64_t issued, expiry;
    char nonce[SRV_NONCE_HEX];
    fl_challenge challenge;
} srv_token;

/* Draws a fresh nonce, signs and writes the token (NUL-terminated) to out; -1 if it does not fit. */
int srv_token_issue(const uint8_t secret[SRV_SECRET_BYTES], const char *tenant, int64_t issued, int64_t expiry,
                    const fl_challenge *ch, char *out, size_t out_size, srv_token *made);

/* Checks the signature and parses the payload: SRV_OK, SRV_E_TOKEN_MALFORMED or SRV_E_TOKEN_FORGED.
 * Tenant and expiry are the caller's to check. */
srv_error srv_token_open(const uint8_t secret[SRV_SECRET_BYTES], const char *token, size_t len, srv_token *out);

/* Until when the single-use mark must be kept (Unix s). */
int64_t srv_token_keep_until(const srv_token *t);

#endif
