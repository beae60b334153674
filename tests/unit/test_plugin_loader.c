/* test_plugin_loader.c - the plugin loader refuses every bad plugin (an
 * ABI-1 build, a short descriptor, a malformed parameter declaration, ...)
 * with a message naming the file and the reason, loads one built for a later
 * ABI, and the four bundled plugins (education, medical, housing, credit)
 * give the findings of DOMAIN.md on hand-built households, with the shipped
 * config's params, reading only the params they declare. */
#include "config.h"
#include "plugin_loader.h"
#include "policy_set.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *plugin_dir;      /* the bundled plugins */
static const char *test_plugin_dir; /* tests/plugins, built */
static struct config *cfg;          /* the shipped configs/fupin.yaml */

/* ---- running one plugin on one household, as policy_runner_eval does ---- */

struct run {
    struct plugin *plugin;
    struct policy policy;
    struct eval_result res;
    struct err err;
    int rc;
    int read[64]; /* read[i]: declaration i was read by some evaluation */
};

static int run_load(struct run *r, const char *dir, const char *name, const struct config *c)
{
    memset(r, 0, sizeof *r);
    r->rc = plugin_load(dir, name, c, &r->plugin, &r->err);
    if (r->rc != 0) {
        fprintf(stderr, "load %s: %s\n", name, r->err.msg);
        return r->rc;
    }
    const struct fupin_plugin *d = plugin_descriptor(r->plugin);
    r->policy.kind = POLICY_PLUGIN;
    r->policy.impl = r->plugin;
    r->policy.measures = d->measures;
    snprintf(r->policy.name, sizeof r->policy.name, "%s", d->name);
    snprintf(r->policy.source, sizeof r->policy.source, "%s", plugin_source(r->plugin));
    return 0;
}

/* The declaration a config key read by the plugin answers to: "<area>.<key>"
 * or a top-level "<key>"; -1 when it declares none. */
static int declaration_of(const struct run *r, const char *config_key)
{
    size_t n, area = strlen(r->policy.name);
    const struct fupin_param_decl *d = plugin_param_decls(r->plugin, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(config_key, d[i].key) == 0)
            return (int)i;
        if (strncmp(config_key, r->policy.name, area) == 0 && config_key[area] == '.' &&
            strcmp(config_key + area + 1, d[i].key) == 0)
            return (int)i;
    }
    return -1;
}

/* Evaluates hh with params tracing on, and fails the test for every param
 * the plugin read without declaring it. */
static int run_eval(struct run *r, const struct household *hh)
{
    eval_result_reset(&r->res);
    r->res.trace = 1;
    struct fupin_out out = {.res = &r->res, .policy = &r->policy};
    struct fupin_params params = {
        .cfg = cfg, .area = r->policy.name, .res = &r->res, .policy = &r->policy};
    /* The facts the runner computes before any policy runs (the labour
     * force), with the shipped config's working age. */
    struct household facts;
    struct household_member *members = calloc(hh->n_members + 1, sizeof *members);
    if (!members)
        return ERR_FAIL;
    household_facts(hh, &(struct household_facts_params){16, 60}, &facts, members);
    struct plugin_view view = {0};
    r->rc = plugin_eval(r->plugin, &view, &facts, &params, &out, &r->err);
    plugin_view_free(&view);
    free(members);
    if (r->rc == 0 && out.failed) {
        r->rc = ERR_INVALID;
        r->err = out.err;
    }
    if (r->rc)
        fprintf(stderr, "eval %s: %s\n", r->policy.name, r->err.msg);
    for (size_t i = 0; i < r->res.n_params; i++) {
        int d = declaration_of(r, r->res.params[i].key);
        if (d < 0) {
            fprintf(stderr, "%s read param %s without declaring it\n", r->policy.name,
                    r->res.params[i].key);
            test_failures++;
        } else if (d < 64) {
            r->read[d] = 1;
        }
    }
    return r->rc;
}

/* Every declared param was read by one of the evaluations so far: a
 * declaration of a param the plugin no longer reads fails too. */
static void check_all_declared_read(const struct run *r)
{
    size_t n;
    const struct fupin_param_decl *d = plugin_param_decls(r->plugin, &n);
    for (size_t i = 0; i < n && i < 64; i++)
        if (!r->read[i]) {
            fprintf(stderr, "%s declares param %s but never read it\n", r->policy.name, d[i].key);
            test_failures++;
        }
}

static void run_free(struct run *r)
{
    eval_result_free(&r->res);
    plugin_unload(r->plugin);
}

