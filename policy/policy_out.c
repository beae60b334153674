/* policy_out.c - the leaf every policy runtime writes through: the measure
 * catalogue, the eval_result, the emitter and the host table lent to plugins.
 * Validates what policies emit (known measure, a reason, a finite amount) so
 * neither runtime has to; never loads or runs a policy itself. */
#include "policy.h"
#include "i18n.h"
#include "scrub.h"

#include <stdarg.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the catalogue of DOMAIN.md ---- */

static const char *const m_industry[] = {"project",    "skills_training", "link_enterprise",
                                         "pv_station", "land_transfer",   "family_farm",
                                         NULL};
static const char *const m_employment[] = {"transfer_training", "public_welfare_job",
                                           "business_training", "one_job_per_household", NULL};
static const char *const m_social[] = {"dibao", "pension_enrol", "pension_lump_sum", NULL};
static const char *const m_education[] = {"compulsory_support", "tuition_waiver",
                                          "living_allowance", NULL};
static const char *const m_medical[] = {"premium_subsidy", "critical_illness", "chronic_outpatient",
                                        "rehab", NULL};
static const char *const m_housing[] = {"renovation", "tap_water", "relocation", NULL};
static const char *const m_credit[] = {"rating", "micro_loan", "loan_insurance", "credit_village",
                                       NULL};
static const char *const m_asset[] = {"shares", "land_shares", NULL};
static const char *const m_exit[] = {"exit_ready", "return_risk", NULL};
static const char *const m_none[] = {NULL}; /* supervision raises alerts only */

static const struct {
    const char *area;
    const char *const *measures;
} catalogue[] = {
    {"industry", m_industry},   {"employment", m_employment}, {"social_security", m_social},
    {"education", m_education}, {"medical", m_medical},       {"housing", m_housing},
    {"credit", m_credit},       {"asset_income", m_asset},    {"exit", m_exit},
    {"supervision", m_none},
};

/* What a person reads for each measure code (the plan's words). */
static const struct {
    const char *code, *title;
} measure_titles[] = {
    {"project", N_("a characteristic industry project")},
    {"skills_training", N_("practical skills training")},
    {"link_enterprise", N_("link with a leading enterprise or cooperative")},
    {"pv_station", N_("photovoltaic station income")},
    {"land_transfer", N_("take on transferred land")},
    {"family_farm", N_("family farm")},
    {"transfer_training", N_("training for work away from home")},
    {"public_welfare_job", N_("public-welfare job")},
    {"business_training", N_("entrepreneurship training")},
    {"one_job_per_household", N_("at least one person employed per household")},
    {"dibao", N_("minimum living allowance (dibao)")},
    {"pension_enrol", N_("rural and urban residents' pension")},
    {"pension_lump_sum", N_("lump-sum pension contribution")},
    {"compulsory_support", N_("compulsory-education support")},
    {"tuition_waiver", N_("tuition waiver")},
    {"living_allowance", N_("living allowance for students")},
    {"premium_subsidy", N_("medical-insurance premium paid")},
    {"critical_illness", N_("critical-illness insurance and aid")},
    {"chronic_outpatient", N_("outpatient care for listed chronic diseases")},
    {"rehab", N_("medical rehabilitation")},
    {"renovation", N_("dilapidated-house renovation")},
    {"tap_water", N_("tap water to the house")},
    {"relocation", N_("relocation from uninhabitable areas")},
    {"rating", N_("credit rating of the household")},
    {"micro_loan", N_("poverty-alleviation micro-credit loan")},
    {"loan_insurance", N_("loan guarantee-insurance subsidy")},
    {"credit_village", N_("credit village")},
    {"shares", N_("asset-income shares")},
    {"land_shares", N_("land-use rights transferred or as shares")},
    {"exit_ready", N_("ready to exit poverty")},
    {"return_risk", N_("risk of returning to poverty")},
};

const char *policy_measure_label(const char *measure)
{
    if (!measure)
        return NULL;
    for (size_t i = 0; i < sizeof measure_titles / sizeof measure_titles[0]; i++)
        if (strcmp(measure_titles[i].code, measure) == 0)
            return _(measure_titles[i].title);
    return measure;
}

const char *const *policy_catalogue(const char *area)
{
    for (size_t i = 0; i < sizeof catalogue / sizeof catalogue[0]; i++)
        if (strcmp(catalogue[i].area, area) == 0)
            return catalogue[i].measures;
    return NULL;
}

const char *finding_kind_name(enum finding_kind k)
{
    return k == FINDING_FLAG ? "flag" : "recommend";
}

static const char *const severity_names[] = {"info", "warning", "critical"};

