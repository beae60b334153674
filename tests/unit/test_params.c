/* test_params.c - declared params: the config held to what policies declare
 * (every mistake refused with file:line:col, defaults filled into a copy,
 * disagreeing declarations refused naming both), Lua declarations parsed and
 * checked at load, and a Lua policy reading a param it does not declare
 * failing on both the fast and the traced path. */
#include "config.h"
#include "policy_lua.h"
#include "policy.h"
#include "policy_set.h"
#include "testlib.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[256];

static struct config *load_text(const char *name, const char *text, struct err *e)
{
    char *path = test_write_file(dir, name, text);
    struct config *cfg = NULL;
    if (config_load(path, &cfg, e) != 0)
        cfg = NULL;
    free(path);
    return cfg;
}

static const struct config_param_decl decls[] = {
    {.key = "income_ratio",
     .owner = "policies/exit.lua",
     .type = CONFIG_DECL_NUMBER,
     .unit = "ratio",
     .min = 0,
     .max = 1,
     .by_year = 1,
     .required = 1,
     .has_default = 1,
     .default_number = 0.45},
    {.key = "working_age_min",
     .owner = "policies/industry.lua",
     .type = CONFIG_DECL_INTEGER,
     .unit = "years",
     .min = 0,
     .max = 120,
     .required = 1},
    {.key = "industry.project_grant",
     .owner = "policies/industry.lua",
     .type = CONFIG_DECL_NUMBER,
     .unit = "yuan",
     .min = 0,
     .max = 1e6},
    {.key = "renovation_deadline",
     .area = "housing",
     .owner = "plugin:housing@2.0",
     .type = CONFIG_DECL_DATE,
     .required = 1,
     .has_default = 1,
     .default_text = "2018-12-31"},
};
#define N_DECLS (sizeof decls / sizeof decls[0])

static const char head[] = "database: f.db\npolicies: p\nparams:\n";

/* Loads head + params and checks it against decls: expects where ("x.yaml:L:C:")
 * and what in the message, or success when where is NULL. */
static struct config *check_text(const char *name, const char *params, const char *where,
                                 const char *what)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", head, params);
    struct err e = {{0}};
    struct config *cfg = load_text(name, text, &e);
    if (!cfg) {
        fprintf(stderr, "%s: %s\n", name, e.msg);
        CHECK(0);
        return NULL;
    }
    struct config *out = (struct config *)1;
    int rc = config_params_check(cfg, decls, N_DECLS, NULL, &out, &e);
    if (where) {
        if (rc != ERR_INVALID)
            fprintf(stderr, "%s: rc %d, expected ERR_INVALID\n", name, rc);
        CHECK(rc == ERR_INVALID && out == NULL);
        CHECK_STR_CONTAINS(e.msg, where);
        CHECK_STR_CONTAINS(e.msg, what);
        config_free(cfg);
        return NULL;
    }
    if (rc)
        fprintf(stderr, "%s: %s\n", name, e.msg);
    CHECK(rc == 0 && out && out->base == cfg);
    if (rc) {
        config_free(cfg);
        return NULL;
    }
    config_free(out);
    return cfg;
}

static void mistakes_are_refused_with_position(void)
{
    check_text("misspelt.yaml", "  income_ratoi: 0.45\n  working_age_min: 16\n",
               "misspelt.yaml:4:17: ",
               "params.income_ratoi: no loaded policy declares this "
               "parameter (did you mean income_ratio?)");
    check_text("type.yaml", "  income_ratio: \"0,45\"\n  working_age_min: 16\n",
               "type.yaml:4:17: ", "params.income_ratio: expected a number, got \"0,45\"");
    check_text("comma.yaml", "  income_ratio: 0,45\n  working_age_min: 16\n",
               "comma.yaml:4:17: ", "expected a number");
    check_text("range.yaml", "  working_age_min: 16\n  income_ratio: 1.5\n", "range.yaml:5:17: ",
               "params.income_ratio: 1.5 is out of range (number 0..1 ratio, by year, "
               "policies/exit.lua)");
    check_text("whole.yaml", "  working_age_min: 16.5\n",
               "whole.yaml:4:20: ", "params.working_age_min: expected a whole number, got 16.5");
    check_text("year.yaml", "  working_age_min: {2016: 16, 2018: 18}\n",
               "year.yaml:4:20: ", "params.working_age_min: a table by year is not allowed here");
    check_text("year2.yaml", "  working_age_min: 16\n  income_ratio: {2016: 0.4, 2018: 4.5}\n",
               "year2.yaml:5:35: ", "params.income_ratio.2018: 4.5 is out of range");
    check_text("missing.yaml", "  income_ratio: 0.45\n", "missing.yaml:3:1: ",
               "params.working_age_min: missing: policies/industry.lua reads it and gives no "
               "default");
    check_text("date.yaml", "  working_age_min: 16\n  housing: {renovation_deadline: 2018-02-30}\n",
               "date.yaml:5:34: ", "expected a date");
    check_text("text.yaml", "  working_age_min: 16\n  renovation_deadline: 20181231\n",
               "text.yaml:5:24: ", "expected a date \"YYYY-MM-DD\" in quotes");
    /* The first mistake in the file is the one named, whatever the key order. */
    check_text("first.yaml", "  zzz: 1\n  aaa: 2\n", "first.yaml:4:8: ", "params.zzz");
}