/* The finding with this measure and member (0: household), or NULL. */
static const struct finding *found(const struct run *r, const char *measure, int64_t member)
{
    for (size_t i = 0; i < r->res.n_findings; i++)
        if (strcmp(r->res.findings[i].measure, measure) == 0 &&
            r->res.findings[i].member_id == member)
            return &r->res.findings[i];
    return NULL;
}

static size_t count(const struct run *r, const char *measure)
{
    size_t n = 0;
    for (size_t i = 0; i < r->res.n_findings; i++)
        n += strcmp(r->res.findings[i].measure, measure) == 0;
    return n;
}

static const struct policy_alert *alerted(const struct run *r, const char *kind)
{
    for (size_t i = 0; i < r->res.n_alerts; i++)
        if (strcmp(r->res.alerts[i].kind, kind) == 0)
            return &r->res.alerts[i];
    return NULL;
}

#define CHECK_AMOUNT(f, want)                                                                      \
    do {                                                                                           \
        const struct finding *f_ = (f);                                                            \
        CHECK(f_ && f_->has_amount && f_->amount > (want)-0.005 && f_->amount < (want) + 0.005);   \
    } while (0)

/* ---- hand-built households ---- */

static struct household household(void)
{
    struct household hh = {
        .id = 1,
        .today = "2018-06-30",
        .year = 2018,
        .village = "441602001001",
        .village_name = "Test village",
        .town = "441602001",
        .county = "441602",
        .livable = 1,
        .head_name = "张三",
        .status = HOUSEHOLD_STATUS_REGISTERED,
        .housing_grade = HOUSEHOLD_GRADE_A,
        .tap_water = 1,
        .credit_rating = "A",
    };
    return hh;
}

static struct household_member member(int64_t id, const char *name, int age)
{
    struct household_member m = {.id = id,
                                 .name = name,
                                 .age = age,
                                 .labor = HOUSEHOLD_LABOR_FULL,
                                 .health = HOUSEHOLD_HEALTH_HEALTHY,
                                 .medical_insured = 1};
    return m;
}

/* ---- refusals ---- */

static char *copy_to(const char *src, const char *dir, const char *name)
{
    char cmd[1024], *dst = malloc(512);
    snprintf(dst, 512, "%s/%s", dir, name);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot copy %s\n", src);
        test_failures++;
    }
    return dst;
}

