/* education.c - 二(四) 教育资助到户 as a C plugin: 两免一补 for compulsory
 * school, tuition waiver for senior high and vocational school, a living
 * allowance per stage, and a dropout alert (不因贫辍学). It only reads the
 * household it is given; amounts and ages come from params, the wording from
 * the table below, never constants in the rules. The dropout alert is 三保障
 * and is raised for exited households too; the subsidies go to households
 * in help. */
#include "fupin_plugin.h"
#include "plugin_util.h"

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

/* Wording, kept apart from the conditions below: edit freely, but keep to
 * the placeholders each rule gives (a missing one fails `fupin test`). */
enum text {
    T_CLAUSE,
    T_WHO,
    T_WHO_NO_AGE,
    T_COMPULSORY,
    T_TUITION,
    T_ALLOWANCE,
    T_DROPOUT,
    L_IN_SCHOOL,
    D_IN_SCHOOL,
    D_OUT_OF_SCHOOL,
    T_COUNT
};

static const char *const text[T_COUNT] = {
    [T_CLAUSE] = "二(四)教育资助到户",
    [T_WHO] = "{name}（{age}岁）",
    [T_WHO_NO_AGE] = "{name}（年龄不详）",
    [T_COMPULSORY] =
        "{clause}：{who}就读{stage}，属义务教育阶段；落实“两免一补”：免学杂费、免教科书费，"
        "寄宿生补助生活费",
    [T_TUITION] = "{clause}：{who}就读{stage}；建档立卡贫困户学生免除学杂费，每年{amount}",
    [T_ALLOWANCE] = "{clause}：{who}就读{stage}；贫困户子女生活费补助每年{amount}",
    [T_DROPOUT] = "{clause}：{children}处于义务教育年龄（{min}–{max}岁）却未在校；确保不因贫辍学，"
                  "请帮扶干部尽快劝返复学",
    [L_IN_SCHOOL] = "义务教育年龄段在校",
    [D_IN_SCHOOL] = "{who}：{stage}（义务教育年龄{min}–{max}岁）",
    [D_OUT_OF_SCHOOL] = "{who}：未在校（义务教育年龄{min}–{max}岁）",
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

/* The plan's names of the school stages (二(四)). */
static const char *stage_words(enum fupin_school s)
{
    switch (s) {
    case FUPIN_SCHOOL_PRIMARY:
        return "小学";
    case FUPIN_SCHOOL_JUNIOR:
        return "初中";
    case FUPIN_SCHOOL_SENIOR:
        return "普通高中";
    case FUPIN_SCHOOL_VOCATIONAL:
        return "中职（技工）";
    case FUPIN_SCHOOL_COLLEGE:
        return "大专";
    case FUPIN_SCHOOL_PRESCHOOL:
        return "学前教育";
    default:
        return "未在校";
    }
}

/* "李小明（9岁）", or "（年龄不详）" when the birth date is unknown. */
static int who(struct fupin_ctx *c, const struct fupin_member *m, char *buf, size_t size)
{
    char age[16];
    snprintf(age, sizeof age, "%d", m->age);
    return pu_fill_for(c, buf, size, text[m->age >= 0 ? T_WHO : T_WHO_NO_AGE],
                       PU_ARGS({"name", pu_name(m)}, {"age", age}));
}

static int edu_member(struct fupin_ctx *c, const struct fupin_household *hh,
                      const struct fupin_member *m, const char *name)
{
    enum fupin_school s = m->school_stage;
    struct pu_scratch sc = {.used = 0};
    const char *clause = text[T_CLAUSE];

    if ((s == FUPIN_SCHOOL_PRIMARY || s == FUPIN_SCHOOL_JUNIOR) &&
        pu_recommend(c, m->id, "compulsory_support", text[T_COMPULSORY],
                     PU_ARGS({"clause", clause}, {"who", name}, {"stage", stage_words(s)})))
        return FUPIN_ERROR;
    if (s == FUPIN_SCHOOL_SENIOR || s == FUPIN_SCHOOL_VOCATIONAL) {
        double waiver;
        if (fupin_param(c, "tuition_waiver", hh->year, &waiver) ||
            pu_recommend_amount(c, m->id, "tuition_waiver", waiver, text[T_TUITION],
                                PU_ARGS({"clause", clause}, {"who", name},
                                        {"stage", stage_words(s)},
                                        {"amount", pu_money(&sc, waiver)})))
            return FUPIN_ERROR;
    }
    if (s >= FUPIN_SCHOOL_PRIMARY && s <= FUPIN_SCHOOL_COLLEGE) {
        char key[64];
        double allowance;
        snprintf(key, sizeof key, "living_allowance.%s", stage_key(s));
        if (fupin_param(c, key, hh->year, &allowance) ||
            pu_recommend_amount(c, m->id, "living_allowance", allowance, text[T_ALLOWANCE],
                                PU_ARGS({"clause", clause}, {"who", name},
                                        {"stage", stage_words(s)},
                                        {"amount", pu_money(&sc, allowance)})))
            return FUPIN_ERROR;
    }
    return FUPIN_OK;
}

static int edu_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    if (!pu_is_counted(hh))
        return FUPIN_OK;
    double age_min, age_max;
    if (fupin_param(c, "school_age_min", hh->year, &age_min) ||
        fupin_param(c, "school_age_max", hh->year, &age_max))
        return FUPIN_ERROR;
    struct pu_scratch sc = {.used = 0};
    const char *min = pu_num(&sc, age_min), *max = pu_num(&sc, age_max);

    /* One dropout alert per household (the alert table keeps one open row
     * per kind and household), naming every child concerned. */
    char children[600];
    struct pu_buf ab = {children, sizeof children, 0};
    children[0] = '\0';
    for (size_t i = 0; i < hh->n_members; i++) {
        const struct fupin_member *m = &hh->members[i];
        char name[160];
        if (who(c, m, name, sizeof name))
            return FUPIN_ERROR;
        /* 两免一补 and the allowances are help measures; staying in school
         * is 三保障, watched whatever the household's status. */
        if (pu_is_helped(hh) && edu_member(c, hh, m, name))
            return FUPIN_ERROR;
        if (m->age < 0 || m->age < age_min || m->age > age_max)
            continue;
        int in_school = m->school_stage != FUPIN_SCHOOL_NONE;
        if (pu_test(c, m->id, text[L_IN_SCHOOL], in_school,
                    text[in_school ? D_IN_SCHOOL : D_OUT_OF_SCHOOL],
                    PU_ARGS({"who", name}, {"stage", stage_words(m->school_stage)}, {"min", min},
                            {"max", max})))
            return FUPIN_ERROR;
        if (!in_school)
            pu_add(&ab, "%s%s", ab.len ? "、" : "", name);
    }
    if (ab.len)
        return pu_alert(c, "dropout", "warning", text[T_DROPOUT],
                        PU_ARGS({"clause", text[T_CLAUSE]}, {"children", children}, {"min", min},
                                {"max", max}));
    return FUPIN_OK;
}

FUPIN_PLUGIN_DEFINE_READS("education", "1.0", measures, params, FUPIN_READS(FUPIN_READS_MEMBERS),
                          edu_evaluate)
