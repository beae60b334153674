/* fuzz_jsonread.c - the strict JSON reader of the fuzz harnesses: a
 * recursive descent with a depth limit, so hostile output cannot blow the
 * stack of the checker itself. */
#include "fuzz_jsonread.h"

#include <stdlib.h>
#include <string.h>

struct rd {
    const char *p, *end;
    char *out; /* decoded string, when asked for */
    size_t n;
    int depth;
};

static void ws(struct rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put(struct rd *r, unsigned char c)
{
    if (r->out)
        r->out[r->n] = (char)c;
    r->n++;
}

static int string(struct rd *r)
{
    if (r->p >= r->end || *r->p != '"')
        return -1;
    r->p++;
    while (r->p < r->end) {
        unsigned char c = (unsigned char)*r->p++;
        if (c == '"')
            return 0;
        if (c < 0x20)
            return -1;
        if (c != '\\') {
            put(r, c);
            continue;
        }
        if (r->p >= r->end)
            return -1;
        c = (unsigned char)*r->p++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            put(r, c);
            break;
        case 'b':
            put(r, '\b');
            break;
        case 'f':
            put(r, '\f');
            break;
        case 'n':
            put(r, '\n');
            break;
        case 'r':
            put(r, '\r');
            break;
        case 't':
            put(r, '\t');
            break;
        case 'u': {
            if (r->end - r->p < 4)
                return -1;
            unsigned v = 0;
            for (int i = 0; i < 4; i++) {
                int h = hex(r->p[i]);
                if (h < 0)
                    return -1;
                v = v * 16 + (unsigned)h;
            }
            r->p += 4;
            /* fupin escapes only control characters; others as UTF-8. */
            if (v < 0x80) {
                put(r, (unsigned char)v);
            } else if (v < 0x800) {
                put(r, (unsigned char)(0xc0 | v >> 6));
                put(r, (unsigned char)(0x80 | (v & 0x3f)));
            } else {
                put(r, (unsigned char)(0xe0 | v >> 12));
                put(r, (unsigned char)(0x80 | ((v >> 6) & 0x3f)));
                put(r, (unsigned char)(0x80 | (v & 0x3f)));
            }
            break;
        }
        default:
            return -1;
        }
    }
    return -1;
}

static int digits(struct rd *r)
{
    const char *s = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
        r->p++;
    return r->p > s ? 0 : -1;
}

static int number(struct rd *r)
{
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p < r->end && *r->p == '0')
        r->p++;
    else if (digits(r))
        return -1;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (digits(r))
            return -1;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (digits(r))
            return -1;
    }
    return 0;
}

static int word(struct rd *r, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
        return -1;
    r->p += n;
    return 0;
}

static int value(struct rd *r)
{
    ws(r);
    if (r->p >= r->end || ++r->depth > 512)
        return -1;
    int rc;
    char c = *r->p;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        r->p++;
        ws(r);
        if (r->p < r->end && *r->p == close) {
            r->p++;
            rc = 0;
        } else {
            for (;;) {
                if (c == '{') {
                    ws(r);
                    if (string(r))
                        return -1;
                    ws(r);
                    if (r->p >= r->end || *r->p++ != ':')
                        return -1;
                }
                if (value(r))
                    return -1;
                ws(r);
                if (r->p >= r->end)
                    return -1;
                if (*r->p == ',') {
                    r->p++;
                    continue;
                }
                if (*r->p++ != close)
                    return -1;
                break;
            }
            rc = 0;
        }
    } else if (c == '"') {
        rc = string(r);
    } else if (c == 't') {
        rc = word(r, "true");
    } else if (c == 'f') {
        rc = word(r, "false");
    } else if (c == 'n') {
        rc = word(r, "null");
    } else {
        rc = number(r);
    }
    r->depth--;
    return rc;
}

int fuzz_json_check(const char *text, size_t len)
{
    struct rd r = {.p = text, .end = text + len};
    if (value(&r))
        return -1;
    ws(&r);
    return r.p == r.end ? 0 : -1;
}

int fuzz_json_read_string(const char *text, size_t len, char **out, size_t *out_len)
{
    /* Decoded text is never longer than the encoded text. */
    struct rd r = {.p = text, .end = text + len, .out = malloc(len + 1)};
    *out = NULL;
    if (!r.out)
        return -1;
    ws(&r);
    if (string(&r)) {
        free(r.out);
        return -1;
    }
    ws(&r);
    if (r.p != r.end) {
        free(r.out);
        return -1;
    }
    r.out[r.n] = 0;
    *out = r.out;
    *out_len = r.n;
    return 0;
}
