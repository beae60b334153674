/* test_store_findings.c - reconciliation against a real database: insert,
 * leave alone, update, withdraw, reopen; human decisions kept; a failed
 * policy's rows untouched; policy alerts raised once and resolved; the
 * tally of a reload's difference. The digest's tests: test_store_digest.c. */
#include "findings_fixture.h"
#include "store_tally.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static void reconcile_inserts_then_writes_nothing_when_unchanged(void)
{
    setup();
    struct fake k;
    base(&k);
    struct reconcile_stats s = run(&k, "2018-06-30 10:00:00");
    CHECK(s.inserted == 3 && s.updated == 0 && s.withdrawn == 0 && s.unchanged == 0);
    CHECK(qint("SELECT count(*) FROM finding WHERE household_id = 12 AND state = 'open'"
               " AND created_at = '2018-06-30 10:00:00' AND updated_at = created_at") == 3);
    CHECK(qint("SELECT count(*) FROM finding WHERE member_id IS NULL") == 2);
    CHECK(qint("SELECT amount FROM finding WHERE measure = 'living_allowance'"
               " AND member_id = 40") == 1000);
    CHECK(qint("SELECT amount FROM finding WHERE measure = 'project'") == -1);
    CHECK(strcmp(qtext("SELECT source || '|' || kind FROM finding WHERE measure = 'rain_plan'"),
                 "plugin:education@1.0|recommend") == 0);

    long long version = qint("PRAGMA data_version");
    s = run(&k, "2018-07-01 10:00:00");
    CHECK(s.inserted == 0 && s.updated == 0 && s.withdrawn == 0 && s.unchanged == 3);
    CHECK(qint("SELECT count(*) FROM finding WHERE updated_at = '2018-06-30 10:00:00'") == 3);
    /* Nothing committed at all. */
    CHECK(qint("PRAGMA data_version") == version);
    teardown();
}

static void reconcile_updates_withdraws_and_reopens(void)
{
    setup();
    struct fake k;
    base(&k);
    run(&k, "2018-06-30 10:00:00");

    k.f[0].amount = 5500;                     /* amount changed */
    k.f[1].reason = "member 40 in school, 2"; /* reason changed */
    k.f[2].source = "lua:policies/industry.lua@v2";
    struct reconcile_stats s = run(&k, "2018-07-01 10:00:00");
    CHECK(s.updated == 3 && s.unchanged == 0 && s.inserted == 0);
    CHECK(qint("SELECT amount FROM finding WHERE measure = 'rain_plan'") == 5500);
    CHECK(strcmp(qtext("SELECT reason FROM finding WHERE measure = 'living_allowance'"),
                 "member 40 in school, 2") == 0);
    CHECK(strcmp(qtext("SELECT source FROM finding WHERE measure = 'project'"),
                 "lua:policies/industry.lua@v2") == 0);
    CHECK(qint("SELECT count(*) FROM finding WHERE updated_at = '2018-07-01 10:00:00'"
               " AND created_at = '2018-06-30 10:00:00'") == 3);

    /* The allowance no longer applies. */
    struct fake k2;
    fake_init(&k2, 12);
    k2.f[0] = k.f[0];
    k2.f[1] = k.f[2];
    k2.res.n_findings = 2;
    s = run(&k2, "2018-07-02 10:00:00");
    CHECK(s.withdrawn == 1 && s.unchanged == 2);
    CHECK(strcmp(qtext("SELECT state || ' ' || updated_at FROM finding"
                       " WHERE measure = 'living_allowance'"),
                 "withdrawn 2018-07-02 10:00:00") == 0);
    /* Still absent: nothing more to do. */
    s = run(&k2, "2018-07-03 10:00:00");
    CHECK(s.withdrawn == 0 && s.unchanged == 2 && s.updated == 0);

    /* It applies again: the same row reopens. */
    s = run(&k, "2018-07-04 10:00:00");
    CHECK(s.updated == 1 && s.inserted == 0 && s.unchanged == 2);
    CHECK(qint("SELECT count(*) FROM finding WHERE measure = 'living_allowance'") == 1);
    CHECK(strcmp(qtext("SELECT state || ' ' || updated_at FROM finding"
                       " WHERE measure = 'living_allowance'"),
                 "open 2018-07-04 10:00:00") == 0);
    /* Other households are not affected. */
    CHECK(qint("SELECT count(*) FROM finding WHERE household_id <> 12") == 0);
    teardown();
}

