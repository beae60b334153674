/* fuzz.h - what the fuzz harnesses share: the libFuzzer entry point each
 * defines, a private scratch folder, and the abort that turns a broken
 * promise of the code under test into a crash libFuzzer keeps. */
#ifndef FUPIN_FUZZ_H
#define FUPIN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Each harness defines it: one input, any bytes. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private folder under $TMPDIR, made on first use and removed at exit. */
const char *fuzz_dir(void);
/* Writes size bytes to <fuzz_dir>/name (replacing it); returns the path in a
 * static buffer per name slot. Aborts when the disk refuses: the harness
 * cannot go on. */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);
/* Nonzero when FUZZ_VERBOSE is set: harnesses then print what each input
 * did, for checking that a seed reaches the code it was written for. */
int fuzz_verbose(void);
/* Prints "fuzz: what" and aborts: the code under test broke its contract. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
