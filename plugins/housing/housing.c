/* housing.c - 二(六) 危房改造到户 as a C plugin: renovation of C/D-graded
 * houses (most dangerous and poorest first, done by the deadline), tap-water
 * connection, and relocation from villages without living conditions.
 * Reads only the household it is given; amounts and the deadline are params,
 * the wording is the table below. A safe house is 三保障: renovation is
 * found for exited households too; water and relocation for those in help. */
#include "fupin_plugin.h"
#include "plugin_util.h"

static const char *const measures[] = {"renovation", "tap_water", "relocation", NULL};

/* Amounts default to the shipped config's examples; the deadline is the plan's. */
static const struct fupin_param_decl params[] = {
    {.key = "renovation_c",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "yuan",
     .title = "C级危房改造补助（元/户）",
     .min = 0,
     .max = 1000000,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 15000},
    {.key = "renovation_d",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "yuan",
     .title = "D级危房改造补助（元/户）",
     .min = 0,
     .max = 1000000,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 40000},
    {.key = "renovation_deadline",
     .type = FUPIN_PARAM_DATE,
     .title = "危房改造完成期限：此日后仍未改造的C/D级危房发出严重告警",
     .required = 1,
     .has_default = 1,
     .default_text = "2018-12-31"},
    {.key = "tap_water",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "yuan",
     .title = "自来水入户补助（元/户）",
     .min = 0,
     .max = 1000000,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 1000},
};

/* Wording, kept apart from the conditions below: edit freely, but keep to
 * the placeholders each rule gives (a missing one fails `fupin test`). */
enum text {
    T_CLAUSE,
    T_INCOME,
    T_NO_INCOME,
    T_RENOVATION,
    T_OVERDUE,
    T_TAP_WATER,
    T_RELOCATION,
    L_SAFE_HOUSE,
    L_DEADLINE,
    L_TAP_WATER,
    L_RELOCATION,
    D_HOUSE,
    D_DEADLINE,
    D_TAP_WATER,
    D_RELOCATION,
    T_COUNT
};

static const char *const text[T_COUNT] = {
    [T_CLAUSE] = "二(六)危房改造到户",
    [T_INCOME] = "{year}年人均收入{income}",
    [T_NO_INCOME] = "未登记收入",
    [T_RENOVATION] = "{clause}：住房鉴定为{grade}级危房，尚未改造；优先级{priority}（{grade}级），"
                     "{income}；危房改造补助{amount}，须于{deadline}前完成",
    [T_OVERDUE] = "{clause}：{grade}级危房至{today}仍未改造，已超过完成期限{deadline}",
    [T_TAP_WATER] = "{clause}：家中未通自来水；结合村村通自来水工程，饮水入户补助{amount}",
    [T_RELOCATION] = "{clause}：所在村{village}不具备生产生活条件，本户愿意搬迁；实施搬迁安置",
    [L_SAFE_HOUSE] = "住房安全",
    [L_DEADLINE] = "危房改造在期限内",
    [L_TAP_WATER] = "已通自来水",
    [L_RELOCATION] = "无需搬迁安置",
    [D_HOUSE] = "住房等级{grade}，{renovated}",
    [D_DEADLINE] = "今天{today}，完成期限{deadline}",
    [D_TAP_WATER] = "自来水：{tap}",
    [D_RELOCATION] = "村庄具备生产生活条件：{livable}；搬迁意愿：{wants}",
};

static const char *grade_letter(enum fupin_grade g)
{
    switch (g) {
    case FUPIN_GRADE_A:
        return "A";
    case FUPIN_GRADE_B:
        return "B";
    case FUPIN_GRADE_C:
        return "C";
    case FUPIN_GRADE_D:
        return "D";
    default:
        return "未鉴定";
    }
}

/* Per-capita income of the latest recorded year, for the priority order
 * (poorest first). */
static int latest_income(struct fupin_ctx *c, const struct fupin_household *hh, char *buf,
                         size_t size)
{
    if (hh->n_income == 0 || hh->n_members == 0)
        return pu_fill_for(c, buf, size, text[T_NO_INCOME], PU_ARGS({"", ""}));
    const struct fupin_income *in = &hh->income[hh->n_income - 1];
    double total = in->wage + in->production + in->property + in->transfer;
    struct pu_scratch sc = {.used = 0};
    return pu_fill_for(c, buf, size, text[T_INCOME],
                       PU_ARGS({"year", pu_fmt(&sc, "%d", in->year)},
                               {"income", pu_money(&sc, total / (double)hh->n_members)}));
}

