/* policy_set.c - loading the policies the config names (Lua files and C
 * plugins) and running them on one household. Calls both runtimes; the
 * runtimes never call back into it (they write through policy_out.c). */
#include "policy_set.h"
#include "i18n.h"
#include "log.h"
#include "plugin_loader.h"
#include "policy_lua.h"

#include <dirent.h>
#include <float.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- loading the set ---- */

static int add_policy(struct policy_set *set, const struct policy *p, struct err *e)
{
    if (policy_set_find(set, p->name))
        return err_set(e, ERR_INVALID, _("%s: a policy named \"%s\" is already loaded"), p->source,
                       p->name);
    struct policy *np = realloc(set->policies, (set->n_policies + 1) * sizeof *np);
    if (!np)
        return err_set(e, ERR_FAIL, _("out of memory"));
    set->policies = np;
    set->policies[set->n_policies++] = *p;
    return 0;
}

static void add_missing(struct policy_set *set, const char *name, const char *file,
                        const char *source, const char *msg)
{
    struct policy_missing *nm = realloc(set->missing, (set->n_missing + 1) * sizeof *nm);
    if (!nm)
        return; /* out of memory: the policy is then simply absent */
    set->missing = nm;
    struct policy_missing *m = &nm[set->n_missing++];
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->file, sizeof m->file, "%s", file);
    snprintf(m->source, sizeof m->source, "%s", source);
    snprintf(m->msg, sizeof m->msg, "%s", msg);
}

/* A refused Lua file: its area is the file name without .lua (one file per
 * area), its source what the Lua runtime would have called it. */
static void add_missing_lua(struct policy_set *set, const char *file, const char *msg)
{
    char name[32], source[200];
    snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 4), file);
    const char *dir = strrchr(set->cfg->policies_dir, '/');
    snprintf(source, sizeof source, "lua:%.60s/%.120s", dir ? dir + 1 : set->cfg->policies_dir,
             file);
    add_missing(set, name, file, source, msg);
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
        return err_set(e, ERR_INVALID, _("%s: cannot open policy directory"), dir);
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
            return err_set(e, ERR_FAIL, _("out of memory"));
        }
        *names = nn;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof **names, cmp_str);
    return 0;
}

static int load_lua_policies(struct policy_set *set, int strict, struct err *e)
{
    const struct config *cfg = set->cfg;
    char **names = NULL;
    size_t n = 0;
    int rc = list_lua(cfg->policies_dir, &names, &n, e);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", cfg->policies_dir, names[i]);
        struct policy_lua *lp;
        struct err le;
        if (policy_lua_load(path, cfg, &lp, &le) != 0) {
            log_event(LOG_ERROR, "policy.refused", "policy %s", le.msg);
            if (strict)
                rc = err_set(e, ERR_INVALID, "%s", le.msg);
            else
                add_missing_lua(set, names[i], le.msg);
            continue;
        }
        struct policy p = {.kind = POLICY_LUA, .impl = lp, .lua_index = set->n_lua};
        snprintf(p.name, sizeof p.name, "%s", policy_lua_name(lp));
        snprintf(p.title, sizeof p.title, "%s", policy_lua_title(lp));
        snprintf(p.source, sizeof p.source, "%s", policy_lua_source(lp));
        p.measures = policy_lua_measures(lp);
        p.reads = policy_lua_reads(lp, &p.declares_reads);
        if (!p.declares_reads)
            log_event(LOG_DEBUG, "policy.reads_undeclared",
                      "policy %s declares no `reads`: it reads every list and runs on every change",
                      p.source);
        struct policy_lua **nl = realloc(set->lua, (set->n_lua + 1) * sizeof *nl);
        if (!nl || add_policy(set, &p, &le) != 0) {
            if (nl)
                set->lua = nl;
            log_event(LOG_ERROR, "policy.refused", "policy %s", nl ? le.msg : _("out of memory"));
            policy_lua_free(lp);
            if (strict)
                rc = err_set(e, ERR_INVALID, "%s", nl ? le.msg : _("out of memory"));
            else
                add_missing_lua(set, names[i], nl ? le.msg : _("out of memory"));
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
            log_event(LOG_ERROR, "plugin.refused", "plugin %s", pe.msg);
            if (strict)
                return err_set(e, ERR_INVALID, "%s", pe.msg);
            char file[160], source[200];
            snprintf(file, sizeof file, "%.150s.so", cfg->plugins[i]);
            snprintf(source, sizeof source, "plugin:%.150s", cfg->plugins[i]);
            add_missing(set, cfg->plugins[i], file, source, pe.msg);
            continue;
        }
        const struct fupin_plugin *d = plugin_descriptor(pl);
        struct policy p = {.kind = POLICY_PLUGIN, .impl = pl, .measures = d->measures};
        snprintf(p.name, sizeof p.name, "%s", d->name);
        snprintf(p.title, sizeof p.title, "%s", d->name);
        snprintf(p.source, sizeof p.source, "%s", plugin_source(pl));
        p.reads = plugin_reads(pl, &p.declares_reads);
        if (add_policy(set, &p, &pe) != 0) {
            log_event(LOG_ERROR, "plugin.refused", "plugin %s", pe.msg);
            plugin_unload(pl);
            if (strict)
                return err_set(e, ERR_INVALID, "%s", pe.msg);
        }
    }
    return 0;
}

