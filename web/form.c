/* form.c - parsing of queries, form bodies, paths and cookies (form.h).
 * Never allocates more than twice its input, never reads past len: every
 * byte comes from the network. */
#include "form.h"
#include "err.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int form_is_text(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        size_t len;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0)
            len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
            len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0)
            len = 4, cp = c & 0x07, min = 0x10000;
        else
            return 0;
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        /* Overlong forms and surrogates are how filters get bypassed. */
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* Decodes s[0..len) into out (room for len + 1); plus: '+' means a space.
 * Returns the decoded length, or -1 for a malformed % or a decoded NUL. */
static long decode(const char *s, size_t len, char *out, int plus)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hexval(s[i + 1]), lo = hi < 0 ? -1 : hexval(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi | lo) == 0)
                return -1;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == 0) {
            return -1;
        } else {
            out[o++] = plus && c == '+' ? ' ' : c;
        }
    }
    out[o] = 0;
    return (long)o;
}

int form_parse(const char *s, size_t len, struct form *out)
{
    memset(out, 0, sizeof *out);
    /* A pair of k bytes decodes to at most k + 2 with its two NULs ("a"
     * without '=' is "a\0\0"), and takes at least k + 1 bytes of input with
     * its '&' but for the last: twice the input and two bytes hold them. */
    if (!(out->buf = malloc(2 * len + 2)))
        return ERR_FAIL;
    char *w = out->buf;
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && s[end] != '&')
            end++;
        if (end > i) {
            if (out->n == FORM_MAX_PAIRS)
                return ERR_INVALID;
            size_t eq = i;
            while (eq < end && s[eq] != '=')
                eq++;
            /* Name and value decode into the one buffer, one after the other. */
            long nl = decode(s + i, eq - i, w, 1);
            if (nl < 0 || !form_is_text(w, (size_t)nl))
                return ERR_INVALID;
            out->pairs[out->n].name = w;
            w += nl + 1;
            const char *vs = eq < end ? s + eq + 1 : s + end;
            long vl = decode(vs, (size_t)(s + end - vs), w, 1);
            if (vl < 0 || !form_is_text(w, (size_t)vl))
                return ERR_INVALID;
            out->pairs[out->n].value = w;
            w += vl + 1;
            out->n++;
        }
        i = end + 1;
    }
    return 0;
}

const char *form_get(const struct form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->pairs[i].name, name) == 0)
            return f->pairs[i].value;
    return NULL;
}

void form_free(struct form *f)
{
    free(f->buf);
    memset(f, 0, sizeof *f);
}

int form_decode_path(const char *s, size_t len, char *out, size_t size)
{
    if (len == 0 || s[0] != '/' || len >= size)
        return ERR_INVALID;
    long n = decode(s, len, out, 0);
    if (n < 0 || !form_is_text(out, (size_t)n))
        return ERR_INVALID;
    for (long i = 0; i < n; i++)
        if (out[i] == '\t' || out[i] == '\r' || out[i] == '\n')
            return ERR_INVALID;
    return 0;
}

int form_cookie(const char *header, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t vl = len - nl - 1;
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            if (vl + 1 > size)
                return ERR_INVALID;
            memcpy(out, v, vl);
            out[vl] = 0;
            return 0;
        }
        p += len;
    }
    return ERR_NOTFOUND;
}

int form_forwarded_for(const char *header, char *out, size_t size)
{
    if (!header)
        return ERR_INVALID;
    const char *last = strrchr(header, ',');
    last = last ? last + 1 : header;
    last += strspn(last, " \t");
    size_t n = strcspn(last, " \t");
    char addr[64];
    unsigned char bin[16];
    if (n == 0 || n >= sizeof addr || n >= size || last[n + strspn(last + n, " \t")] != '\0')
        return ERR_INVALID;
    memcpy(addr, last, n);
    addr[n] = 0;
    if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
        return ERR_INVALID;
    memcpy(out, addr, n + 1);
    return 0;
}
