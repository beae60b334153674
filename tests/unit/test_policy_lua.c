/* test_policy_lua.c - the Lua runtime: loading and checking policies, the
 * household view, the emitter, and the sandbox attack list. Run with an
 * attack name to run one attack (CTest registers each), or with none for all. */
#include "policy_lua.h"
#include "policy.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static struct config cfg;
static char dir[256], pdir[300];
static int years[] = {2015, 2016, 2017, 2018};
static double incomes[] = {13360, 14512, 15780, 17168};
static struct config_param params[] = {
    {.key = "income_ratio", .type = PARAM_NUMBER, .number = 0.45},
    {.key = "industry.project_grant", .type = PARAM_NUMBER, .number = 5000},
    {.key = "provincial_income",
     .type = PARAM_BY_YEAR,
     .n_years = 4,
     .years = years,
     .values = incomes},
};

static struct household_member members[2];
static struct household_income income[1];
static struct household hh;

static char *read_fixture(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/unit/lua/%s",
             test_env("FUPIN_SOURCE_DIR", FUPIN_SOURCE_DIR), name);
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(pdir, sizeof pdir, "%s/policies", dir);
    mkdir(pdir, 0700);
    free(test_write_file(dir, "fp.lua", read_fixture("fp.lua")));
    cfg.lua_dir = dir;
    cfg.policies_dir = pdir;
    cfg.params = params;
    cfg.n_params = 3;
    cfg.lua_instructions = 1000000;
    cfg.lua_memory_kb = 8192;
    cfg.lua_wall_ms = 500;

    members[0] = (struct household_member){.id = 701,
                                           .birth_date = "1980-05-01",
                                           .age = 38,
                                           .labor = HOUSEHOLD_LABOR_FULL,
                                           .skills = 2};
    members[1] = (struct household_member){.id = 702,
                                           .birth_date = "2010-01-01",
                                           .age = 8,
                                           .labor = HOUSEHOLD_LABOR_NONE,
                                           .school_stage = HOUSEHOLD_SCHOOL_PRIMARY};
    income[0] = (struct household_income){.year = 2017, .wage = 3000, .production = 1000};
    hh = (struct household){.id = 7,
                            .today = "2018-06-30",
                            .year = 2018,
                            .village = "441602001001",
                            .livable = 1,
                            .wants_industry = 1,
                            .n_members = 2,
                            .members = members,
                            .n_income = 1,
                            .income = income};
}

static int load(const char *file, const char *text, struct test_policy *l, struct err *e)
{
    return test_policy_load(&cfg, pdir, file, text, l, e);
}