/* ---- declared params ---- */

/* Params the daemon reads itself: the nightly job (nightly/nightly.c), whose
 * own fallbacks are these defaults. */
static const struct config_param_decl daemon_params[] = {
    {.key = "supervision.no_visit_days",
     .owner = N_("the nightly job"),
     .type = CONFIG_DECL_INTEGER,
     .unit = "days",
     .title = "帮扶干部走访间隔上限（天）",
     .min = 1,
     .max = 3650,
     .required = 1,
     .has_default = 1,
     .default_number = 90},
    /* Deprecated and not read (the nightly logs a warning when it is set):
     * yearly targets are rows of the reduction_target table, per region and
     * year. Still declared so that an existing config keeps loading. */
    {.key = "supervision.reduction_target",
     .owner = N_("the nightly job"),
     .type = CONFIG_DECL_NUMBER,
     .unit = "ratio",
     .title = "（已停用，不再读取）年度减贫任务改在 reduction_target 表中按地区、年度登记",
     .min = 0,
     .max = 1,
     .by_year = 1},
    {.key = "supervision.reduction_margin",
     .owner = N_("the nightly job"),
     .type = CONFIG_DECL_NUMBER,
     .unit = "ratio",
     .title = "年内脱贫退出户数可落后于按时间进度折算的年度减贫任务的比例（超过即提醒，不约谈）",
     .min = 0,
     .max = 1,
     .by_year = 1,
     .has_default = 1,
     .default_number = 0.10},
    /* The digest's size (nightly/nightly_digest.c, deliver/deliver_curl.c). */
    {.key = "supervision.digest_items",
     .owner = "the nightly job",
     .type = CONFIG_DECL_INTEGER,
     .unit = "items",
     .title = "督查日报列出的最早逾期事项数（及新增事项数）",
     .min = 1,
     .max = 100,
     .has_default = 1,
     .default_number = 20},
    {.key = "supervision.digest_attachment_kb",
     .owner = "the nightly job",
     .type = CONFIG_DECL_INTEGER,
     .unit = "KB",
     .title = "邮件所附完整清单（xlsx）的大小上限（KB），超出则不附，请在办公室导出",
     .min = 0,
     .max = 25600,
     .has_default = 1,
     .default_number = 5120},
    /* `fupin finding accept`: the help task's due date, days from today. */
    {.key = "tasks.default_due_days",
     .owner = "fupin finding accept",
     .type = CONFIG_DECL_INTEGER,
     .unit = "days",
     .title = "采纳帮扶建议后帮扶任务的默认办理期限（天）",
     .min = 1,
     .max = 3650,
     .required = 1,
     .has_default = 1,
     .default_number = 30},
#define TASK_DUE(measure, name)                                                                    \
    {                                                                                              \
        .key = "tasks.due_days." measure, .owner = "fupin finding accept",                         \
        .type = CONFIG_DECL_INTEGER, .unit = "days", .title = "帮扶任务办理期限（天）：" name,     \
        .min = 1, .max = 3650                                                                      \
    }
    TASK_DUE("project", "扶持发展特色产业项目"),
    TASK_DUE("skills_training", "实用技术培训"),
    TASK_DUE("link_enterprise", "联结龙头企业/合作社"),
    TASK_DUE("pv_station", "光伏扶贫电站收益"),
    TASK_DUE("transfer_training", "转移就业培训"),
    TASK_DUE("public_welfare_job", "公益性岗位就业"),
    TASK_DUE("dibao", "纳入低保"),
    TASK_DUE("pension_enrol", "参加城乡居民养老保险"),
    TASK_DUE("compulsory_support", "义务教育“两免一补”"),
    TASK_DUE("tuition_waiver", "免学杂费"),
    TASK_DUE("living_allowance", "生活费补助"),
    TASK_DUE("premium_subsidy", "代缴医保个人缴费"),
    TASK_DUE("critical_illness", "大病保险与重特大疾病救助"),
    TASK_DUE("chronic_outpatient", "门诊特定病种"),
    TASK_DUE("rehab", "医疗康复项目"),
    TASK_DUE("renovation", "危房改造"),
    TASK_DUE("tap_water", "自来水入户"),
    TASK_DUE("relocation", "易地扶贫搬迁"),
    TASK_DUE("rating", "信用户评定"),
    TASK_DUE("micro_loan", "扶贫小额信用贷款"),
    TASK_DUE("loan_insurance", "贷款保证保险补贴"),
    TASK_DUE("shares", "资产收益折股量化"),
    TASK_DUE("land_shares", "土地经营权流转/入股"),
#undef TASK_DUE
};

