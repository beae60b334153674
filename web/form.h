/* form.h - what a browser sends, parsed: query strings and form bodies
 * (application/x-www-form-urlencoded), the request path, and cookies. Pure
 * functions on bytes, no I/O (tests/fuzz/fuzz_form.c feeds them anything);
 * anything malformed is refused, never guessed at. */
#ifndef FUPIN_FORM_H
#define FUPIN_FORM_H

#include <stddef.h>

#define FORM_MAX_PAIRS 64

struct form_pair {
    const char *name, *value; /* decoded, NUL-terminated, inside form.buf */
};

struct form {
    char *buf;
    struct form_pair pairs[FORM_MAX_PAIRS];
    size_t n;
};

/* Parses len bytes of "a=1&b=x+y%2F" ('+' is a space, %XX a byte; a pair
 * without '=' has the value ""). Returns 0, ERR_INVALID for a malformed or
 * NUL-producing %, text that is not UTF-8 once decoded, or more than
 * FORM_MAX_PAIRS pairs; ERR_FAIL when out of memory. Free out with
 * form_free, also after a failure. */
int form_parse(const char *s, size_t len, struct form *out);
/* The first value of name, or NULL. */
const char *form_get(const struct form *f, const char *name);
void form_free(struct form *f);

/* Decodes a request path (%XX; '+' stays '+') into out (size bytes).
 * ERR_INVALID when it does not start with '/', has a malformed %, decodes
 * to a NUL, a control character or text that is not UTF-8, or does not fit. */
int form_decode_path(const char *s, size_t len, char *out, size_t size);

/* Copies the value of cookie name from a Cookie header ("a=1; b=2") into
 * out. Returns 0, ERR_NOTFOUND when it is not there, ERR_INVALID when its
 * value does not fit in size - 1 bytes. */
int form_cookie(const char *header, const char *name, char *out, size_t size);

/* The visitor's address in an X-Forwarded-For header: its last entry, the
 * one the nearest proxy appended (entries before it are the visitor's own
 * words). 0 with out set when that entry is a literal IPv4 or IPv6 address
 * that fits in size bytes; ERR_INVALID otherwise, out untouched. */
int form_forwarded_for(const char *header, char *out, size_t size);

/* 1 when the n bytes at s are valid UTF-8 without control characters other
 * than tab, CR and LF, else 0. */
int form_is_text(const char *s, size_t n);

#endif
