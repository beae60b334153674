/* fuzz_lua.c - the Lua sandbox's entry: any bytes as a policy file, loaded
 * (policy_lua_load) and, when it loads, run on one fixed household with a
 * small budget. Endless loops, huge strings and deep recursion must end in
 * a budget or policy error naming the file, never a crash or a hang. */
#include "config.h"
#include "fuzz.h"
#include "policy_lua.h"
#include "policy.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int years[] = {2016, 2017, 2018};
static double incomes[] = {14512, 15780, 17168};
static struct config_param params[] = {
    {.key = "income_ratio", .type = PARAM_NUMBER, .number = 0.45},
    {.key = "industry.project_grant", .type = PARAM_NUMBER, .number = 5000},
    {.key = "provincial_income",
     .type = PARAM_BY_YEAR,
     .n_years = 3,
     .years = years,
     .values = incomes},
};

#define ID_NUMBER "440000198005010011"

static struct household_member members[] = {
    {.id = 701,
     .name = "张三",
     .id_number = ID_NUMBER,
     .birth_date = "1980-05-01",
     .age = 38,
     .labor = HOUSEHOLD_LABOR_FULL,
     .skills = 2},
    {.id = 702,
     .birth_date = "2010-01-01",
     .age = 8,
     .labor = HOUSEHOLD_LABOR_NONE,
     .school_stage = HOUSEHOLD_SCHOOL_PRIMARY},
};
static struct household_income income[] = {{.year = 2017, .wage = 3000, .production = 1000}};
static struct household_task tasks[] = {
    {.id = 9, .cadre_id = 3, .title = "实施危房改造", .due = "2018-06-01"}};
static struct household hh = {.id = 7,
                              .today = "2018-06-30",
                              .year = 2018,
                              .village = "441602001001",
                              .livable = 1,
                              .wants_industry = 1,
                              .n_members = 2,
                              .members = members,
                              .n_income = 1,
                              .income = income,
                              .n_tasks = 1,
                              .tasks = tasks};

static struct config cfg;
static char policies[1100];

static void setup(void)
{
    snprintf(policies, sizeof policies, "%s/policies", fuzz_dir());
    mkdir(policies, 0700);
    cfg.lua_dir = FUPIN_SOURCE_DIR "/lua"; /* the real fp.lua */
    cfg.policies_dir = policies;
    cfg.params = params;
    cfg.n_params = sizeof params / sizeof params[0];
    /* Small, so an endless loop costs the fuzzer little time. */
    cfg.lua_instructions = 200000;
    cfg.lua_memory_kb = 4096;
    cfg.lua_wall_ms = 1000;
}

/* Whether the policy's own text holds s. */
static int has(const uint8_t *data, size_t size, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, s, n) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cfg.policies_dir)
        setup();
    /* Named after a shipped area, so a policy may emit that area's measures. */
    const char *path = fuzz_write("policies/industry.lua", data, size);
    struct policy_lua *lp = NULL;
    struct err e = {{0}};
    int rc = policy_lua_load(path, &cfg, &lp, &e);
    if (rc != 0) {
        if (lp)
            fuzz_fail("policy_lua_load failed (%d) but gave a policy", rc);
        if (!strstr(e.msg, "industry.lua"))
            fuzz_fail("the load error does not name the file: %s", e.msg);
        return 0;
    }
    struct policy pol = {.kind = POLICY_LUA};
    snprintf(pol.name, sizeof pol.name, "%s", policy_lua_name(lp));
    snprintf(pol.source, sizeof pol.source, "%s", policy_lua_source(lp));
    pol.measures = policy_lua_measures(lp);
    struct policy_lua_worker *w = NULL;
    if (policy_lua_worker_new(&lp, 1, &cfg, &w, &e) == 0) {
        struct eval_result res = {0};
        struct fupin_out out = {.res = &res, .policy = &pol};
        struct fupin_params p = {.cfg = &cfg, .area = pol.name, .res = &res, .policy = &pol};
        rc = policy_lua_worker_eval(w, 0, &hh, &out, &p, &e);
        if (rc != 0 && rc != ERR_BUDGET && rc != ERR_FAIL)
            fuzz_fail("policy_lua_worker_eval returned %d: %s", rc, e.msg);
        if (rc != 0 && !strstr(e.msg, "industry.lua"))
            fuzz_fail("the policy error does not name the file: %s", e.msg);
        /* The household's ID number, unless the policy's own text has it. */
        if (strstr(e.msg, ID_NUMBER) && !has(data, size, ID_NUMBER))
            fuzz_fail("a resident ID number in a message: %s", e.msg);
        eval_result_free(&res);
        policy_lua_worker_free(w);
    }
    policy_lua_free(lp);
    return 0;
}
