/* test_scrub.c - the resident ID scrubber: what it masks (valid and
 * mistyped 18-character IDs, the old 15-digit form, IDs glued into text or
 * digits) and what it must leave alone (amounts, phone numbers, dates). */
#include "idcard.h"
#include "scrub.h"
#include "testlib.h"

#include <string.h>

static void expect(const char *in, const char *want, size_t count)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", in);
    size_t got = scrub_ids(buf);
    CHECK(got == count);
    CHECK(strcmp(buf, want) == 0);
    CHECK(!scrub_has_id(buf));
    CHECK(scrub_has_id(in) == (count > 0));
    if (got != count || strcmp(buf, want) != 0)
        fprintf(stderr, "  scrub(\"%s\") = \"%s\" (%zu), want \"%s\" (%zu)\n", in, buf, got, want,
                count);
}

static void scrub_masks_valid_ids(void)
{
    CHECK(idcard_is_valid("441602198001010011"));
    expect("441602198001010011", "441602********0011", 1);
    expect("11010519491231002X", "110105********002X", 1);
    expect("11010519491231002x", "110105********002x", 1);
    expect("身份证号441602198001010011，户主", "身份证号441602********0011，户主", 1);
    expect("a 441602198001010011 b 110101199003077651", "a 441602********0011 b 110101********7651",
           2);
}

static void scrub_masks_ids_with_a_wrong_check_digit(void)
{
    CHECK(!idcard_is_valid("441602198001010012"));
    expect("441602198001010012", "441602********0012", 1);
    expect("44160219800101001X", "441602********001X", 1);
    /* leap day of a leap year is a real birth date */
    expect("441602200002290011", "441602********0011", 1);
}

static void scrub_masks_ids_glued_to_digits(void)
{
    expect("9441602198001010011", "9441602********0011", 1);
    expect("4416021980010100117", "441602********00117", 1);
}

static void scrub_masks_old_15_digit_ids(void)
{
    expect("441602800101001", "441602*****1001", 1);
    expect("旧证号:441602800101001.", "旧证号:441602*****1001.", 1);
}

static void scrub_leaves_ordinary_numbers(void)
{
    const char *keep[] = {
        "13800138000",                    /* a mobile phone number: 11 digits */
        "电话 13800138000，补贴 5000 元", /* with text around */
        "12345678.90",                    /* an amount */
        "2018-06-30",                     /* a date */
        "20180630235959",                 /* a timestamp, 14 digits */
        "441602001001",                   /* a village code */
        "123456789012345678",             /* 18 digits, no real date inside */
        "941602198001010011",             /* first digit 9: no region starts so */
        "441602190002290011",             /* 1900-02-29 never was */
        "441602180001010011",             /* born 1800 */
        "441602198013010011",             /* month 13 */
        "4416021980010100A1",             /* a letter inside */
        "4416028001010012",               /* 16 digits: not an old ID */
        "44160280010100",                 /* 14 digits */
        "941602800101001",                /* 15 digits starting with 9 */
        "441602801301001",                /* 15 digits, month 13 */
        "",
    };
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        expect(keep[i], keep[i], 0);
    CHECK(scrub_ids(NULL) == 0 && !scrub_has_id(NULL));
}

static void scrub_n_stops_at_n(void)
{
    char buf[] = "441602198001010011441602198001010011";
    CHECK(scrub_ids_n(buf, 18) == 1);
    CHECK(strcmp(buf, "441602********0011441602198001010011") == 0);
    /* a window cut short is not an ID */
    char cut[] = "441602198001010011";
    CHECK(scrub_ids_n(cut, 17) == 0 && strcmp(cut, "441602198001010011") == 0);
}

/* In JSON only strings are personal text: a number shaped like an ID (a
 * task id) stays a valid number (found by fuzz_digest). */
static void scrub_json_masks_strings_not_numbers(void)
{
    char buf[] = "{\"task_id\":-475580119800101039,\"title\":\"x 441602198001010011 \\\" "
                 "441602198001010011\",\"n\":441602198001010011}";
    CHECK(scrub_ids_json(buf, strlen(buf)) == 2);
    CHECK(strcmp(buf, "{\"task_id\":-475580119800101039,\"title\":\"x 441602********0011 "
                      "\\\" 441602********0011\",\"n\":441602198001010011}") == 0);
    char open_string[] = "{\"a\":\"441602198001010011";
    CHECK(scrub_ids_json(open_string, strlen(open_string)) == 1);
}

int main(void)
{
    RUN(scrub_masks_valid_ids);
    RUN(scrub_masks_ids_with_a_wrong_check_digit);
    RUN(scrub_masks_ids_glued_to_digits);
    RUN(scrub_masks_old_15_digit_ids);
    RUN(scrub_leaves_ordinary_numbers);
    RUN(scrub_n_stops_at_n);
    RUN(scrub_json_masks_strings_not_numbers);
    return test_done();
}
