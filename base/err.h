/* err.h - the error message a failing call leaves for its caller, and the
 * one list of error codes. Functions return 0 or a negative code and, when
 * given one, fill a struct err with a sentence naming the file, line or
 * record at fault. Never a positive code: "not found" is ERR_NOTFOUND. */
#ifndef FUPIN_ERR_H
#define FUPIN_ERR_H

#include <stdarg.h>

struct err {
    char msg[256];
};

/* Every error code, once: X(NAME, value, phrase). The enum, err_name and
 * err_str are derived from it; a new code is one line here, appended with
 * the next free value (values are compared and may be logged). */
#define FUPIN_ERR_MAP(X)                                                                           \
    X(FAIL, -1, "runtime failure")          /* I/O, database, out of memory */                     \
    X(INVALID, -2, "invalid input")         /* config, policy, record, command line */             \
    X(BUSY, -3, "database busy")            /* locked by another writer; retry */                  \
    X(BUDGET, -4, "policy budget exceeded") /* instruction, memory or time budget */               \
    X(STOPPED, -5, "stopped")               /* interrupted by shutdown */                          \
    X(NOTFOUND, -6, "not found")            /* no such record (a household deleted, an id) */      \
    X(CLOSED, -7, "connection closed")      /* the peer ended the stream between messages */

enum {
#define FUPIN_ERR_ENUM(name, value, phrase) ERR_##name = value,
    FUPIN_ERR_MAP(FUPIN_ERR_ENUM)
#undef FUPIN_ERR_ENUM
};

/* Formats into e->msg (if e is not NULL) and returns code, so callers can
 * write `return err_set(e, ERR_INVALID, "%s:%d: ...", file, line);`. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The code's name as written in C ("ERR_INVALID"); "OK" for 0 and
 * "ERR_UNKNOWN" for a value not in the list. A static string. */
const char *err_name(int code);
/* A short English phrase for the code ("invalid input"), for operator logs;
 * "success" for 0, "unknown error" otherwise. A static string. */
const char *err_str(int code);

#endif
