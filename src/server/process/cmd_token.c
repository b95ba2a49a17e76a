/* facelive token: the secrets of the service's configuration, made with libsodium's random source. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app/commands.h"
#include "app/program.h"
#include "server/state/config.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: facelive token --tenant NAME   a new API key for a tenant, and its configuration entry\n"
               "       facelive token --hash KEY      the key_sha256 of an existing key\n"
               "       facelive token --secret        a new token_secret_file content (64 hex digits)\n"
               "\n"
               "The key is printed once: give it to the tenant. The configuration holds only its SHA-256.\n"
               "Every host of one service shares the same token secret file (mode 0600).\n");
}

static void print_hash(const char *key)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(h, (const unsigned char *)key, strlen(key));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    printf("%s", hex);
}

static int new_key(const char *tenant)
{
    if (!srv_tenant_name_valid(tenant)) { /* the rule the configuration applies */
        fprintf(stderr, "facelive token: a tenant name is 1-%d characters of A-Z a-z 0-9 _ -\n", SRV_TENANT_NAME_MAX - 1);
        return FL_EXIT_USAGE;
    }
    unsigned char raw[32];
    char key[3 + sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(raw, sizeof raw);
    memcpy(key, "fl_", 3);
    sodium_bin2base64(key + 3, sizeof key - 3, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    printf("api key (give it to the tenant; it is not stored): %s\n", key);
    printf("configuration entry: {\"name\": \"%s\", \"key_sha256\": \"", tenant);
    print_hash(key);
    printf("\", \"rate_per_minute\": 600}\n");
    return FL_EXIT_OK;
}

int fl_cmd_token(int argc, char **argv)
{
    if (fl_wants_help(argc, argv)) {
        usage(stdout);
        return FL_EXIT_OK;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "facelive token: libsodium could not start\n");
        return FL_EXIT_ERROR;
    }
    if (argc == 2 && strcmp(argv[1], "--secret") == 0) {
        unsigned char raw[32];
        char hex[65];
        randombytes_buf(raw, sizeof raw);
        printf("%s\n", sodium_bin2hex(hex, sizeof hex, raw, sizeof raw));
        return FL_EXIT_OK;
    }
    if (argc == 3 && strcmp(argv[1], "--hash") == 0) {
        print_hash(argv[2]);
        printf("\n");
        return FL_EXIT_OK;
    }
    if (argc == 3 && strcmp(argv[1], "--tenant") == 0 && argv[2][0])
        return new_key(argv[2]);
    if (argc >= 2 && argv[1][0] == '-' && strcmp(argv[1], "--secret") && strcmp(argv[1], "--hash") &&
        strcmp(argv[1], "--tenant"))
        return fl_usage_unknown_option("token", argv[1]);
    usage(stderr);
    return FL_EXIT_USAGE;
}