static void reconcile_keeps_human_decisions_and_notes_changed_facts(void)
{
    setup();
    struct fake k;
    base(&k);
    run(&k, "2018-06-30 10:00:00");
    sql("UPDATE finding SET state = 'accepted', updated_at = '2018-06-30 12:00:00'"
        " WHERE measure = 'rain_plan';"
        "UPDATE finding SET state = 'rejected', updated_at = '2018-06-30 12:00:00'"
        " WHERE measure = 'project';");

    /* Same facts: nothing to note. */
    struct reconcile_stats s = run(&k, "2018-07-01 10:00:00");
    CHECK(s.unchanged == 3 && s.updated == 0);
    CHECK(qint("SELECT count(*) FROM finding WHERE facts_changed_at IS NOT NULL") == 0);

    /* New amount: the decided row keeps its amount and state; the change is noted. */
    k.f[0].amount = 6000;
    s = run(&k, "2018-07-02 10:00:00");
    CHECK(s.updated == 1);
    CHECK(strcmp(qtext("SELECT state || ' ' || amount || ' ' || updated_at || ' ' ||"
                       " facts_changed_at FROM finding WHERE measure = 'rain_plan'"),
                 "accepted 5000.0 2018-06-30 12:00:00 2018-07-02 10:00:00") == 0);
    /* Noted once: a later run with the same news writes nothing. */
    s = run(&k, "2018-07-03 10:00:00");
    CHECK(s.updated == 0 && s.unchanged == 3);
    CHECK(strcmp(qtext("SELECT facts_changed_at FROM finding WHERE measure = 'rain_plan'"),
                 "2018-07-02 10:00:00") == 0);

    /* The rejected finding no longer applies: it stays rejected, noted once. */
    k.res.n_findings = 2;
    s = run(&k, "2018-07-04 10:00:00");
    CHECK(s.withdrawn == 0 && s.updated == 1);
    CHECK(strcmp(qtext("SELECT state || ' ' || facts_changed_at FROM finding"
                       " WHERE measure = 'project'"),
                 "rejected 2018-07-04 10:00:00") == 0);
    s = run(&k, "2018-07-05 10:00:00");
    CHECK(s.updated == 0);
    CHECK(strcmp(qtext("SELECT facts_changed_at FROM finding WHERE measure = 'project'"),
                 "2018-07-04 10:00:00") == 0);
    teardown();
}

static void reconcile_leaves_a_failed_policy_alone(void)
{
    setup();
    struct fake k;
    base(&k);
    add_alert(&k, "industry", IND, "no_project", "labour but no project");
    run(&k, "2018-06-30 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert WHERE kind = 'no_project' AND state = 'open'") == 1);

    /* industry fails (its findings and alerts were dropped by the runner;
     * it raised policy_error instead); education still runs. */
    struct fake f;
    fake_init(&f, 12);
    f.f[0] = k.f[0];
    f.res.n_findings = 1;
    add_error(&f, "industry", "lua:policies/industry.lua@v2");
    add_alert(&f, "industry", "lua:policies/industry.lua@v2", "policy_error",
              "policy lua:policies/industry.lua@v2 failed: boom");
    struct reconcile_stats s = run(&f, "2018-07-01 10:00:00");
    CHECK(s.withdrawn == 1); /* education's living_allowance only */
    CHECK(strcmp(qtext("SELECT state || ' ' || updated_at FROM finding WHERE policy = 'industry'"),
                 "open 2018-06-30 10:00:00") == 0);
    CHECK(qint("SELECT count(*) FROM alert WHERE kind = 'no_project' AND state = 'open'") == 1);
    CHECK(qint("SELECT count(*) FROM alert WHERE kind = 'policy_error' AND state = 'open'"
               " AND subject = 'household:12' AND household_id = 12") == 1);
    CHECK(strcmp(qtext("SELECT region || ' ' || level || ' ' || supervisor_id FROM alert"
                       " WHERE kind = 'policy_error'"),
                 "441602001 town 5") == 0);

    /* Still failing: the same alert, neither duplicated nor rewritten. */
    run(&f, "2018-07-02 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert WHERE kind = 'policy_error'") == 1);
    CHECK(strcmp(qtext("SELECT last_seen_at || ' ' || opened_at FROM alert"
                       " WHERE kind = 'policy_error'"),
                 "2018-07-01 10:00:00 2018-07-01 10:00:00") == 0);

    /* Fixed and running again without the alert: both resolved, industry's
     * findings reconciled again. */
    struct fake ok;
    fake_init(&ok, 12);
    ok.f[0] = k.f[0];
    ok.res.n_findings = 1;
    s = run(&ok, "2018-07-03 10:00:00");
    CHECK(s.withdrawn == 1);
    CHECK(qint("SELECT count(*) FROM alert WHERE state = 'resolved'"
               " AND resolved_at = '2018-07-03 10:00:00'") == 2);
    CHECK(qint("SELECT count(*) FROM alert WHERE state IN ('open','acked')") == 0);
    teardown();
}

