/* test_casefile.c - policy test cases: fixture policies and case files run
 * through the real policy set; totals, report lines, `policy:` and `params:`,
 * and malformed files refused with file:line:col. */
#include "casefile.h"
#include "policy_set.h"
#include "testlib.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct config cfg;
static char dir[256], pdir[300], cases_dir[400];
static int years[] = {2017, 2018};
static double incomes[] = {15780, 17168};
static struct config_param params[] = {
    {.key = "income_ratio", .type = PARAM_NUMBER, .number = 0.45},
    {.key = "industry.project_grant", .type = PARAM_NUMBER, .number = 5000},
    {.key = "provincial_income",
     .type = PARAM_BY_YEAR,
     .n_years = 2,
     .years = years,
     .values = incomes},
};

static void copy_fixture(const char *name, const char *to)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s/tests/unit/lua/cases/%s' '%s/'",
             test_env("FUPIN_SOURCE_DIR", FUPIN_SOURCE_DIR), name, to);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot copy %s\n", name);
        exit(1);
    }
}

static struct policy_set *setup(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(pdir, sizeof pdir, "%s/policies", dir);
    snprintf(cases_dir, sizeof cases_dir, "%s/cases", dir);
    mkdir(pdir, 0700);
    mkdir(cases_dir, 0700);
    copy_fixture("industry.lua", pdir);
    copy_fixture("exit.lua", pdir);
    copy_fixture("cases.yaml", cases_dir);
    copy_fixture("params.yaml", cases_dir);
    free(test_write_file(dir, "fp.lua", "return {}\n")); /* the fixtures need none */
    cfg.lua_dir = dir;
    cfg.policies_dir = pdir;
    cfg.params = params;
    cfg.n_params = 3;
    cfg.lua_instructions = 1000000;
    cfg.lua_memory_kb = 8192;
    cfg.lua_wall_ms = 500;
    struct policy_set *set = NULL;
    struct err e;
    if (policy_set_load(&cfg, 1, &set, &e) != 0) {
        fprintf(stderr, "policy_set_load: %s\n", e.msg);
        exit(1);
    }
    return set;
}

static int run(struct policy_set *set, const char *path, const char *only,
               struct casefile_totals *t, char **report, struct err *e)
{
    size_t len;
    FILE *f = open_memstream(report, &len);
    memset(t, 0, sizeof *t);
    int rc = casefile_run_path(path, set, only, f, t, e);
    fclose(f);
    return rc;
}

static void test_totals_and_report(struct policy_set *set)
{
    struct casefile_totals t;
    char *out = NULL, path[512];
    struct err e = {{0}};
    snprintf(path, sizeof path, "%s/cases.yaml", cases_dir);
    int rc = run(set, path, NULL, &t, &out, &e);
    CHECK(rc == 0);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    CHECK(t.passed == 5 && t.failed == 3);
    if (t.passed != 5 || t.failed != 3)
        fprintf(stderr, "%s", out);
    CHECK_STR_CONTAINS(out, "ok   ");
    CHECK_STR_CONTAINS(out, "cases.yaml: project when wanted\n");
    CHECK_STR_CONTAINS(out, "FAIL ");
    CHECK_STR_CONTAINS(out, "cases.yaml: wrong amount fails: expected {measure: project, "
                            "amount: 1} but got [project=5000, ");
    CHECK_STR_CONTAINS(out, "unexpected finding fails: did not expect {measure: project}");
    CHECK_STR_CONTAINS(out, "failing policy fails the case: policy exit failed: "
                            "policies/exit.lua:7: boom");
    free(out);
}

static void test_directory_policy_and_params(struct policy_set *set)
{
    struct casefile_totals t;
    char *out = NULL;
    struct err e = {{0}};
    CHECK(run(set, cases_dir, NULL, &t, &out, &e) == 0);
    CHECK(t.passed == 6 && t.failed == 3);
    free(out);
    /* only_policy: the daemon vetting industry.lua runs params.yaml only */
    CHECK(run(set, cases_dir, "industry", &t, &out, &e) == 0);
    CHECK(t.passed == 1 && t.failed == 0);
    CHECK_STR_CONTAINS(out, "params.yaml: overridden grant");
    free(out);
    CHECK(run(set, cases_dir, "exit", &t, &out, &e) == 0);
    CHECK(t.passed == 0 && t.failed == 0);
    free(out);
    /* the override went into a copy: the shared config is unchanged */
    CHECK(cfg.params[1].number == 5000 && cfg.params == params);
}

