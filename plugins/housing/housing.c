/* housing.c - 二(六) 危房改造到户 as a C plugin: renovation of C/D-graded
 * houses (most dangerous and poorest first, done by the deadline), tap-water
 * connection, and relocation from villages without living conditions.
 * Reads only the household it is given; amounts and the deadline are params. */
#include "fupin_plugin.h"
#include "plugin_util.h"

#include <stdlib.h>

#define CLAUSE "二(六) 危房改造到户"

static const char *const measures[] = {"renovation", "tap_water", "relocation", NULL};
static const char *const required[] = {"renovation_c", "renovation_d", "renovation_deadline",
                                       "tap_water", NULL};

struct housing {
    const struct fupin_host *host; /* read-only after init */
};

static int hou_init(const struct fupin_host *host, const struct fupin_params *params, void **state,
                    char *err, size_t err_size)
{
    static const char *const numbers[] = {"renovation_c", "renovation_d", "tap_water", NULL};
    double v;
    if (host->abi_version != FUPIN_PLUGIN_ABI_VERSION)
        return pu_fail(err, err_size, "host speaks plugin ABI %u, built for %u",
                       (unsigned)host->abi_version, (unsigned)FUPIN_PLUGIN_ABI_VERSION);
    for (const char *const *k = numbers; *k; k++)
        if (host->param_number(params, *k, &v) != FUPIN_OK)
            return pu_fail(err, err_size, "parameter housing.%s is missing or not a number", *k);
    const char *deadline = host->param_string(params, "renovation_deadline");
    if (pu_date_key(deadline) < 0)
        return pu_fail(err, err_size,
                       "parameter housing.renovation_deadline must be a date \"YYYY-MM-DD\"");
    struct housing *st = malloc(sizeof *st);
    if (!st)
        return pu_fail(err, err_size, "out of memory");
    st->host = host;
    *state = st;
    return FUPIN_OK;
}

static void hou_free(void *state)
{
    free(state);
}

static int number(const struct housing *st, const struct fupin_params *params, const char *key,
                  int year, double *v, char *err, size_t err_size)
{
    if (st->host->param_number_for_year(params, key, year, v) != FUPIN_OK)
        return pu_fail(err, err_size, "parameter housing.%s is missing or not a number for %d", key,
                       year);
    return FUPIN_OK;
}

static int emit(const struct housing *st, struct fupin_out *out, const char *measure,
                int has_amount, double amount, const char *reason, char *err, size_t err_size)
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

static int renovation(const struct housing *st, const struct fupin_household *hh,
                      const struct fupin_params *params, struct fupin_out *out, char *err,
                      size_t err_size)
{
    int is_d = hh->housing_grade == FUPIN_GRADE_D;
    double amount;
    if (number(st, params, is_d ? "renovation_d" : "renovation_c", hh->year, &amount, err,
               err_size))
        return FUPIN_ERROR;
    const char *deadline = st->host->param_string(params, "renovation_deadline");
    if (pu_date_key(deadline) < 0)
        return pu_fail(err, err_size,
                       "parameter housing.renovation_deadline must be a date \"YYYY-MM-DD\"");
    char income[96], money[48], reason[400];
    latest_income(hh, income, sizeof income);
    /* The plan: the most dangerous house and the poorest household first. */
    snprintf(reason, sizeof reason,
             CLAUSE ": house graded %s and not yet renovated; priority %d (grade %s), %s; "
                    "renovation subsidy %s, to be finished by %s",
             is_d ? "D" : "C", is_d ? 1 : 2, is_d ? "D" : "C", income,
             pu_yuan(amount, money, sizeof money), deadline);
    if (emit(st, out, "renovation", 1, amount, reason, err, err_size))
        return FUPIN_ERROR;
    if (pu_date_key(hh->today) > pu_date_key(deadline)) {
        char msg[400];
        snprintf(msg, sizeof msg,
                 CLAUSE ": house graded %s is still not renovated on %s, after the deadline %s",
                 is_d ? "D" : "C", hh->today, deadline);
        if (st->host->alert(out, "renovation_overdue", "critical", msg) != FUPIN_OK)
            return pu_fail(err, err_size, "the host refused the renovation_overdue alert");
    }
    return FUPIN_OK;
}

static int hou_evaluate(void *state, const struct fupin_household *hh,
                        const struct fupin_params *params, struct fupin_out *out, char *err,
                        size_t err_size)
{
    const struct housing *st = state;
    if (!pu_is_helped(hh))
        return FUPIN_OK;
    char reason[400], money[48];
    if ((hh->housing_grade == FUPIN_GRADE_C || hh->housing_grade == FUPIN_GRADE_D) &&
        !hh->housing_renovated && renovation(st, hh, params, out, err, err_size))
        return FUPIN_ERROR;
    if (!hh->tap_water) {
        double amount;
        if (number(st, params, "tap_water", hh->year, &amount, err, err_size))
            return FUPIN_ERROR;
        snprintf(reason, sizeof reason,
                 CLAUSE ": no tap water at home; connection subsidy %s (村村通自来水)",
                 pu_yuan(amount, money, sizeof money));
        if (emit(st, out, "tap_water", 1, amount, reason, err, err_size))
            return FUPIN_ERROR;
    }
    if (!hh->livable && hh->wants_relocation) {
        snprintf(reason, sizeof reason,
                 CLAUSE ": village %s lacks the conditions for living and production and the "
                        "household wants to move; relocation (搬迁安置)",
                 hh->village_name && *hh->village_name ? hh->village_name
                                                       : (hh->village ? hh->village : "?"));
        if (emit(st, out, "relocation", 0, 0, reason, err, err_size))
            return FUPIN_ERROR;
    }
    return FUPIN_OK;
}

static const struct fupin_plugin descriptor = {
    .magic = FUPIN_PLUGIN_MAGIC,
    .abi_version = FUPIN_PLUGIN_ABI_VERSION,
    .name = "housing",
    .version = "1.0",
    .measures = measures,
    .required_params = required,
    .init = hou_init,
    .evaluate = hou_evaluate,
    .free = hou_free,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