static int decls_add(struct policy_set *set, const struct config_param_decl *d, size_t n,
                     struct err *e)
{
    if (!n)
        return 0;
    struct config_param_decl *grown = realloc(set->decls, (set->n_decls + n) * sizeof *set->decls);
    if (!grown)
        return err_set(e, ERR_FAIL, _("out of memory"));
    memcpy(grown + set->n_decls, d, n * sizeof *d);
    set->decls = grown;
    set->n_decls += n;
    return 0;
}

/* The declarations of a loaded plugin (its descriptor's params array, ABI 2;
 * the loader refuses older plugins). Sets *declares to 1: none is an answer
 * too. */
static int plugin_decls(struct policy_set *set, const struct policy *p, struct err *e,
                        int *declares)
{
    *declares = 0;
    size_t n = 0;
    const struct fupin_param_decl *pd = plugin_param_decls(p->impl, &n);
    for (size_t i = 0; i < n; i++) {
        struct config_param_decl d = {
            .key = pd[i].key,
            .area = p->name,
            .owner = p->source,
            .type = pd[i].type == FUPIN_PARAM_NUMBER    ? CONFIG_DECL_NUMBER
                    : pd[i].type == FUPIN_PARAM_INTEGER ? CONFIG_DECL_INTEGER
                    : pd[i].type == FUPIN_PARAM_TEXT    ? CONFIG_DECL_TEXT
                    : pd[i].type == FUPIN_PARAM_DATE    ? CONFIG_DECL_DATE
                                                        : 0,
            .unit = pd[i].unit,
            .title = pd[i].title,
            .min = pd[i].min,
            .max = pd[i].max,
            .by_year = pd[i].by_year,
            .required = pd[i].required,
            .has_default = pd[i].has_default,
            .default_number = pd[i].default_number,
            .default_text = pd[i].default_text,
        };
        int rc = decls_add(set, &d, 1, e);
        if (rc)
            return rc;
    }
    *declares = 1;
    return 0;
}

/* The areas whose undeclared keys are only warned about, with why. */
struct quiet {
    char **areas; /* NULL-terminated */
    char **reasons;
    size_t n;
};

static void quiet_free(struct quiet *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->areas[i]);
        free(q->reasons[i]);
    }
    free(q->areas);
    free(q->reasons);
}

static int quiet_add(struct quiet *q, const char *area, size_t len, const char *reason)
{
    for (size_t i = 0; i < q->n; i++)
        if (strlen(q->areas[i]) == len && strncmp(q->areas[i], area, len) == 0)
            return 0;
    char **a = realloc(q->areas, (q->n + 2) * sizeof *a);
    if (a)
        q->areas = a;
    char **r = realloc(q->reasons, (q->n + 2) * sizeof *r);
    if (r)
        q->reasons = r;
    if (!a || !r || !(a[q->n] = strndup(area, len)))
        return ERR_FAIL;
    if (!(r[q->n] = strdup(reason))) {
        free(a[q->n]);
        return ERR_FAIL;
    }
    q->n++;
    a[q->n] = r[q->n] = NULL;
    return 0;
}

