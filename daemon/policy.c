/* policy.c - the policy interface: loading the set, running it, and the
 * emitter both runtimes write through. Validates what policies emit (known
 * measure, a reason, a finite amount) so neither runtime has to. */
#include "policy.h"
#include "log.h"
#include "lua_runtime.h"
#include "plugin_loader.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the catalogue of DOMAIN.md ---- */

static const char *const m_industry[] = {"project", "skills_training", "link_enterprise",
                                         "pv_station", NULL};
static const char *const m_employment[] = {"transfer_training", "public_welfare_job", NULL};
static const char *const m_social[] = {"dibao", "pension_enrol", NULL};
static const char *const m_education[] = {"compulsory_support", "tuition_waiver",
                                          "living_allowance", NULL};
static const char *const m_medical[] = {"premium_subsidy", "critical_illness",
                                        "chronic_outpatient", "rehab", NULL};
static const char *const m_housing[] = {"renovation", "tap_water", "relocation", NULL};
static const char *const m_credit[] = {"rating", "micro_loan", "loan_insurance", NULL};
static const char *const m_asset[] = {"shares", "land_shares", NULL};
static const char *const m_exit[] = {"exit_ready", "return_risk", NULL};
static const char *const m_none[] = {NULL}; /* supervision raises alerts only */

static const struct {
    const char *area;
    const char *const *measures;
} catalogue[] = {
    {"industry", m_industry}, {"employment", m_employment}, {"social_security", m_social},
    {"education", m_education}, {"medical", m_medical},     {"housing", m_housing},
    {"credit", m_credit},       {"asset_income", m_asset},  {"exit", m_exit},
    {"supervision", m_none},
};

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
    res->n_findings = res->n_alerts = res->n_errors = res->n_params = 0;
}

void eval_result_free(struct eval_result *res)
{
    eval_result_reset(res);
    free(res->findings);
    free(res->alerts);
    free(res->errors);
    free(res->params);
    memset(res, 0, sizeof *res);
}

/* ---- the emitter ---- */

static int out_fail(struct fupin_out *out, const char *fmt, const char *arg)
{
    if (!out->failed) {
        out->failed = 1;
        snprintf(out->err.msg, sizeof out->err.msg, fmt, arg);
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

int policy_out_finding(struct fupin_out *out, enum finding_kind kind,
                       const struct fupin_finding *f)
{
    const struct policy *p = out->policy;
    if (!f->measure || !*f->measure)
        return out_fail(out, "%sfinding without a measure", "");
    if (!measure_known(p, f->measure))
        return out_fail(out, "unknown measure \"%s\" for this area", f->measure);
    if (!f->reason || !*f->reason)
        return out_fail(out, "finding \"%s\" has no reason", f->measure);
    if (f->has_amount && !isfinite(f->amount))
        return out_fail(out, "finding \"%s\" has a non-numeric amount", f->measure);
    struct eval_result *res = out->res;
    if (grow((void **)&res->findings, &res->cap_findings, res->n_findings, sizeof *res->findings))
        return out_fail(out, "%sout of memory", "");
    char *reason = strdup(f->reason);
    if (!reason)
        return out_fail(out, "%sout of memory", "");
    struct finding *d = &res->findings[res->n_findings++];
    d->member_id = f->member_id;
    d->policy = p->name;
    d->source = p->source;
    snprintf(d->measure, sizeof d->measure, "%s", f->measure);
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
        return out_fail(out, "%salert without a kind", "");
    if (sev < 0)
        return out_fail(out, "alert severity \"%s\" is not info, warning or critical",
                        severity ? severity : "(none)");
    if (!message || !*message)
        return out_fail(out, "alert \"%s\" has no message", kind);
    struct eval_result *res = out->res;
    if (grow((void **)&res->alerts, &res->cap_alerts, res->n_alerts, sizeof *res->alerts))
        return out_fail(out, "%sout of memory", "");
    char *msg = strdup(message);
    if (!msg)
        return out_fail(out, "%sout of memory", "");
    struct policy_alert *a = &res->alerts[res->n_alerts++];
    snprintf(a->kind, sizeof a->kind, "%s", kind);
    a->severity = (enum severity)sev;
    a->policy = out->policy->name;
    a->source = out->policy->source;
    a->message = msg;
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
    if (!param || config_param_number(p->cfg, param->key, year, value) != 0)
        return FUPIN_ERROR;
    char buf[64];
    snprintf(buf, sizeof buf, "%g", *value);
    policy_trace_param(p, param->key, buf);
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
    .recommend = host_recommend,
    .flag = host_flag,
    .alert = policy_out_alert,
    .param_number = host_param_number,
    .param_number_for_year = host_param_number_for_year,
    .param_string = host_param_string,
};

/* ---- loading the set ---- */

static int add_policy(struct policy_set *set, const struct policy *p, struct err *e)
{
    if (policy_set_find(set, p->name))
        return err_set(e, ERR_INVALID, "%s: a policy named \"%s\" is already loaded", p->source,
                       p->name);
    struct policy *np = realloc(set->policies, (set->n_policies + 1) * sizeof *np);
    if (!np)
        return err_set(e, ERR_FAIL, "out of memory");
    set->policies = np;
    set->policies[set->n_policies++] = *p;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* File names of *.lua in dir, sorted so evaluation order is stable. */
static int list_lua(const char *dir, char ***names, size_t *n, struct err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_set(e, ERR_INVALID, "%s: cannot open policy directory", dir);
    *names = NULL;
    *n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".lua") != 0 || de->d_name[0] == '.')
            continue;
        char **nn = realloc(*names, (*n + 1) * sizeof *nn);
        if (!nn || !(nn[*n] = strdup(de->d_name))) {
            free(nn ? nn : *names);
            closedir(d);
            return err_set(e, ERR_FAIL, "out of memory");
        }
        *names = nn;
        (*n)++;
    }
    closedir(d);
    if (*n > 1)
        qsort(*names, *n, sizeof **names, cmp_str);
    return 0;
}

