/* term.c - escaping text for the terminal (see term.h). Decodes UTF-8 by
 * hand so that C1 controls (U+0080..U+009F, CSI among them) and the
 * bidirectional overrides, which can reorder what a reader sees, are caught
 * as well as ASCII ones; everything else passes byte for byte. */
#include "term.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid, printable UTF-8 character at p, or 0 when the byte
 * at p must be escaped. */
static size_t printable_len(const unsigned char *p)
{
    unsigned c = p[0];
    if (c >= 0x20 && c < 0x7f)
        return 1;
    if (c < 0x80)
        return 0; /* C0 controls and DEL */
    size_t n;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    /* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (cp >= 0x80 && cp <= 0x9f)
        return 0; /* C1 controls */
    if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
        cp == 0x2029)
        return 0; /* bidirectional overrides, line and paragraph separators */
    return n;
}

int term_is_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        size_t n = printable_len(p);
        if (!n)
            return 0;
        p += n;
    }
    return 1;
}

const char *term_escape(const char *s, char *buf, size_t size)
{
    if (!s || term_is_clean(s))
        return s;
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    while (*p) {
        size_t n = printable_len(p);
        char esc[5];
        const char *piece = (const char *)p;
        size_t len = n;
        if (!n) {
            /* A multi-byte control (C1, bidi) is escaped byte by byte too:
             * the reader sees exactly which bytes were there. */
            snprintf(esc, sizeof esc, "\\x%02x", *p);
            piece = esc;
            len = 4;
            n = 1;
        }
        if (o + len + 4 > size) { /* room for "..." and the NUL */
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(buf + o, piece, len);
        o += len;
        p += n;
    }
    buf[o] = '\0';
    return buf;
}

const char *term_str(const char *s)
{
    static _Thread_local char slots[TERM_SLOTS][TERM_SLOT_BYTES];
    static _Thread_local unsigned next;
    if (!s || term_is_clean(s))
        return s;
    char *buf = slots[next++ % TERM_SLOTS];
    return term_escape(s, buf, TERM_SLOT_BYTES);
}