/* An area with no loaded policy that fupin knows of: a plugin file in the
 * plugin folder, or an area of the measure catalogue (a policy file that is
 * not there). Its keys are kept for when it comes back, with a warning; a
 * word that is no area at all is a misspelling and stays an error. */
static int quiet_areas(const struct policy_set *set, const int *declares, struct quiet *q)
{
    const struct config *cfg = set->cfg;
    for (size_t i = 0; i < cfg->n_params; i++) {
        const char *key = cfg->params[i].key, *dot = strchr(key, '.');
        if (!dot)
            continue;
        char area[32], reason[160], so[1100];
        snprintf(area, sizeof area, "%.*s", (int)(dot - key), key);
        const struct policy *p = policy_set_find(set, area);
        reason[0] = '\0';
        if (p) {
            if (p->kind == POLICY_PLUGIN && !declares[p - set->policies])
                snprintf(reason, sizeof reason, _("%.100s declares no params (plugin ABI 1)"),
                         p->source);
        } else {
            snprintf(so, sizeof so, "%s/%s.so", cfg->plugin_dir ? cfg->plugin_dir : ".", area);
            int listed = 0;
            for (size_t k = 0; k < cfg->n_plugins; k++)
                listed |= strcmp(cfg->plugins[k], area) == 0;
            if (listed)
                snprintf(reason, sizeof reason, _("plugin %s could not be loaded"), area);
            else if (access(so, F_OK) == 0)
                snprintf(reason, sizeof reason, _("plugin %s is not in plugins.load"), area);
            else if (policy_catalogue(area))
                snprintf(reason, sizeof reason, _("no policy of area %s is loaded"), area);
        }
        if (reason[0] && quiet_add(q, area, strlen(area), reason))
            return ERR_FAIL;
    }
    return 0;
}

static int check_params(struct policy_set *set, struct err *e)
{
    size_t n_own = sizeof daemon_params / sizeof daemon_params[0];
    int rc = decls_add(set, daemon_params, n_own, e);
    /* The owner is named to officers (`fupin check`, --keys): translated
     * here, once per load, since the table is a constant. */
    for (size_t i = 0; !rc && i < n_own; i++)
        set->decls[set->n_decls - n_own + i].owner = _(daemon_params[i].owner);
    int *declares = calloc(set->n_policies + 1, sizeof *declares);
    struct quiet q = {0};
    if (!declares)
        rc = err_set(e, ERR_FAIL, _("out of memory"));
    for (size_t i = 0; i < set->n_policies && !rc; i++) {
        const struct policy *p = &set->policies[i];
        if (p->kind == POLICY_PLUGIN) {
            rc = plugin_decls(set, p, e, &declares[i]);
            continue;
        }
        size_t n;
        const struct config_param_decl *d = policy_lua_params(p->impl, &n);
        declares[i] = 1;
        rc = decls_add(set, d, n, e);
    }
    if (!rc && quiet_areas(set, declares, &q))
        rc = err_set(e, ERR_FAIL, _("out of memory"));
    if (!rc) {
        struct config_params_scope scope = {
            .quiet_areas = (const char *const *)q.areas,
            .quiet_reasons = (const char *const *)q.reasons,
            .lenient = set->n_missing > 0,
        };
        rc = config_params_check(set->cfg, set->decls, set->n_decls, &scope, &set->own_cfg, e);
    }
    if (!rc)
        set->cfg = set->own_cfg;
    quiet_free(&q);
    free(declares);
    return rc;
}

static int decl_order(const void *a, const void *b)
{
    const struct config_param_decl *x = a, *y = b;
    int c = strcmp(x->area ? x->area : "", y->area ? y->area : "");
    return c ? c : strcmp(x->key, y->key);
}