static void nonfinite_numbers_are_out_of_range(void)
{
    static const char *const spellings[] = {".nan", ".NaN", ".inf", "-.inf",     "+.Inf",
                                            ".INF", "nan",  "inf",  "-infinity", "1e999"};
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        char text[256];
        struct err e = {{0}};
        snprintf(text, sizeof text, "%s  income_ratio: %s\n", head, spellings[i]);
        struct config *cfg = load_text("nan.yaml", text, &e);
        CHECK(cfg == NULL);
        CHECK_STR_CONTAINS(e.msg, "nan.yaml:4:17: params.income_ratio: ");
        CHECK_STR_CONTAINS(e.msg, "out of range: not a finite number");
        config_free(cfg);
        snprintf(text, sizeof text, "%s  provincial_income: {2016: 1, 2017: %s}\n", head,
                 spellings[i]);
        cfg = load_text("nan2.yaml", text, &e);
        CHECK(cfg == NULL);
        CHECK_STR_CONTAINS(e.msg, "nan2.yaml:4:38: params.provincial_income.2017: ");
        config_free(cfg);
        snprintf(text, sizeof text, "database: f.db\npolicies: p\nengine: {workers: %s}\n",
                 spellings[i]);
        cfg = load_text("nan3.yaml", text, &e);
        CHECK(cfg == NULL);
        CHECK_STR_CONTAINS(e.msg, "nan3.yaml:3:19: engine.workers: ");
        CHECK_STR_CONTAINS(e.msg, "out of range (1..64)");
        config_free(cfg);
    }
    /* Quoted, it is text (and then a number param refuses it as text). */
    struct err e;
    struct config *cfg =
        load_text("q.yaml", "database: f.db\npolicies: p\nparams: {x: \".nan\"}\n", &e);
    CHECK(cfg && cfg->n_params == 1 && cfg->params[0].type == PARAM_STRING);
    config_free(cfg);
}

static void defaults_fill_a_copy(void)
{
    struct config *cfg = check_text("dflt.yaml", "  working_age_min: 16\n", NULL, NULL);
    if (!cfg)
        return;
    struct config *out = NULL;
    struct err e;
    CHECK(config_params_check(cfg, decls, N_DECLS, NULL, &out, &e) == 0);
    CHECK(cfg->n_params == 1 && !config_param_find(cfg, "income_ratio"));
    const struct config_param *p = config_param_find(out, "income_ratio");
    CHECK(p && p->type == PARAM_NUMBER && p->number == 0.45);
    /* The plugin rule: absent everywhere, the default goes under the area. */
    p = config_param_find(out, "housing.renovation_deadline");
    CHECK(p && p->type == PARAM_STRING && strcmp(p->string, "2018-12-31") == 0);
    CHECK(!config_param_find(out, "industry.project_grant")); /* no default, not required */
    CHECK(out->database == cfg->database && out->base == cfg);
    for (size_t i = 1; out && i < out->n_params; i++)
        CHECK(strcmp(out->params[i - 1].key, out->params[i].key) < 0);
    config_free(out);
    config_free(cfg);
    /* Given at the top level, the plugin's key is found there: no default. */
    cfg = check_text("top.yaml", "  working_age_min: 16\n  renovation_deadline: \"2019-06-30\"\n",
                     NULL, NULL);
    if (cfg && config_params_check(cfg, decls, N_DECLS, NULL, &out, &e) == 0) {
        CHECK(!config_param_find(out, "housing.renovation_deadline"));
        config_free(out);
    }
    config_free(cfg);
}

struct warned {
    int n;
    char last[400];
};

