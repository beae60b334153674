/* scrub.h - the last line of defence for resident ID numbers (居民身份证号码):
 * masks every ID-shaped run in a text on its way out of the engine (finding
 * reasons, alert messages, explain, alert list, outbox payloads, logs).
 * Pure functions on strings: no I/O, no allocation, async-signal-safe. */
#ifndef FUPIN_SCRUB_H
#define FUPIN_SCRUB_H

#include <stddef.h>

/* Masks in place, keeping the length, every ID-shaped run of s: 18
 * characters (17 digits, then a digit or X/x) whose first digit is 1-8 and
 * whose characters 7-14 are a real date 1900-2100, whether or not the check
 * character is right; and 15-digit old-style IDs (first digit 1-8, a real
 * date 19YYMMDD at offset 6) standing alone. "441602198001010011" becomes
 * "441602********0011" and "441602800101001" "441602*****1001". Returns how
 * many were masked; s may be NULL (0). */
size_t scrub_ids(char *s);

/* Like scrub_ids on the first n bytes of buf (which need not be
 * NUL-terminated). */
size_t scrub_ids_n(char *buf, size_t n);

/* Like scrub_ids_n on JSON text: only inside string literals. A number is
 * an id or a count the engine wrote, never personal text, and masking its
 * digits would make the JSON invalid (found by tests/fuzz/fuzz_digest). */
size_t scrub_ids_json(char *buf, size_t n);

/* Nonzero when s holds an ID-shaped run that scrub_ids would mask. */
int scrub_has_id(const char *s);

#endif