void policy_set_print_params(const struct policy_set *set, FILE *out)
{
    struct config_param_decl *d = malloc((set->n_decls + 1) * sizeof *d);
    if (!d)
        return;
    if (set->n_decls)
        memcpy(d, set->decls, set->n_decls * sizeof *d);
    qsort(d, set->n_decls, sizeof *d, decl_order);
    for (size_t i = 0; i < set->n_decls; i++) {
        char key[160], what[96], dflt[64];
        if (d[i].area)
            snprintf(key, sizeof key, "%s.%s", d[i].area, d[i].key);
        else
            snprintf(key, sizeof key, "%s", d[i].key);
        int numeric = d[i].type == CONFIG_DECL_NUMBER || d[i].type == CONFIG_DECL_INTEGER;
        size_t o = (size_t)snprintf(what, sizeof what, "%s", config_decl_type_name(d[i].type));
        if (numeric && (d[i].min > -DBL_MAX || d[i].max < DBL_MAX))
            o += (size_t)snprintf(what + o, sizeof what - o, " %g..%g", d[i].min, d[i].max);
        if (d[i].unit)
            o += (size_t)snprintf(what + o, sizeof what - o, " %s", d[i].unit);
        if (d[i].by_year)
            snprintf(what + o, sizeof what - o, "%s", _(", by year"));
        if (d[i].has_default && numeric)
            snprintf(dflt, sizeof dflt, _("default %g"), d[i].default_number);
        else if (d[i].has_default)
            snprintf(dflt, sizeof dflt, _("default \"%s\""), d[i].default_text);
        else
            snprintf(dflt, sizeof dflt, "%s", d[i].required ? _("required") : _("optional"));
        fprintf(out, "params.%-34s %-32s %-16s %-26s %s\n", key, what, dflt, d[i].owner,
                d[i].title ? d[i].title : "");
    }
    free(d);
}

int policy_set_load(const struct config *cfg, int strict, struct policy_set **out, struct err *e)
{
    struct policy_set *set = calloc(1, sizeof *set);
    if (!set)
        return err_set(e, ERR_FAIL, _("out of memory"));
    set->cfg = cfg;
    int rc = load_lua_policies(set, strict, e);
    /* Lua policies call fp on every household: without it each would fail. */
    if (rc == 0 && set->n_lua)
        rc = policy_lua_library_check(cfg, e);
    if (rc == 0)
        rc = load_plugins(set, strict, e);
    if (rc == 0)
        rc = check_params(set, e);
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
        policy_lua_free(set->lua[i]);
    free(set->lua);
    free(set->missing);
    free(set->policies);
    free(set->decls);
    config_free(set->own_cfg);
    free(set);
}

const struct policy_missing *policy_set_missing(const struct policy_set *set, const char *file)
{
    for (size_t i = 0; i < set->n_missing; i++)
        if (strcmp(set->missing[i].file, file) == 0)
            return &set->missing[i];
    return NULL;
}

const struct policy *policy_set_find(const struct policy_set *set, const char *name)
{
    for (size_t i = 0; i < set->n_policies; i++)
        if (strcmp(set->policies[i].name, name) == 0)
            return &set->policies[i];
    return NULL;
}

/* ---- fingerprints ---- */

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s ? s : "", (s ? strlen(s) : 0) + 1);
}

/* A param as text (name included, so an absent key differs from any value):
 * an edited figure or a new year's value changes the hash. */
static uint64_t hash_param(uint64_t h, const struct config_param *p)
{
    char buf[64];
    h = fnv_str(h, p->key);
    snprintf(buf, sizeof buf, "%d %.17g", (int)p->type, p->number);
    h = fnv_str(h, buf);
    h = fnv_str(h, p->string);
    for (size_t y = 0; y < p->n_years; y++) {
        snprintf(buf, sizeof buf, "%d=%.17g", p->years[y], p->values[y]);
        h = fnv_str(h, buf);
    }
    return h;
}

static uint64_t hash_key(uint64_t h, const struct config *cfg, const char *key)
{
    const struct config_param *p = config_param_find(cfg, key);
    return p ? hash_param(h, p) : fnv_str(fnv_str(h, key), "(absent)");
}

