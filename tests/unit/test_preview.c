/* test_preview.c - the comparison model of `fupin preview` (runner/preview.c)
 * by the rules of reconciliation, the candidate config (config_candidate)
 * and the rule-version history (store_rules.c). */
#include "config.h"
#include "err.h"
#include "preview.h"
#include "store.h"
#include "store_rules.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static struct finding fnd(const char *policy, const char *measure, int64_t member, int has_amount,
                          double amount, const char *reason)
{
    struct finding f = {.member_id = member,
                        .policy = policy,
                        .source = "lua:policies/x.lua@1",
                        .kind = FINDING_RECOMMEND,
                        .has_amount = has_amount,
                        .amount = amount,
                        .reason = (char *)reason};
    snprintf(f.measure, sizeof f.measure, "%s", measure);
    return f;
}

static struct household household(int64_t id, const char *county, const char *town)
{
    struct household hh = {0};
    hh.id = id;
    hh.county = (char *)county;
    hh.town = (char *)town;
    hh.head_name = "户主";
    return hh;
}

static const struct preview_group *find_group(const struct preview_group *g, size_t n,
                                              const char *a, const char *b)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(g[i].a, a) && !strcmp(g[i].b, b))
            return &g[i];
    return NULL;
}

/* Added, withdrawn and changed by key (member, policy, measure), the money
 * before and after, and a second finding of the same key ignored. */
static void preview_counts_by_key(void)
{
    struct preview p;
    preview_init(&p);
    struct household hh = household(1, "C1", "T1");
    struct preview_stored before[] = {
        {fnd("industry", "grant", 0, 1, 100, "r1"), PREVIEW_OPEN}, /* changed: amount */
        {fnd("industry", "loan", 0, 0, 0, "r2"), PREVIEW_OPEN},    /* withdrawn */
        {fnd("industry", "same", 0, 1, 50, "r3"), PREVIEW_OPEN},   /* unchanged */
        {fnd("industry", "grant", 7, 1, 10, "r4"), PREVIEW_OPEN},  /* changed: reason */
    };
    struct eval_result after = {.household_id = 1};
    struct finding af[] = {
        fnd("industry", "grant", 0, 1, 150, "r1"),
        fnd("industry", "same", 0, 1, 50, "r3"),
        fnd("industry", "grant", 7, 1, 10, "r4 new"),
        fnd("industry", "new", 0, 1, 20, "r5"), /* added */
        fnd("industry", "new", 0, 1, 99, "r6"), /* said twice: the first stands */
    };
    after.findings = af;
    after.n_findings = sizeof af / sizeof *af;
    CHECK(preview_add(&p, &hh, before, 4, &after) == 0);
    preview_finish(&p);
    CHECK(p.totals.n[PREVIEW_ADDED] == 1);
    CHECK(p.totals.n[PREVIEW_WITHDRAWN] == 1);
    CHECK(p.totals.n[PREVIEW_CHANGED] == 2);
    CHECK(p.totals.before == 160);
    CHECK(p.totals.after == 230);
    const struct preview_group *g = find_group(p.policies, p.n_policies, "industry", "grant");
    CHECK(g && g->c.n[PREVIEW_CHANGED] == 2 && g->c.before == 110 && g->c.after == 160);
    g = find_group(p.regions, p.n_regions, "C1", "T1");
    CHECK(g && g->c.n[PREVIEW_ADDED] == 1 && g->c.n[PREVIEW_WITHDRAWN] == 1);
    CHECK(p.n_examples[PREVIEW_ADDED] == 1 &&
          !strcmp(p.examples[PREVIEW_ADDED][0].reason_after, "r5"));
    CHECK(p.n_examples[PREVIEW_WITHDRAWN] == 1 &&
          !strcmp(p.examples[PREVIEW_WITHDRAWN][0].reason_before, "r2") &&
          !p.examples[PREVIEW_WITHDRAWN][0].reason_after);
    /* One example per household and kind, however many findings changed. */
    CHECK(p.n_examples[PREVIEW_CHANGED] == 1);
    CHECK(p.decided_total == 0);
    preview_free(&p);
}

