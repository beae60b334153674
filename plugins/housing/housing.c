/* housing.c - 二(六) 危房改造到户 as a C plugin: renovation of C/D-graded
 * houses (most dangerous and poorest first, done by the deadline), tap-water
 * connection, and relocation from villages without living conditions.
 * Reads only the household it is given; amounts and the deadline are params. */
#include "fupin_plugin.h"
#include "plugin_util.h"

#define CLAUSE "二(六) 危房改造到户"

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

/* Per-capita income of the latest recorded year, for the priority order
 * (poorest first); "no income recorded" when there is none. */
static void latest_income(const struct fupin_household *hh, char *buf, size_t size)
{
    if (hh->n_income == 0 || hh->n_members == 0) {
        snprintf(buf, size, "no income recorded");
        return;
    }
    const struct fupin_income *in = &hh->income[hh->n_income - 1];
    double total = in->wage + in->production + in->property + in->transfer;
    char money[48];
    snprintf(buf, size, "per-capita income %s (%d)",
             pu_yuan(total / (double)hh->n_members, money, sizeof money), in->year);
}

static int renovation(struct fupin_ctx *c, const struct fupin_household *hh)
{
    int is_d = hh->housing_grade == FUPIN_GRADE_D;
    double amount;
    if (fupin_param(c, is_d ? "renovation_d" : "renovation_c", hh->year, &amount))
        return FUPIN_ERROR;
    const char *deadline = fupin_param_text(c, "renovation_deadline");
    if (pu_date_key(deadline) < 0)
        return fupin_fail(c, "parameter housing.renovation_deadline must be a date \"YYYY-MM-DD\"");
    char income[96], money[48];
    latest_income(hh, income, sizeof income);
    /* The plan: the most dangerous house and the poorest household first. */
    if (fupin_recommend_amount(c, 0, "renovation", amount,
                               CLAUSE ": house graded %s and not yet renovated; priority %d (grade "
                                      "%s), %s; renovation subsidy %s, to be finished by %s",
                               is_d ? "D" : "C", is_d ? 1 : 2, is_d ? "D" : "C", income,
                               pu_yuan(amount, money, sizeof money), deadline))
        return FUPIN_ERROR;
    if (pu_date_key(hh->today) > pu_date_key(deadline))
        return fupin_alert(c, "renovation_overdue", "critical",
                           CLAUSE ": house graded %s is still not renovated on %s, after the "
                                  "deadline %s",
                           is_d ? "D" : "C", hh->today, deadline);
    return FUPIN_OK;
}

static int hou_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    if (!pu_is_helped(hh))
        return FUPIN_OK;
    char money[48];
    if ((hh->housing_grade == FUPIN_GRADE_C || hh->housing_grade == FUPIN_GRADE_D) &&
        !hh->housing_renovated && renovation(c, hh))
        return FUPIN_ERROR;
    if (!hh->tap_water) {
        double amount;
        if (fupin_param(c, "tap_water", hh->year, &amount) ||
            fupin_recommend_amount(c, 0, "tap_water", amount,
                                   CLAUSE ": no tap water at home; connection subsidy %s "
                                          "(村村通自来水)",
                                   pu_yuan(amount, money, sizeof money)))
            return FUPIN_ERROR;
    }
    if (!hh->livable && hh->wants_relocation) {
        if (fupin_recommend(c, 0, "relocation",
                            CLAUSE ": village %s lacks the conditions for living and production "
                                   "and the household wants to move; relocation (搬迁安置)",
                            hh->village_name && *hh->village_name
                                ? hh->village_name
                                : (hh->village ? hh->village : "?")))
            return FUPIN_ERROR;
    }
    return FUPIN_OK;
}

FUPIN_PLUGIN_DEFINE("housing", "1.0", measures, params, hou_evaluate)