void policy_set_fingerprint(const struct policy_set *set, size_t i, char out[17])
{
    const struct policy *p = &set->policies[i];
    const struct config *cfg = set->cfg;
    uint64_t h = 14695981039346656037ull;
    h = fnv_str(h, p->source);
    h = fnv_str(h, cfg->as_of);
    /* What it reads decides when it runs: a changed declaration is a new
     * version even where the source hash is not (a plugin's). */
    char reads[16];
    snprintf(reads, sizeof reads, "%x", (unsigned)p->reads);
    h = fnv_str(h, reads);
    /* The facts every policy sees (household_facts) depend on these. */
    h = hash_key(h, cfg, "working_age_min");
    h = hash_key(h, cfg, "working_age_max");
    if (p->kind == POLICY_LUA) {
        /* A Lua policy can read nothing it does not declare (call_view.c). */
        size_t n = 0;
        const struct config_param_decl *d = policy_lua_params(p->impl, &n);
        for (size_t k = 0; k < n; k++)
            h = hash_key(h, cfg, d[k].key);
    } else {
        /* A plugin looks "<area>.<key>" up, then "<key>", and an ABI-1
         * plugin declares nothing: every key of its area and every key
         * without an area may be read. */
        size_t n = 0, len = strlen(p->name);
        const struct fupin_param_decl *d = plugin_param_decls(p->impl, &n);
        for (size_t k = 0; k < n; k++) {
            char key[160];
            snprintf(key, sizeof key, "%s.%s", p->name, d[k].key);
            h = hash_key(hash_key(h, cfg, key), cfg, d[k].key);
        }
        for (size_t k = 0; k < cfg->n_params; k++) {
            const char *key = cfg->params[k].key;
            if (!strchr(key, '.') || (strncmp(key, p->name, len) == 0 && key[len] == '.'))
                h = hash_param(h, &cfg->params[k]);
        }
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

uint64_t policy_set_readers(const struct policy_set *set, uint32_t changed)
{
    uint64_t mask = 0;
    for (size_t i = 0; i < set->n_policies && i < 64; i++)
        if ((changed & POLICY_SET_ROW) || (changed & set->policies[i].reads))
            mask |= 1ull << i;
    return mask;
}

uint32_t policy_set_lists(const struct policy_set *set, uint64_t skip)
{
    uint32_t lists = 0;
    for (size_t i = 0; i < set->n_policies; i++)
        if (i >= 64 || !(skip >> i & 1))
            lists |= set->policies[i].reads;
    return lists;
}

/* ---- running ---- */

struct policy_runner {
    const struct policy_set *set;
    struct policy_lua_worker *lua;
    struct plugin_view view; /* the household as plugins see it */
    /* The household being evaluated with its facts (household_facts), and
     * its members' copies. */
    struct household facts;
    struct household_member *members;
    size_t cap_members;
    struct policy_progress *pg;
};

void policy_runner_watch(struct policy_runner *r, struct policy_progress *pg)
{
    r->pg = pg;
}

static void publish(struct policy_progress *pg, int64_t household, int policy, int starting)
{
    if (!pg)
        return;
    struct timespec ts = {0};
    if (starting)
        clock_gettime(CLOCK_MONOTONIC, &ts);
    /* seq last: a reader that sees the new seq sees the call it names. */
    atomic_store(&pg->household, household);
    atomic_store(&pg->policy, policy);
    atomic_store(&pg->started_ns, starting ? (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec : 0);
    atomic_fetch_add(&pg->seq, 1);
}

void policy_runner_begin(struct policy_runner *r, int64_t household)
{
    publish(r->pg, household, -1, 0);
}

int policy_runner_new(const struct policy_set *set, struct policy_runner **out, struct err *e)
{
    struct policy_runner *r = calloc(1, sizeof *r);
    if (!r)
        return err_set(e, ERR_FAIL, _("out of memory"));
    r->set = set;
    if (set->n_lua) {
        int rc = policy_lua_worker_new(set->lua, set->n_lua, set->cfg, &r->lua, e);
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
    policy_lua_worker_free(r->lua);
    plugin_view_free(&r->view);
    free(r->members);
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

/* A rule that breaks on every household would write one line per household:
 * log the first, then at most one a minute per policy with a count. */
static void log_policy_error(const struct policy *p, int64_t household_id, const char *msg)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static struct {
        char name[32];
        time_t last;
        long suppressed;
    } seen[32];
    time_t now = time(NULL);
    long suppressed = -1;
    pthread_mutex_lock(&lock);
    size_t i = 0;
    while (i < 32 && seen[i].name[0] && strcmp(seen[i].name, p->name) != 0)
        i++;
    if (i == 32) {
        suppressed = 0; /* table full: log everything rather than hide it */
    } else if (!seen[i].name[0] || now - seen[i].last >= 60) {
        snprintf(seen[i].name, sizeof seen[i].name, "%s", p->name);
        suppressed = seen[i].suppressed;
        seen[i].last = now;
        seen[i].suppressed = 0;
    } else {
        seen[i].suppressed++;
    }
    pthread_mutex_unlock(&lock);
    if (suppressed < 0)
        return;
    if (suppressed > 0)
        log_event(LOG_ERROR, "policy.eval_failed",
                  "household %lld: policy %s: %s (and %ld more households in the last minute)",
                  (long long)household_id, p->name, msg, suppressed);
    else
        log_event(LOG_ERROR, "policy.eval_failed", "household %lld: policy %s: %s",
                  (long long)household_id, p->name, msg);
}

static void record_error(struct eval_result *res, const struct policy *p, const char *msg)
{
    eval_result_add_error(res, p->name, p->source, msg);
    /* An alert for policy staff, one per policy (the alert table keeps one
     * open row per kind and subject). */
    struct fupin_out out = {.res = res, .policy = p};
    char text[400];
    snprintf(text, sizeof text, _("policy %s failed: %s"), p->source, msg);
    policy_out_alert(&out, "policy_error", "warning", text);
}

/* hh with its facts, computed once for every policy. NULL when out of memory. */
static const struct household *with_facts(struct policy_runner *r, const struct household *hh)
{
    if (hh->n_members > r->cap_members) {
        size_t ncap = hh->n_members * 2;
        struct household_member *m = realloc(r->members, ncap * sizeof *m);
        if (!m)
            return NULL;
        r->members = m;
        r->cap_members = ncap;
    }
    /* The policies declare working age (with defaults), so the checked
     * config holds it; without it nobody is counted as labour force, which
     * no rule reads as "able to work". */
    double lo = 1, hi = 0;
    if (config_param_number(r->set->cfg, "working_age_min", hh->year, &lo) ||
        config_param_number(r->set->cfg, "working_age_max", hh->year, &hi))
        lo = 1, hi = 0;
    struct household_facts_params fp = {(int)lo, (int)hi};
    household_facts(hh, &fp, &r->facts, r->members);
    return &r->facts;
}

void policy_runner_eval(struct policy_runner *r, const struct household *in,
                        struct eval_result *res)
{
    policy_runner_eval_except(r, in, res, 0);
}

void policy_runner_eval_except(struct policy_runner *r, const struct household *in,
                               struct eval_result *res, uint64_t skip)
{
    res->household_id = in->id;
    const struct household *hh = with_facts(r, in);
    if (!hh) {
        if (eval_result_add_error(res, "facts", "fupin", _("out of memory")) == 0)
            log_event(LOG_ERROR, "household.facts_failed",
                      "household %lld: out of memory computing its facts", (long long)in->id);
        return;
    }
    plugin_view_forget(&r->view);
    for (size_t i = 0; i < r->set->n_policies; i++) {
        const struct policy *p = &r->set->policies[i];
        if (i < 64 && (skip >> i & 1))
            continue;
        publish(r->pg, hh->id, (int)i, 1);
        struct fupin_out out = {.res = res, .policy = p};
        struct fupin_params params = {.cfg = r->set->cfg, .area = p->name, .res = res, .policy = p};
        struct err e = {{0}};
        size_t nf = res->n_findings, na = res->n_alerts;
        int rc = p->kind == POLICY_LUA
                     ? policy_lua_worker_eval(r->lua, p->lua_index, hh, &out, &params, &e)
                     : plugin_eval(p->impl, &r->view, hh, &params, &out, &e);
        if (rc == 0 && out.failed) {
            rc = ERR_INVALID;
            snprintf(e.msg, sizeof e.msg, "%.100s: %.150s", p->source, out.err.msg);
        }
        if (rc != 0) {
            truncate_result(res, nf, na);
            log_policy_error(p, hh->id, e.msg);
            record_error(res, p, e.msg);
        }
    }
    publish(r->pg, hh->id, -1, 0);
    for (size_t i = 0; i < r->set->n_missing; i++) {
        const struct policy_missing *m = &r->set->missing[i];
        char msg[256];
        snprintf(msg, sizeof msg, _("not loaded: %.200s"), m->msg);
        if (eval_result_add_error(res, m->name, m->source, msg))
            break;
    }
}
