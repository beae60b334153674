/* err.c - error messages and the names of the error codes. Pure: no I/O,
 * no allocation, safe from any thread. */
#include "err.h"

#include <stdio.h>
#include <stddef.h>

/* A message cut to the buffer may end inside a multi-byte character (the
 * messages are Chinese by default): drop the partial character, so what is
 * printed, logged and stored stays well-formed UTF-8. */
static void trim_partial_utf8(char *s, size_t len)
{
    size_t i = len, back = 0;
    while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
        i--, back++;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (need > back + 1)
        s[i - 1] = 0;
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        if (n >= (int)sizeof e->msg)
            trim_partial_utf8(e->msg, sizeof e->msg - 1);
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
