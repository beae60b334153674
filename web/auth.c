/* auth.c - Argon2id hashes, random tokens and constant-time comparison
 * (auth.h), all from libsodium; nothing here is home-made cryptography. */
#include "auth.h"
#include "i18n.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

_Static_assert(AUTH_HASH_SIZE >= crypto_pwhash_STRBYTES, "AUTH_HASH_SIZE too small");
_Static_assert(AUTH_TOKEN_SIZE == 2 * crypto_hash_sha256_BYTES + 1, "a token is 32 bytes in hex");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc = -1;
/* A hash of a random password nobody knows, verified against when the user
 * does not exist: the answer then takes as long as for a real user. */
static char decoy[crypto_pwhash_STRBYTES];

static void init_once(void)
{
    if (sodium_init() < 0)
        return;
    char pw[AUTH_TOKEN_SIZE];
    auth_token(pw);
    if (crypto_pwhash_str(decoy, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return;
    sodium_memzero(pw, sizeof pw);
    init_rc = 0;
}

int auth_init(struct err *e)
{
    pthread_once(&once, init_once);
    if (init_rc != 0)
        return err_set(e, ERR_FAIL, "libsodium cannot be initialised (out of memory?)");
    return 0;
}

int auth_hash_password(const char *password, char out[AUTH_HASH_SIZE], struct err *e)
{
    size_t n = password ? strlen(password) : 0;
    if (n == 0)
        return err_set(e, ERR_INVALID, _("the password is empty"));
    if (n > AUTH_PASSWORD_MAX)
        return err_set(e, ERR_INVALID, _("the password is longer than %d characters"),
                       AUTH_PASSWORD_MAX);
    if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return err_set(e, ERR_FAIL, _("out of memory"));
    return 0;
}

int auth_verify_password(const char *hash, const char *password)
{
    size_t n = password ? strlen(password) : 0;
    if (n > AUTH_PASSWORD_MAX)
        n = AUTH_PASSWORD_MAX;
    /* Only Argon2id: a row holding any other string never signs in. */
    int ours = hash && strncmp(hash, "$argon2id$", 10) == 0;
    int ok = crypto_pwhash_str_verify(ours ? hash : decoy, password ? password : "", n) == 0;
    return ours && ok && n > 0;
}

void auth_token(char out[AUTH_TOKEN_SIZE])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, AUTH_TOKEN_SIZE, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

void auth_token_hash(const char *token, char out[AUTH_TOKEN_SIZE])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, AUTH_TOKEN_SIZE, h, sizeof h);
}

int auth_equal(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    size_t n = strlen(a);
    if (n != strlen(b))
        return 0;
    return n == 0 ? 0 : sodium_memcmp(a, b, n) == 0;
}

void auth_random_password(char *out, size_t n)
{
    static const char set[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    for (size_t i = 0; i + 1 < n; i++)
        out[i] = set[randombytes_uniform(sizeof set - 1)];
    if (n)
        out[n - 1] = 0;
}
