/* medical.c - 二(五) 医保救助到户 as a C plugin: state-paid premium for members
 * without basic medical insurance, critical-illness cover, outpatient
 * special-disease cover and rehabilitation. Reads only the household it is
 * given; the premium comes from params. Health is personal data: it goes
 * into findings for the cadre, never into a log. */
#include "fupin_plugin.h"
#include "plugin_util.h"

#define CLAUSE "二(五) 医保救助到户"

static const char *const measures[] = {"premium_subsidy", "critical_illness", "chronic_outpatient",
                                       "rehab", NULL};

static const struct fupin_param_decl params[] = {
    /* The default is the shipped config's example figure. */
    {.key = "premium",
     .type = FUPIN_PARAM_NUMBER,
     .unit = "yuan",
     .title = "基本医疗保险个人缴费，由财政全额代缴（元/人/年）",
     .min = 0,
     .max = 100000,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 180},
};

static int med_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    if (!pu_is_helped(hh))
        return FUPIN_OK;
    char money[48], cover[11];
    double premium = 0;
    int premium_read = 0;

    for (size_t i = 0; i < hh->n_members; i++) {
        const struct fupin_member *m = &hh->members[i];
        const char *name = pu_name(m);
        if (!m->medical_insured) {
            /* Read only when needed, so `fupin explain` lists it only then. */
            if (!premium_read) {
                if (fupin_param(c, "premium", hh->year, &premium))
                    return FUPIN_ERROR;
                premium_read = 1;
            }
            /* Mid-year enrolment is allowed; cover starts the month after. */
            if (pu_first_of_next_month(hh->today, cover) != 0)
                snprintf(cover, sizeof cover, "next month");
            if (fupin_recommend_amount(
                    c, m->id, "premium_subsidy", premium,
                    CLAUSE ": %s has no basic medical insurance; enrol now with the personal "
                           "premium (%s) fully paid by the state; cover starts %s, the month "
                           "after enrolment",
                    name, pu_yuan(premium, money, sizeof money), cover))
                return FUPIN_ERROR;
        }
        int rc = FUPIN_OK;
        switch (m->health) {
        case FUPIN_HEALTH_SERIOUS:
            rc = fupin_recommend(c, m->id, "critical_illness",
                                 CLAUSE ": %s has a serious illness%s; critical-illness insurance "
                                        "and 重特大疾病救助 (major-disease assistance), so the "
                                        "illness does not push the family back into poverty",
                                 name,
                                 m->critical_insured ? "" : " and no critical-illness insurance");
            break;
        case FUPIN_HEALTH_CHRONIC:
            rc = fupin_recommend(c, m->id, "chronic_outpatient",
                                 CLAUSE ": %s has a chronic illness; outpatient special-disease "
                                        "cover (门诊特定病种)",
                                 name);
            break;
        case FUPIN_HEALTH_DISABLED:
            rc = fupin_recommend(c, m->id, "rehab",
                                 CLAUSE ": %s has a disability; medical rehabilitation items paid "
                                        "by medical insurance (残疾人医疗康复项目)",
                                 name);
            break;
        default:
            break;
        }
        if (rc != FUPIN_OK)
            return FUPIN_ERROR;
    }
    return FUPIN_OK;
}

FUPIN_PLUGIN_DEFINE("medical", "1.0", measures, params, med_evaluate)
