/* json.c - JSON string escaping and number formatting into a FILE*.
 * Never rewrites or validates UTF-8: bytes >= 0x80 pass through as they are,
 * so Chinese text stays readable in the output. */
#include "json.h"

#include <math.h>

void json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    putc('"', f);
    /* Bytes that need no escape go out a run at a time: a putc per byte
     * was two fifths of building the nightly digests. */
    const unsigned char *run = (const unsigned char *)s;
    for (const unsigned char *p = run;; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7f)
            continue;
        if (p > run)
            fwrite(run, 1, (size_t)(p - run), f);
        run = p + 1;
        switch (*p) {
        case 0:
            putc('"', f);
            return;
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        default:
            fprintf(f, "\\u%04x", *p);
        }
    }
}

void json_number(FILE *f, double v)
{
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    /* Money is yuan with at most cents: integers print as integers. */
    if (v == floor(v) && fabs(v) < 1e15)
        fprintf(f, "%.0f", v);
    else
        fprintf(f, "%.17g", v);
}

void json_key(FILE *f, const char *key)
{
    json_string(f, key);
    putc(':', f);
}