static int renovation(struct fupin_ctx *c, const struct fupin_household *hh, const char *grade)
{
    int is_d = hh->housing_grade == FUPIN_GRADE_D;
    double amount;
    if (fupin_param(c, is_d ? "renovation_d" : "renovation_c", hh->year, &amount))
        return FUPIN_ERROR;
    const char *deadline = fupin_param_text(c, "renovation_deadline");
    if (pu_date_key(deadline) < 0)
        return fupin_fail(c, "parameter housing.renovation_deadline must be a date \"YYYY-MM-DD\"");
    char income[160];
    struct pu_scratch sc = {.used = 0};
    if (latest_income(c, hh, income, sizeof income))
        return FUPIN_ERROR;
    /* The plan: the most dangerous house and the poorest household first. */
    if (pu_recommend_amount(c, 0, "renovation", amount, text[T_RENOVATION],
                            PU_ARGS({"clause", text[T_CLAUSE]}, {"grade", grade},
                                    {"priority", is_d ? "1" : "2"}, {"income", income},
                                    {"amount", pu_money(&sc, amount)}, {"deadline", deadline})))
        return FUPIN_ERROR;
    int overdue = pu_date_key(hh->today) > pu_date_key(deadline);
    if (pu_test(c, 0, text[L_DEADLINE], !overdue, text[D_DEADLINE],
                PU_ARGS({"today", hh->today}, {"deadline", deadline})))
        return FUPIN_ERROR;
    if (overdue)
        return pu_alert(c, "renovation_overdue", "critical", text[T_OVERDUE],
                        PU_ARGS({"clause", text[T_CLAUSE]}, {"grade", grade}, {"today", hh->today},
                                {"deadline", deadline}));
    return FUPIN_OK;
}

static int hou_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    if (!pu_is_counted(hh))
        return FUPIN_OK;
    struct pu_scratch sc = {.used = 0};
    const char *grade = grade_letter(hh->housing_grade);
    int unsafe = (hh->housing_grade == FUPIN_GRADE_C || hh->housing_grade == FUPIN_GRADE_D) &&
                 !hh->housing_renovated;
    if (pu_test(
            c, 0, text[L_SAFE_HOUSE], !unsafe, text[D_HOUSE],
            PU_ARGS({"grade", grade}, {"renovated", hh->housing_renovated ? "已改造" : "未改造"})))
        return FUPIN_ERROR;
    if (unsafe && renovation(c, hh, grade))
        return FUPIN_ERROR;
    if (!pu_is_helped(hh))
        return FUPIN_OK;

    if (pu_test(c, 0, text[L_TAP_WATER], hh->tap_water, text[D_TAP_WATER],
                PU_ARGS({"tap", hh->tap_water ? "已通" : "未通"})))
        return FUPIN_ERROR;
    if (!hh->tap_water) {
        double amount;
        if (fupin_param(c, "tap_water", hh->year, &amount) ||
            pu_recommend_amount(
                c, 0, "tap_water", amount, text[T_TAP_WATER],
                PU_ARGS({"clause", text[T_CLAUSE]}, {"amount", pu_money(&sc, amount)})))
            return FUPIN_ERROR;
    }
    int relocate = !hh->livable && hh->wants_relocation;
    if (pu_test(c, 0, text[L_RELOCATION], !relocate, text[D_RELOCATION],
                PU_ARGS({"livable", hh->livable ? "是" : "否"},
                        {"wants", hh->wants_relocation ? "有" : "无"})))
        return FUPIN_ERROR;
    if (relocate && pu_recommend(c, 0, "relocation", text[T_RELOCATION],
                                 PU_ARGS({"clause", text[T_CLAUSE]},
                                         {"village", hh->village_name && *hh->village_name
                                                         ? hh->village_name
                                                         : (hh->village ? hh->village : "?")})))
        return FUPIN_ERROR;
    return FUPIN_OK;
}

FUPIN_PLUGIN_DEFINE_READS("housing", "1.0", measures, params,
                          FUPIN_READS(FUPIN_READS_MEMBERS | FUPIN_READS_INCOME), hou_evaluate)
