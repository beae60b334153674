/* medical.c - 二(五) 医保救助到户 as a C plugin: state-paid premium for members
 * without basic medical insurance, critical-illness cover, outpatient
 * special-disease cover and rehabilitation. Reads only the household it is
 * given; the premium comes from params, the wording from the table below.
 * Insurance and serious-illness cover are 三保障 (防止因病返贫): for exited
 * households too, there only where the cover is missing. Health is personal data: it goes into
 * findings for the cadre, never into a log. */
#include "fupin_plugin.h"
#include "plugin_util.h"

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

/* Wording, kept apart from the conditions below: edit freely, but keep to
 * the placeholders each rule gives (a missing one fails `fupin test`). */
enum text {
    T_CLAUSE,
    T_PREMIUM,
    T_CRITICAL,
    T_CRITICAL_UNINSURED,
    T_CHRONIC,
    T_REHAB,
    L_INSURED,
    L_CRITICAL,
    D_INSURED,
    D_CRITICAL,
    T_COUNT
};

static const char *const text[T_COUNT] = {
    [T_CLAUSE] = "二(五)医保救助到户",
    [T_PREMIUM] = "{clause}：{name}未参加基本医疗保险；即时参保，个人缴费{premium}由财政全额补贴；"
                  "从参保缴费次月起（{cover}）享受基本医疗保险待遇",
    [T_CRITICAL] = "{clause}：{name}患重大疾病{uninsured}；纳入大病保险和重特大疾病救助范围，"
                   "防止因病返贫、因贫弃医",
    [T_CRITICAL_UNINSURED] = "，尚未参加大病保险",
    [T_CHRONIC] = "{clause}：{name}患慢性病；纳入门诊特定病种保障",
    [T_REHAB] = "{clause}：{name}有残疾；残疾人医疗康复项目纳入医保支付范围",
    [L_INSURED] = "参加基本医疗保险",
    [L_CRITICAL] = "大病有保障",
    [D_INSURED] = "{name}：基本医疗保险{insured}",
    [D_CRITICAL] = "{name}：患重大疾病，大病保险{insured}",
};

static int med_member(struct fupin_ctx *c, const struct fupin_household *hh,
                      const struct fupin_member *m, double *premium, int *premium_read)
{
    struct pu_scratch sc = {.used = 0};
    const char *name = pu_name(m), *clause = text[T_CLAUSE];
    if (pu_test(c, m->id, text[L_INSURED], m->medical_insured, text[D_INSURED],
                PU_ARGS({"name", name}, {"insured", m->medical_insured ? "已参保" : "未参保"})))
        return FUPIN_ERROR;
    if (!m->medical_insured) {
        /* Read only when needed, so `fupin explain` lists it only then. */
        if (!*premium_read) {
            if (fupin_param(c, "premium", hh->year, premium))
                return FUPIN_ERROR;
            *premium_read = 1;
        }
        /* Mid-year enrolment is allowed; cover starts the month after. */
        char cover[11];
        if (pu_first_of_next_month(hh->today, cover) != 0)
            snprintf(cover, sizeof cover, "?");
        if (pu_recommend_amount(c, m->id, "premium_subsidy", *premium, text[T_PREMIUM],
                                PU_ARGS({"clause", clause}, {"name", name},
                                        {"premium", pu_money(&sc, *premium)}, {"cover", cover})))
            return FUPIN_ERROR;
    }
    switch (m->health) {
    case FUPIN_HEALTH_SERIOUS:
        if (pu_test(
                c, m->id, text[L_CRITICAL], m->critical_insured, text[D_CRITICAL],
                PU_ARGS({"name", name}, {"insured", m->critical_insured ? "已参加" : "未参加"})))
            return FUPIN_ERROR;
        /* After exit only the gap matters: serious illness not covered. */
        if (!pu_is_helped(hh) && m->critical_insured)
            return FUPIN_OK;
        return pu_recommend(
            c, m->id, "critical_illness", text[T_CRITICAL],
            PU_ARGS({"clause", clause}, {"name", name},
                    {"uninsured", m->critical_insured ? "" : text[T_CRITICAL_UNINSURED]}));
    case FUPIN_HEALTH_CHRONIC:
        if (!pu_is_helped(hh))
            return FUPIN_OK;
        return pu_recommend(c, m->id, "chronic_outpatient", text[T_CHRONIC],
                            PU_ARGS({"clause", clause}, {"name", name}));
    case FUPIN_HEALTH_DISABLED:
        if (!pu_is_helped(hh))
            return FUPIN_OK;
        return pu_recommend(c, m->id, "rehab", text[T_REHAB],
                            PU_ARGS({"clause", clause}, {"name", name}));
    default:
        return FUPIN_OK;
    }
}

static int med_evaluate(struct fupin_ctx *c, const struct fupin_household *hh)
{
    if (!pu_is_counted(hh))
        return FUPIN_OK;
    double premium = 0;
    int premium_read = 0;
    for (size_t i = 0; i < hh->n_members; i++)
        if (med_member(c, hh, &hh->members[i], &premium, &premium_read))
            return FUPIN_ERROR;
    return FUPIN_OK;
}

FUPIN_PLUGIN_DEFINE_READS("medical", "1.0", measures, params, FUPIN_READS(FUPIN_READS_MEMBERS),
                          med_evaluate)
