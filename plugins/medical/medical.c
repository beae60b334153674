/* medical.c - 二(五) 医保救助到户 as a C plugin: state-paid premium for members
 * without basic medical insurance, critical-illness cover, outpatient
 * special-disease cover and rehabilitation. Reads only the household it is
 * given; the premium comes from params. Health is personal data: it goes
 * into findings for the cadre, never into a log. */
#include "fupin_plugin.h"
#include "plugin_util.h"

#include <stdlib.h>

#define CLAUSE "二(五) 医保救助到户"

static const char *const measures[] = {"premium_subsidy", "critical_illness", "chronic_outpatient",
                                       "rehab", NULL};
static const char *const required[] = {"premium", NULL};

struct medical {
    const struct fupin_host *host; /* read-only after init */
};

static int med_init(const struct fupin_host *host, const struct fupin_params *params, void **state,
                    char *err, size_t err_size)
{
    double v;
    if (host->abi_version != FUPIN_PLUGIN_ABI_VERSION)
        return pu_fail(err, err_size, "host speaks plugin ABI %u, built for %u",
                       (unsigned)host->abi_version, (unsigned)FUPIN_PLUGIN_ABI_VERSION);
    if (host->param_number(params, "premium", &v) != FUPIN_OK)
        return pu_fail(err, err_size, "parameter medical.premium is missing or not a number");
    struct medical *st = malloc(sizeof *st);
    if (!st)
        return pu_fail(err, err_size, "out of memory");
    st->host = host;
    *state = st;
    return FUPIN_OK;
}

static void med_free(void *state)
{
    free(state);
}

static int emit(const struct medical *st, struct fupin_out *out, const struct fupin_member *m,
                const char *measure, int has_amount, double amount, const char *reason, char *err,
                size_t err_size)
{
    struct fupin_finding f = {.member_id = m->id,
                              .measure = measure,
                              .has_amount = has_amount,
                              .amount = amount,
                              .reason = reason};
    if (st->host->recommend(out, &f) != FUPIN_OK)
        return pu_fail(err, err_size, "the host refused finding %s", measure);
    return FUPIN_OK;
}

static int med_evaluate(void *state, const struct fupin_household *hh,
                        const struct fupin_params *params, struct fupin_out *out, char *err,
                        size_t err_size)
{
    const struct medical *st = state;
    if (!pu_is_helped(hh))
        return FUPIN_OK;
    char reason[400], money[48], cover[11];
    double premium = 0;
    int premium_read = 0;

    for (size_t i = 0; i < hh->n_members; i++) {
        const struct fupin_member *m = &hh->members[i];
        const char *name = pu_name(m);
        if (!m->medical_insured) {
            if (!premium_read) {
                if (st->host->param_number_for_year(params, "premium", hh->year, &premium) !=
                    FUPIN_OK)
                    return pu_fail(err, err_size,
                                   "parameter medical.premium is missing or not a number for %d",
                                   hh->year);
                premium_read = 1;
            }
            /* Mid-year enrolment is allowed; cover starts the month after. */
            if (pu_first_of_next_month(hh->today, cover) != 0)
                snprintf(cover, sizeof cover, "next month");
            snprintf(reason, sizeof reason,
                     CLAUSE ": %s has no basic medical insurance; enrol now with the personal "
                            "premium (%s) fully paid by the state; cover starts %s, the month "
                            "after enrolment",
                     name, pu_yuan(premium, money, sizeof money), cover);
            if (emit(st, out, m, "premium_subsidy", 1, premium, reason, err, err_size))
                return FUPIN_ERROR;
        }
        switch (m->health) {
        case FUPIN_HEALTH_SERIOUS:
            snprintf(reason, sizeof reason,
                     CLAUSE ": %s has a serious illness%s; critical-illness insurance and "
                            "重特大疾病救助 (major-disease assistance), so the illness does not "
                            "push the family back into poverty",
                     name, m->critical_insured ? "" : " and no critical-illness insurance");
            if (emit(st, out, m, "critical_illness", 0, 0, reason, err, err_size))
                return FUPIN_ERROR;
            break;
        case FUPIN_HEALTH_CHRONIC:
            snprintf(reason, sizeof reason,
                     CLAUSE ": %s has a chronic illness; outpatient special-disease cover "
                            "(门诊特定病种)",
                     name);
            if (emit(st, out, m, "chronic_outpatient", 0, 0, reason, err, err_size))
                return FUPIN_ERROR;
            break;
        case FUPIN_HEALTH_DISABLED:
            snprintf(reason, sizeof reason,
                     CLAUSE ": %s has a disability; medical rehabilitation items paid by "
                            "medical insurance (残疾人医疗康复项目)",
                     name);
            if (emit(st, out, m, "rehab", 0, 0, reason, err, err_size))
                return FUPIN_ERROR;
            break;
        default:
            break;
        }
    }
    return FUPIN_OK;
}

static const struct fupin_plugin descriptor = {
    .magic = FUPIN_PLUGIN_MAGIC,
    .abi_version = FUPIN_PLUGIN_ABI_VERSION,
    .name = "medical",
    .version = "1.0",
    .measures = measures,
    .required_params = required,
    .init = med_init,
    .evaluate = med_evaluate,
    .free = med_free,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