static void reconcile_raises_alerts_once_and_resolves_them(void)
{
    setup();
    struct fake k;
    fake_init(&k, 12);
    add_alert(&k, "education", EDU, "dropout", "member 41 left school");
    run(&k, "2018-06-30 10:00:00");
    run(&k, "2018-07-01 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert") == 1);
    CHECK(strcmp(qtext("SELECT kind || ' ' || subject || ' ' || state || ' ' || source || ' '"
                       " || last_seen_at FROM alert"),
                 "dropout household:12 open plugin:education@1.0 2018-06-30 10:00:00") == 0);

    /* An alert the policies did not raise (a nightly job's) is not theirs
     * to resolve; another household's alerts neither. */
    struct err e = {{0}};
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_data_quality_alert(st, 13, "household 13: member 1: birth_date is not a date",
                                   "2018-06-30 10:00:00", &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    sql("INSERT INTO alert(kind, severity, household_id, message, opened_at, last_seen_at,"
        " subject, source) VALUES ('no_visit', 'info', 12, 'm', '2018-06-01', '2018-06-01',"
        " 'household:12', 'nightly')");

    /* The dropout is gone. */
    fake_init(&k, 12);
    run(&k, "2018-07-02 10:00:00");
    CHECK(strcmp(qtext("SELECT state || ' ' || resolved_at FROM alert WHERE kind = 'dropout'"),
                 "resolved 2018-07-02 10:00:00") == 0);
    CHECK(strcmp(qtext("SELECT state FROM alert WHERE kind = 'no_visit'"), "open") == 0);
    CHECK(strcmp(qtext("SELECT state FROM alert WHERE kind = 'data_quality'"), "open") == 0);

    /* It comes back: a new live row, the old one stays resolved. */
    add_alert(&k, "education", EDU, "dropout", "member 41 left school again");
    run(&k, "2018-07-03 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert WHERE kind = 'dropout'") == 2);
    CHECK(qint("SELECT count(*) FROM alert WHERE kind = 'dropout' AND state = 'open'") == 1);

    /* Household 13 reads cleanly again: its data_quality alert resolves. */
    fake_init(&k, 13);
    run(&k, "2018-07-04 10:00:00");
    CHECK(strcmp(qtext("SELECT state FROM alert WHERE kind = 'data_quality'"), "resolved") == 0);
    teardown();
}

/* Policy alerts are written only when something about them changes; the
 * same detection again writes nothing (alert_writes counts every write),
 * whatever a person did to the alert or to the findings' digest. */
