/* test_err.c - the error codes: every code has its own name and phrase,
 * none is positive or zero, and err_set fills the message and hands the
 * code back. */
#include "err.h"
#include "testlib.h"

#include <string.h>

static const int codes[] = {
#define CODE(name, value, phrase) ERR_##name,
    FUPIN_ERR_MAP(CODE)
#undef CODE
};
#define N_CODES (sizeof codes / sizeof codes[0])

static void err_names_are_the_c_names(void)
{
    CHECK(strcmp(err_name(ERR_FAIL), "ERR_FAIL") == 0);
    CHECK(strcmp(err_name(ERR_INVALID), "ERR_INVALID") == 0);
    CHECK(strcmp(err_name(ERR_BUSY), "ERR_BUSY") == 0);
    CHECK(strcmp(err_name(ERR_BUDGET), "ERR_BUDGET") == 0);
    CHECK(strcmp(err_name(ERR_STOPPED), "ERR_STOPPED") == 0);
    CHECK(strcmp(err_name(ERR_NOTFOUND), "ERR_NOTFOUND") == 0);
    CHECK(strcmp(err_name(ERR_CLOSED), "ERR_CLOSED") == 0);
    CHECK(strcmp(err_name(0), "OK") == 0);
}

static void err_phrases_are_short_english(void)
{
    CHECK(strcmp(err_str(ERR_INVALID), "invalid input") == 0);
    CHECK(strcmp(err_str(ERR_NOTFOUND), "not found") == 0);
    CHECK(strcmp(err_str(0), "success") == 0);
    for (size_t i = 0; i < N_CODES; i++) {
        const char *s = err_str(codes[i]);
        CHECK(s && *s && strlen(s) < 40);
        CHECK(strcmp(s, "unknown error") != 0);
    }
}

/* A duplicated value would make a switch case fail to compile, but two
 * codes sharing a name or a phrase would not: callers tell codes apart by
 * both. "Not found" must be negative like the rest, never the old +1. */
static void err_codes_are_negative_and_distinct(void)
{
    CHECK(N_CODES >= 6);
    for (size_t i = 0; i < N_CODES; i++) {
        CHECK(codes[i] < 0);
        CHECK(strncmp(err_name(codes[i]), "ERR_", 4) == 0);
        CHECK(strcmp(err_name(codes[i]), "ERR_UNKNOWN") != 0);
        for (size_t j = 0; j < i; j++) {
            CHECK(codes[i] != codes[j]);
            CHECK(strcmp(err_name(codes[i]), err_name(codes[j])) != 0);
            CHECK(strcmp(err_str(codes[i]), err_str(codes[j])) != 0);
        }
    }
}

static void err_unknown_codes_say_so(void)
{
    CHECK(strcmp(err_name(1), "ERR_UNKNOWN") == 0);
    CHECK(strcmp(err_name(-1000), "ERR_UNKNOWN") == 0);
    CHECK(strcmp(err_str(1), "unknown error") == 0);
    CHECK(strcmp(err_str(-1000), "unknown error") == 0);
}

static void err_set_fills_the_message_and_returns_the_code(void)
{
    struct err e = {{0}};
    CHECK(err_set(&e, ERR_NOTFOUND, "household %d: %s", 12, "gone") == ERR_NOTFOUND);
    CHECK(strcmp(e.msg, "household 12: gone") == 0);
    CHECK(err_set(NULL, ERR_BUSY, "nobody reads this") == ERR_BUSY);
    /* A long message is cut, never overflows. */
    char long_text[600];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    CHECK(err_set(&e, ERR_FAIL, "%s", long_text) == ERR_FAIL);
    CHECK(strlen(e.msg) == sizeof e.msg - 1);
}

static void err_set_never_cuts_a_character_in_half(void)
{
    /* 1 + 3 * 100 bytes into 255: 84 whole characters fit, then two bytes
     * of the 85th, which must go. */
    char text[400] = "x";
    for (int i = 0; i < 100; i++)
        strcat(text, "户");
    struct err e;
    CHECK(err_set(&e, ERR_INVALID, "%s", text) == ERR_INVALID);
    CHECK(strlen(e.msg) == 1 + 3 * 84);
    CHECK(strncmp(e.msg, text, strlen(e.msg)) == 0);
    /* A message that fits is not touched, whatever its last character. */
    CHECK(err_set(&e, ERR_INVALID, "%s", "超出时间限额") == ERR_INVALID);
    CHECK(strcmp(e.msg, "超出时间限额") == 0);
}

int main(void)
{
    RUN(err_names_are_the_c_names);
    RUN(err_phrases_are_short_english);
    RUN(err_codes_are_negative_and_distinct);
    RUN(err_unknown_codes_say_so);
    RUN(err_set_fills_the_message_and_returns_the_code);
    RUN(err_set_never_cuts_a_character_in_half);
    return test_done();
}
