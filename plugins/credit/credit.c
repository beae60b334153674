/* credit.c - 二(七) 金融扶持到户 as a C plugin: credit rating (信用户评定), the
 * poverty micro-loan (≤ 50,000 元, ≤ 3 years, no guarantor or collateral,
 * interest subsidised), the loan guarantee-insurance subsidy, and an alert
 * for a recorded loan that breaks those terms. Limits come from params. */
#include "fupin_plugin.h"
#include "plugin_util.h"

#include <stdlib.h>

#define CLAUSE "二(七) 金融扶持到户"

static const char *const measures[] = {"rating", "micro_loan", "loan_insurance", NULL};
static const char *const required[] = {"micro_loan_max", "micro_loan_max_months",
                                       "loan_insurance_rate", NULL};

struct credit {
    const struct fupin_host *host; /* read-only after init */
};

struct limits {
    double max_amount, max_months, insurance_rate;
};

static int cre_init(const struct fupin_host *host, const struct fupin_params *params, void **state,
                    char *err, size_t err_size)
{
    double v;
    if (host->abi_version != FUPIN_PLUGIN_ABI_VERSION)
        return pu_fail(err, err_size, "host speaks plugin ABI %u, built for %u",
                       (unsigned)host->abi_version, (unsigned)FUPIN_PLUGIN_ABI_VERSION);
    for (const char *const *k = required; *k; k++)
        if (host->param_number(params, *k, &v) != FUPIN_OK)
            return pu_fail(err, err_size, "parameter credit.%s is missing or not a number", *k);
    struct credit *st = malloc(sizeof *st);
    if (!st)
        return pu_fail(err, err_size, "out of memory");
    st->host = host;
    *state = st;
    return FUPIN_OK;
}

static void cre_free(void *state)
{
    free(state);
}

static int read_limits(const struct credit *st, const struct fupin_params *params, int year,
                       struct limits *l, char *err, size_t err_size)
{
    if (st->host->param_number_for_year(params, "micro_loan_max", year, &l->max_amount) ||
        st->host->param_number_for_year(params, "micro_loan_max_months", year, &l->max_months) ||
        st->host->param_number_for_year(params, "loan_insurance_rate", year, &l->insurance_rate))
        return pu_fail(err, err_size,
                       "parameters credit.micro_loan_max, micro_loan_max_months and "
                       "loan_insurance_rate must be numbers for %d",
                       year);
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

static int emit(const struct credit *st, struct fupin_out *out, const char *measure, int has_amount,
                double amount, const char *reason, char *err, size_t err_size)
{
    struct fupin_finding f = {.member_id = 0,
                              .measure = measure,
                              .has_amount = has_amount,
                              .amount = amount,
                              .reason = reason};
    if (st->host->recommend(out, &f) != FUPIN_OK)
        return pu_fail(err, err_size, "the host refused finding %s", measure);
    return FUPIN_OK;
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

static int cre_evaluate(void *state, const struct fupin_household *hh,
                        const struct fupin_params *params, struct fupin_out *out, char *err,
                        size_t err_size)
{
    const struct credit *st = state;
    if (!pu_is_helped(hh))
        return FUPIN_OK;
    struct limits lim;
    if (read_limits(st, params, hh->year, &lim, err, err_size))
        return FUPIN_ERROR;
    char reason[500], money[48], max[48];
    int rated = hh->credit_rating && *hh->credit_rating;

    if (!rated) {
        snprintf(reason, sizeof reason,
                 CLAUSE ": the household has no credit rating; rate it (信用户评定) so it can "
                        "borrow");
        if (emit(st, out, "rating", 0, 0, reason, err, err_size))
            return FUPIN_ERROR;
    }

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

    if (rated && n_current == 0 && has_labor(hh) && (hh->wants_industry || hh->has_project)) {
        snprintf(reason, sizeof reason,
                 CLAUSE ": rated %s, has members with labour ability and %s, no current "
                        "poverty loan; credit loan of at most %s, at most %g months, "
                        "preferential rate, no guarantor, no collateral, interest subsidised",
                 hh->credit_rating,
                 hh->has_project ? "a production project" : "wants to start production",
                 pu_yuan(lim.max_amount, max, sizeof max), lim.max_months);
        if (emit(st, out, "micro_loan", 1, lim.max_amount, reason, err, err_size))
            return FUPIN_ERROR;
    }
    if (n_current > 0) {
        double premium = current_total * lim.insurance_rate;
        snprintf(reason, sizeof reason,
                 CLAUSE ": holds %s; guarantee-insurance premium subsidy %s (%g %% of the "
                        "loan amount)",
                 ids, pu_yuan(premium, money, sizeof money), lim.insurance_rate * 100);
        if (emit(st, out, "loan_insurance", 1, premium, reason, err, err_size))
            return FUPIN_ERROR;
    }
    if (tb.len) {
        char msg[800];
        snprintf(msg, sizeof msg,
                 CLAUSE ": current poverty loan breaks the terms (≤ %s, ≤ %g months, no "
                        "guarantor, no collateral, interest subsidised): %s",
                 pu_yuan(lim.max_amount, max, sizeof max), lim.max_months, terms);
        if (st->host->alert(out, "loan_terms", "warning", msg) != FUPIN_OK)
            return pu_fail(err, err_size, "the host refused the loan_terms alert");
    }
    return FUPIN_OK;
}

static const struct fupin_plugin descriptor = {
    .magic = FUPIN_PLUGIN_MAGIC,
    .abi_version = FUPIN_PLUGIN_ABI_VERSION,
    .name = "credit",
    .version = "1.0",
    .measures = measures,
    .required_params = required,
    .init = cre_init,
    .evaluate = cre_evaluate,
    .free = cre_free,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
