/* fuzz_form.c - what a browser sends, on any bytes: the query/form parser,
 * the path decoder and the cookie reader of web/form.c, then HTML escaping.
 * Every accepted name and value must be UTF-8 text without a NUL, within
 * the input's size; a path must start with '/'; escaped text must hold no
 * markup character; the X-Forwarded-For reader gives an address or nothing.
 * Input: the first byte picks the cookie's name length. */
#include "err.h"
#include "form.h"
#include "fuzz.h"
#include "html.h"

#include <stdlib.h>
#include <string.h>

static void check_escaped(const char *s)
{
    struct html h = {0};
    html_text(&h, s);
    if (h.bad)
        fuzz_fail("html_text ran out of memory");
    if (h.data && strpbrk(h.data, "<>\"'"))
        fuzz_fail("html_text left a markup character in \"%s\"", h.data);
    html_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct form f;
    int rc = form_parse(s, size, &f);
    if (rc == 0) {
        if (f.n > FORM_MAX_PAIRS)
            fuzz_fail("%zu pairs", f.n);
        for (size_t i = 0; i < f.n; i++) {
            size_t nl = strlen(f.pairs[i].name), vl = strlen(f.pairs[i].value);
            if (nl > size || vl > size)
                fuzz_fail("a decoded field is longer than the input");
            if (!form_is_text(f.pairs[i].name, nl) || !form_is_text(f.pairs[i].value, vl))
                fuzz_fail("a decoded field is not text");
            if (form_get(&f, f.pairs[i].name) == NULL)
                fuzz_fail("form_get misses a parsed name");
            check_escaped(f.pairs[i].value);
        }
    } else if (rc != ERR_INVALID && rc != ERR_FAIL) {
        fuzz_fail("form_parse returned %d", rc);
    }
    form_free(&f);

    char path[256];
    rc = form_decode_path(s, size, path, sizeof path);
    if (rc == 0 && (path[0] != '/' || strlen(path) > size || strpbrk(path, "\r\n\t")))
        fuzz_fail("form_decode_path accepted \"%s\"", path);

    /* A NUL-terminated copy for the cookie reader, which reads a header. */
    char *header = malloc(size + 1);
    if (!header)
        abort();
    memcpy(header, data, size);
    header[size] = 0;
    char name[8] = "session";
    size_t n = size ? (data[0] % 7) + 1 : 7;
    name[n] = 0;
    char value[65];
    rc = form_cookie(header, name, value, sizeof value);
    if (rc == 0 && strlen(value) >= sizeof value)
        fuzz_fail("form_cookie overflowed");
    /* The same bytes as an X-Forwarded-For header: an address or nothing. */
    char addr[46] = "";
    rc = form_forwarded_for(header, addr, sizeof addr);
    if (rc == 0 && (!addr[0] || strlen(addr) >= sizeof addr || strpbrk(addr, " ,\t\r\n<>\"")))
        fuzz_fail("form_forwarded_for gave \"%s\"", addr);
    if (rc != 0 && addr[0])
        fuzz_fail("form_forwarded_for wrote on failure");
    free(header);
    return 0;
}