const char *severity_name(enum severity s)
{
    return severity_names[s];
}

int severity_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, severity_names[i]) == 0)
            return i;
    return -1;
}

/* ---- eval_result ---- */

static int grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*items, ncap * size);
    if (!p)
        return -1;
    *items = p;
    *cap = ncap;
    return 0;
}

void eval_result_reset(struct eval_result *res)
{
    for (size_t i = 0; i < res->n_findings; i++)
        free(res->findings[i].reason);
    for (size_t i = 0; i < res->n_alerts; i++)
        free(res->alerts[i].message);
    for (size_t i = 0; i < res->n_tests; i++)
        free(res->tests[i].detail);
    res->n_findings = res->n_alerts = res->n_errors = res->n_params = res->n_tests = 0;
}

void eval_result_free(struct eval_result *res)
{
    eval_result_reset(res);
    free(res->findings);
    free(res->alerts);
    free(res->errors);
    free(res->params);
    free(res->tests);
    memset(res, 0, sizeof *res);
}

/* Replaces each byte that does not belong to a well-formed UTF-8 sequence
 * with '?'. Messages are cut to their buffers by bytes ("%.200s", struct
 * err): a Chinese character cut in half must not reach the database, where
 * readers expect text. */
void policy_utf8_repair(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80             ? 1
                   : (*p & 0xe0) == 0xc0 ? 2
                   : (*p & 0xf0) == 0xe0 ? 3
                   : (*p & 0xf8) == 0xf0 ? 4
                                         : 0;
        size_t i = 1;
        while (n && i < n && (p[i] & 0xc0) == 0x80)
            i++;
        /* Overlong lead bytes (C0, C1) and beyond U+10FFFF (F5..) are never valid. */
        if (!n || i < n || *p == 0xc0 || *p == 0xc1 || *p > 0xf4) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

int eval_result_add_error(struct eval_result *res, const char *policy, const char *source,
                          const char *msg)
{
    if (grow((void **)&res->errors, &res->cap_errors, res->n_errors, sizeof *res->errors))
        return ERR_FAIL;
    struct policy_error *pe = &res->errors[res->n_errors++];
    pe->policy = policy;
    pe->source = source;
    /* Called for every policy a pass leaves out, on every household: a copy,
     * not a formatted print. */
    size_t n = strnlen(msg, sizeof pe->msg - 1);
    memcpy(pe->msg, msg, n);
    pe->msg[n] = 0;
    policy_utf8_repair(pe->msg);
    return 0;
}

/* ---- the emitter ---- */

__attribute__((format(printf, 2, 3))) static int out_fail(struct fupin_out *out, const char *fmt,
                                                          ...)
{
    if (!out->failed) {
        out->failed = 1;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out->err.msg, sizeof out->err.msg, fmt, ap);
        va_end(ap);
        scrub_ids(out->err.msg); /* becomes a policy_error alert and a log line */
        policy_utf8_repair(out->err.msg);
    }
    return FUPIN_ERROR;
}

static int measure_known(const struct policy *p, const char *measure)
{
    for (const char *const *m = p->measures; m && *m; m++)
        if (strcmp(*m, measure) == 0)
            return 1;
    return 0;
}

int policy_out_finding(struct fupin_out *out, enum finding_kind kind, const struct fupin_finding *f)
{
    const struct policy *p = out->policy;
    if (!f->measure || !*f->measure)
        return out_fail(out, _("finding without a measure"));
    if (!measure_known(p, f->measure))
        return out_fail(out, _("unknown measure \"%s\" for this area"), f->measure);
    if (!f->reason || !*f->reason)
        return out_fail(out, _("finding \"%s\" has no reason"), f->measure);
    if (f->has_amount && !isfinite(f->amount))
        return out_fail(out, _("finding \"%s\" has a non-numeric amount"), f->measure);
    struct eval_result *res = out->res;
    if (grow((void **)&res->findings, &res->cap_findings, res->n_findings, sizeof *res->findings))
        return out_fail(out, _("out of memory"));
    char *reason = strdup(f->reason);
    if (!reason)
        return out_fail(out, _("out of memory"));
    /* A policy may paste a resident ID into its text: what is recorded is
     * what every later output (explain, the digest, the outbox) shows. */
    scrub_ids(reason);
    struct finding *d = &res->findings[res->n_findings++];
    d->member_id = f->member_id;
    d->policy = p->name;
    d->source = p->source;
    size_t mlen = strlen(f->measure); /* per finding: no snprintf */
    mlen = mlen < sizeof d->measure ? mlen : sizeof d->measure - 1;
    memcpy(d->measure, f->measure, mlen);
    d->measure[mlen] = '\0';
    d->kind = kind;
    d->has_amount = f->has_amount;
    d->amount = f->has_amount ? f->amount : 0;
    d->reason = reason;
    return FUPIN_OK;
}