static int eval(struct policy_lua_worker *w, size_t i, struct test_policy *l,
                struct eval_result *res, struct err *e)
{
    struct fupin_out out = {.res = res, .policy = &l->pol};
    struct fupin_params p = {.cfg = &cfg, .area = l->pol.name, .res = res, .policy = &l->pol};
    return policy_lua_worker_eval(w, i, &hh, &out, &p, e);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- loading ---- */

static void test_good_policy_emits_findings(void)
{
    struct test_policy l;
    struct err e = {{0}};
    CHECK(load("good.lua", read_fixture("good.lua"), &l, &e) == 0);
    if (!l.lp) {
        fprintf(stderr, "load: %s\n", e.msg);
        return;
    }
    CHECK(strcmp(policy_lua_name(l.lp), "industry") == 0);
    CHECK(strcmp(policy_lua_title(l.lp), "产业帮扶到户") == 0);
    CHECK_STR_CONTAINS(policy_lua_source(l.lp), "lua:policies/good.lua@");
    CHECK(strlen(policy_lua_source(l.lp)) == strlen("lua:policies/good.lua@") + 12);
    CHECK(policy_lua_measures(l.lp) == policy_catalogue("industry"));
    struct policy_lua_worker *w = NULL;
    CHECK(policy_lua_worker_new(&l.lp, 1, &cfg, &w, &e) == 0);
    struct eval_result res = {0};
    res.trace = 1;
    for (int round = 0; round < 3 && w; round++) {
        eval_result_reset(&res);
        int rc = eval(w, 0, &l, &res, &e);
        CHECK(rc == 0);
        if (rc)
            fprintf(stderr, "eval: %s\n", e.msg);
        CHECK(res.n_findings == 2);
        if (res.n_findings == 2) {
            CHECK(strcmp(res.findings[0].measure, "project") == 0);
            CHECK(res.findings[0].kind == FINDING_RECOMMEND);
            CHECK(res.findings[0].has_amount && res.findings[0].amount == 5000);
            CHECK(res.findings[0].member_id == 0);
            CHECK(strcmp(res.findings[0].reason, "wants industry, no project") == 0);
            CHECK(strcmp(res.findings[1].measure, "skills_training") == 0);
            CHECK(res.findings[1].kind == FINDING_FLAG && !res.findings[1].has_amount);
            CHECK(res.findings[1].member_id == 701);
            CHECK_STR_CONTAINS(res.findings[1].source, "lua:policies/good.lua@");
        }
        CHECK(res.n_alerts == 1 && strcmp(res.alerts[0].kind, "check") == 0);
        int traced = 0;
        for (size_t i = 0; i < res.n_params; i++)
            if (strcmp(res.params[i].key, "industry.project_grant") == 0)
                traced = strcmp(res.params[i].value, "5000") == 0;
        CHECK(traced);
    }
    eval_result_free(&res);
    policy_lua_worker_free(w);
    policy_lua_free(l.lp);
}

static void expect_load_error(const char *text, const char *msg)
{
    struct test_policy l;
    struct err e = {{0}};
    int rc = load("bad.lua", text, &l, &e);
    CHECK(rc == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, msg);
    policy_lua_free(l.lp);
}

static void test_bad_policies_are_refused_with_line(void)
{
    expect_load_error("return {\n name = 'industry',\n title = 'x' evaluate = 1 }\n",
                      "policies/bad.lua:3:");
    expect_load_error("local x = nil\nx.y = 1\n", "policies/bad.lua:2: attempt to index");
    expect_load_error("return { name = 'industry', title = 'x' }\n",
                      "policies/bad.lua: returns no `evaluate` function");
    expect_load_error("return { title = 'x', evaluate = function() end }\n",
                      "policies/bad.lua: returns no `name` string");
    expect_load_error("return { name = 'nowhere', title = 'x', evaluate = function() end }\n",
                      "declare `measures");
    expect_load_error("return 42\n", "does not return a table");
    expect_load_error("\x1bLua", "precompiled");
    expect_load_error("while true do end\n", "policies/bad.lua:1: instruction budget");
    expect_load_error("y = 1\nreturn {}\n", "policies/bad.lua:1: attempt to set global 'y'");
    /* An area outside the catalogue is fine with its own measures. */
    struct test_policy l;
    struct err e;
    CHECK(load("own.lua",
               "return { name = 'pilot', title = 'x', measures = {'a', 'b'},\n"
               "evaluate = function(h, out) out:flag{measure = 'b', reason = 'r'} end }\n",
               &l, &e) == 0);
    if (l.lp) {
        const char *const *m = policy_lua_measures(l.lp);
        CHECK(m && strcmp(m[0], "a") == 0 && strcmp(m[1], "b") == 0 && !m[2]);
    }
    policy_lua_free(l.lp);
}

/* ---- misuse inside evaluate ---- */

static const char attack_head[] =
    "return { name = 'employment', title = 'attack', params = {provincial_income = {type = "
    "'number', by_year = true}, industry = {project_grant = {type = 'number'}}},\n"
    "evaluate = function(h, out, params)\n";

/* Loads body as a policy next to good.lua, evaluates it twice and the good
 * policy after each: the attack must fail with msg (and code, if nonzero),
 * and the worker must stay usable. An attack the budgets miss never ends:
 * CTest's timeout catches that, a stopwatch here would only catch a slow
 * machine (the time is printed, not judged). */
static void attack(const char *body, int code, const char *msg)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s\nend }\n", attack_head, body);
    struct test_policy bad, good;
    struct err e = {{0}};
    if (load("attack.lua", text, &bad, &e) != 0) {
        fprintf(stderr, "attack did not load: %s\n", e.msg);
        CHECK(0);
        return;
    }
    CHECK(load("good.lua", read_fixture("good.lua"), &good, &e) == 0);
    struct policy_lua *both[2] = {bad.lp, good.lp};
    struct policy_lua_worker *w = NULL;
    CHECK(policy_lua_worker_new(both, 2, &cfg, &w, &e) == 0);
    struct eval_result res = {0};
    for (int round = 0; w && round < 2; round++) {
        eval_result_reset(&res);
        double t0 = now_s();
        int rc = eval(w, 0, &bad, &res, &e);
        double took = now_s() - t0;
        CHECK(rc != 0);
        if (code)
            CHECK(rc == code);
        CHECK_STR_CONTAINS(e.msg, msg);
        CHECK_STR_CONTAINS(e.msg, "attack.lua");
        if (round == 0)
            printf("  %s (%.3fs)\n", e.msg, took);
        if (rc == 0 || !strstr(e.msg, msg))
            fprintf(stderr, "  rc=%d took=%.2fs msg=%s\n", rc, took, e.msg);
        eval_result_reset(&res);
        rc = eval(w, 1, &good, &res, &e);
        CHECK(rc == 0 && res.n_findings == 2);
        if (rc)
            fprintf(stderr, "  next household failed: %s\n", e.msg);
    }
    eval_result_free(&res);
    policy_lua_worker_free(w);
    policy_lua_free(bad.lp);
    policy_lua_free(good.lp);
}

struct attack_case {
    const char *name, *body;
    int code;
    const char *msg;
};

/* ATTACK(name, policy body, code or 0, message): tests/CMakeLists.txt reads
 * the names out of this list (each becomes the CTest test lua_attack_<name>),
 * so this list is the only place an attack is named. */
/* clang-format off */
#define ATTACK(name, body, code, msg) {name, body, code, msg}
/* clang-format on */

