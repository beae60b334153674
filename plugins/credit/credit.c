/* credit.c - 二(七) 金融扶持到户 as a C plugin: credit rating (信用户评定), the
 * poverty micro-loan (≤ 50,000 元, ≤ 3 years, no guarantor or collateral,
 * interest subsidised), the loan guarantee-insurance subsidy, and an alert
 * for a recorded loan that breaks those terms. Limits come from params. */
#include "fupin_plugin.h"
#include "plugin_util.h"

#define CLAUSE "二(七) 金融扶持到户"

static const char *const measures[] = {"rating", "micro_loan", "loan_insurance", NULL};

/* The loan limits default to the plan's; the insurance rate to the shipped
 * config's example. */
static const struct fupin_param_decl params[] = {
    {.key = "micro_loan_max",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "yuan",
     .title = "扶贫小额信贷每户上限（元；方案：5万元以内）",
     .min = 0,
     .max = 1000000,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 50000},
    {.key = "micro_loan_max_months",
     .type = FUPIN_PARAM_INTEGER,
     .unit = "months",
     .title = "扶贫小额信贷最长期限（月；方案：3年以内）",
     .min = 1,
     .max = 360,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 36},
    {.key = "loan_insurance_rate",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "ratio",
     .title = "贷款保证保险保费补贴比例（占贷款额，0.01 即 1%）",
     .min = 0,
     .max = 1,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 0.01},
};

struct limits {
    double max_amount, max_months, insurance_rate;
};

static int read_limits(struct fupin_ctx *c, int year, struct limits *l)
{
    if (fupin_param(c, "micro_loan_max", year, &l->max_amount) ||
        fupin_param(c, "micro_loan_max_months", year, &l->max_months) ||
        fupin_param(c, "loan_insurance_rate", year, &l->insurance_rate))
        return FUPIN_ERROR;
    return FUPIN_OK;
}

/* A loan is current while today is before start_date + term_months. A loan
 * whose start date is unknown counts as current: better to check its terms
 * than to offer a second loan. */
static int loan_is_current(const struct fupin_loan *l, const char *today, char end[11])
{
    if (pu_date_add_months(l->start_date, l->term_months, end) != 0) {
        snprintf(end, 11, "?");
        return 1;
    }
    return pu_date_key(end) > pu_date_key(today);
}

/* The terms the plan sets for a poverty credit loan; appends what a loan
 * breaks to b and says whether it broke any. */
static int broken_terms(const struct fupin_loan *l, const struct limits *lim, struct pu_buf *b)
{
    char money[48], max[48];
    size_t before = b->len;
    const char *sep = before ? "; " : "";
    pu_add(b, "%sloan %lld:", sep, (long long)l->id);
    size_t head = b->len;
    if (l->amount > lim->max_amount)
        pu_add(b, " amount %s over %s,", pu_yuan(l->amount, money, sizeof money),
               pu_yuan(lim->max_amount, max, sizeof max));
    if (l->term_months > lim->max_months)
        pu_add(b, " term %d months over %g,", l->term_months, lim->max_months);
    if (l->guarantor)
        pu_add(b, " requires a guarantor,");
    if (l->collateral)
        pu_add(b, " requires collateral,");
    if (!l->interest_subsidised)
        pu_add(b, " interest not subsidised,");
    if (b->len == head) {
        b->len = before;
        b->s[before] = '\0';
        return 0;
    }
    if (b->s[b->len - 1] == ',')
        b->s[--b->len] = '\0';
    return 1;
}

static int has_labor(const struct fupin_household *hh)
{
    for (size_t i = 0; i < hh->n_members; i++)
        if (hh->members[i].labor == FUPIN_LABOR_FULL || hh->members[i].labor == FUPIN_LABOR_PARTIAL)
            return 1;
    return 0;
}

static int cre_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    if (!pu_is_helped(hh))
        return FUPIN_OK;
    struct limits lim;
    if (read_limits(c, hh->year, &lim))
        return FUPIN_ERROR;
    char money[48], max[48];
    int rated = hh->credit_rating && *hh->credit_rating;

    if (!rated && fupin_recommend(c, 0, "rating",
                                  CLAUSE ": the household has no credit rating; rate it "
                                         "(信用户评定) so it can borrow"))
        return FUPIN_ERROR;

    char ids[200], terms[600], end[11];
    struct pu_buf idb = {ids, sizeof ids, 0}, tb = {terms, sizeof terms, 0};
    ids[0] = terms[0] = '\0';
    double current_total = 0;
    size_t n_current = 0;
    for (size_t i = 0; i < hh->n_loans; i++) {
        const struct fupin_loan *l = &hh->loans[i];
        if (!loan_is_current(l, hh->today, end))
            continue;
        n_current++;
        current_total += l->amount;
        pu_add(&idb, "%sloan %lld (%s until %s)", idb.len ? ", " : "", (long long)l->id,
               pu_yuan(l->amount, money, sizeof money), end);
        broken_terms(l, &lim, &tb);
    }

    if (rated && n_current == 0 && has_labor(hh) && (hh->wants_industry || hh->has_project) &&
        fupin_recommend_amount(
            c, 0, "micro_loan", lim.max_amount,
            CLAUSE ": rated %s, has members with labour ability and %s, no current poverty loan; "
                   "credit loan of at most %s, at most %g months, preferential rate, no "
                   "guarantor, no collateral, interest subsidised",
            hh->credit_rating,
            hh->has_project ? "a production project" : "wants to start production",
            pu_yuan(lim.max_amount, max, sizeof max), lim.max_months))
        return FUPIN_ERROR;
    if (n_current > 0) {
        double premium = current_total * lim.insurance_rate;
        if (fupin_recommend_amount(c, 0, "loan_insurance", premium,
                                   CLAUSE ": holds %s; guarantee-insurance premium subsidy %s (%g "
                                          "%% of the loan amount)",
                                   ids, pu_yuan(premium, money, sizeof money),
                                   lim.insurance_rate * 100))
            return FUPIN_ERROR;
    }
    if (tb.len)
        return fupin_alert(c, "loan_terms", "warning",
                           CLAUSE ": current poverty loan breaks the terms (≤ %s, ≤ %g months, "
                                  "no guarantor, no collateral, interest subsidised): %s",
                           pu_yuan(lim.max_amount, max, sizeof max), lim.max_months, terms);
    return FUPIN_OK;
}

FUPIN_PLUGIN_DEFINE("credit", "1.0", measures, params, cre_evaluate)