static void reconcile_writes_alerts_only_on_change(void)
{
    setup();
    sql("CREATE TABLE alert_writes(n INT);"
        "CREATE TRIGGER alert_written AFTER UPDATE ON alert BEGIN"
        " INSERT INTO alert_writes VALUES (1); END;"
        "CREATE TRIGGER alert_opened AFTER INSERT ON alert BEGIN"
        " INSERT INTO alert_writes VALUES (1); END;");
    struct fake k;
    base(&k);
    add_alert(&k, "education", EDU, "dropout", "member 41 left school");
    add_alert(&k, "industry", IND, "no_project", "labour but no project");
    run(&k, "2018-06-30 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert_writes") == 2);
    run(&k, "2018-07-01 10:00:00");
    sql("DELETE FROM finding_digest"); /* the findings compared row by row: alerts the same */
    run(&k, "2018-07-02 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert_writes") == 2);
    CHECK(qint("SELECT count(*) FROM alert WHERE last_seen_at = '2018-06-30 10:00:00'") == 2);

    /* A new message or severity: the same row, rewritten. */
    k.a[0].message = "member 41 left school in May";
    k.a[1].severity = SEVERITY_CRITICAL;
    run(&k, "2018-07-03 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert_writes") == 4);
    CHECK(strcmp(qtext("SELECT count(*) || ' ' || group_concat(severity || ':' || message, '|')"
                       " FROM (SELECT * FROM alert WHERE last_seen_at = '2018-07-03 10:00:00'"
                       " AND opened_at = '2018-06-30 10:00:00' ORDER BY kind)"),
                 "2 warning:member 41 left school in May|critical:labour but no project") == 0);

    /* Acknowledged by a person: left acknowledged and untouched. */
    sql("UPDATE alert SET state = 'acked', acked_at = 'x' WHERE kind = 'dropout'");
    sql("DELETE FROM alert_writes");
    run(&k, "2018-07-04 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert_writes") == 0);
    CHECK(strcmp(qtext("SELECT state FROM alert WHERE kind = 'dropout'"), "acked") == 0);

    /* Resolved by a person while the policy still says it: opened anew. */
    sql("UPDATE alert SET state = 'resolved', resolved_at = 'x' WHERE kind = 'no_project'");
    sql("DELETE FROM alert_writes");
    run(&k, "2018-07-05 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert_writes") == 1);
    CHECK(qint("SELECT count(*) FROM alert WHERE kind = 'no_project' AND state = 'open'"
               " AND opened_at = '2018-07-05 10:00:00'") == 1);

    /* Routing: the town gets a first supervisor, then the household moves:
     * its alerts follow; then nothing changes again. */
    sql("INSERT INTO supervisor(id, name, region) VALUES (2, 'first', '441602001');"
        "INSERT INTO region(code, name, level, parent) VALUES ('441602002', 't2', 'town',"
        " '441602'), ('441602002001', 'v2', 'village', '441602002');");
    sql("DELETE FROM alert_writes");
    run(&k, "2018-07-06 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert WHERE state IN ('open','acked')"
               " AND supervisor_id = 2") == 2);
    sql("UPDATE household SET village = '441602002001' WHERE id = 12");
    run(&k, "2018-07-07 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert WHERE state IN ('open','acked')"
               " AND region = '441602002' AND supervisor_id = 2") == 2);
    CHECK(qint("SELECT count(*) FROM alert_writes") == 4);
    run(&k, "2018-07-08 10:00:00");
    CHECK(qint("SELECT count(*) FROM alert_writes") == 4);

    /* Said twice in one evaluation: the last one stands, as before. */
    k.a[2] = k.a[0];
    k.a[2].message = "member 41 left school (second)";
    k.res.n_alerts = 3;
    run(&k, "2018-07-09 10:00:00");
    CHECK(strcmp(qtext("SELECT message FROM alert WHERE kind = 'dropout' AND state = 'acked'"),
                 "member 41 left school (second)") == 0);
    teardown();
}

/* Each finding written names the live params set (engine_meta
 * params_source): reconciliation names it itself, in one write per row. */
static void params_source_written_once(void)
{
    setup();
    sql("INSERT INTO engine_meta(key, value) VALUES ('params_source', 'params@a');"
        "CREATE TABLE finding_writes(n INT);"
        "CREATE TRIGGER finding_written AFTER UPDATE ON finding BEGIN"
        " INSERT INTO finding_writes VALUES (1); END;");
    struct fake k;
    base(&k);
    run(&k, "2018-06-30 10:00:00");
    CHECK(qint("SELECT count(*) FROM finding WHERE params_source = 'params@a'") == 3);
    CHECK(qint("SELECT count(*) FROM finding_writes") == 0); /* no second write */

    sql("UPDATE engine_meta SET value = 'params@b' WHERE key = 'params_source'");
    k.f[0].reason = "二(五) 教育: junior pupil, again";
    run(&k, "2018-07-01 10:00:00");
    CHECK(qint("SELECT count(*) FROM finding_writes") == 1);
    CHECK(strcmp(qtext("SELECT group_concat(params_source, ' ') FROM"
                       " (SELECT params_source FROM finding ORDER BY id)"),
                 "params@b params@a params@a") == 0);

    /* Another writer keeps what it wrote (schema v15): no params set
     * computed a row written by hand. */
    sql("INSERT INTO finding(household_id, policy, measure, kind, reason, source, state,"
        " created_at, updated_at, params_source) VALUES (13, 'x', 'y', 'flag', 'r', 's', 'open',"
        " 'now', 'now', 'params@old');"
        "UPDATE finding SET reason = 'by hand' WHERE measure = 'project';");
    CHECK(strcmp(qtext("SELECT group_concat(params_source, ' ') FROM"
                       " (SELECT params_source FROM finding ORDER BY id)"),
                 "params@b params@a params@a params@old") == 0);
    teardown();
}

/* A new version of a rule that says the same (a policy edit that changes
 * nothing for this household) moves only the source: kind, amount, reason
 * and state are not written, so the state index is left alone. */
