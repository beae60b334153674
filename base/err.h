/* err.h - the error message a failing call leaves for its caller.
 * Functions return 0 or a negative code and, when given one, fill a
 * struct err with a sentence naming the file, line or record at fault. */
#ifndef FUPIN_ERR_H
#define FUPIN_ERR_H

#include <stdarg.h>

struct err {
    char msg[256];
};

/* Error codes (negative returns). */
enum {
    ERR_FAIL = -1,    /* runtime failure: I/O, database, out of memory */
    ERR_INVALID = -2, /* bad input: config, policy, record, command line */
    ERR_BUSY = -3,    /* database locked by another writer; retry */
    ERR_BUDGET = -4,  /* a policy exceeded its instruction/memory/time budget */
    ERR_STOPPED = -5, /* interrupted by shutdown */
};

/* Formats into e->msg (if e is not NULL) and returns code, so callers can
 * write `return err_set(e, ERR_INVALID, "%s:%d: ...", file, line);`. */
int err_set(struct err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