static void expect_invalid(struct policy_set *set, const char *yaml, const char *msg)
{
    char *path = test_write_file(dir, "bad.yaml", yaml);
    struct casefile_totals t;
    char *out = NULL;
    struct err e = {{0}};
    CHECK(run(set, path, NULL, &t, &out, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, msg);
    CHECK(t.passed == 0 && t.failed == 0);
    CHECK(out && !*out); /* a bad file prints no case lines */
    free(out);
    free(path);
}

static void test_malformed_files(struct policy_set *set)
{
    const char *head = "cases:\n  - name: a\n    expect: [{alert: no_cadre}]\n";
    char buf[512];
    snprintf(buf, sizeof buf, "%s  - name: b\n    household: {wants_industri: 1}\n", head);
    expect_invalid(set, buf, "bad.yaml:5:17: unknown household field \"wants_industri\"");
    expect_invalid(set, "cases:\n  - name: x\n    household:\n      registered_at: 2018-02-30\n",
                   "bad.yaml:4:22: registered_at must be a date");
    expect_invalid(set, "cases:\n  - name: x\n    household: {wants_industry: yes}\n",
                   "bad.yaml:3:33: wants_industry must be 0 or 1");
    expect_invalid(set, "cases:\n  - name: x\n    household:\n      members: [{labor: lots}]\n",
                   "bad.yaml:4:25: labor: \"lots\" is not one of its values");
    expect_invalid(set, "as_of: 2018-06-30\n", "bad.yaml:1:1: `cases:` must be a non-empty list");
    expect_invalid(set, "cases: [\n", "bad.yaml:2:1:");
    expect_invalid(set, "policy: nowhere\ncases: [{name: x}]\n",
                   "bad.yaml:1:9: no policy named \"nowhere\"");
    expect_invalid(set, "cases: [{name: x, expect: [{measure: project, amount: lots}]}]\n",
                   "bad.yaml:1:55: amount must be a number");
    expect_invalid(set, "cases: [{name: x, expected: []}]\n",
                   "bad.yaml:1:19: unknown case key \"expected\"");
    expect_invalid(set, "params: {industry.grant: 1}\ncases: [{name: x}]\n",
                   "bad.yaml:1:10: params: \"industry.grant\" is not a parameter");
    /* The household's fields are those of the description, with its
     * ranges and what a stored row cannot lack. */
    expect_invalid(set, "cases:\n  - name: x\n    household: {members: [{skills: 5000}]}\n",
                   "bad.yaml:3:36: skills is out of range (0..1000)");
    expect_invalid(set, "cases:\n  - name: x\n    household: {visits: [{id: 1}]}\n",
                   "bad.yaml:3:26: visits: date is missing");
    expect_invalid(set, "cases:\n  - name: x\n    household: {members: [{age: 7}]}\n",
                   "bad.yaml:3:28: unknown members field \"age\"");
    /* The config's YAML limits hold for case files too. */
    expect_invalid(set, "cases:\n  - name: x\n    household: {dibao: 1, dibao: 0}\n",
                   "bad.yaml:3:27: duplicate key \"dibao\"");
    expect_invalid(set, "cases:\n  - &c {name: x}\n  - *c\n",
                   "bad.yaml:2:5: aliases are not allowed");
    expect_invalid(set, "cases:\n  - name: !!str x\n", "bad.yaml:2:11: tags are not allowed");
    expect_invalid(set, "cases: [{name: x}]\n---\ncases: [{name: y}]\n",
                   "bad.yaml:2:1: more than one YAML document");
    struct casefile_totals t;
    struct err e;
    CHECK(casefile_run_path("/nonexistent/x.yaml", set, NULL, NULL, &t, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "/nonexistent/x.yaml: no such file");
}

/* Only regular files of a sane size are read: a FIFO would block the run,
 * a loop of symlinks never resolves, a huge file is a mistake. */
static void expect_refused(struct policy_set *set, const char *path, const char *msg)
{
    struct casefile_totals t;
    struct err e = {{0}};
    char *out = NULL;
    CHECK(run(set, path, NULL, &t, &out, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, path);
    CHECK_STR_CONTAINS(e.msg, msg);
    free(out);
}

static void test_refused_files(struct policy_set *set)
{
    char odd[400], path[600];
    snprintf(odd, sizeof odd, "%s/odd", dir);
    mkdir(odd, 0700);
    snprintf(path, sizeof path, "%s/fifo.yaml", odd);
    CHECK(mkfifo(path, 0600) == 0);
    expect_refused(set, path, "not a regular file (a FIFO)");
    snprintf(path, sizeof path, "%s/loop.yaml", odd);
    CHECK(symlink("loop.yaml", path) == 0);
    expect_refused(set, path, "too many levels of symbolic links");
    snprintf(path, sizeof path, "%s/huge.yaml", odd);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, 17 * 1024 * 1024) == 0);
    close(fd);
    expect_refused(set, path, "over the 16 MiB limit");
    snprintf(path, sizeof path, "%s/dir.yaml", odd);
    mkdir(path, 0700);
    /* A directory of case files: each refused entry is reported, the first
     * one returned; none of them blocks or crashes the run. */
    struct casefile_totals t;
    struct err e = {{0}};
    char *out = NULL;
    CHECK(run(set, odd, NULL, &t, &out, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "dir.yaml: not a regular file (a directory)");
    CHECK(t.passed == 0 && t.failed == 0);
    free(out);
}

/* The commands as policy staff run them, on a config of their own. */
static void test_commands(void)
{
    char cfgpath[600], cmd[2000], *out = NULL;
    const char *bin = test_env("FUPIN_BIN", "fupin");
    free(test_write_file(dir, "fupin.yaml",
                         "database: db.sqlite\npolicies: policies\nlua: lua\n"
                         "policy_tests: cases\nplugins: {dir: plugins, load: []}\n"
                         "params:\n  income_ratio: 0.45\n  industry: {project_grant: 5000}\n"
                         "  provincial_income: {2017: 15780, 2018: 17168}\n"));
    snprintf(cfgpath, sizeof cfgpath, "%s/fupin.yaml", dir);
    /* Without the fp library the policies would fail on every household:
     * the commands that run them refuse the config, naming it. */
    const char *refusing[] = {"check", "test"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "'%s' -c '%s' %s", bin, cfgpath, refusing[i]);
        CHECK(test_run(cmd, &out) == 2);
        CHECK_STR_CONTAINS(out, "/lua/fp.lua：找不到政策规则所用的 fp 库");
        free(out);
    }
    char lua_dir[600];
    snprintf(lua_dir, sizeof lua_dir, "%s/lua", dir);
    mkdir(lua_dir, 0700);
    free(test_write_file(lua_dir, "fp.lua", "return {}\n"));
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' test", bin, cfgpath);
    CHECK(test_run(cmd, &out) == 1);
    CHECK_STR_CONTAINS(out, "cases/params.yaml: overridden grant\n");
    CHECK_STR_CONTAINS(out, "\n通过 6 个，失败 3 个\n");
    free(out);
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' test '%s/params.yaml'", bin, cfgpath, cases_dir);
    CHECK(test_run(cmd, &out) == 0);
    CHECK_STR_CONTAINS(out, "通过 1 个，失败 0 个");
    free(out);
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' test '%s/bad.yaml'", bin, cfgpath, dir);
    CHECK(test_run(cmd, &out) == 2);
    CHECK_STR_CONTAINS(out, "bad.yaml:");
    free(out);
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' test --bogus", bin, cfgpath);
    CHECK(test_run(cmd, NULL) == 2);
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' test --help", bin, cfgpath);
    CHECK(test_run(cmd, NULL) == 0);
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' check", bin, cfgpath);
    CHECK(test_run(cmd, &out) == 0);
    CHECK_STR_CONTAINS(out, "通过 policies/industry.lua（industry） lua:policies/industry.lua@");
    CHECK_STR_CONTAINS(out, "通过 policies/exit.lua（exit） lua:policies/exit.lua@");
    free(out);
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' check extra", bin, cfgpath);
    CHECK(test_run(cmd, NULL) == 2);

    free(test_write_file(pdir, "broken.lua", "return {\n  name = 'housing' title = 'x' }\n"));
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' check", bin, cfgpath);
    CHECK(test_run(cmd, &out) == 2);
    CHECK_STR_CONTAINS(out, "policies/broken.lua:2:");
    CHECK_STR_CONTAINS(out, "通过 policies/industry.lua");
    free(out);
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' test", bin, cfgpath);
    CHECK(test_run(cmd, &out) == 2);
    CHECK_STR_CONTAINS(out, "policies/broken.lua:2:");
    free(out);
    free(test_write_file(pdir, "broken.lua",
                         "return { name = 'industry', title = 'dup',\n"
                         "evaluate = function() end }\n"));
    snprintf(cmd, sizeof cmd, "'%s' -c '%s' check", bin, cfgpath);
    CHECK(test_run(cmd, &out) == 2);
    CHECK_STR_CONTAINS(out, "帮扶领域“industry”已由 lua:policies/broken.lua@");
    free(out);
    snprintf(cmd, sizeof cmd, "rm -f '%s/broken.lua'", pdir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    struct policy_set *set = setup();
    test_totals_and_report(set);
    printf("%s test_totals_and_report\n", test_failures ? "FAIL" : "ok  ");
    int before = test_failures;
    test_directory_policy_and_params(set);
    printf("%s test_directory_policy_and_params\n", test_failures != before ? "FAIL" : "ok  ");
    before = test_failures;
    test_malformed_files(set);
    printf("%s test_malformed_files\n", test_failures != before ? "FAIL" : "ok  ");
    before = test_failures;
    test_refused_files(set);
    printf("%s test_refused_files\n", test_failures != before ? "FAIL" : "ok  ");
    before = test_failures;
    test_commands();
    printf("%s test_commands\n", test_failures != before ? "FAIL" : "ok  ");
    policy_set_free(set);
    return test_done();
}