/* A failed policy keeps its findings: nothing withdrawn, money unchanged. */
static void preview_failed_policy_keeps(void)
{
    struct preview p;
    preview_init(&p);
    struct household hh = household(2, "C1", NULL);
    struct preview_stored before[] = {{fnd("medical", "premium", 0, 1, 40, "r"), PREVIEW_OPEN}};
    struct eval_result after = {.household_id = 2};
    struct policy_error err = {.policy = "medical", .source = "plugin:medical@1", .msg = "boom"};
    after.errors = &err;
    after.n_errors = 1;
    CHECK(preview_add(&p, &hh, before, 1, &after) == 0);
    CHECK(p.totals.n[PREVIEW_WITHDRAWN] == 0 && p.totals.before == 40 && p.totals.after == 40);
    CHECK(p.errors == 1);
    preview_free(&p);
}

/* Accepted and rejected findings are never withdrawn or rewritten: listed
 * as affected, not counted; a rejected finding's money counts nowhere. */
static void preview_decided_listed(void)
{
    struct preview p;
    preview_init(&p);
    struct household hh = household(3, "C2", "T9");
    struct preview_stored before[] = {
        {fnd("industry", "grant", 0, 1, 100, "r1"), PREVIEW_ACCEPTED},
        {fnd("industry", "loan", 0, 1, 30, "r2"), PREVIEW_REJECTED},
    };
    struct eval_result after = {.household_id = 3};
    struct finding af[] = {fnd("industry", "grant", 0, 1, 120, "r1")};
    after.findings = af;
    after.n_findings = 1;
    CHECK(preview_add(&p, &hh, before, 2, &after) == 0);
    CHECK(p.totals.n[PREVIEW_CHANGED] == 0 && p.totals.n[PREVIEW_WITHDRAWN] == 0);
    CHECK(p.decided_total == 2 && p.n_decided == 2);
    CHECK(p.decided[0].state == PREVIEW_ACCEPTED && p.decided[0].change == PREVIEW_CHANGED);
    CHECK(p.decided[1].state == PREVIEW_REJECTED && p.decided[1].change == PREVIEW_WITHDRAWN);
    CHECK(p.totals.before == 100 && p.totals.after == 120);
    preview_free(&p);
}

/* exit_ready and return_risk moves are counted per household. */
static void preview_exit_flags(void)
{
    struct preview p;
    preview_init(&p);
    struct household hh = household(4, "C1", "T1");
    struct preview_stored before[] = {{fnd("exit", "return_risk", 0, 0, 0, "r"), PREVIEW_OPEN}};
    struct eval_result after = {.household_id = 4};
    struct finding af[] = {fnd("exit", "exit_ready", 0, 0, 0, "ready")};
    af[0].kind = FINDING_FLAG;
    after.findings = af;
    after.n_findings = 1;
    CHECK(preview_add(&p, &hh, before, 1, &after) == 0);
    CHECK(p.exit_ready_added == 1 && p.exit_ready_removed == 0);
    CHECK(p.return_risk_added == 0 && p.return_risk_removed == 1);
    preview_add_malformed(&p);
    CHECK(p.households == 2 && p.malformed == 1);
    preview_free(&p);
}

/* Households shared out between two models and merged give what one
 * model gives: the same counts, the same (lowest) example households. */
static void preview_merge_same_as_one(void)
{
    struct preview one, a, b;
    preview_init(&one);
    preview_init(&a);
    preview_init(&b);
    for (int64_t id = 1; id <= 20; id++) {
        struct household hh = household(id, "C1", id % 2 ? "T1" : "T2");
        struct preview_stored before[] = {{fnd("industry", "loan", 0, 1, 10, "old"), PREVIEW_OPEN}};
        struct eval_result after = {.household_id = id};
        struct finding af[] = {fnd("industry", "grant", 0, 1, (double)id, "new")};
        after.findings = af;
        after.n_findings = 1;
        CHECK(preview_add(&one, &hh, before, 1, &after) == 0);
        /* Interleaved batches, as the threads take them. */
        CHECK(preview_add((id - 1) / 3 % 2 ? &b : &a, &hh, before, 1, &after) == 0);
    }
    struct preview merged;
    preview_init(&merged);
    CHECK(preview_merge(&merged, &b) == 0);
    CHECK(preview_merge(&merged, &a) == 0);
    preview_finish(&one);
    preview_finish(&merged);
    CHECK(merged.households == 20 && merged.totals.n[PREVIEW_ADDED] == 20);
    CHECK(merged.totals.n[PREVIEW_WITHDRAWN] == 20 && merged.totals.after == one.totals.after);
    CHECK(merged.n_regions == one.n_regions && merged.n_policies == one.n_policies);
    for (size_t i = 0; i < merged.n_regions && i < one.n_regions; i++)
        CHECK(merged.regions[i].c.n[PREVIEW_ADDED] == one.regions[i].c.n[PREVIEW_ADDED]);
    CHECK(merged.n_examples[PREVIEW_ADDED] == PREVIEW_EXAMPLES);
    for (size_t i = 0; i < PREVIEW_EXAMPLES; i++)
        CHECK(merged.examples[PREVIEW_ADDED][i].household_id ==
              one.examples[PREVIEW_ADDED][i].household_id);
    preview_free(&merged);
    preview_free(&one);
}

