/* Standard base64 (RFC 4648 section 4, padded) decoded at memory speed, for images a body carries
 * in JSON. libsodium's decoder, which the tokens keep, runs in constant time for secrets: 0.25 ms
 * for one 640x480 JPEG, where this takes a tenth of that. Images are not secrets. */
#ifndef FL_SERVER_BASE64_H
#define FL_SERVER_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes len characters of in into out (room for cap bytes); *out_len receives the bytes written.
 * The text must be whole: a multiple of 4 characters of the alphabet, '=' only as the last one
 * or two, and the bits the padding leaves over zero — what sodium_base642bin's
 * sodium_base64_VARIANT_ORIGINAL accepts without characters to ignore. Returns 0, or -1 for
 * anything else (nothing else is promised about out then). Reentrant. */
int srv_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* Whether n bytes hold the alphabet's characters and '=' only: a table lookup a byte (a phone
 * photo's 3.5 MB in 1 ms; testing the character ranges took 6). Reentrant. */
int srv_base64_chars_only(const char *s, size_t n);

#endif
