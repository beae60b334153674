/* auth.h - the console's secrets, through libsodium: Argon2id password
 * hashes, random session ids and CSRF tokens, constant-time comparison.
 * Never logs, stores or returns a password or a session id in clear:
 * callers keep them only as long as a request lasts. */
#ifndef FUPIN_AUTH_H
#define FUPIN_AUTH_H

#include "err.h"

#include <stddef.h>

/* Room for an Argon2id hash string (crypto_pwhash_STRBYTES). */
#define AUTH_HASH_SIZE 128
/* Hex of 32 random bytes, with its NUL: session ids and CSRF tokens. */
#define AUTH_TOKEN_SIZE 65
/* Passwords longer than this are refused (hashing cost is per byte). */
#define AUTH_PASSWORD_MAX 256

/* Initialises libsodium; call before any other auth_ function (several
 * calls are fine). ERR_FAIL if the library cannot start. */
int auth_init(struct err *e);

/* Hashes password with Argon2id (interactive limits) into out. ERR_INVALID
 * for an empty or too long password (message for people), ERR_FAIL when
 * out of memory. */
int auth_hash_password(const char *password, char out[AUTH_HASH_SIZE], struct err *e);
/* 1 when password matches hash, else 0. A NULL hash (no such user) runs a
 * verification just as long against a hash nobody's password matches, so
 * a wrong name and a wrong password cost the same time. */
int auth_verify_password(const char *hash, const char *password);

/* 32 random bytes as 64 lower-case hex digits. */
void auth_token(char out[AUTH_TOKEN_SIZE]);
/* The SHA-256 of token, in hex: what the database keeps of a session id. */
void auth_token_hash(const char *token, char out[AUTH_TOKEN_SIZE]);
/* 1 when a and b are equal strings, in time that depends only on their
 * lengths; NULL equals nothing. */
int auth_equal(const char *a, const char *b);
/* A random password of n - 1 readable characters (no 0/O, 1/l/I). */
void auth_random_password(char *out, size_t n);

#endif