static int load_lua_policies(struct policy_set *set, int strict, struct err *e)
{
    const struct config *cfg = set->cfg;
    char **names;
    size_t n;
    int rc = list_lua(cfg->policies_dir, &names, &n, e);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", cfg->policies_dir, names[i]);
        struct lua_policy *lp;
        struct err le;
        if (lua_policy_load(path, cfg, &lp, &le) != 0) {
            log_error("policy %s", le.msg);
            if (strict)
                rc = err_set(e, ERR_INVALID, "%s", le.msg);
            continue;
        }
        struct policy p = {.kind = POLICY_LUA, .impl = lp, .lua_index = set->n_lua};
        snprintf(p.name, sizeof p.name, "%s", lua_policy_name(lp));
        snprintf(p.title, sizeof p.title, "%s", lua_policy_title(lp));
        snprintf(p.source, sizeof p.source, "%s", lua_policy_source(lp));
        p.measures = lua_policy_measures(lp);
        struct lua_policy **nl = realloc(set->lua, (set->n_lua + 1) * sizeof *nl);
        if (!nl || add_policy(set, &p, &le) != 0) {
            if (nl)
                set->lua = nl;
            log_error("policy %s", nl ? le.msg : "out of memory");
            lua_policy_free(lp);
            if (strict)
                rc = err_set(e, ERR_INVALID, "%s", nl ? le.msg : "out of memory");
            continue;
        }
        set->lua = nl;
        set->lua[set->n_lua++] = lp;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int load_plugins(struct policy_set *set, int strict, struct err *e)
{
    const struct config *cfg = set->cfg;
    for (size_t i = 0; i < cfg->n_plugins; i++) {
        struct plugin *pl;
        struct err pe;
        if (plugin_load(cfg->plugin_dir, cfg->plugins[i], cfg, &pl, &pe) != 0) {
            log_error("plugin %s", pe.msg);
            if (strict)
                return err_set(e, ERR_INVALID, "%s", pe.msg);
            continue;
        }
        const struct fupin_plugin *d = plugin_descriptor(pl);
        struct policy p = {.kind = POLICY_PLUGIN, .impl = pl, .measures = d->measures};
        snprintf(p.name, sizeof p.name, "%s", d->name);
        snprintf(p.title, sizeof p.title, "%s", d->name);
        snprintf(p.source, sizeof p.source, "%s", plugin_source(pl));
        if (add_policy(set, &p, &pe) != 0) {
            log_error("plugin %s", pe.msg);
            plugin_unload(pl);
            if (strict)
                return err_set(e, ERR_INVALID, "%s", pe.msg);
        }
    }
    return 0;
}

int policy_set_load(const struct config *cfg, int strict, struct policy_set **out,
                    struct err *e)
{
    struct policy_set *set = calloc(1, sizeof *set);
    if (!set)
        return err_set(e, ERR_FAIL, "out of memory");
    set->cfg = cfg;
    int rc = load_lua_policies(set, strict, e);
    if (rc == 0)
        rc = load_plugins(set, strict, e);
    if (rc) {
        policy_set_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

void policy_set_free(struct policy_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n_policies; i++)
        if (set->policies[i].kind == POLICY_PLUGIN)
            plugin_unload(set->policies[i].impl);
    for (size_t i = 0; i < set->n_lua; i++)
        lua_policy_free(set->lua[i]);
    free(set->lua);
    free(set->policies);
    free(set);
}

const struct policy *policy_set_find(const struct policy_set *set, const char *name)
{
    for (size_t i = 0; i < set->n_policies; i++)
        if (strcmp(set->policies[i].name, name) == 0)
            return &set->policies[i];
    return NULL;
}

/* ---- running ---- */

struct policy_runner {
    const struct policy_set *set;
    struct lua_worker *lua;
};

int policy_runner_new(const struct policy_set *set, struct policy_runner **out, struct err *e)
{
    struct policy_runner *r = calloc(1, sizeof *r);
    if (!r)
        return err_set(e, ERR_FAIL, "out of memory");
    r->set = set;
    if (set->n_lua) {
        int rc = lua_worker_new(set->lua, set->n_lua, set->cfg, &r->lua, e);
        if (rc) {
            free(r);
            return rc;
        }
    }
    *out = r;
    return 0;
}

void policy_runner_free(struct policy_runner *r)
{
    if (!r)
        return;
    lua_worker_free(r->lua);
    free(r);
}

/* Drops what a failed policy emitted before failing, so a half-run policy
 * never counts as "these are all my findings" in reconciliation. */
static void truncate_result(struct eval_result *res, size_t n_findings, size_t n_alerts)
{
    for (size_t i = n_findings; i < res->n_findings; i++)
        free(res->findings[i].reason);
    for (size_t i = n_alerts; i < res->n_alerts; i++)
        free(res->alerts[i].message);
    res->n_findings = n_findings;
    res->n_alerts = n_alerts;
}

static void record_error(struct eval_result *res, const struct policy *p, const char *msg)
{
    if (grow((void **)&res->errors, &res->cap_errors, res->n_errors, sizeof *res->errors) == 0) {
        struct policy_error *pe = &res->errors[res->n_errors++];
        pe->policy = p->name;
        pe->source = p->source;
        snprintf(pe->msg, sizeof pe->msg, "%s", msg);
    }
    /* An alert for policy staff, one per policy (the alert table keeps one
     * open row per kind and subject). */
    struct fupin_out out = {.res = res, .policy = p};
    char text[400];
    snprintf(text, sizeof text, "policy %s failed: %s", p->source, msg);
    policy_out_alert(&out, "policy_error", "warning", text);
}

void policy_runner_eval(struct policy_runner *r, const struct fupin_household *hh,
                        struct eval_result *res)
{
    res->household_id = hh->id;
    for (size_t i = 0; i < r->set->n_policies; i++) {
        const struct policy *p = &r->set->policies[i];
        struct fupin_out out = {.res = res, .policy = p};
        struct fupin_params params = {.cfg = r->set->cfg, .area = p->name, .res = res, .policy = p};
        struct err e = {{0}};
        size_t nf = res->n_findings, na = res->n_alerts;
        int rc = p->kind == POLICY_LUA
                     ? lua_worker_eval(r->lua, p->lua_index, hh, &out, &params, &e)
                     : plugin_eval(p->impl, hh, &params, &out, &e);
        if (rc == 0 && out.failed) {
            rc = ERR_INVALID;
            snprintf(e.msg, sizeof e.msg, "%.100s: %.150s", p->source, out.err.msg);
        }
        if (rc != 0) {
            truncate_result(res, nf, na);
            log_error("household %lld: policy %s: %s", (long long)hh->id, p->name, e.msg);
            record_error(res, p, e.msg);
        }
    }
}