/* The candidate's params come from a file holding only params:, with
 * file:line:col for what else it holds; without one, the live params. */
static void preview_candidate_config(void)
{
    const char *dir = test_tmpdir();
    char *cfgp = test_write_file(
        dir, "fupin.yaml", "database: x.db\npolicies: pol\nparams:\n  a: 1\n  b: {2017: 5}\n");
    char *good = test_write_file(dir, "good.yaml", "params:\n  a: 2\n");
    char *other = test_write_file(dir, "other.yaml", "params:\n  a: 2\nnightly: x\n");
    struct config *live, *cand;
    struct err e = {{0}};
    CHECK(config_load(cfgp, &live, &e) == 0);
    CHECK(config_candidate(live, NULL, NULL, NULL, &cand, &e) == 0);
    double v = 0;
    CHECK(cand && config_param_number(cand, "a", 2018, &v) == 0 && v == 1);
    CHECK(cand && config_param_number(cand, "b", 2018, &v) == 0 && v == 5);
    config_free(cand);
    CHECK(config_candidate(live, "/elsewhere", NULL, good, &cand, &e) == 0);
    CHECK(cand && config_param_number(cand, "a", 2018, &v) == 0 && v == 2);
    CHECK(cand && !config_param_find(cand, "b"));
    CHECK(cand && !strcmp(cand->policies_dir, "/elsewhere"));
    config_free(cand);
    CHECK(config_candidate(live, NULL, NULL, other, &cand, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "other.yaml:3:1");
    config_free(live);
    free(cfgp);
    free(good);
    free(other);
}

/* A version is recorded once; a second run of it adds nothing; a version
 * the migration listed without text gets its text on its first run. */
static void rule_version_recorded_once(void)
{
    char path[512];
    struct store *st = test_store_create("rules.db", path, sizeof path);
    struct err e = {{0}};
    struct rule_version v = {.kind = RULE_POLICY,
                             .name = "industry",
                             .source = "lua:policies/industry.lua@abc",
                             .hash = "abc",
                             .text = "return {}",
                             .now = "2018-06-30 10:00:00"};
    int added = -1;
    CHECK(store_rule_version_record(st, &v, &added, &e) == 0 && added == 1);
    CHECK(store_rule_version_record(st, &v, &added, &e) == 0 && added == 0);
    test_store_exec(st, "INSERT INTO rule_version(kind, name, source, hash)"
                        " VALUES ('policy', 'exit', 'lua:policies/exit.lua@def', 'def')");
    struct rule_version w = {.kind = RULE_POLICY,
                             .name = "exit",
                             .source = "lua:policies/exit.lua@def",
                             .hash = "def",
                             .text = "return { name = 'exit' }",
                             .now = "2018-07-01 09:00:00"};
    CHECK(store_rule_version_record(st, &w, &added, &e) == 0 && added == 0);
    store_close(st);
    char cmd[700], *out = NULL;
    snprintf(cmd, sizeof cmd,
             "sqlite3 '%s' \"SELECT count(*), sum(text IS NOT NULL), sum(activated_at IS NOT NULL)"
             " FROM rule_version\"",
             path);
    CHECK(test_run(cmd, &out) == 0);
    CHECK_STR_CONTAINS(out, "2|2|2");
    free(out);
}

int main(void)
{
    RUN(preview_counts_by_key);
    RUN(preview_failed_policy_keeps);
    RUN(preview_decided_listed);
    RUN(preview_exit_flags);
    RUN(preview_merge_same_as_one);
    RUN(preview_candidate_config);
    RUN(rule_version_recorded_once);
    return test_done();
}