static const struct attack_case attacks[] = {
    /* Evaluation has no count hook: the watchdog (limits.wall_ms) stops it. */
    ATTACK("infinite_loop", "while true do end", ERR_BUDGET, "time budget exceeded"),
    ATTACK("loop_in_pcall", "while true do pcall(function() while true do end end) end", ERR_BUDGET,
           "budget exceeded"),
    ATTACK("loop_in_coroutine", "local co = coroutine.wrap(function() while true do end end)\nco()",
           ERR_BUDGET, "budget exceeded"),
    ATTACK("loop_in_coroutine_pcall",
           "while true do\nlocal co = coroutine.create(function() while true do end end)\n"
           "coroutine.resume(co)\nend",
           ERR_BUDGET, "budget exceeded"),
    ATTACK("string_rep_huge", "local s = string.rep('x', 2^31)", ERR_BUDGET, "memory budget"),
    ATTACK("string_rep_method", "local s = ('x'):rep(2^31)", ERR_BUDGET, "memory budget"),
    ATTACK("table_growth", "local t = {}\nlocal i = 0\nwhile true do i = i + 1; t[i] = {i} end",
           ERR_BUDGET, "budget exceeded"),
    ATTACK("string_growth", "local s = 'x'\nwhile true do s = s .. s end", ERR_BUDGET, "budget"),
    ATTACK("recursion", "local function f() return 1 + f() end\nf()", 0, "attack.lua:"),
    ATTACK("gsub_recursion", "local function f(s) return (s:gsub('.', f)) end\nf('ab')", 0,
           "attack.lua:"),
    ATTACK("catastrophic_find", "string.find(string.rep('a', 100000), string.rep('a*', 20) .. 'b')",
           ERR_BUDGET, "backtrack"),
    ATTACK("catastrophic_match_method",
           "local s = string.rep('a', 50000)\ns:match(string.rep('a-', 10) .. 'b')", ERR_BUDGET,
           "backtrack"),
    ATTACK("load_binary", "local f, err = load('\\27LuaT\\0\\25\\147')\nassert(f, err)", ERR_FAIL,
           "binary chunk"),
    ATTACK("load_binary_mode", "local f = load('return 1', 'x', 'b')", ERR_FAIL, "text chunks"),
    ATTACK("string_dump", "local f = load(string.dump(function() end))", ERR_FAIL, "dump"),
    ATTACK("setmetatable_G", "setmetatable(_G, nil)", ERR_FAIL, "protected metatable"),
    ATTACK("rawset_G", "rawset(_G, 'x', 1)", ERR_FAIL, "read-only"),
    ATTACK(
        "string_metatable",
        "local mt = getmetatable('')\nassert(type(mt) ~= 'table', 'string metatable reachable')\n"
        "string.upper = function() return 'pwned' end",
        ERR_FAIL, "read-only field 'upper'"),
    ATTACK("error_tostring_loop",
           "error(setmetatable({}, {__tostring = function() while true do end end}))", ERR_FAIL,
           "error object is a table value"),
    ATTACK("gc_loop", "setmetatable({}, {__gc = function() while true do end end})", ERR_FAIL,
           "__gc"),
    ATTACK("unpack_huge", "table.unpack({}, 1, 2^31)", ERR_FAIL, "too many results"),
    ATTACK("os", "os.exit(1)", ERR_FAIL, "global 'os'"),
    ATTACK("io", "io.open('/etc/passwd')", ERR_FAIL, "global 'io'"),
    ATTACK("package", "package.loadlib('x', 'y')", ERR_FAIL, "global 'package'"),
    ATTACK("require", "require('os')", ERR_FAIL, "global 'require'"),
    ATTACK("debug", "debug.sethook()", ERR_FAIL, "global 'debug'"),
    ATTACK("dofile", "dofile('/etc/passwd')", ERR_FAIL, "global 'dofile'"),
    ATTACK("loadfile", "loadfile('/etc/passwd')", ERR_FAIL, "global 'loadfile'"),
    ATTACK("collectgarbage", "collectgarbage('stop')", ERR_FAIL, "only \"count\""),
    ATTACK("set_global", "counter = (counter or 0) + 1", ERR_FAIL,
           "attack.lua:3: attempt to set global 'counter'"),
    ATTACK("modify_fp", "fp.twice = function() return 0 end", ERR_FAIL, "read-only"),
    ATTACK("modify_fp_table", "table.insert(fp.tbl, 3)", ERR_FAIL, "read-only"),
    ATTACK("modify_library", "math.floor = nil", ERR_FAIL, "read-only"),
    ATTACK("household_write", "h.dibao = 1", ERR_FAIL, "attack.lua:3: the household is read-only"),
    ATTACK("member_write", "h.members[1].age = 3", ERR_FAIL, "member is read-only"),
    ATTACK("unknown_measure", "out:recommend{measure = 'project', reason = 'r'}", ERR_FAIL,
           "attack.lua:3: unknown measure \"project\""),
    ATTACK("missing_reason", "out:recommend{measure = 'public_welfare_job'}", ERR_FAIL,
           "attack.lua:3: finding \"public_welfare_job\" has no reason"),
    ATTACK("string_amount",
           "out:recommend{measure = 'public_welfare_job', amount = '12', reason = 'r'}", ERR_FAIL,
           "attack.lua:3: out:recommend: amount must be a number"),
    ATTACK("unknown_field", "out:flag{measure = 'public_welfare_job', reasn = 'r'}", ERR_FAIL,
           "unknown field 'reasn'"),
    ATTACK("bad_severity", "out:alert{kind = 'x', severity = 'loud', message = 'm'}", ERR_FAIL,
           "severity"),
    ATTACK("unknown_household_field", "local x = h.wants_industy", ERR_FAIL,
           "household has no field 'wants_industy'"),
    ATTACK("unknown_member_field", "local x = h.members[1].agee", ERR_FAIL,
           "member has no field 'agee'"),
    ATTACK("list_write", "h.members[3] = h.members[1]", ERR_FAIL,
           "attack.lua:3: the list is read-only"),
    ATTACK("rawset_member", "rawset(h.members[1], 'age', 3)", ERR_FAIL, "read-only"),
    ATTACK("setmetatable_household", "setmetatable(h, {})", ERR_FAIL, "protected metatable"),
    /* pairs must not hand out the table behind a read-only one. */
    ATTACK("pairs_list_state", "local _, s = pairs(h.members)\ns[1] = 1", ERR_FAIL,
           "the list is read-only"),
    ATTACK("pairs_household_state", "local _, s = pairs(h)\ns.dibao = true", ERR_FAIL,
           "the household is read-only"),
    ATTACK("pairs_env_state", "local _, s = pairs(_G)\ns.counter = 1", ERR_FAIL,
           "attempt to set global 'counter'"),
    ATTACK("params_write", "params.income_ratio = 1", ERR_FAIL,
           "attack.lua:3: attempt to modify read-only"),
    ATTACK("params_year_write", "params.provincial_income[2019] = 1", ERR_FAIL, "read-only"),
    ATTACK("params_subtree_write", "rawset(params.industry, 'project_grant', 0)", ERR_FAIL,
           "read-only"),
    ATTACK("pairs_fp_state", "local _, s = pairs(fp)\ns.twice = print", ERR_FAIL, "read-only"),
    /* Issue 11: C loops no hook can stop, handlers that ran with hooks off,
     * addresses and resident IDs within reach. Each must return. */
    ATTACK("string_rep_empty",
           "local s = string.rep('', math.maxinteger)\nerror('returned ' .. #s)", ERR_FAIL,
           "returned 0"),
    ATTACK("string_rep_empty_separator",
           "local s = (''):rep(math.maxinteger, '')\nerror('returned ' .. #s)", ERR_FAIL,
           "returned 0"),
    ATTACK("table_move_huge", "table.move({1, 2, 3}, 1, 2^62, 2)", ERR_FAIL, "longer than"),
    ATTACK("table_move_negative", "table.move({1, 2, 3}, math.mininteger, -1, 1)", ERR_FAIL,
           "longer than"),
    ATTACK("table_concat_lying_len",
           "table.concat(setmetatable({}, {__len = function() return math.maxinteger end,\n"
           "__index = rawlen}))",
           ERR_FAIL, "longer than"),
    ATTACK("table_insert_lying_len",
           "table.insert(setmetatable({}, {__len = function() return 2^62 end}), 1, 'x')", ERR_FAIL,
           "longer than"),
    ATTACK("table_remove_lying_len",
           "table.remove(setmetatable({}, {__len = function() return 2^62 end}), 1)", ERR_FAIL,
           "longer than"),
    ATTACK("table_sort_lying_len",
           "table.sort(setmetatable({}, {__len = function() return 2^30 end, __index = rawlen}))",
           ERR_FAIL, "longer than"),
    ATTACK("format_width", "local s = string.format('%5000d', 1)", ERR_FAIL, "invalid conversion"),
    ATTACK("format_address", "local s = string.format('%p', {})", ERR_FAIL, "%p"),
    ATTACK("utf8_char_many",
           "local t = {}\nfor i = 1, 20000 do t[i] = 65 end\nlocal s = utf8.char(table.unpack(t))",
           ERR_FAIL, "too many results"),
    ATTACK("utf8_codes_loop",
           "local s = string.rep('中', 100000)\nwhile true do for _ in utf8.codes(s) do end end",
           ERR_BUDGET, "time budget exceeded"),
    ATTACK("xpcall_handler_loop", "xpcall(error, function() while true do end end)", ERR_BUDGET,
           "budget exceeded"),
    ATTACK("xpcall_both_loop",
           "xpcall(function() while true do end end, function() while true do end end)", ERR_BUDGET,
           "budget exceeded"),
    ATTACK("xpcall_handler_pcall_loop",
           "xpcall(function() while true do end end,\n"
           "function() while true do pcall(error) end end)",
           ERR_BUDGET, "budget exceeded"),
    ATTACK("xpcall_in_coroutine",
           "coroutine.wrap(function()\n"
           "xpcall(function() while true do end end, function() while true do end end)\nend)()",
           ERR_BUDGET, "budget exceeded"),
    ATTACK("close_loop_in_pcall",
           "pcall(function()\n"
           "local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
           "while true do end end)",
           ERR_BUDGET, "budget exceeded"),
    ATTACK("close_loop_in_coroutine",
           "local co = coroutine.wrap(function()\n"
           "local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
           "while true do end end)\nco()",
           ERR_BUDGET, "budget exceeded"),
    ATTACK("close_loop_on_coroutine_close",
           "local co = coroutine.create(function()\n"
           "local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
           "coroutine.yield() end)\ncoroutine.resume(co)\ncoroutine.close(co)",
           ERR_BUDGET, "budget exceeded"),
    ATTACK("loop_in_nested_coroutine",
           "coroutine.wrap(function() coroutine.wrap(function() while true do end end)() end)()",
           ERR_BUDGET, "budget exceeded"),
    /* Each match stays under the backtracking cap; the loop must still stop
     * at the budget, not after thousands of matches. */
    ATTACK("pattern_loop_under_cap",
           "local s = string.rep('a', 3000)\nwhile true do s:find('a*b') end", ERR_BUDGET,
           "time budget exceeded"),
    ATTACK("pattern_loop_in_pcall",
           "local s = string.rep('a', 3000)\nwhile true do pcall(string.find, s, 'a*b') end",
           ERR_BUDGET, "budget exceeded"),
    ATTACK("memory_then_loop", "pcall(string.rep, 'x', 2^31)\nwhile true do end", ERR_BUDGET,
           "memory budget"),
    ATTACK("tostring_no_address",
           "error('got ' .. tostring({}) .. ' ' .. tostring(error) .. ' ' ..\n"
           "string.format('%s %s', {}, coroutine.create(print or error)))",
           ERR_FAIL, "got table function table thread"),
    ATTACK("id_number_not_in_view", "local x = h.members[1].id_number", ERR_FAIL, "personal data"),
};

