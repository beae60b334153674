/* test_json.c - JSON escaping: control characters, quotes, UTF-8. */
#include "json.h"
#include "testlib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *render_string(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_string(f, s);
    fclose(f);
    return buf;
}

static void json_escapes_quotes_backslashes_and_controls(void)
{
    char *s = render_string("a\"b\\c\nd\x01");
    CHECK(strcmp(s, "\"a\\\"b\\\\c\\nd\\u0001\"") == 0);
    free(s);
}

static void json_passes_utf8_through(void)
{
    char *s = render_string("社会保障到户");
    CHECK(strcmp(s, "\"社会保障到户\"") == 0);
    free(s);
    s = render_string(NULL);
    CHECK(strcmp(s, "null") == 0);
    free(s);
}

static void json_numbers_stay_valid(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_number(f, 5000);
    putc(' ', f);
    json_number(f, 12.5);
    putc(' ', f);
    json_number(f, NAN);
    fclose(f);
    CHECK(strcmp(buf, "5000 12.5 null") == 0);
    free(buf);
}

int main(void)
{
    RUN(json_escapes_quotes_backslashes_and_controls);
    RUN(json_passes_utf8_through);
    RUN(json_numbers_stay_valid);
    return test_done();
}
