/* fuzz_jsonread.h - a strict JSON reader (RFC 8259 grammar) for checking
 * what fupin writes. Not fupin's: fupin only writes JSON. */
#ifndef FUPIN_FUZZ_JSONREAD_H
#define FUPIN_FUZZ_JSONREAD_H

#include <stddef.h>

/* 0 when text[0..len) is exactly one JSON value (whitespace around it
 * allowed), -1 otherwise. Bytes >= 0x80 inside strings are not checked
 * for UTF-8 (fupin passes stored text through as it is). */
int fuzz_json_check(const char *text, size_t len);
/* When text[0..len) is exactly one JSON string: 0, with its decoded bytes
 * in *out (malloc'd, NUL-terminated, *out_len without the NUL). Else -1. */
int fuzz_json_read_string(const char *text, size_t len, char **out, size_t *out_len);

#endif
