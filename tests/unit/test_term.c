/* test_term.c - terminal escaping: control characters of every kind become
 * visible \xNN escapes, ordinary text (Chinese included) passes unchanged,
 * and a long hostile text is cut, never overflowing the buffer. */
#include "term.h"
#include "testlib.h"

#include <string.h>

static void term_clean_text_is_returned_as_is(void)
{
    const char *s = "王小明 (户主) ok: 两不愁三保障 ~!";
    char buf[64];
    CHECK(term_is_clean(s));
    CHECK(term_escape(s, buf, sizeof buf) == s);
    CHECK(term_str(s) == s);
    CHECK(term_str(NULL) == NULL);
}

static void term_controls_are_escaped(void)
{
    char buf[128];
    CHECK(strcmp(term_escape("a\r\nok   b\x1b[31mc\ad\x7f", buf, sizeof buf),
                 "a\\x0d\\x0aok   b\\x1b[31mc\\x07d\\x7f") == 0);
    /* C1 CSI (U+009B) and a right-to-left override (U+202E): byte by byte. */
    CHECK(strcmp(term_escape("x\xc2\x9by", buf, sizeof buf), "x\\xc2\\x9by") == 0);
    CHECK(strcmp(term_escape("\xe2\x80\xae"
                             "abc",
                             buf, sizeof buf),
                 "\\xe2\\x80\\xaeabc") == 0);
    /* Invalid UTF-8: a lone continuation byte, a cut character, overlong. */
    CHECK(strcmp(term_escape("\x80z", buf, sizeof buf), "\\x80z") == 0);
    CHECK(strcmp(term_escape("\xe7\x8e", buf, sizeof buf), "\\xe7\\x8e") == 0);
    CHECK(strcmp(term_escape("\xc0\xaf", buf, sizeof buf), "\\xc0\\xaf") == 0);
    CHECK(!term_is_clean("tab\there"));
}

static void term_long_text_is_cut_within_the_buffer(void)
{
    char in[3000], buf[32];
    memset(in, '\x1b', sizeof in - 1);
    in[sizeof in - 1] = '\0';
    memset(buf, 'Z', sizeof buf);
    const char *out = term_escape(in, buf, 20);
    CHECK(out == buf);
    CHECK(strlen(out) < 20);
    CHECK(strcmp(out, "\\x1b\\x1b\\x1b\\x1b...") == 0); /* 19 bytes and the NUL */
    CHECK(buf[20] == 'Z');                              /* nothing written past size */
    const char *slot = term_str(in);
    CHECK(strlen(slot) < TERM_SLOT_BYTES);
    CHECK(strncmp(slot, "\\x1b\\x1b", 8) == 0);
}

static void term_str_results_survive_one_printf(void)
{
    const char *a = term_str("a\n"), *b = term_str("b\n"), *c = term_str("c\n");
    CHECK(strcmp(a, "a\\x0a") == 0);
    CHECK(strcmp(b, "b\\x0a") == 0);
    CHECK(strcmp(c, "c\\x0a") == 0);
}

int main(void)
{
    RUN(term_clean_text_is_returned_as_is);
    RUN(term_controls_are_escaped);
    RUN(term_long_text_is_cut_within_the_buffer);
    RUN(term_str_results_survive_one_printf);
    return test_done();
}
