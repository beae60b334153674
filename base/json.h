/* json.h - the little JSON writing fupin needs (command output, outbox
 * payloads): escaping strings into a FILE*, numbers that stay valid JSON.
 * Writes only; never parses, never allocates. */
#ifndef FUPIN_JSON_H
#define FUPIN_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string: quotes, backslashes and control
 * characters escaped, UTF-8 passed through unchanged. NULL writes null. */
void json_string(FILE *f, const char *s);
/* Writes a finite number with full precision; NaN and infinities (which
 * JSON cannot carry) write null. */
void json_number(FILE *f, double v);
/* Writes "key": (the key escaped) — for building objects by hand. */
void json_key(FILE *f, const char *key);

#endif