/* The views follow the household: a new household at the same address, a
 * shrunk list, a field that became nil, and pairs over a record. */
static void test_views_follow_the_household(void)
{
    struct test_policy l;
    struct err e = {{0}};
    /* pairs sees every field and list of the description (household.h),
     * however many it holds. */
    char src[1024];
    snprintf(src, sizeof src,
             "return { name = 'exit', title = 'f', evaluate = function(h, out)\n"
             "local n = 0\nfor k, v in pairs(h) do n = n + 1 end\n"
             "assert(n == %zu, 'pairs over the household: ' .. n)\n"
             "local amount = #h.members * 100 + (h.members[2] and 10 or 0)\n"
             "  + (h.housing_grade == 'B' and 1 or 0)\n"
             "assert(h.members[1].school_stage == nil or h.members[1].school_stage == 'primary')\n"
             "out:flag{measure = 'exit_ready', member = h.members[1], amount = amount,\n"
             "         reason = tostring(h) .. ' ' .. tostring(h.members[1])} end }\n",
             household_records[HOUSEHOLD_REC_HOUSEHOLD].n_fields);
    CHECK(load("follow.lua", src, &l, &e) == 0);
    if (!l.lp)
        fprintf(stderr, "load: %s\n", e.msg);
    struct policy_lua_worker *w = NULL;
    CHECK(l.lp && policy_lua_worker_new(&l.lp, 1, &cfg, &w, &e) == 0);
    struct eval_result res = {0};
    struct household saved = hh;
    for (int round = 0; w && round < 4; round++) {
        hh.id = round < 2 ? 7 : 8; /* same address; same id twice, then another */
        hh.n_members = round % 2 ? 1 : 2;
        hh.housing_grade = round == 1 ? HOUSEHOLD_GRADE_B : HOUSEHOLD_GRADE_NONE;
        eval_result_reset(&res);
        int rc = eval(w, 0, &l, &res, &e);
        CHECK(rc == 0);
        if (rc)
            fprintf(stderr, "eval: %s\n", e.msg);
        double want = round % 2 ? 100 + (round == 1) : 210;
        CHECK(res.n_findings == 1 && res.findings[0].amount == want);
        CHECK(res.n_findings == 1 && res.findings[0].member_id == 701);
        char reason[64];
        snprintf(reason, sizeof reason, "household %lld member 701", (long long)hh.id);
        CHECK(res.n_findings == 1 && strcmp(res.findings[0].reason, reason) == 0);
    }
    hh = saved;
    eval_result_free(&res);
    policy_lua_worker_free(w);
    policy_lua_free(l.lp);
}

