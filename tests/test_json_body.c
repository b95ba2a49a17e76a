/* The service's JSON image bodies: its base64 decoder against libsodium's (every string of up to
 * four characters over an alphabet with the edge cases, and random longer ones), and the lifting
 * of long base64 strings out of a body (which strings, what the copy holds, and that references
 * lead back to the body). */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "server/http/base64.h"
#include "server/http/json_lift.h"
#include "test_util.h"


/* sodium_base642bin as the service called it for a string without line breaks */
static int sodium_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *n)
{
    const char *end;
    return len == 0 || sodium_base642bin(out, cap, in, len, NULL, n, &end, sodium_base64_VARIANT_ORIGINAL) ||
                   end != in + len
               ? -1
               : 0;
}

static void compare(const char *s, size_t len)
{
    uint8_t a[64], b[64];
    size_t na = 0, nb = 0;
    int ra = srv_base64_decode(s, len, a, sizeof a, &na), rb = sodium_decode(s, len, b, sizeof b, &nb);
    CHECK(ra == rb && (ra || (na == nb && memcmp(a, b, na) == 0)), "\"%.*s\": ours %d (%zu bytes), libsodium %d",
          (int)len, s, ra, na, rb);
}

static void test_base64(void)
{
    /* all strings of up to 4 characters over letters, digits, + / = and two outsiders */
    static const char alphabet[] = "AQBwz09+/=!-";
    const int k = (int)sizeof alphabet - 1;
    char s[4];
    int strings = 0;
    for (int len = 0; len <= 4; len++) {
        int total = 1;
        for (int i = 0; i < len; i++)
            total *= k;
        for (int v = 0; v < total; v++, strings++) {
            for (int i = 0, x = v; i < len; i++, x /= k)
                s[i] = alphabet[x % k];
            compare(s, (size_t)len);
        }
    }
    /* random texts of 8 to 40 characters: mostly valid, with padding and stray characters */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char t[40];
    for (int r = 0; r < 200000; r++) {
        size_t len = 8 + randombytes_uniform(33);
        for (size_t i = 0; i < len; i++)
            t[i] = b64[randombytes_uniform(64)];
        uint32_t mode = randombytes_uniform(4);
        if (mode == 1)
            t[len - 1] = '=';
        if (mode == 2)
            t[len - 1] = t[len - 2] = '=';
        if (mode == 3)
            t[randombytes_uniform((uint32_t)len)] = "=!\n"[randombytes_uniform(3)];
        compare(t, len);
    }
    uint8_t out[3];
    size_t n;
    CHECK(srv_base64_decode("QUJD", 4, out, 2, &n) == -1, "three bytes into room for two");
    /* the lifting's test of a string: every byte against the alphabet and '=' */
    for (int c = 0; c < 256; c++) {
        const char one[2] = {'Q', (char)c};
        const int want = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                         c == '/' || c == '=';
        CHECK(srv_base64_chars_only(one, 2) == want, "byte 0x%02X: %d", c, !want);
    }
    printf("base64: %d short strings and 200000 random ones decoded as libsodium decodes them\n", strings);
}

static void test_lift(void)
{
    char big[3000];
    memset(big, 'Q', sizeof big);
    char body[8000];
    /* an image string (lifted), the same characters as a key (not), one with an escape (not), a
     * short one (not) */
    int len = snprintf(body, sizeof body, "{\"%.*s\": 1, \"images\": [\"%.*s\", \"%.*s\\/\", \"QUJD\"]}", 1500, big,
                       2000, big, 1200, big);
    srv_lifted l;
    CHECK(srv_json_lift(body, (size_t)len, SRV_LIFT_MIN, &l) == 0 && l.n == 1, "one string lifted, not %zu", l.n);
    if (l.n == 1) {
        const char *at = strstr(body, "\"images\": [\"") + 12;
        CHECK(l.spans[0].offset == (size_t)(at - body) && l.spans[0].len == 2000, "its span: %zu, %zu",
              l.spans[0].offset, l.spans[0].len);
        char ref[80];
        int rl = snprintf(ref, sizeof ref, "%s0", l.tag);
        size_t got_len = 0;
        const char *got = srv_json_lifted(&l, body, ref, (size_t)rl, &got_len);
        CHECK(got == at && got_len == 2000, "the reference leads back to the body");
        const size_t off = l.spans[0].offset;
        CHECK(l.len == (size_t)len - 2000 + (size_t)rl && memcmp(l.text, body, off) == 0 &&
                  memcmp(l.text + off, ref, (size_t)rl) == 0 &&
                  memcmp(l.text + off + rl, body + off + 2000, (size_t)len - off - 2000) == 0,
              "the copy: the body with the reference in the string's place");
        CHECK(srv_json_lifted(&l, body, "QUJD", 4, &got_len) == NULL, "a string that is no reference");
        ref[rl - 1] = '1';
        CHECK(srv_json_lifted(&l, body, ref, (size_t)rl, &got_len) == NULL, "a reference past the spans");
        ref[l.tag_len - 2] ^= 1;
        ref[rl - 1] = '0';
        CHECK(srv_json_lifted(&l, body, ref, (size_t)rl, &got_len) == NULL, "another body's tag");
    }
    srv_lifted_free(&l);
    CHECK(srv_json_lift(body, (size_t)len, SIZE_MAX, &l) == 0 && l.n == 0 && l.text == body && l.copy == NULL,
          "nothing lifted: jansson reads the body itself");
    srv_lifted_free(&l);
    /* a string that never closes is not lifted */
    len = snprintf(body, sizeof body, "[\"%.*s", 2000, big);
    CHECK(srv_json_lift(body, (size_t)len, SRV_LIFT_MIN, &l) == 0 && l.n == 0, "an unterminated string");
    srv_lifted_free(&l);
    printf("lifting: values only, no escapes, at least the minimum, references checked\n");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    test_base64();
    test_lift();
    TEST_MAIN_END();
}
