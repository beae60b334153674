/* education.c - 二(四) 教育资助到户 as a C plugin: 两免一补 for compulsory
 * school, tuition waiver for senior high and vocational school, a living
 * allowance per stage, and a dropout alert (不因贫辍学). It only reads the
 * household it is given; amounts and ages come from params, never constants. */
#include "fupin_plugin.h"
#include "plugin_util.h"

#include <stdlib.h>

#define CLAUSE "二(四) 教育资助到户"

static const char *const measures[] = {"compulsory_support", "tuition_waiver", "living_allowance",
                                       NULL};
static const char *const required[] = {"living_allowance.primary",
                                       "living_allowance.junior",
                                       "living_allowance.senior",
                                       "living_allowance.vocational",
                                       "living_allowance.college",
                                       "tuition_waiver",
                                       "school_age_min",
                                       "school_age_max",
                                       NULL};

struct education {
    const struct fupin_host *host; /* read-only after init */
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

static int edu_init(const struct fupin_host *host, const struct fupin_params *params, void **state,
                    char *err, size_t err_size)
{
    if (host->abi_version != FUPIN_PLUGIN_ABI_VERSION)
        return pu_fail(err, err_size, "host speaks plugin ABI %u, built for %u",
                       (unsigned)host->abi_version, (unsigned)FUPIN_PLUGIN_ABI_VERSION);
    for (const char *const *k = required; *k; k++) {
        double v;
        if (host->param_number(params, *k, &v) != FUPIN_OK)
            return pu_fail(err, err_size, "parameter education.%s is missing or not a number", *k);
    }
    struct education *st = malloc(sizeof *st);
    if (!st)
        return pu_fail(err, err_size, "out of memory");
    st->host = host;
    *state = st;
    return FUPIN_OK;
}

static void edu_free(void *state)
{
    free(state);
}

static int number(const struct education *st, const struct fupin_params *params, const char *key,
                  int year, double *v, char *err, size_t err_size)
{
    if (st->host->param_number_for_year(params, key, year, v) != FUPIN_OK)
        return pu_fail(err, err_size, "parameter education.%s is missing or not a number for %d",
                       key, year);
    return FUPIN_OK;
}

static int emit(const struct education *st, struct fupin_out *out, const struct fupin_member *m,
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

static int edu_member(const struct education *st, const struct fupin_household *hh,
                      const struct fupin_params *params, const struct fupin_member *m,
                      struct fupin_out *out, char *err, size_t err_size)
{
    enum fupin_school s = m->school_stage;
    char name[96], reason[400], money[48];
    who(m, name, sizeof name);

    if (s == FUPIN_SCHOOL_PRIMARY || s == FUPIN_SCHOOL_JUNIOR) {
        snprintf(reason, sizeof reason,
                 CLAUSE ": %s is in %s (compulsory education); 两免一补: tuition and textbook "
                        "fees exempted, boarding subsidy",
                 name, stage_words(s));
        if (emit(st, out, m, "compulsory_support", 0, 0, reason, err, err_size))
            return FUPIN_ERROR;
    }
    if (s == FUPIN_SCHOOL_SENIOR || s == FUPIN_SCHOOL_VOCATIONAL) {
        double waiver;
        if (number(st, params, "tuition_waiver", hh->year, &waiver, err, err_size))
            return FUPIN_ERROR;
        snprintf(reason, sizeof reason,
                 CLAUSE ": %s is in %s; tuition and fees waived for registered households "
                        "(%s a year)",
                 name, stage_words(s), pu_yuan(waiver, money, sizeof money));
        if (emit(st, out, m, "tuition_waiver", 1, waiver, reason, err, err_size))
            return FUPIN_ERROR;
    }
    if (s >= FUPIN_SCHOOL_PRIMARY && s <= FUPIN_SCHOOL_COLLEGE) {
        char key[64];
        double allowance;
        snprintf(key, sizeof key, "living_allowance.%s", stage_key(s));
        if (number(st, params, key, hh->year, &allowance, err, err_size))
            return FUPIN_ERROR;
        snprintf(reason, sizeof reason,
                 CLAUSE ": %s is in %s; living allowance for %s students from registered "
                        "households: %s a year",
                 name, stage_words(s), stage_key(s), pu_yuan(allowance, money, sizeof money));
        if (emit(st, out, m, "living_allowance", 1, allowance, reason, err, err_size))
            return FUPIN_ERROR;
    }
    return FUPIN_OK;
}

static int edu_evaluate(void *state, const struct fupin_household *hh,
                        const struct fupin_params *params, struct fupin_out *out, char *err,
                        size_t err_size)
{
    const struct education *st = state;
    if (!pu_is_helped(hh))
        return FUPIN_OK;
    double age_min, age_max;
    if (number(st, params, "school_age_min", hh->year, &age_min, err, err_size) ||
        number(st, params, "school_age_max", hh->year, &age_max, err, err_size))
        return FUPIN_ERROR;

    /* One dropout alert per household (the alert table keeps one open row
     * per kind and household), naming every child concerned. */
    char alert[600];
    struct pu_buf ab = {alert, sizeof alert, 0};
    for (size_t i = 0; i < hh->n_members; i++) {
        const struct fupin_member *m = &hh->members[i];
        if (edu_member(st, hh, params, m, out, err, err_size))
            return FUPIN_ERROR;
        if (m->school_stage == FUPIN_SCHOOL_NONE && m->age >= 0 && m->age >= age_min &&
            m->age <= age_max) {
            pu_add(&ab, "%s%s (age %d)", ab.len ? ", " : "", pu_name(m), m->age);
        }
    }
    if (ab.len) {
        char msg[800];
        snprintf(msg, sizeof msg,
                 CLAUSE ": not in school though of compulsory-school age (%g–%g): %s; "
                        "确保不因贫辍学: get them back to school",
                 age_min, age_max, alert);
        if (st->host->alert(out, "dropout", "warning", msg) != FUPIN_OK)
            return pu_fail(err, err_size, "the host refused the dropout alert");
    }
    return FUPIN_OK;
}

static const struct fupin_plugin descriptor = {
    .magic = FUPIN_PLUGIN_MAGIC,
    .abi_version = FUPIN_PLUGIN_ABI_VERSION,
    .name = "education",
    .version = "1.0",
    .measures = measures,
    .required_params = required,
    .init = edu_init,
    .evaluate = edu_evaluate,
    .free = edu_free,
};

FUPIN_PLUGIN_EXPORT const struct fupin_plugin *fupin_plugin_entry(void)
{
    return &descriptor;
}