int policy_out_alert(struct fupin_out *out, const char *kind, const char *severity,
                     const char *message)
{
    int sev = severity_parse(severity);
    if (!kind || !*kind)
        return out_fail(out, _("alert without a kind"));
    if (sev < 0)
        return out_fail(out, _("alert severity \"%s\" is not info, warning or critical"),
                        severity ? severity : "(none)");
    if (!message || !*message)
        return out_fail(out, _("alert \"%s\" has no message"), kind);
    struct eval_result *res = out->res;
    if (grow((void **)&res->alerts, &res->cap_alerts, res->n_alerts, sizeof *res->alerts))
        return out_fail(out, _("out of memory"));
    char *msg = strdup(message);
    if (!msg)
        return out_fail(out, _("out of memory"));
    scrub_ids(msg);
    policy_utf8_repair(msg);
    struct policy_alert *a = &res->alerts[res->n_alerts++];
    snprintf(a->kind, sizeof a->kind, "%s", kind);
    a->severity = (enum severity)sev;
    a->policy = out->policy->name;
    a->source = out->policy->source;
    a->message = msg;
    return FUPIN_OK;
}

int policy_out_test(struct fupin_out *out, int64_t member_id, const char *label, int ok,
                    const char *detail)
{
    if (!label || !*label)
        return out_fail(out, _("test without a label"));
    struct eval_result *res = out->res;
    if (!res->trace)
        return FUPIN_OK;
    /* Explain only: a test lost to a full memory costs a line of
     * explanation, not the evaluation. */
    if (grow((void **)&res->tests, &res->cap_tests, res->n_tests, sizeof *res->tests))
        return FUPIN_OK;
    char *d = strdup(detail ? detail : "");
    if (!d)
        return FUPIN_OK;
    struct policy_test *t = &res->tests[res->n_tests++];
    t->policy = out->policy->name;
    t->member_id = member_id;
    snprintf(t->label, sizeof t->label, "%s", label);
    t->ok = ok != 0;
    t->detail = d;
    return FUPIN_OK;
}

void policy_trace_param(struct fupin_params *p, const char *key, const char *value)
{
    struct eval_result *res = p->res;
    if (!res || !res->trace)
        return;
    for (size_t i = 0; i < res->n_params; i++)
        if (res->params[i].policy == p->policy->name && strcmp(res->params[i].key, key) == 0)
            return;
    if (grow((void **)&res->params, &res->cap_params, res->n_params, sizeof *res->params))
        return;
    struct param_use *u = &res->params[res->n_params++];
    u->policy = p->policy->name;
    snprintf(u->key, sizeof u->key, "%s", key);
    snprintf(u->value, sizeof u->value, "%s", value);
}

/* ---- the host table for plugins ---- */

static int host_recommend(struct fupin_out *out, const struct fupin_finding *f)
{
    return policy_out_finding(out, FINDING_RECOMMEND, f);
}

static int host_flag(struct fupin_out *out, const struct fupin_finding *f)
{
    return policy_out_finding(out, FINDING_FLAG, f);
}

static int host_param_number_for_year(const struct fupin_params *cp, const char *key, int year,
                                      double *value)
{
    struct fupin_params *p = (struct fupin_params *)cp;
    const struct config_param *param = config_param_scoped(p->cfg, p->area, key);
    if (!param || config_param_value(param, year, value) != 0)
        return FUPIN_ERROR;
    if (p->res && p->res->trace) { /* formatting a double costs more than the lookup */
        char buf[64];
        snprintf(buf, sizeof buf, "%g", *value);
        policy_trace_param(p, param->key, buf);
    }
    return FUPIN_OK;
}

static int host_param_number(const struct fupin_params *p, const char *key, double *value)
{
    return host_param_number_for_year(p, key, 9999, value); /* latest year */
}

static const char *host_param_string(const struct fupin_params *cp, const char *key)
{
    struct fupin_params *p = (struct fupin_params *)cp;
    const struct config_param *param = config_param_scoped(p->cfg, p->area, key);
    if (!param || param->type != PARAM_STRING)
        return NULL;
    policy_trace_param(p, param->key, param->string);
    return param->string;
}

const struct fupin_host policy_host = {
    .abi_version = FUPIN_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(struct fupin_host),
    .recommend = host_recommend,
    .flag = host_flag,
    .alert = policy_out_alert,
    .param_number = host_param_number,
    .param_number_for_year = host_param_number_for_year,
    .param_string = host_param_string,
    .test = policy_out_test,
};