/* A worker runs each policy's chunk once: every way a value could survive
 * from one household to the next is refused when the file loads... */
static void test_state_refused_at_load(void)
{
    struct test_policy l;
    struct err e = {{0}};
    /* leak.lua: a file-level counter, table and module field. */
    CHECK(load("leak.lua", read_fixture("leak.lua"), &l, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "policies/leak.lua:7: the file-level variable 'count' is assigned "
                              "inside a function");
    policy_lua_free(l.lp);
    static const char head[] = "return { name = 'exit', title = 'x',\n";
    char src[1024];
    /* assigned in a closure made inside evaluate: line 4 */
    snprintf(src, sizeof src,
             "local n = 0\n%sevaluate = function(h, out)\n"
             "local function bump() n = n + 1 end\nbump() end }\n",
             head);
    expect_load_error(src, "policies/bad.lua:4: the file-level variable 'n' is assigned");
    /* a file-level function that evaluate calls */
    expect_load_error("local last\nlocal function remember(h)\n  last = h.id\nend\n"
                      "return { name = 'exit', title = 'x', evaluate = remember }\n",
                      "policies/bad.lua:3: the file-level variable 'last'");
    /* a fresh environment of its own */
    snprintf(src, sizeof src, "%sevaluate = function(h, out)\n_ENV = {}\nend }\n", head);
    expect_load_error(src, "policies/bad.lua:3: the file-level variable '_ENV'");
    /* a cache behind a metatable: rawset inside __index would keep values */
    snprintf(src, sizeof src,
             "local cache = setmetatable({}, {__index = function(t, k) rawset(t, k, 1) "
             "return 1 end})\n%sevaluate = function(h, out) local x = cache[h.id] end }\n",
             head);
    expect_load_error(src, "a table with a metatable kept at file level (in 'cache')");
    /* a coroutine (its stack), and a gmatch iterator (its position) */
    snprintf(src, sizeof src,
             "local next_n = coroutine.wrap(function() local i = 0 while true do i = i + 1 "
             "coroutine.yield(i) end end)\n%sevaluate = function(h, out) local n = next_n() end "
             "}\n",
             head);
    expect_load_error(src, "a coroutine kept at file level");
    snprintf(src, sizeof src,
             "local words = string.gmatch('a b c', '%%a')\n%sevaluate = function(h, out) "
             "local w = words() end }\n",
             head);
    expect_load_error(src, "kept at file level (in 'words')");
    /* ...and what is allowed: locals given their value while the file
     * loads, and evaluate's own locals assigned by its closures. */
    snprintf(src, sizeof src,
             "local n = 1\nn = n + 1\nlocal LIST = {10, 20}\n%s"
             "evaluate = function(h, out)\nlocal sum = 0\n"
             "local function add(x) sum = sum + x end\n"
             "for _, v in ipairs(LIST) do add(v) end\nfor k in pairs(LIST) do add(k) end\n"
             "out:flag{measure = 'exit_ready', amount = sum + n + #LIST, reason = 'r'} end }\n",
             head);
    CHECK(load("fine.lua", src, &l, &e) == 0);
    if (!l.lp)
        fprintf(stderr, "load: %s\n", e.msg);
    struct policy_lua_worker *w = NULL;
    CHECK(l.lp && policy_lua_worker_new(&l.lp, 1, &cfg, &w, &e) == 0);
    struct eval_result res = {0};
    for (int i = 0; w && i < 3; i++) {
        eval_result_reset(&res);
        CHECK(eval(w, 0, &l, &res, &e) == 0);
        CHECK(res.n_findings == 1 && res.findings[0].amount == 30 + 3 + 2 + 2);
    }
    eval_result_free(&res);
    policy_lua_worker_free(w);
    policy_lua_free(l.lp);
}

/* ...or fails each household that tries it, at its line: writing to the
 * module, a file-level table, the globals, fp or params. body runs in
 * evaluate of a policy with a file-level table LIST and module M; each of
 * three households must fail the same way and the state stay usable. */
static void expect_state_write_fails(const char *body, const char *msg)
{
    char src[2048];
    snprintf(src, sizeof src,
             "local LIST = {1, 2, nested = {3}}\nlocal M = {name = 'exit', title = 'x'}\n"
             "function M.evaluate(h, out, params)\n%s\n"
             "out:flag{measure = 'exit_ready', amount = #LIST, reason = 'r'}\nend\nreturn M\n",
             body);
    struct test_policy l;
    struct err e = {{0}};
    CHECK(load("state.lua", src, &l, &e) == 0);
    if (!l.lp)
        fprintf(stderr, "load: %s\n", e.msg);
    struct policy_lua_worker *w = NULL;
    CHECK(l.lp && policy_lua_worker_new(&l.lp, 1, &cfg, &w, &e) == 0);
    struct eval_result res = {0};
    for (int i = 0; w && i < 3; i++) {
        eval_result_reset(&res);
        hh.id = 7 + i;
        CHECK(eval(w, 0, &l, &res, &e) == ERR_FAIL);
        CHECK_STR_CONTAINS(e.msg, "policies/state.lua:4:");
        CHECK_STR_CONTAINS(e.msg, msg);
    }
    hh.id = 7;
    eval_result_free(&res);
    policy_lua_worker_free(w);
    policy_lua_free(l.lp);
}

static void test_state_writes_fail(void)
{
    expect_state_write_fails("M.calls = (M.calls or 0) + 1", "read-only field 'calls'");
    expect_state_write_fails("LIST[#LIST + 1] = h.id", "read-only");
    expect_state_write_fails("LIST.nested[1] = h.id", "read-only");
    expect_state_write_fails("table.insert(LIST, h.id)", "read-only");
    expect_state_write_fails("rawset(LIST, 'x', h.id)", "rawset: the table is read-only");
    expect_state_write_fails("setmetatable(LIST, {__index = function() return h.id end})",
                             "protected metatable");
    expect_state_write_fails("seen = h.id", "attempt to set global 'seen'");
    expect_state_write_fails("_G.seen = h.id", "attempt to set global 'seen'");
    expect_state_write_fails("getmetatable('').__index = {}", "attempt to index a boolean");
    expect_state_write_fails("string.seen = h.id", "read-only field 'seen'");
    expect_state_write_fails("fp.seen = h.id", "read-only field 'seen'");
    expect_state_write_fails("params.seen = h.id", "read-only");
}

/* fp.say, fp.age, fp.days_between, fp.who, fp.yuan and fp.percent run in C under the sandbox: the
 * same results as lua/fp.lua's own versions (the expected text is what plain Lua gives, with
 * tostring of a table as the sandbox shows it). */
static void test_native_fp_matches_lua(void)
{
    char *saved = cfg.lua_dir, lua_dir[512];
    snprintf(lua_dir, sizeof lua_dir, "%s/lua", test_env("FUPIN_SOURCE_DIR", FUPIN_SOURCE_DIR));
    cfg.lua_dir = lua_dir; /* the shipped fp.lua, not the fixture */
    struct test_policy l;
    struct err e = {{0}};
    CHECK(
        load("native.lua",
             "return { name = 'exit', title = 't', evaluate = function(h, out)\n"
             "    local r = {}\n"
             "    local function add(v) r[#r + 1] = tostring(v) end\n"
             "    add(fp.say(\"{a},{b},{c},{t},{n_1},{x y},{},{tbl},{\", { a = 3.0, b = 0.25, c "
             "= \"文\", t = true, n_1 = 12, tbl = {} }))\n"
             "    add(fp.say(\"plain\", nil))\n"
             "    add(fp.age(\"2000-02-29\", \"2018-02-28\")); add(fp.age(\"2000-02-29\", "
             "\"2018-03-01\"))\n"
             "    add(fp.age(\"2018-07-01\", \"2018-06-30\")); add(fp.age(19800501, "
             "\"2018-06-30\"))\n"
             "    add(fp.age(\"1980-02-30\", \"2018-06-30\")); add(fp.age(\"1980-5-01\", "
             "\"2018-06-30\"))\n"
             "    add(fp.age(\"2016-02-29\", \"2016-02-29\")); add(fp.age(\"1900-02-29\", "
             "\"2018-06-30\"))\n"
             "    add(fp.days_between(\"2018-06-30\", \"2016-02-29\")); "
             "add(fp.days_between(\"0001-01-01\", \"9999-12-31\"))\n"
             "    add(fp.days_between(\"1970-01-01\", \"2000-03-01\")); "
             "add(fp.days_between(\"2018-06-30\", nil))\n"
             "    add(fp.days_between(\"2018-06-3x\", \"2018-06-30\")); "
             "add(fp.days_between(\"2000-02-29\", \"2000-02-29 \"))\n"
             "    local ok, err = pcall(fp.say, \"{zz}\", {})\n"
             "    add(ok); add(err:match(\"no value for {zz}\") ~= nil)\n"
             "    for _, v in ipairs({0, 5, 999, 1000, 1234567, 6530.4, 0.45 * 14512, -1200,\n"
             "        -0.001, 0.005, 0.015, 1e13, '5000', 12.345, 999.995, 1e12,\n"
             "        -1234567.891, 2^53}) do add(fp.yuan(v)) end\n"
             "    add(fp.yuan(nil))\n"
             "    for _, v in ipairs({0.45, 1, 0.333333, 2, 1e13, -0.5, 1/3}) do\n"
             "        add(fp.percent(v)) end\n"
             "    for _, m in ipairs({{name = '张三', id = 11}, {name = '', id = 12}, {id = 13},\n"
             "        {name = false, id = 14}, {name = 5, id = 15}, h.members[1]}) do\n"
             "        add(fp.who(m)) end\n"
             "    add(fp.per_capita_income(h, 2017)); add(fp.per_capita_income(h, 2016))\n"
             "    add(fp.per_capita_income({members = {{}, {}}, income = {{year = 2017,\n"
             "        wage = 3000, production = 1000, property = 0, transfer = 0}}}, 2017))\n"
             "    add(fp.latest_income_year(h, 2018)); add(fp.latest_income_year(h, 2016))\n"
             "    add(fp.latest_income_year(h))\n"
             "    local t = {[2017] = 1}\n"
             "    add(fp.for_year(t, 2018)); t[2018] = 2; add(fp.for_year(t, 2018))\n"
             "    add(string.format('%d 年 %s %s%%', 2017, '文', 12)); add(('%d'):format(-5))\n"
             "    add(string.format('%s', 3.5)); add(string.format('%5d', 3))\n"
             "    add(string.format('%d|%d', math.maxinteger, math.mininteger))\n"
             "out:flag{measure = 'exit_ready', reason = table.concat(r, ';')} end }\n",
             &l, &e) == 0);
    struct policy_lua_worker *w = NULL;
    CHECK(l.lp && policy_lua_worker_new(&l.lp, 1, &cfg, &w, &e) == 0);
    struct eval_result res = {0};
    int rc = w ? eval(w, 0, &l, &res, &e) : -1;
    if (rc)
        fprintf(stderr, "native fp: %s\n", e.msg);
    CHECK(rc == 0 && res.n_findings == 1);
    if (res.n_findings == 1)
        CHECK(strcmp(res.findings[0].reason,
                     "3,0.25,文,true,12,{x y},{},table,{;plain;17;18;nil;nil;nil;nil;0;nil;"
                     "-852;3652058;11017;nil;nil;nil;false;true;"
                     /* fp.yuan, fp.percent, fp.who as plain Lua 5.4 gives them */
                     "0 元;5 元;999 元;1,000 元;1,234,567 元;6,530.40 元;6,530.40 元;-1,200 元;"
                     "-0 元;0.01 元;0.02 元;10,000,000,000,000 元;5,000 元;12.35 元;1,000 元;"
                     "1,000,000,000,000 元;-1,234,567.89 元;9,007,199,254,740,992 元;nil 元;"
                     "45 %;100 %;33.3333 %;200 %;1e+15 %;-50 %;33.3333 %;"
                     "张三（成员 11）;成员 12;成员 13;成员 14;5（成员 15）;成员 701;"
                     /* the live household's facts in C, a plain table in Lua; a
                      * table a policy can change is never answered from memory */
                     "2000.0;nil;2000.0;2017;nil;2017;1;2;"
                     /* string.format's own path for %d and %s */
                     "2017 年 文 12%;-5;3.5;    3;9223372036854775807|-9223372036854775808") == 0);
    if (res.n_findings == 1)
        printf("  %s\n", res.findings[0].reason);
    eval_result_free(&res);
    policy_lua_worker_free(w);
    policy_lua_free(l.lp);
    cfg.lua_dir = saved;
}

static void test_missing_fp_is_not_fatal(void)
{
    char *saved = cfg.lua_dir;
    cfg.lua_dir = pdir; /* no fp.lua there */
    struct test_policy l;
    struct err e = {{0}};
    CHECK(load("nofp.lua",
               "return { name = 'exit', title = 't', evaluate = function(h, out)\n"
               "assert(fp == nil)\nout:flag{measure = 'exit_ready', reason = 'r'} end }\n",
               &l, &e) == 0);
    struct policy_lua_worker *w = NULL;
    CHECK(l.lp && policy_lua_worker_new(&l.lp, 1, &cfg, &w, &e) == 0);
    struct eval_result res = {0};
    CHECK(w && eval(w, 0, &l, &res, &e) == 0 && res.n_findings == 1);
    eval_result_free(&res);
    policy_lua_worker_free(w);
    policy_lua_free(l.lp);
    cfg.lua_dir = saved;
}

/* `fupin test` and `check` count instructions: the same loop fails the same
 * way on every machine, before the clock could. */
static void test_instruction_budget_when_asked(void)
{
    struct test_policy l;
    struct err e = {{0}};
    CHECK(load("count.lua",
               "return { name = 'exit', title = 'c', evaluate = function(h, out)\n"
               "while true do end end }\n",
               &l, &e) == 0);
    policy_lua_use_instruction_budget(1);
    struct policy_lua_worker *w = NULL;
    CHECK(l.lp && policy_lua_worker_new(&l.lp, 1, &cfg, &w, &e) == 0);
    policy_lua_use_instruction_budget(0);
    struct eval_result res = {0};
    for (int round = 0; w && round < 2; round++) {
        CHECK(eval(w, 0, &l, &res, &e) == ERR_BUDGET);
        CHECK_STR_CONTAINS(e.msg, "policies/count.lua:2: instruction budget exceeded");
    }
    eval_result_free(&res);
    policy_lua_worker_free(w);
    policy_lua_free(l.lp);
}

/* A policy that pastes a resident ID into its texts: what is recorded is
 * masked, whatever the check digit. */
static void test_recorded_ids_are_masked(void)
{
    struct test_policy l;
    struct err e = {{0}};
    CHECK(load("paste.lua",
               "return { name = 'exit', title = 'p', evaluate = function(h, out)\n"
               "out:flag{measure = 'exit_ready', reason = '身份证 441602198001010011 x'}\n"
               "out:alert{kind = 'check', severity = 'info', message = 'id 44160219800101001X'}\n"
               "if h.id == 8 then error('leak 441602198001010011') end end }\n",
               &l, &e) == 0);
    struct policy_lua_worker *w = NULL;
    CHECK(l.lp && policy_lua_worker_new(&l.lp, 1, &cfg, &w, &e) == 0);
    struct eval_result res = {0};
    CHECK(w && eval(w, 0, &l, &res, &e) == 0);
    CHECK(res.n_findings == 1 &&
          strcmp(res.findings[0].reason, "身份证 441602********0011 x") == 0);
    CHECK(res.n_alerts == 1 && strcmp(res.alerts[0].message, "id 441602********001X") == 0);
    hh.id = 8;
    eval_result_reset(&res);
    CHECK(w && eval(w, 0, &l, &res, &e) == ERR_FAIL);
    CHECK_STR_CONTAINS(e.msg, "leak 441602********0011");
    CHECK(!strstr(e.msg, "198001010011"));
    hh.id = 7;
    eval_result_free(&res);
    policy_lua_worker_free(w);
    policy_lua_free(l.lp);
}

/* tests/CMakeLists.txt passes the names it read out of the list above: a
 * name its pattern missed would drop an attack from CTest without a word. */
static int names_match(int n, char **names)
{
    size_t count = sizeof attacks / sizeof attacks[0];
    int ok = (size_t)n == count;
    for (size_t i = 0; i < count; i++) {
        int seen = 0;
        for (int k = 0; k < n; k++)
            seen += strcmp(names[k], attacks[i].name) == 0;
        if (seen != 1) {
            fprintf(stderr, "attack %s is registered %d times in CTest, not once\n",
                    attacks[i].name, seen);
            ok = 0;
        }
    }
    if ((size_t)n != count)
        fprintf(stderr, "CTest registers %d attacks, the list holds %zu\n", n, count);
    printf("%s %zu attacks, one CTest test each\n", ok ? "ok  " : "FAIL", count);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--names") == 0)
        return names_match(argc - 2, argv + 2);
    setup();
    if (argc > 1) {
        for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
            if (strcmp(argv[1], attacks[i].name) == 0) {
                int before = test_failures;
                attack(attacks[i].body, attacks[i].code, attacks[i].msg);
                printf("%s %s\n", test_failures == before ? "ok  " : "FAIL", attacks[i].name);
                return test_done();
            }
        }
        fprintf(stderr, "unknown attack %s\n", argv[1]);
        return 2;
    }
    RUN(test_good_policy_emits_findings);
    RUN(test_bad_policies_are_refused_with_line);
    RUN(test_state_refused_at_load);
    RUN(test_state_writes_fail);
    RUN(test_missing_fp_is_not_fatal);
    RUN(test_native_fp_matches_lua);
    RUN(test_views_follow_the_household);
    RUN(test_instruction_budget_when_asked);
    RUN(test_recorded_ids_are_masked);
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        int before = test_failures;
        attack(attacks[i].body, attacks[i].code, attacks[i].msg);
        printf("%s attack %s\n", test_failures == before ? "ok  " : "FAIL", attacks[i].name);
    }
    return test_done();
}