static void new_version_moves_only_the_source(void)
{
    setup();
    sql("INSERT INTO engine_meta(key, value) VALUES ('params_source', 'params@a');");
    struct fake k;
    base(&k);
    run(&k, "2018-06-30 10:00:00");
    sql("UPDATE engine_meta SET value = 'params@b' WHERE key = 'params_source';"
        "CREATE TABLE writes(what TEXT);"
        "CREATE TRIGGER w_state AFTER UPDATE OF state ON finding BEGIN"
        " INSERT INTO writes VALUES ('state'); END;"
        "CREATE TRIGGER w_reason AFTER UPDATE OF kind, amount, reason ON finding BEGIN"
        " INSERT INTO writes VALUES ('content'); END;"
        "CREATE TRIGGER w_source AFTER UPDATE OF source ON finding BEGIN"
        " INSERT INTO writes VALUES ('source'); END;");
    k.f[2].source = "lua:policies/industry.lua@v2";
    struct reconcile_stats s = run(&k, "2018-07-01 10:00:00");
    CHECK(s.updated == 1 && s.unchanged == 2);
    CHECK(strcmp(qtext("SELECT group_concat(what, ' ') FROM writes"), "source") == 0);
    CHECK(strcmp(qtext("SELECT source || ' ' || state || ' ' || updated_at || ' ' || params_source"
                       " FROM finding WHERE measure = 'project'"),
                 "lua:policies/industry.lua@v2 open 2018-07-01 10:00:00 params@b") == 0);
    /* Nothing changed since: nothing written. */
    s = run(&k, "2018-07-02 10:00:00");
    CHECK(s.updated == 0 && s.unchanged == 3);
    CHECK(qint("SELECT count(*) FROM writes") == 1);
    teardown();
}

/* The engine asks once per batch which households have live alerts and
 * tells reconciliation when one has none: its new alerts are still raised. */
