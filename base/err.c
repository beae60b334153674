/* err.c - error messages and the names of the error codes. Pure: no I/O,
 * no allocation, safe from any thread. */
#include "err.h"

#include <stdio.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *err_name(int code)
{
    switch (code) {
    case 0:
        return "OK";
#define FUPIN_ERR_NAME(name, value, phrase)                                                        \
    case value:                                                                                    \
        return "ERR_" #name;
        FUPIN_ERR_MAP(FUPIN_ERR_NAME)
#undef FUPIN_ERR_NAME
    }
    return "ERR_UNKNOWN";
}

const char *err_str(int code)
{
    switch (code) {
    case 0:
        return "success";
#define FUPIN_ERR_STR(name, value, phrase)                                                         \
    case value:                                                                                    \
        return phrase;
        FUPIN_ERR_MAP(FUPIN_ERR_STR)
#undef FUPIN_ERR_STR
    }
    return "unknown error";
}
