/* test_plugin_util.c - the bundled plugins' wording helpers: {name}
 * placeholders filled, a placeholder the rule does not give refused before
 * anything reaches the host, a long message cut on a whole UTF-8 character,
 * and who counts as labour force or as counted by the plan. */
#include "plugin_util.h"
#include "testlib.h"

#include <string.h>

/* A host that keeps the last reason or message it was given. */
static char last[FUPIN_MESSAGE_MAX];
static int calls;

static int keep_finding(struct fupin_out *out, const struct fupin_finding *f)
{
    (void)out;
    calls++;
    snprintf(last, sizeof last, "%s", f->reason);
    return FUPIN_OK;
}

static int keep_alert(struct fupin_out *out, const char *kind, const char *severity,
                      const char *message)
{
    (void)out;
    (void)kind;
    (void)severity;
    calls++;
    snprintf(last, sizeof last, "%s", message);
    return FUPIN_OK;
}

static const struct fupin_host host = {.abi_version = FUPIN_PLUGIN_ABI_VERSION,
                                       .struct_size = sizeof(struct fupin_host),
                                       .recommend = keep_finding,
                                       .flag = keep_finding,
                                       .alert = keep_alert};

/* Whether s is whole UTF-8: no sequence cut short. */
static int utf8_whole(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
        if (n == 0)
            return 0;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

static void placeholders_are_filled(void)
{
    char buf[256], missing[80];
    CHECK(pu_fill(buf, sizeof buf, "{clause}：{who}（{age}岁），{who}在校；{不是占位",
                  PU_ARGS({"who", "李小明"}, {"age", "9"}, {"clause", "二(四)"}), missing,
                  sizeof missing) == 0);
    CHECK(strcmp(buf, "二(四)：李小明（9岁），李小明在校；{不是占位") == 0);
    CHECK(pu_fill(buf, sizeof buf, "无占位符", PU_ARGS({"x", "y"}), missing, sizeof missing) == 0);
    CHECK(strcmp(buf, "无占位符") == 0);
}

static void unknown_placeholder_is_refused(void)
{
    char buf[256], missing[80], err[256] = "";
    CHECK(pu_fill(buf, sizeof buf, "{clause}：{amount}", PU_ARGS({"clause", "二(七)"}), missing,
                  sizeof missing) == -1);
    CHECK(strcmp(missing, "amount") == 0);

    struct fupin_ctx c = {&host, NULL, NULL, "credit", err, sizeof err};
    calls = 0;
    CHECK(pu_recommend(&c, 0, "rating", "{clause}：{rating}", PU_ARGS({"clause", "二(七)"})) ==
          FUPIN_ERROR);
    CHECK(calls == 0);
    CHECK_STR_CONTAINS(err, "credit: the wording template names {rating}");
    CHECK(pu_alert(&c, "loan_terms", "warning", "{clause}：{breaches}",
                   PU_ARGS({"clause", "二(七)"})) == FUPIN_ERROR);
    CHECK(calls == 0);
    CHECK(pu_test(&c, 0, "信用户评定", 1, "{rating}", PU_ARGS({"clause", "x"})) == FUPIN_ERROR);

    CHECK(pu_recommend(&c, 0, "rating", "{clause}：请评定", PU_ARGS({"clause", "二(七)"})) ==
          FUPIN_OK);
    CHECK(calls == 1 && strcmp(last, "二(七)：请评定") == 0);
}

static void long_text_is_cut_on_a_character(void)
{
    char buf[11], missing[80];
    /* 3 bytes a character: 10 bytes of room hold three whole ones. */
    for (int k = 0; k < 3; k++) {
        const char *tmpl = k == 0 ? "{v}" : k == 1 ? "甲{v}" : "ab{v}";
        CHECK(pu_fill(buf, sizeof buf, tmpl, PU_ARGS({"v", "危房改造到户"}), missing,
                      sizeof missing) == 0);
        CHECK(utf8_whole(buf));
        CHECK(strlen(buf) <= 10 && strlen(buf) >= 8);
    }
    struct pu_scratch sc = {.used = 0};
    char big[2 * FUPIN_MESSAGE_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *a = pu_fmt(&sc, "%s", big);
    CHECK(strlen(a) == FUPIN_MESSAGE_MAX - 1);
    CHECK(strcmp(pu_fmt(&sc, "%d", 5), "…") == 0); /* full: never past the end */
    struct pu_scratch sc2 = {.used = 0};
    CHECK(strcmp(pu_money(&sc2, 50000), "50,000 元") == 0);
    CHECK(strcmp(pu_num(&sc2, 36), "36") == 0 && strcmp(pu_num(&sc2, 1.5), "1.5") == 0);
}

static void labour_force_and_counted_households(void)
{
    /* The host's one definition decides (working age, not in school,
     * labour recorded full or partial: household_facts); the helper never
     * second-guesses it from the labour column. */
    struct fupin_member m = {.labor = FUPIN_LABOR_FULL, .in_labor_force = 1};
    CHECK(pu_in_labor_force(&m));
    m.in_labor_force = 0; /* e.g. 72 years old, or a student */
    CHECK(!pu_in_labor_force(&m));

    struct fupin_household hh = {.status = FUPIN_STATUS_EXITED};
    CHECK(pu_is_counted(&hh) && !pu_is_helped(&hh));
    hh.status = FUPIN_STATUS_RETURNED;
    CHECK(pu_is_counted(&hh) && pu_is_helped(&hh));
}

int main(void)
{
    RUN(placeholders_are_filled);
    RUN(unknown_placeholder_is_refused);
    RUN(long_text_is_cut_on_a_character);
    RUN(labour_force_and_counted_households);
    return test_done();
}
