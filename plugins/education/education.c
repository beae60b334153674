/* education.c - 二(四) 教育资助到户 as a C plugin: 两免一补 for compulsory
 * school, tuition waiver for senior high and vocational school, a living
 * allowance per stage, and a dropout alert (不因贫辍学). It only reads the
 * household it is given; amounts and ages come from params, never constants. */
#include "fupin_plugin.h"
#include "plugin_util.h"

#define CLAUSE "二(四) 教育资助到户"

static const char *const measures[] = {"compulsory_support", "tuition_waiver", "living_allowance",
                                       NULL};

/* The figures are the shipped config's examples; an office sets its own. */
#define ALLOWANCE(stage, words, yuan)                                                              \
    {                                                                                              \
        .key = "living_allowance." stage, .type = FUPIN_PARAM_NUMBER, .unit = "yuan",              \
        .title = words "建档立卡学生生活补助（元/年）", .min = 0, .max = 100000, .by_year = 1,     \
        .required = 1, .has_default = 1, .default_number = yuan                                    \
    }

static const struct fupin_param_decl params[] = {
    ALLOWANCE("primary", "小学", 1000),
    ALLOWANCE("junior", "初中", 1250),
    ALLOWANCE("senior", "普通高中", 2500),
    ALLOWANCE("vocational", "中职（技工）", 2500),
    ALLOWANCE("college", "大专", 3000),
    {.key = "tuition_waiver",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "yuan",
     .title = "普通高中、中职建档立卡学生免除学杂费（元/年）",
     .min = 0,
     .max = 100000,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 2500},
    /* Shared with the Lua policies (fp.school_age): read at the top level,
     * so the declaration must match theirs. */
    {.key = "school_age_min",
     .type = FUPIN_PARAM_INTEGER,
     .unit = "years",
     .title = "义务教育年龄下限（周岁，含）：不因贫辍学",
     .min = 0,
     .max = 30,
     .required = 1,
     .has_default = 1,
     .default_number = 6},
    {.key = "school_age_max",
     .type = FUPIN_PARAM_INTEGER,
     .unit = "years",
     .title = "义务教育年龄上限（周岁，含）：不因贫辍学",
     .min = 0,
     .max = 30,
     .required = 1,
     .has_default = 1,
     .default_number = 15},
};

static const char *stage_key(enum fupin_school s)
{
    switch (s) {
    case FUPIN_SCHOOL_PRIMARY:
        return "primary";
    case FUPIN_SCHOOL_JUNIOR:
        return "junior";
    case FUPIN_SCHOOL_SENIOR:
        return "senior";
    case FUPIN_SCHOOL_VOCATIONAL:
        return "vocational";
    case FUPIN_SCHOOL_COLLEGE:
        return "college";
    case FUPIN_SCHOOL_PRESCHOOL:
        return "preschool";
    default:
        return NULL;
    }
}

static const char *stage_words(enum fupin_school s)
{
    switch (s) {
    case FUPIN_SCHOOL_PRIMARY:
        return "primary school";
    case FUPIN_SCHOOL_JUNIOR:
        return "junior middle school";
    case FUPIN_SCHOOL_SENIOR:
        return "senior high school";
    case FUPIN_SCHOOL_VOCATIONAL:
        return "vocational (technician) school";
    case FUPIN_SCHOOL_COLLEGE:
        return "college (大专)";
    case FUPIN_SCHOOL_PRESCHOOL:
        return "preschool";
    default:
        return "no school";
    }
}

/* "李小明 (age 9)", or without the age when the birth date is unknown. */
static void who(const struct fupin_member *m, char *buf, size_t size)
{
    if (m->age >= 0)
        snprintf(buf, size, "%s (age %d)", pu_name(m), m->age);
    else
        snprintf(buf, size, "%s (age unknown)", pu_name(m));
}

static int edu_member(struct fupin_ctx *c, const struct fupin_household *hh,
                      const struct fupin_member *m)
{
    enum fupin_school s = m->school_stage;
    char name[96], money[48];
    who(m, name, sizeof name);

    if (s == FUPIN_SCHOOL_PRIMARY || s == FUPIN_SCHOOL_JUNIOR) {
        if (fupin_recommend(c, m->id, "compulsory_support",
                            CLAUSE ": %s is in %s (compulsory education); 两免一补: tuition and "
                                   "textbook fees exempted, boarding subsidy",
                            name, stage_words(s)))
            return FUPIN_ERROR;
    }
    if (s == FUPIN_SCHOOL_SENIOR || s == FUPIN_SCHOOL_VOCATIONAL) {
        double waiver;
        if (fupin_param(c, "tuition_waiver", hh->year, &waiver) ||
            fupin_recommend_amount(c, m->id, "tuition_waiver", waiver,
                                   CLAUSE ": %s is in %s; tuition and fees waived for registered "
                                          "households (%s a year)",
                                   name, stage_words(s), pu_yuan(waiver, money, sizeof money)))
            return FUPIN_ERROR;
    }
    if (s >= FUPIN_SCHOOL_PRIMARY && s <= FUPIN_SCHOOL_COLLEGE) {
        char key[64];
        double allowance;
        snprintf(key, sizeof key, "living_allowance.%s", stage_key(s));
        if (fupin_param(c, key, hh->year, &allowance) ||
            fupin_recommend_amount(c, m->id, "living_allowance", allowance,
                                   CLAUSE ": %s is in %s; living allowance for %s students from "
                                          "registered households: %s a year",
                                   name, stage_words(s), stage_key(s),
                                   pu_yuan(allowance, money, sizeof money)))
            return FUPIN_ERROR;
    }
    return FUPIN_OK;
}

static int edu_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    if (!pu_is_helped(hh))
        return FUPIN_OK;
    double age_min, age_max;
    if (fupin_param(c, "school_age_min", hh->year, &age_min) ||
        fupin_param(c, "school_age_max", hh->year, &age_max))
        return FUPIN_ERROR;

    /* One dropout alert per household (the alert table keeps one open row
     * per kind and household), naming every child concerned. */
    char alert[600];
    struct pu_buf ab = {alert, sizeof alert, 0};
    for (size_t i = 0; i < hh->n_members; i++) {
        const struct fupin_member *m = &hh->members[i];
        if (edu_member(c, hh, m))
            return FUPIN_ERROR;
        if (m->school_stage == FUPIN_SCHOOL_NONE && m->age >= 0 && m->age >= age_min &&
            m->age <= age_max) {
            pu_add(&ab, "%s%s (age %d)", ab.len ? ", " : "", pu_name(m), m->age);
        }
    }
    if (ab.len)
        return fupin_alert(c, "dropout", "warning",
                           CLAUSE ": not in school though of compulsory-school age (%g–%g): %s; "
                                  "确保不因贫辍学: get them back to school",
                           age_min, age_max, alert);
    return FUPIN_OK;
}

FUPIN_PLUGIN_DEFINE("education", "1.0", measures, params, edu_evaluate)