static void expect_refused(const char *dir, const char *name, const char *want)
{
    struct plugin *p = NULL;
    struct err e = {{0}};
    int rc = plugin_load(dir, name, cfg, &p, &e);
    CHECK(rc == ERR_INVALID);
    CHECK(p == NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/%s.so", dir, name);
    if (strcmp(name, "../x") != 0)
        CHECK_STR_CONTAINS(e.msg, path);
    CHECK_STR_CONTAINS(e.msg, want);
    if (rc == 0)
        plugin_unload(p);
}

static void plugin_refuses_wrong_magic(void)
{
    expect_refused(test_plugin_dir, "bad_magic", "not a fupin plugin (descriptor magic 0x12345678");
}

/* bad_version.so is laid out as ABI 1 was (no struct_size). */
static void plugin_refuses_abi_1(void)
{
    char want[200];
    snprintf(want, sizeof want,
             "bad_version.so: built for plugin ABI 1, this fupin speaks ABI %u; rebuild it "
             "against plugins/fupin_plugin.h",
             FUPIN_PLUGIN_ABI_VERSION);
    CHECK(FUPIN_PLUGIN_ABI_VERSION == 4);
    expect_refused(test_plugin_dir, "bad_version", want);
}

static void plugin_refuses_descriptor_smaller_than_abi_2(void)
{
    expect_refused(test_plugin_dir, "bad_size",
                   "the descriptor's struct_size is 24 bytes, smaller "
                   "than the");
}

/* Built with a household view larger than the one this daemon fills: it
 * would read past every member, so it is refused. */
static void plugin_refuses_a_larger_household_view(void)
{
    expect_refused(test_plugin_dir, "bad_view", "struct fupin_member; this fupin hands plugins");
}

/* Built for a later ABI with one more descriptor member: loads, and runs. */
static void plugin_of_a_later_abi_loads(void)
{
    struct run r;
    if (run_load(&r, test_plugin_dir, "newer", cfg) != 0) {
        test_failures++;
        return;
    }
    CHECK(plugin_descriptor(r.plugin)->abi_version == FUPIN_PLUGIN_ABI_VERSION + 1);
    CHECK(plugin_descriptor(r.plugin)->struct_size > sizeof(struct fupin_plugin));
    struct household hh = household();
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(found(&r, "newer_measure", 0) != NULL);
    run_free(&r);
}

/* Built against ABI 2, before ABI 3 appended to struct fupin_member: it
 * reads every member at ABI 2's size. */
static void plugin_built_for_abi_2_reads_its_own_member_layout(void)
{
    struct run r;
    if (run_load(&r, test_plugin_dir, "abi2", cfg) != 0) {
        test_failures++;
        return;
    }
    CHECK(plugin_descriptor(r.plugin)->view.member < sizeof(struct fupin_member));
    struct household hh = household();
    struct household_member ms[3] = {member(11, "张三", 40), member(12, "李四", 12),
                                     member(13, "王五", 70)};
    hh.members = ms;
    hh.n_members = 3;
    CHECK(run_eval(&r, &hh) == 0);
    const struct finding *f = found(&r, "abi2_measure", 0);
    CHECK(f && strcmp(f->reason, "abi2:张三:40,李四:12,王五:70") == 0);
    if (f && strcmp(f->reason, "abi2:张三:40,李四:12,王五:70") != 0)
        fprintf(stderr, "abi2 read: %s\n", f->reason);
    run_free(&r);
}

static void plugin_refuses_bad_param_declarations(void)
{
    static const struct {
        const char *which, *want;
    } cases[] = {
        {"no_key", "parameter declaration 1 has no key"},
        {"bad_key", "parameter key \"Premium\": use lower-case letters"},
        {"dotted_key", "parameter key \"living_allowance..primary\""},
        {"unknown_type", "parameter \"a\" has unknown type 9"},
        {"min_over_max", "parameter \"a\": min 10 is greater than max 1"},
        {"nan_bound", "parameter \"a\": min and max must be finite"},
        {"inf_bound", "parameter \"a\": min and max must be finite"},
        {"required_no_default", "parameter \"a\" is required but declares no default"},
        {"duplicate", "parameter \"a\" is declared twice"},
        {"default_out_of_range", "parameter \"a\": default 2 is outside its range [0, 1]"},
        {"integer_default_fraction", "parameter \"a\": default 1.5 is not a whole number"},
        {"date_default_bad", "parameter \"a\": default \"2018-02-30\" is not a date"},
        {"text_default_null", "parameter \"a\": the default text is NULL"},
        {"text_by_year", "parameter \"a\": only numbers can be given by year, not text"},
        {"params_null", "declares 2 parameters but params is NULL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(setenv("FUPIN_TEST_BAD_DECL", cases[i].which, 1) == 0);
        expect_refused(test_plugin_dir, "bad_decl", cases[i].want);
    }
    unsetenv("FUPIN_TEST_BAD_DECL");
    expect_refused(test_plugin_dir, "bad_decl", "fupin_plugin_entry() returned NULL");
}

static void plugin_refuses_missing_entry_point(void)
{
    expect_refused(test_plugin_dir, "no_entry", "exports no fupin_plugin_entry()");
}

static void plugin_refuses_missing_file(void)
{
    expect_refused(test_plugin_dir, "does_not_exist", "No such file or directory");
}

static void plugin_refuses_unsafe_name(void)
{
    expect_refused(test_plugin_dir, "../x", "use lower-case letters");
}

static void plugin_refuses_failing_init(void)
{
    expect_refused(test_plugin_dir, "bad_init", "init failed: bad_init: the flux capacitor");
}

static void plugin_refuses_world_writable_file(void)
{
    char src[600], dir[256];
    snprintf(src, sizeof src, "%s/sample.so", test_plugin_dir);
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    char *dst = copy_to(src, dir, "sample.so");
    CHECK(chmod(dst, 0757) == 0);
    expect_refused(dir, "sample", "the file is world-writable");
    CHECK(chmod(dst, 0755) == 0); /* and once fixed it loads */
    struct plugin *p = NULL;
    struct err e;
    CHECK(plugin_load(dir, "sample", cfg, &p, &e) == 0);
    plugin_unload(p);
    free(dst);
}

static void plugin_refuses_world_writable_directory(void)
{
    char src[600], dir[256];
    snprintf(src, sizeof src, "%s/sample.so", test_plugin_dir);
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    free(copy_to(src, dir, "sample.so"));
    CHECK(chmod(dir, 0777) == 0);
    expect_refused(dir, "sample", "its directory is world-writable");
    /* The sticky bit (as on /tmp) does not make it safe: refused too. */
    CHECK(chmod(dir, 01777) == 0);
    expect_refused(dir, "sample", "its directory is world-writable");
    CHECK(chmod(dir, 0700) == 0);
}

static void plugin_refuses_name_mismatch(void)
{
    char src[600], dir[256];
    snprintf(src, sizeof src, "%s/sample.so", test_plugin_dir);
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    free(copy_to(src, dir, "other.so"));
    expect_refused(dir, "other", "calls itself \"sample\" but the config loads it as \"other\"");
}

static void plugin_refuses_measure_outside_catalogue(void)
{
    char src[600], dir[256];
    snprintf(src, sizeof src, "%s/bad_measure.so", test_plugin_dir);
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    free(copy_to(src, dir, "education.so"));
    expect_refused(dir, "education",
                   "measure \"bogus_measure\" is not in the catalogue of area \"education\"");
}

static void plugin_refuses_directory_as_file(void)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    char sub[300];
    snprintf(sub, sizeof sub, "%s/dir.so", dir);
    CHECK(mkdir(sub, 0700) == 0);
    expect_refused(dir, "dir", "not a regular file");
}

/* ---- the good sample ---- */

static void sample_plugin_loads_and_evaluates(void)
{
    struct run r;
    if (run_load(&r, test_plugin_dir, "sample", cfg) != 0) {
        test_failures++;
        return;
    }
    CHECK(strcmp(plugin_source(r.plugin), "plugin:sample@0.1") == 0);
    struct household hh = household();
    CHECK(run_eval(&r, &hh) == 0);
    CHECK_AMOUNT(found(&r, "sample_measure", 0), 1);
    size_t n;
    const struct fupin_param_decl *d = plugin_param_decls(r.plugin, &n);
    CHECK(n == 1 && d && strcmp(d[0].key, "sample_amount") == 0 && d[0].required &&
          d[0].has_default && d[0].default_number == 1);
    /* Its required param is not in the shipped config, but has a default. */
    CHECK(config_param_scoped(cfg, "sample", "sample_amount") == NULL);
    hh.head_name = "FAIL";
    CHECK(run_eval(&r, &hh) == ERR_FAIL);
    CHECK_STR_CONTAINS(r.err.msg, "sample: household 1 asked to fail");
    run_free(&r);
}

/* One failing plugin is recorded as an error; the others still produce. */
static void failing_plugin_leaves_others_running(void)
{
    struct run a, b;
    if (run_load(&a, test_plugin_dir, "sample", cfg) ||
        run_load(&b, plugin_dir, "education", cfg)) {
        test_failures++;
        return;
    }
    struct policy pols[2] = {a.policy, b.policy};
    struct policy_set set = {.cfg = cfg, .policies = pols, .n_policies = 2};
    struct policy_runner *runner;
    struct err e;
    CHECK(policy_runner_new(&set, &runner, &e) == 0);
    struct household hh = household();
    struct household_member m = member(11, "李小明", 9);
    m.school_stage = HOUSEHOLD_SCHOOL_PRIMARY;
    hh.members = &m;
    hh.n_members = 1;
    hh.head_name = "FAIL";
    struct eval_result res = {0};
    policy_runner_eval(runner, &hh, &res);
    CHECK(res.n_errors == 1);
    CHECK(res.n_errors == 1 && strcmp(res.errors[0].policy, "sample") == 0);
    CHECK(res.n_errors == 1 && strstr(res.errors[0].msg, "asked to fail"));
    int edu = 0, sample = 0;
    for (size_t i = 0; i < res.n_findings; i++) {
        edu += strcmp(res.findings[i].policy, "education") == 0;
        sample += strcmp(res.findings[i].policy, "sample") == 0;
    }
    CHECK(edu == 2 && sample == 0);
    eval_result_free(&res);
    policy_runner_free(runner);
    run_free(&a);
    run_free(&b);
}

/* ---- the bundled plugins ---- */

static void education_findings_per_stage(void)
{
    struct run r;
    if (run_load(&r, plugin_dir, "education", cfg)) {
        test_failures++;
        return;
    }
    CHECK(strcmp(plugin_source(r.plugin), "plugin:education@1.0") == 0);
    struct household_member m[] = {
        member(11, "李小明", 9),  member(12, "李中", 13),   member(13, "李高", 16),
        member(14, "李职", 17),   member(15, "李大", 19),   member(16, "李幼", 5),
        member(17, "李辍", 12),   member(18, "李十六", 16), member(19, "李六", 6),
        member(20, "李十五", 15), member(21, "李五", 5),
    };
    m[0].school_stage = HOUSEHOLD_SCHOOL_PRIMARY;
    m[1].school_stage = HOUSEHOLD_SCHOOL_JUNIOR;
    m[2].school_stage = HOUSEHOLD_SCHOOL_SENIOR;
    m[3].school_stage = HOUSEHOLD_SCHOOL_VOCATIONAL;
    m[4].school_stage = HOUSEHOLD_SCHOOL_COLLEGE;
    m[5].school_stage = HOUSEHOLD_SCHOOL_PRESCHOOL;
    /* 17 (12), 19 (6), 20 (15) of school age out of school; 18 (16) and 21 (5) not. */
    struct household hh = household();
    hh.members = m;
    hh.n_members = sizeof m / sizeof m[0];
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(found(&r, "compulsory_support", 11) && found(&r, "compulsory_support", 12));
    CHECK(count(&r, "compulsory_support") == 2);
    CHECK_STR_CONTAINS(found(&r, "compulsory_support", 11)->reason,
                       "二(四)教育资助到户：李小明（9岁）就读小学");
    CHECK_STR_CONTAINS(found(&r, "compulsory_support", 11)->reason, "两免一补");
    CHECK_AMOUNT(found(&r, "tuition_waiver", 13), 2500);
    CHECK_AMOUNT(found(&r, "tuition_waiver", 14), 2500);
    CHECK(count(&r, "tuition_waiver") == 2);
    CHECK_AMOUNT(found(&r, "living_allowance", 11), 1000);
    CHECK_AMOUNT(found(&r, "living_allowance", 12), 1250);
    CHECK_AMOUNT(found(&r, "living_allowance", 13), 2500);
    CHECK_AMOUNT(found(&r, "living_allowance", 14), 2500);
    CHECK_AMOUNT(found(&r, "living_allowance", 15), 3000);
    CHECK(count(&r, "living_allowance") == 5); /* none for preschool */
    const struct policy_alert *a = alerted(&r, "dropout");
    CHECK(a && a->severity == SEVERITY_WARNING);
    CHECK(r.res.n_alerts == 1);
    if (a) {
        CHECK_STR_CONTAINS(a->message, "李辍（12岁）");
        CHECK_STR_CONTAINS(a->message, "李六（6岁）");
        CHECK_STR_CONTAINS(a->message, "李十五（15岁）");
        CHECK(!strstr(a->message, "李十六") && !strstr(a->message, "李五"));
    }
    /* An exited household gets no subsidy, but staying in school is 三保障:
     * the dropout alert is still raised. */
    hh.status = HOUSEHOLD_STATUS_EXITED;
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(r.res.n_findings == 0 && r.res.n_alerts == 1 && alerted(&r, "dropout"));
    check_all_declared_read(&r);
    run_free(&r);
}

static void medical_findings(void)
{
    struct run r;
    if (run_load(&r, plugin_dir, "medical", cfg)) {
        test_failures++;
        return;
    }
    struct household_member m[] = {member(11, "王一", 40), member(12, "王二", 60),
                                   member(13, "王三", 30), member(14, "王四", 20)};
    m[0].medical_insured = 0;
    m[1].health = HOUSEHOLD_HEALTH_SERIOUS;
    m[2].health = HOUSEHOLD_HEALTH_CHRONIC;
    m[3].health = HOUSEHOLD_HEALTH_DISABLED;
    struct household hh = household();
    hh.members = m;
    hh.n_members = 4;
    hh.today = "2018-12-15";
    CHECK(run_eval(&r, &hh) == 0);
    CHECK_AMOUNT(found(&r, "premium_subsidy", 11), 180);
    CHECK(count(&r, "premium_subsidy") == 1);
    const struct finding *f = found(&r, "premium_subsidy", 11);
    CHECK_STR_CONTAINS(f ? f->reason : NULL, "次月起（2019-01-01）");
    CHECK_STR_CONTAINS(f ? f->reason : NULL, "王一");
    CHECK(found(&r, "critical_illness", 12) && count(&r, "critical_illness") == 1);
    CHECK(found(&r, "chronic_outpatient", 13) && count(&r, "chronic_outpatient") == 1);
    CHECK(found(&r, "rehab", 14) && count(&r, "rehab") == 1);
    CHECK(r.res.n_findings == 4);
    check_all_declared_read(&r);
    run_free(&r);
}

static void housing_findings(void)
{
    struct run r;
    if (run_load(&r, plugin_dir, "housing", cfg)) {
        test_failures++;
        return;
    }
    struct household_member m[] = {member(11, "赵一", 40), member(12, "赵二", 38)};
    struct household_income inc[] = {{.year = 2016, .wage = 100},
                                     {.year = 2017, .wage = 4000, .production = 1000}};
    struct household hh = household();
    hh.members = m;
    hh.n_members = 2;
    hh.income = inc;
    hh.n_income = 2;
    hh.housing_grade = HOUSEHOLD_GRADE_D;
    CHECK(run_eval(&r, &hh) == 0);
    const struct finding *f = found(&r, "renovation", 0);
    CHECK_AMOUNT(f, 40000);
    CHECK_STR_CONTAINS(f ? f->reason : NULL, "优先级1（D级）");
    CHECK_STR_CONTAINS(f ? f->reason : NULL, "2017年人均收入2,500 元");
    CHECK(r.res.n_findings == 1 && r.res.n_alerts == 0);

    hh.housing_grade = HOUSEHOLD_GRADE_C;
    hh.today = "2018-12-31"; /* the deadline day itself: not yet overdue */
    CHECK(run_eval(&r, &hh) == 0);
    f = found(&r, "renovation", 0);
    CHECK_AMOUNT(f, 15000);
    CHECK_STR_CONTAINS(f ? f->reason : NULL, "优先级2（C级）");
    CHECK(!alerted(&r, "renovation_overdue"));

    hh.today = "2019-01-01";
    hh.year = 2019;
    CHECK(run_eval(&r, &hh) == 0);
    const struct policy_alert *a = alerted(&r, "renovation_overdue");
    CHECK(a && a->severity == SEVERITY_CRITICAL);
    CHECK_STR_CONTAINS(a ? a->message : NULL, "2018-12-31");

    hh.housing_renovated = 1;
    hh.tap_water = 0;
    hh.livable = 0;
    hh.wants_relocation = 1;
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(!found(&r, "renovation", 0) && !alerted(&r, "renovation_overdue"));
    CHECK_AMOUNT(found(&r, "tap_water", 0), 1000);
    CHECK(found(&r, "relocation", 0));
    hh.wants_relocation = 0;
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(!found(&r, "relocation", 0));
    hh.housing_grade = HOUSEHOLD_GRADE_B;
    hh.housing_renovated = 0;
    hh.tap_water = 1;
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(r.res.n_findings == 0 && r.res.n_alerts == 0);
    check_all_declared_read(&r);
    run_free(&r);
}

static void credit_findings(void)
{
    struct run r;
    if (run_load(&r, plugin_dir, "credit", cfg)) {
        test_failures++;
        return;
    }
    struct household_member m[] = {member(11, "钱一", 40)};
    struct household hh = household();
    hh.members = m;
    hh.n_members = 1;
    hh.credit_rating = NULL;
    hh.wants_industry = 1;
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(found(&r, "rating", 0) && r.res.n_findings == 1);

    hh.credit_rating = "AA";
    CHECK(run_eval(&r, &hh) == 0);
    const struct finding *f = found(&r, "micro_loan", 0);
    CHECK(f && !f->has_amount); /* 50,000 is the cap, not a grant */
    CHECK_STR_CONTAINS(f ? f->reason : NULL, "额度50,000 元以下、期限36个月以内");
    CHECK_STR_CONTAINS(f ? f->reason : NULL, "免担保免抵押、扶贫资金贴息");
    CHECK(!found(&r, "rating", 0));

    m[0].labor = HOUSEHOLD_LABOR_NONE; /* no labour: no loan */
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(!found(&r, "micro_loan", 0));
    m[0].labor = HOUSEHOLD_LABOR_PARTIAL;
    hh.wants_industry = 0; /* no production plan: no loan */
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(!found(&r, "micro_loan", 0));
    hh.has_project = 1;
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(found(&r, "micro_loan", 0));

    /* A loan within the terms, current: insurance, no new loan, no alert. */
    struct household_loan loan = {.id = 7,
                                  .amount = 50000,
                                  .term_months = 36,
                                  .start_date = "2016-07-01",
                                  .interest_subsidised = 1};
    hh.loans = &loan;
    hh.n_loans = 1;
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(!found(&r, "micro_loan", 0));
    CHECK_AMOUNT(found(&r, "loan_insurance", 0), 500);
    CHECK(!alerted(&r, "loan_terms"));

    loan.amount = 50001;
    loan.term_months = 37;
    CHECK(run_eval(&r, &hh) == 0);
    const struct policy_alert *a = alerted(&r, "loan_terms");
    CHECK(a && a->severity == SEVERITY_WARNING);
    CHECK_STR_CONTAINS(a ? a->message : NULL, "贷款7：");
    CHECK_STR_CONTAINS(a ? a->message : NULL, "金额50,001 元超过50,000 元");
    CHECK_STR_CONTAINS(a ? a->message : NULL, "期限37个月超过36个月");
    CHECK(!found(&r, "loan_insurance", 0)); /* no subsidy on a loan that breaks the terms */

    loan.amount = 10000;
    loan.term_months = 36;
    loan.guarantor = 1;
    loan.interest_subsidised = 0;
    CHECK(run_eval(&r, &hh) == 0);
    a = alerted(&r, "loan_terms");
    CHECK_STR_CONTAINS(a ? a->message : NULL, "要求担保");
    CHECK_STR_CONTAINS(a ? a->message : NULL, "未享受扶贫资金贴息");

    /* Ended (2016-06-30 + 24 months = 2018-06-30, not after today): a new
     * loan is possible again, and the old one is no longer checked. */
    loan.start_date = "2016-06-30";
    loan.term_months = 24;
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(found(&r, "micro_loan", 0) && !found(&r, "loan_insurance", 0));
    CHECK(!alerted(&r, "loan_terms"));
    hh.status = HOUSEHOLD_STATUS_EXITED;
    CHECK(run_eval(&r, &hh) == 0);
    CHECK(r.res.n_findings == 0);
    check_all_declared_read(&r);
    run_free(&r);
}

/* Loads a copy of the shipped config changed by a sed script. */
static struct config *edited_config(const char *sed_script)
{
    char path[600], cmd[1400];
    snprintf(path, sizeof path, "%s/configs/fupin.yaml", test_env("FUPIN_SOURCE_DIR", "."));
    const char *dir = test_tmpdir();
    snprintf(cmd, sizeof cmd, "sed '%s' '%s' > '%s/fupin.yaml'", sed_script, path, dir);
    CHECK(system(cmd) == 0);
    snprintf(path, sizeof path, "%s/fupin.yaml", dir);
    struct config *c;
    struct err e;
    if (config_load(path, &c, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        test_failures++;
        return NULL;
    }
    return c;
}

/* A config without a param the plugin reads: the plugin still loads (the
 * config layer checks params: against the declarations, and fills
 * defaults), but an evaluation that needs it fails naming it. */
static void missing_param_fails_the_evaluation_naming_it(void)
{
    struct config *c = edited_config("s/^    premium: /    premium_old: /");
    if (!c)
        return;
    CHECK(config_param_find(c, "medical.premium") == NULL);
    struct config *shipped = cfg;
    cfg = c;
    struct run r;
    if (run_load(&r, plugin_dir, "medical", c) == 0) {
        struct household_member m = member(11, "王一", 40);
        m.medical_insured = 0;
        struct household hh = household();
        hh.members = &m;
        hh.n_members = 1;
        CHECK(run_eval(&r, &hh) == ERR_FAIL);
        CHECK_STR_CONTAINS(r.err.msg, "parameter medical.premium is missing or not a number for "
                                      "2018");
        run_free(&r);
    } else {
        test_failures++;
    }
    cfg = shipped;
    config_free(c);
}

/* Every declared default equals the shipped config's figure, so a config
 * that leaves a key out gets what the shipped one says. */
static void bundled_defaults_match_the_shipped_config(void)
{
    static const char *const names[] = {"education", "medical", "housing", "credit"};
    for (size_t i = 0; i < 4; i++) {
        struct plugin *pl;
        struct err e;
        if (plugin_load(plugin_dir, names[i], cfg, &pl, &e) != 0) {
            fprintf(stderr, "%s\n", e.msg);
            test_failures++;
            continue;
        }
        size_t n;
        const struct fupin_param_decl *d = plugin_param_decls(pl, &n);
        CHECK(n > 0);
        for (size_t j = 0; j < n; j++) {
            const struct config_param *cp = config_param_scoped(cfg, names[i], d[j].key);
            CHECK(d[j].required && d[j].has_default && d[j].title && *d[j].title);
            if (!cp) {
                fprintf(stderr, "%s: %s not in the shipped config\n", names[i], d[j].key);
                test_failures++;
                continue;
            }
            if (d[j].type == FUPIN_PARAM_TEXT || d[j].type == FUPIN_PARAM_DATE) {
                CHECK(cp->type == PARAM_STRING && d[j].default_text &&
                      strcmp(cp->string, d[j].default_text) == 0);
                continue;
            }
            double v = -1;
            CHECK(config_param_number(cfg, cp->key, 9999, &v) == 0);
            if (v != d[j].default_number) {
                fprintf(stderr, "%s: %s is %g in the config, %g by default\n", names[i], cp->key, v,
                        d[j].default_number);
                test_failures++;
            }
        }
        plugin_unload(pl);
    }
}

/* The README's "Write a plugin" example, built from the README itself. */
static void readme_example_plugin_runs(void)
{
    struct config *c = edited_config("s/^params:$/params:\\n  elderly:\\n    min_age: 70/");
    if (!c)
        return;
    struct config *shipped = cfg;
    cfg = c;
    struct run r;
    if (run_load(&r, test_plugin_dir, "elderly", c) == 0) {
        struct household_member m[] = {member(11, "孙老", 75), member(12, "孙中", 69),
                                       member(13, "孙七十", 70)};
        struct household hh = household();
        hh.members = m;
        hh.n_members = 3;
        CHECK(run_eval(&r, &hh) == 0);
        CHECK(found(&r, "elderly_visit", 11) && found(&r, "elderly_visit", 13));
        CHECK(r.res.n_findings == 2);
        CHECK_STR_CONTAINS(found(&r, "elderly_visit", 11) ? found(&r, "elderly_visit", 11)->reason
                                                          : NULL,
                           "孙老 is 75, at least 70");
        check_all_declared_read(&r);
        run_free(&r);
    } else {
        test_failures++;
    }
    cfg = shipped;
    config_free(c);
}

static void plugins_export_only_the_entry_point(void)
{
    static const char *const names[] = {"education", "medical", "housing", "credit"};
    char *out = NULL;
    if (test_run("nm --version", &out) != 0) {
        printf("skip: nm not found\n");
        free(out);
        return;
    }
    free(out);
    for (size_t i = 0; i < 4; i++) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "nm -D --defined-only '%s/%s.so' | awk '{print $3}'", plugin_dir,
                 names[i]);
        CHECK(test_run(cmd, &out) == 0);
        if (out && strcmp(out, "fupin_plugin_entry\n") != 0) {
            fprintf(stderr, "%s.so exports more than the entry point:\n%s", names[i], out);
            test_failures++;
        }
        free(out);
    }
}

