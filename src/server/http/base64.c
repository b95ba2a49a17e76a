#include "server/http/base64.h"

#define BAD 0xFF
#define PAD 0x40 /* '=': no value (the 0xC0 bits) and not BAD (the 0x80 bit) */

/* 6-bit values of the alphabet's characters, PAD for '=', BAD for every other byte. */
static const uint8_t value_of[256] = {
#define R4(x) BAD, BAD, BAD, BAD
#define R16 R4(0), R4(0), R4(0), R4(0)
    R16, R16,                                                 /* 0x00-0x1F */
    R4(0), R4(0), BAD, BAD, BAD, 62, BAD, BAD, BAD, 63,      /* 0x20-0x2F: '+' '/' */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, BAD, BAD, BAD, PAD, BAD, BAD, /* '0'-'9', '=' */
    BAD, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,   /* 'A'-'O' */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, BAD, BAD, BAD, BAD, BAD, /* 'P'-'Z' */
    BAD, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 'a'-'o' */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, BAD, BAD, BAD, BAD, BAD, /* 'p'-'z' */
    R16, R16, R16, R16, R16, R16, R16, R16,                   /* 0x80-0xFF */
#undef R16
#undef R4
};

int srv_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    const uint8_t *s = (const uint8_t *)in;
    if (len == 0 || len % 4)
        return -1;
    const size_t pad = (s[len - 1] == '=') + (s[len - 1] == '=' && s[len - 2] == '=');
    const size_t n = len / 4 * 3 - pad;
    if (n > cap)
        return -1;
    /* every group but the last: four characters, three bytes, one test for all four */
    size_t o = 0, i = 0;
    for (; i + 4 < len; i += 4, o += 3) {
        const uint32_t a = value_of[s[i]], b = value_of[s[i + 1]], c = value_of[s[i + 2]], d = value_of[s[i + 3]];
        if ((a | b | c | d) & 0xC0) /* a BAD or a PAD among them: no value has these bits */
            return -1;
        const uint32_t v = a << 18 | b << 12 | c << 6 | d;
        out[o] = (uint8_t)(v >> 16);
        out[o + 1] = (uint8_t)(v >> 8);
        out[o + 2] = (uint8_t)v;
    }
    /* the last group: 4 - pad characters, the bits the padding leaves over zero */
    uint32_t v = 0;
    for (size_t k = 0; k < 4 - pad; k++) {
        const uint32_t x = value_of[s[i + k]];
        if (x & 0xC0)
            return -1;
        v = v << 6 | x;
    }
    v <<= 6 * pad;
    if (pad == 2 ? (v & 0xFFFF) : pad == 1 ? (v & 0xFF) : 0)
        return -1;
    for (size_t k = 0; k < 3 - pad; k++)
        out[o + k] = (uint8_t)(v >> (16 - 8 * k));
    *out_len = n;
    return 0;
}

int srv_base64_chars_only(const char *s, size_t n)
{
    const uint8_t *b = (const uint8_t *)s;
    uint8_t bad = 0;
    for (size_t k = 0; k < n; k++) /* no early exit: the loop stays a run of lookups */
        bad |= value_of[b[k]] & 0x80;
    return !bad;
}
