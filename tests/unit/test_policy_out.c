/* test_policy_out.c - the emitter's texts on their way to the database:
 * policy errors and alerts cut by bytes in the middle of a Chinese
 * character come out as well-formed UTF-8, and whole text is kept as it
 * was. */
#include "policy.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

/* Nonzero when s is well-formed UTF-8 (no overlongs, no surrogates). */
static int is_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80                  ? 1
                   : *p >= 0xc2 && *p <= 0xdf ? 2
                   : (*p & 0xf0) == 0xe0      ? 3
                   : *p >= 0xf0 && *p <= 0xf4 ? 4
                                              : 0;
        if (!n)
            return 0;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

static const struct policy fixture = {.name = "industry", .source = "lua:policies/industry.lua@0"};

static void a_policy_error_cut_inside_a_character_is_repaired(void)
{
    struct eval_result res = {0};
    /* "超出时间限额" cut after the first byte of 限: what "%.Ns" does. */
    char msg[64];
    snprintf(msg, sizeof msg, "%.13s", "超出时间限额");
    CHECK(!is_utf8(msg)); /* the fixture really is cut */
    CHECK(eval_result_add_error(&res, "industry", fixture.source, msg) == 0);
    CHECK(res.n_errors == 1 && is_utf8(res.errors[0].msg));
    CHECK_STR_CONTAINS(res.errors[0].msg, "超出时间");
    eval_result_free(&res);
}

static void whole_chinese_text_is_kept_as_it_is(void)
{
    struct eval_result res = {0};
    struct fupin_out out = {.res = &res, .policy = &fixture};
    const char *text = "政策规则 industry 执行失败：policies/industry.lua:42：超出时间限额";
    CHECK(policy_out_alert(&out, "policy_error", "warning", text) == 0);
    CHECK(res.n_alerts == 1 && strcmp(res.alerts[0].message, text) == 0);
    CHECK(eval_result_add_error(&res, "industry", fixture.source, text) == 0);
    CHECK(strcmp(res.errors[0].msg, text) == 0);
    eval_result_free(&res);
}

static void an_alert_with_stray_bytes_is_repaired(void)
{
    struct eval_result res = {0};
    struct fupin_out out = {.res = &res, .policy = &fixture};
    /* A lone continuation byte, an overlong lead and a truncated tail. */
    CHECK(policy_out_alert(&out, "policy_error", "warning", "a\x80 b\xc0\xaf c\xe9\x99") == 0);
    CHECK(res.n_alerts == 1 && is_utf8(res.alerts[0].message));
    CHECK(strcmp(res.alerts[0].message, "a? b?? c??") == 0);
    eval_result_free(&res);
}

int main(void)
{
    RUN(a_policy_error_cut_inside_a_character_is_repaired);
    RUN(whole_chinese_text_is_kept_as_it_is);
    RUN(an_alert_with_stray_bytes_is_repaired);
    return test_done();
}