static void collect(void *arg, const char *msg)
{
    struct warned *w = arg;
    w->n++;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

static void quiet_areas_warn_instead(void)
{
    struct err e = {{0}};
    struct config *cfg = load_text("quiet.yaml",
                                   "database: f.db\npolicies: p\nparams:\n  working_age_min: 16\n"
                                   "  credit: {micro_loan_max: 50000, micro_loan_max_months: 36}\n",
                                   &e);
    CHECK(cfg != NULL);
    if (!cfg)
        return;
    static const char *const areas[] = {"credit", NULL};
    static const char *const reasons[] = {"plugin credit is not in plugins.load", NULL};
    struct warned w = {0};
    struct config_params_scope scope = {
        .quiet_areas = areas, .quiet_reasons = reasons, .warn = collect, .arg = &w};
    struct config *out = NULL;
    CHECK(config_params_check(cfg, decls, N_DECLS, &scope, &out, &e) == 0);
    CHECK(w.n == 1);
    CHECK_STR_CONTAINS(w.last,
                       "params.credit: not checked (plugin credit is not in "
                       "plugins.load): credit.micro_loan_max, credit.micro_loan_max_months");
    config_free(out);
    /* Without the quiet area, the same keys are errors. */
    CHECK(config_params_check(cfg, decls, N_DECLS, NULL, &out, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "quiet.yaml:5:28: params.credit.micro_loan_max: no loaded policy");
    /* Lenient (a policy could not be loaded): a warning for every unknown key. */
    struct config_params_scope lenient = {.lenient = 1, .warn = collect, .arg = &w};
    w.n = 0;
    CHECK(config_params_check(cfg, decls, N_DECLS, &lenient, &out, &e) == 0);
    CHECK(w.n == 1);
    CHECK_STR_CONTAINS(w.last, "because a policy could not be loaded");
    config_free(out);
    config_free(cfg);
}

static void declarations_must_agree(void)
{
    struct err e = {{0}};
    struct config *cfg = load_text(
        "agree.yaml", "database: f.db\npolicies: p\nparams:\n  working_age_min: 16\n", &e);
    if (!cfg) {
        CHECK(0);
        return;
    }
    struct config_param_decl two[2] = {decls[1], decls[1]};
    two[1].owner = "policies/employment.lua";
    struct config *out = NULL;
    CHECK(config_params_check(cfg, two, 2, NULL, &out, &e) == 0); /* identical: fine */
    config_free(out);
    two[1].max = 100;
    CHECK(config_params_check(cfg, two, 2, NULL, &out, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "agree.yaml:4:20: params.working_age_min: declared differently by "
                              "policies/industry.lua (integer 0..120 years) and "
                              "policies/employment.lua (integer 0..100 years)");
    two[1] = decls[1];
    two[1].owner = "plugin:education@2.0";
    two[1].area = "education"; /* found at the top level: the same place */
    two[1].type = CONFIG_DECL_NUMBER;
    CHECK(config_params_check(cfg, two, 2, NULL, &out, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "plugin:education@2.0");
    /* Two defaults that differ are a disagreement too. */
    two[1] = decls[1];
    two[0].has_default = two[1].has_default = 1;
    two[0].default_number = 16;
    two[1].default_number = 15;
    CHECK(config_params_check(cfg, two, 2, NULL, &out, &e) == ERR_INVALID);
    /* A bad declaration is refused naming its owner. */
    struct config_param_decl bad = decls[1];
    bad.has_default = 1;
    bad.default_number = 200;
    CHECK(config_params_check(cfg, &bad, 1, NULL, &out, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "policies/industry.lua: params.working_age_min: the default 200 is "
                              "out of range");
    config_free(cfg);
}

/* ---- Lua ---- */

static char pdir[300];

static struct policy_lua *load_policy(const char *file, const char *text, struct err *e)
{
    free(test_write_file(pdir, file, text));
    char path[600];
    snprintf(path, sizeof path, "%s/%s", pdir, file);
    struct config cfg = {
        .lua_dir = dir, .lua_instructions = 1000000, .lua_memory_kb = 8192, .lua_wall_ms = 500};
    struct policy_lua *p = NULL;
    if (policy_lua_load(path, &cfg, &p, e) != 0)
        return NULL;
    return p;
}

static void lua_declarations_are_parsed_and_checked(void)
{
    struct err e = {{0}};
    struct policy_lua *p = load_policy(
        "decl.lua",
        "return { name = 'industry', title = 't', evaluate = function() end,\n"
        "params = { income_ratio = {type = 'number', unit = 'ratio', min = 0, max = 1,\n"
        "  by_year = true, required = true, default = 0.45, title = '比例'},\n"
        "  industry = { project_grant = {type = 'number', min = 0, max = 1e6},\n"
        "               living = { primary = {type = 'integer', min = 0, max = 9} } },\n"
        "  deadline = {type = 'date', default = '2018-12-31'} } }\n",
        &e);
    CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "%s\n", e.msg);
        return;
    }
    size_t n;
    const struct config_param_decl *d = policy_lua_params(p, &n);
    CHECK(n == 4);
    if (n == 4) {
        CHECK(strcmp(d[0].key, "deadline") == 0 && d[0].type == CONFIG_DECL_DATE &&
              d[0].has_default && strcmp(d[0].default_text, "2018-12-31") == 0);
        CHECK(strcmp(d[1].key, "income_ratio") == 0 && d[1].by_year && d[1].required &&
              d[1].default_number == 0.45 && strcmp(d[1].unit, "ratio") == 0 &&
              strcmp(d[1].title, "比例") == 0 && !d[1].area);
        CHECK(strcmp(d[2].key, "industry.living.primary") == 0 &&
              d[2].type == CONFIG_DECL_INTEGER && d[2].max == 9);
        CHECK(strcmp(d[3].key, "industry.project_grant") == 0 && !d[3].required &&
              !d[3].has_default);
        CHECK(strcmp(d[0].owner, "policies/decl.lua") == 0);
        /* No bounds given: any finite number. */
        CHECK(d[0].min == -DBL_MAX && d[0].max == DBL_MAX);
    }
    policy_lua_free(p);

    static const struct {
        const char *params, *msg;
    } bad[] = {
        {"x = {type = 'money'}", "policies/bad.lua: params.x: type must be"},
        {"x = {type = 'number', mn = 1}", "params.x: unknown field 'mn'"},
        {"x = {type = 'number', min = 5, max = 1}", "params.x: min (5) must not be more than max"},
        {"x = {type = 'number', max = 1, default = 2}", "params.x: the default 2 is out of range"},
        {"x = {type = 'integer', default = 1.5}",
         "params.x: the default 1.5 is not a whole number"},
        {"x = {type = 'number', default = 'a'}", "params.x: default must be a number"},
        {"x = {type = 'date', default = '2018-13-01'}", "is not a date"},
        {"x = {type = 'text', by_year = true}", "only numbers can be given by year"},
        {"x = {type = 'number', required = 1}", "by_year and required must be true or false"},
        {"x = 5", "params.x: a declaration is a table"},
        {"[1] = {type = 'number'}", "keys must be words"},
        {"['A b'] = {type = 'number'}", "keys must be words"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "return { name = 'industry', title = 't', evaluate = function() end,\n"
                 "params = { %s } }\n",
                 bad[i].params);
        struct policy_lua *q = load_policy("bad.lua", text, &e);
        CHECK(q == NULL);
        CHECK_STR_CONTAINS(e.msg, bad[i].msg);
        policy_lua_free(q);
    }
    struct policy_lua *q = load_policy(
        "bad.lua",
        "return { name = 'industry', title = 't', evaluate = function() end, params = 3 }\n", &e);
    CHECK(q == NULL);
    CHECK_STR_CONTAINS(e.msg, "`params` must be a table");
    policy_lua_free(q);
}

/* A set of one Lua policy reading params, over a config of its own: what
 * the policy sees, on the fast path and the traced one. */
static void undeclared_reads_fail(void)
{
    char sub[400], cfgdir[400];
    snprintf(sub, sizeof sub, "%s/set", dir);
    snprintf(cfgdir, sizeof cfgdir, "%s/set/policies", dir);
    mkdir(sub, 0700);
    mkdir(cfgdir, 0700);
    free(test_write_file(
        cfgdir, "reader.lua",
        "return { name = 'industry', title = 't',\n"
        "params = { industry = { project_grant = {type = 'number', min = 0, max = 1e6},\n"
        "                        skills_min = {type = 'integer', min = 0, max = 9, default = 1},\n"
        "                        unset = {type = 'number'} },\n"
        "           income_ratio = {type = 'number', by_year = true, min = 0, max = 1} },\n"
        "evaluate = function(h, out, params)\n"
        "  local p = params.industry\n"
        "  assert(p.unset == nil and p.skills_min == 1 and params.income_ratio[2016] == 0.5)\n"
        "  assert(not pcall(function() p.project_grant = 1 end), 'read-only')\n"
        "  local _, s = pairs(p)\n"
        "  assert(not pcall(function() s.unset = 1 end), 'pairs hands out a writable table')\n"
        "  if h.id == 2 then local x = p.project_grnat end\n"
        "  if h.id == 3 then local x = params.working_age_min end\n"
        "  out:recommend{measure = 'project', amount = p.project_grant, reason = 'r'}\n"
        "end }\n"));
    char lua[700];
    snprintf(lua, sizeof lua, "%s/lua", sub);
    mkdir(lua, 0700);
    free(test_write_file(lua, "fp.lua", "return {}\n")); /* the policy needs none */
    char *path =
        test_write_file(sub, "fupin.yaml",
                        "database: f.db\npolicies: policies\nlua: lua\nparams:\n"
                        "  industry: {project_grant: 5000}\n  income_ratio: {2016: 0.5}\n");
    struct err e = {{0}};
    struct config *cfg = NULL;
    CHECK(config_load(path, &cfg, &e) == 0);
    free(path);
    struct policy_set *set = NULL;
    if (!cfg || policy_set_load(cfg, 1, &set, &e) != 0) {
        fprintf(stderr, "load: %s\n", e.msg);
        CHECK(0);
        config_free(cfg);
        return;
    }
    CHECK(set->cfg != cfg && config_param_find(set->cfg, "industry.skills_min"));
    CHECK(!config_param_find(cfg, "industry.skills_min"));
    struct policy_runner *r = NULL;
    CHECK(policy_runner_new(set, &r, &e) == 0);
    struct household hh = {.id = 1, .today = "2018-06-30", .year = 2018};
    for (int trace = 0; r && trace < 2; trace++) {
        struct eval_result res = {.trace = trace};
        for (int id = 1; id <= 3; id++) {
            hh.id = id;
            eval_result_reset(&res);
            policy_runner_eval(r, &hh, &res);
            if (id == 1) {
                CHECK(res.n_errors == 0 && res.n_findings == 1 && res.findings[0].amount == 5000);
                if (res.n_errors)
                    fprintf(stderr, "trace %d: %s\n", trace, res.errors[0].msg);
                continue;
            }
            CHECK(res.n_errors == 1 && res.n_findings == 0);
            if (res.n_errors != 1)
                continue;
            CHECK_STR_CONTAINS(res.errors[0].msg, "policies/reader.lua:");
            CHECK_STR_CONTAINS(res.errors[0].msg, id == 2 ? "params.industry.project_grnat is not "
                                                            "declared by policies/reader.lua"
                                                          : "params.working_age_min is not "
                                                            "declared by policies/reader.lua");
        }
        if (trace) {
            int traced = 0;
            for (size_t i = 0; i < res.n_params; i++)
                traced |= strcmp(res.params[i].key, "industry.skills_min") == 0;
            CHECK(traced); /* the default, as explain shows it */
        }
        eval_result_free(&res);
    }
    policy_runner_free(r);
    policy_set_free(set);

    /* A required param without default that the config lacks: no set. */
    free(test_write_file(cfgdir, "reader.lua",
                         "return { name = 'industry', title = 't',\n"
                         "params = { industry = { pv_station_share = {type = 'number', "
                         "required = true}, project_grant = {type = 'number'} },\n"
                         "  income_ratio = {type = 'number', by_year = true} },\n"
                         "evaluate = function() end }\n"));
    CHECK(policy_set_load(cfg, 0, &set, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "fupin.yaml:4:1: params.industry.pv_station_share: missing: "
                              "policies/reader.lua reads it");
    /* ... and a key nothing declares. */
    free(test_write_file(cfgdir, "reader.lua",
                         "return { name = 'industry', title = 't',\n"
                         "params = { industry = { project_grant = {type = 'number'} } },\n"
                         "evaluate = function() end }\n"));
    CHECK(policy_set_load(cfg, 0, &set, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "fupin.yaml:6:17: params.income_ratio: no loaded policy declares");
    config_free(cfg);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(pdir, sizeof pdir, "%s/policies", dir);
    mkdir(pdir, 0700);
    unsetenv("FUPIN_PLUGIN_DIR");
    RUN(mistakes_are_refused_with_position);
    RUN(nonfinite_numbers_are_out_of_range);
    RUN(defaults_fill_a_copy);
    RUN(quiet_areas_warn_instead);
    RUN(declarations_must_agree);
    RUN(lua_declarations_are_parsed_and_checked);
    RUN(undeclared_reads_fail);
    return test_done();
}