static void alert_households_and_hinted_reconcile(void)
{
    setup();
    struct fake k;
    fake_init(&k, 12);
    add_alert(&k, "education", EDU, "dropout", "member 41 left school");
    run(&k, "2018-06-30 10:00:00");
    struct err e = {{0}};
    int64_t ids[4];
    int n = 0;
    CHECK(store_alert_households(st, 10, 20, 4, ids, &n, &e) == 0);
    CHECK(n == 1 && ids[0] == 12);
    CHECK(store_alert_households(st, 10, 20, 0, ids, &n, &e) == 0 && n == -1);
    CHECK(store_alert_households(st, 13, 20, 4, ids, &n, &e) == 0 && n == 0);

    fake_init(&k, 13);
    add_alert(&k, "education", EDU, "dropout", "member 51 left school");
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_reconcile_hinted(st, &k.res, "2018-06-30 11:00:00", RECONCILE_NO_LIVE_ALERTS, NULL,
                                 &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(qint("SELECT count(*) FROM alert WHERE household_id = 13 AND state = 'open'") == 1);
    CHECK(store_alert_households(st, 10, 20, 4, ids, &n, &e) == 0);
    CHECK(n == 2 && ids[0] == 12 && ids[1] == 13);
    /* Resolved: no longer live. */
    fake_init(&k, 12);
    run(&k, "2018-07-01 10:00:00");
    CHECK(store_alert_households(st, 10, 20, 4, ids, &n, &e) == 0 && n == 1 && ids[0] == 13);
    teardown();
}

static void data_quality_alert_raise_and_resolve(void)
{
    setup();
    struct err e = {{0}};
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_data_quality_alert(st, 12, "household 12: labor \"x\"", "2018-06-30 10:00:00",
                                   &e) == 0);
    CHECK(store_data_quality_alert(st, 12, "household 12: labor \"y\"", "2018-07-01 10:00:00",
                                   &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(strcmp(qtext("SELECT count(*) || ' ' || max(message) || ' ' || max(level) FROM alert"
                       " WHERE kind = 'data_quality' AND state = 'open'"
                       " AND subject = 'household:12'"),
                 "1 household 12: labor \"y\" town") == 0);
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_data_quality_resolve(st, 12, "2018-07-02 10:00:00", &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(qint("SELECT count(*) FROM alert WHERE state = 'resolved'") == 1);
    teardown();
}

static void forget_household_withdraws_and_resolves(void)
{
    setup();
    struct fake k;
    base(&k);
    add_alert(&k, "education", EDU, "dropout", "member 41 left school");
    run(&k, "2018-06-30 10:00:00");
    sql("UPDATE finding SET state = 'accepted' WHERE measure = 'rain_plan'");
    struct err e = {{0}};
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_forget_household(st, 12, "2018-07-01 10:00:00", NULL, &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(qint("SELECT count(*) FROM finding WHERE state = 'withdrawn'"
               " AND updated_at = '2018-07-01 10:00:00'") == 2);
    CHECK(strcmp(qtext("SELECT state FROM finding WHERE measure = 'rain_plan'"), "accepted") == 0);
    CHECK(strcmp(qtext("SELECT state FROM alert WHERE kind = 'dropout'"), "resolved") == 0);
    teardown();
}

static void run_counted(struct fake *k, const char *now, struct store_tally *t)
{
    struct reconcile_stats stats = {.tally = t};
    struct err e = {{0}};
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_reconcile(st, &k->res, now, &stats, &e) == 0);
    CHECK(store_commit(st, &e) == 0);
}

/* A reload's difference is counted as the rows are written: per finding
 * from its state before the first write to after the last, for the
 * reloaded policies only, as comparing before and after would count it. */
static void reconcile_counts_the_difference_in_a_tally(void)
{
    setup();
    struct fake k;
    base(&k);
    run(&k, "2018-06-30 10:00:00");
    struct store_tally *t = NULL;
    struct err e = {{0}};
    CHECK(store_tally_new("education", &t, &e) == 0);
    CHECK(store_tally_wants(t, "education") && !store_tally_wants(t, "industry") &&
          !store_tally_wants(t, "educ") && !store_tally_wants(t, "") &&
          !store_tally_wants(NULL, "education"));

    struct fake a;
    fake_init(&a, 12);
    add_finding(&a, "education", EDU, 0, "rain_plan", 1, 6000, "二(五) 教育: junior pupil");
    add_finding(&a, "education", EDU, 0, "textbook", 1, 300, "二(五) 教育: books");
    add_finding(&a, "industry", IND, 0, "project", 0, 0, "二(一) 产业: another reason");
    run_counted(&a, "2018-07-01 10:00:00", t);
    a.f[0].amount = 5000; /* changed back: no difference */
    run_counted(&a, "2018-07-02 10:00:00", t);

    struct rule_diff *d = NULL;
    size_t n = 0;
    CHECK(store_tally_diffs(t, &d, &n, &e) == 0);
    CHECK(n == 2);
    if (n == 2) {
        CHECK(strcmp(d[0].measure, "living_allowance") == 0 && d[0].withdrawn == 1 &&
              d[0].added == 0 && d[0].changed == 0 && d[0].amount_before == 1000 &&
              d[0].amount_after == 0);
        CHECK(strcmp(d[1].measure, "textbook") == 0 && d[1].added == 1 && d[1].amount_before == 0 &&
              d[1].amount_after == 300);
        CHECK(strcmp(d[0].policy, "education") == 0 && strcmp(d[1].policy, "education") == 0);
    }
    rule_diffs_free(d, n);

    /* The household goes: its open findings are withdrawn; one added in
     * the same reload and gone again is no difference. */
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_forget_household(st, 12, "2018-07-03 10:00:00", t, &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(store_tally_diffs(t, &d, &n, &e) == 0);
    CHECK(n == 2);
    if (n == 2) {
        CHECK(strcmp(d[0].measure, "living_allowance") == 0 && d[0].withdrawn == 1);
        CHECK(strcmp(d[1].measure, "rain_plan") == 0 && d[1].withdrawn == 1 &&
              d[1].amount_before == 5000 && d[1].amount_after == 0);
    }
    rule_diffs_free(d, n);
    store_tally_free(t);
    teardown();
}

int main(void)
{
    RUN(reconcile_inserts_then_writes_nothing_when_unchanged);
    RUN(reconcile_updates_withdraws_and_reopens);
    RUN(reconcile_keeps_human_decisions_and_notes_changed_facts);
    RUN(reconcile_leaves_a_failed_policy_alone);
    RUN(reconcile_raises_alerts_once_and_resolves_them);
    RUN(reconcile_writes_alerts_only_on_change);
    RUN(params_source_written_once);
    RUN(new_version_moves_only_the_source);
    RUN(reconcile_counts_the_difference_in_a_tally);
    RUN(alert_households_and_hinted_reconcile);
    RUN(data_quality_alert_raise_and_resolve);
    RUN(forget_household_withdraws_and_resolves);
    return test_done();
}