int main(void)
{
    plugin_dir = test_env("FUPIN_PLUGIN_DIR", "build/plugins");
    test_plugin_dir = test_env("FUPIN_TEST_PLUGIN_DIR", "build/test-plugins");
    char path[600];
    struct err e;
    snprintf(path, sizeof path, "%s/configs/fupin.yaml", test_env("FUPIN_SOURCE_DIR", "."));
    if (config_load(path, &cfg, &e) != 0) {
        fprintf(stderr, "cannot load the shipped config: %s\n", e.msg);
        return 1;
    }
    RUN(plugin_refuses_wrong_magic);
    RUN(plugin_refuses_abi_1);
    RUN(plugin_refuses_descriptor_smaller_than_abi_2);
    RUN(plugin_refuses_a_larger_household_view);
    RUN(plugin_of_a_later_abi_loads);
    RUN(plugin_built_for_abi_2_reads_its_own_member_layout);
    RUN(plugin_refuses_bad_param_declarations);
    RUN(plugin_refuses_missing_entry_point);
    RUN(plugin_refuses_missing_file);
    RUN(plugin_refuses_unsafe_name);
    RUN(plugin_refuses_failing_init);
    RUN(plugin_refuses_world_writable_file);
    RUN(plugin_refuses_world_writable_directory);
    RUN(plugin_refuses_name_mismatch);
    RUN(plugin_refuses_measure_outside_catalogue);
    RUN(plugin_refuses_directory_as_file);
    RUN(sample_plugin_loads_and_evaluates);
    RUN(failing_plugin_leaves_others_running);
    RUN(education_findings_per_stage);
    RUN(medical_findings);
    RUN(housing_findings);
    RUN(credit_findings);
    RUN(missing_param_fails_the_evaluation_naming_it);
    RUN(bundled_defaults_match_the_shipped_config);
    RUN(readme_example_plugin_runs);
    RUN(plugins_export_only_the_entry_point);
    config_free(cfg);
    return test_done();
}
