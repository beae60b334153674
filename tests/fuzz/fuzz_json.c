/* fuzz_json.c - the JSON writer (base/json.c) on any bytes: json_string's
 * output, read back by a strict reader, must be one JSON string equal to
 * the input up to its first NUL; json_number's must read back as the same
 * double (or be null for NaN and the infinities). */
#include "fuzz.h"
#include "fuzz_jsonread.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *written(void (*fn)(FILE *, const char *), const char *s, size_t *len)
{
    char *out = NULL;
    FILE *f = open_memstream(&out, len);
    if (!f)
        abort();
    fn(f, s);
    if (fclose(f) != 0)
        abort();
    return out;
}

static void check_number(double v)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        abort();
    json_number(f, v);
    if (fclose(f) != 0)
        abort();
    if (!isfinite(v)) {
        if (strcmp(out, "null") != 0)
            fuzz_fail("json_number(%g) wrote %s, not null", v, out);
    } else {
        if (fuzz_json_check(out, len) != 0)
            fuzz_fail("json_number(%.17g) wrote %s, which is not JSON", v, out);
        if (strtod(out, NULL) != v)
            fuzz_fail("json_number(%.17g) wrote %s, which reads back different", v, out);
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    if (size)
        memcpy(s, data, size);
    s[size] = 0;

    size_t len;
    char *out = written(json_string, s, &len);
    char *back = NULL;
    size_t back_len = 0;
    if (fuzz_json_read_string(out, len, &back, &back_len) != 0)
        fuzz_fail("json_string wrote something that is not one JSON string: %s", out);
    if (back_len != strlen(s) || memcmp(back, s, back_len) != 0)
        fuzz_fail("json_string did not round-trip: wrote %s", out);
    free(back);
    free(out);

    out = written(json_key, s, &len);
    if (len == 0 || out[len - 1] != ':' || fuzz_json_read_string(out, len - 1, &back, &back_len))
        fuzz_fail("json_key wrote %s", out);
    free(back);
    free(out);

    /* Every 8 bytes as a double: NaN payloads, infinities, subnormals. */
    for (size_t i = 0; i + 8 <= size; i += 8) {
        double v;
        memcpy(&v, data + i, sizeof v);
        check_number(v);
    }
    /* The same bytes as text a number may come from ("1e308", "-0"). */
    check_number(strtod(s, NULL));
    free(s);
    return 0;
}
