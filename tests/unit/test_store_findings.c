/* test_store_findings.c - reconciliation against a real database: insert,
 * leave alone, update, withdraw, reopen; human decisions kept; a failed
 * policy's rows untouched; policy alerts raised once and resolved. */
#include "store.h"
#include "store_findings.h"
#include "store_tally.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static struct store *st;
static sqlite3 *obs; /* a second connection that looks at what was written */

static const char EDU[] = "plugin:education@1.0";
static const char IND[] = "lua:policies/industry.lua@v1";

static void setup(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/f.db", test_tmpdir());
    struct err e = {{0}};
    if (store_open(path, STORE_CREATE, &st, &e) != 0) {
        fprintf(stderr, "store_open: %s\n", e.msg);
        exit(1);
    }
    if (store_exec(st,
                   "INSERT INTO region(code, name, level, parent) VALUES"
                   " ('4416', 'c', 'city', NULL), ('441602', 'q', 'county', '4416'),"
                   " ('441602001', 't', 'town', '441602'),"
                   " ('441602001001', 'v', 'village', '441602001');"
                   "INSERT INTO supervisor(id, name, region) VALUES (5, 'sup', '441602001');"
                   "INSERT INTO household(id, village) VALUES (12, '441602001001'),"
                   " (13, '441602001001');",
                   &e) != 0) {
        fprintf(stderr, "setup: %s\n", e.msg);
        exit(1);
    }
    if (sqlite3_open(path, &obs) != SQLITE_OK)
        exit(1);
}

static void teardown(void)
{
    sqlite3_close(obs);
    store_close(st);
    st = NULL;
}

static long long qint(const char *sql)
{
    sqlite3_stmt *s;
    long long v = -999;
    if (sqlite3_prepare_v2(obs, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(obs));
        test_failures++;
        return v;
    }
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static char qbuf[512];
static const char *qtext(const char *sql)
{
    sqlite3_stmt *s;
    snprintf(qbuf, sizeof qbuf, "(none)");
    if (sqlite3_prepare_v2(obs, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(obs));
        test_failures++;
        return qbuf;
    }
    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(qbuf, sizeof qbuf, "%s",
                 sqlite3_column_text(s, 0) ? (const char *)sqlite3_column_text(s, 0) : "(null)");
    sqlite3_finalize(s);
    return qbuf;
}

static void sql(const char *text)
{
    char *msg = NULL;
    if (sqlite3_exec(obs, text, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", text, msg);
        test_failures++;
    }
    sqlite3_free(msg);
}

/* An evaluation result built by hand (no allocation: never freed). */
struct fake {
    struct eval_result res;
    struct finding f[8];
    struct policy_alert a[4];
    struct policy_error err[2];
};

static void fake_init(struct fake *k, int64_t household_id)
{
    memset(k, 0, sizeof *k);
    k->res.household_id = household_id;
    k->res.findings = k->f;
    k->res.alerts = k->a;
    k->res.errors = k->err;
}

static void add_finding(struct fake *k, const char *policy, const char *source, int64_t member,
                        const char *measure, int has_amount, double amount, const char *reason)
{
    struct finding *f = &k->f[k->res.n_findings++];
    f->member_id = member;
    f->policy = policy;
    f->source = source;
    snprintf(f->measure, sizeof f->measure, "%s", measure);
    f->kind = FINDING_RECOMMEND;
    f->has_amount = has_amount;
    f->amount = amount;
    f->reason = (char *)reason;
}

static void add_alert(struct fake *k, const char *policy, const char *source, const char *kind,
                      const char *message)
{
    struct policy_alert *a = &k->a[k->res.n_alerts++];
    snprintf(a->kind, sizeof a->kind, "%s", kind);
    a->severity = SEVERITY_WARNING;
    a->policy = policy;
    a->source = source;
    a->message = (char *)message;
}

static void add_error(struct fake *k, const char *policy, const char *source)
{
    struct policy_error *pe = &k->err[k->res.n_errors++];
    pe->policy = policy;
    pe->source = source;
    snprintf(pe->msg, sizeof pe->msg, "boom");
}

static struct reconcile_stats run(struct fake *k, const char *now)
{
    struct reconcile_stats stats = {0};
    struct err e = {{0}};
    CHECK(store_begin(st, NULL, &e) == 0);
    int rc = store_reconcile(st, &k->res, now, &stats, &e);
    if (rc) {
        fprintf(stderr, "reconcile: %s\n", e.msg);
        test_failures++;
        store_rollback(st);
    } else {
        CHECK(store_commit(st, &e) == 0);
    }
    return stats;
}

static void base(struct fake *k)
{
    fake_init(k, 12);
    add_finding(k, "education", EDU, 0, "rain_plan", 1, 5000, "二(五) 教育: junior pupil");
    add_finding(k, "education", EDU, 40, "living_allowance", 1, 1000, "member 40 in school");
    add_finding(k, "industry", IND, 0, "project", 0, 0, "二(一) 产业: labour, no project");
}

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

/* The digest of the last reconciled evaluation lets the same evaluation
 * skip loading the findings, but only while no finding row of the
 * household changed since: whoever changes one drops it. */
static void reconcile_by_digest_only_while_the_rows_stand(void)
{
    setup();
    struct fake k;
    base(&k);
    run(&k, "2018-06-30 10:00:00");
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 1);
    struct reconcile_stats s = run(&k, "2018-07-01 10:00:00");
    CHECK(s.inserted == 0 && s.updated == 0 && s.withdrawn == 0 && s.unchanged == 3);

    /* Someone removed a row behind the engine's back: the same evaluation
     * must put it back, not trust the digest. */
    sql("DELETE FROM finding WHERE measure = 'project'");
    CHECK(qint("SELECT count(*) FROM finding_digest") == 0);
    s = run(&k, "2018-07-02 10:00:00");
    CHECK(s.inserted == 1 && s.unchanged == 2);
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 1);

    /* A withdrawal by hand: reopened by the unchanged evaluation. */
    sql("UPDATE finding SET state = 'withdrawn' WHERE measure = 'rain_plan'");
    CHECK(qint("SELECT count(*) FROM finding_digest") == 0);
    s = run(&k, "2018-07-03 10:00:00");
    CHECK(s.updated == 1 && s.unchanged == 2);
    CHECK(strcmp(qtext("SELECT state FROM finding WHERE measure = 'rain_plan'"), "open") == 0);

    /* A failed policy is part of the digest: its rows stay, the others
     * count as unchanged, by either path. */
    add_error(&k, "industry", IND);
    k.f[2].reason = "二(一) 产业: would differ";
    for (int i = 0; i < 2; i++) {
        s = run(&k, "2018-07-04 10:00:00");
        CHECK(s.inserted == 0 && s.updated == 0 && s.withdrawn == 0 && s.unchanged == 2);
    }
    CHECK(strcmp(qtext("SELECT reason FROM finding WHERE measure = 'project'"),
                 "二(一) 产业: labour, no project") == 0);
    /* Another household's digest is its own. */
    sql("UPDATE finding SET updated_at = updated_at WHERE household_id = 13");
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 1);

    /* A pass of some policies neither keeps its digest nor trusts one: the
     * whole evaluation's digest stands while its rows do. */
    char before[512];
    snprintf(before, sizeof before, "%s", qtext("SELECT hex(digest) FROM finding_digest"));
    struct fake p;
    fake_init(&p, 12);
    add_finding(&p, "education", EDU, 0, "rain_plan", 1, 5000, "二(五) 教育: junior pupil");
    add_finding(&p, "education", EDU, 40, "living_allowance", 1, 1000, "member 40 in school");
    add_error(&p, "industry", IND);
    struct err e = {{0}};
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_reconcile_hinted(st, &p.res, "2018-07-05 10:00:00", RECONCILE_NO_DIGEST, &s, &e) ==
          0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(strcmp(qtext("SELECT hex(digest) FROM finding_digest"), before) == 0);
    p.f[0].amount = 6000;
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_reconcile_hinted(st, &p.res, "2018-07-06 10:00:00", RECONCILE_NO_DIGEST, &s, &e) ==
          0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(qint("SELECT count(*) FROM finding_digest") == 0);

    /* A row moved to another household drops the digest it left. */
    run(&p, "2018-07-07 10:00:00");
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 1);
    sql("UPDATE finding SET household_id = 13 WHERE measure = 'project'");
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 0);
    teardown();
}

/* Schema v15: the digest drops when what a policy said or a decision
 * changes, not when only a source, updated_at or params_source does. A
 * row-by-row pass that moves a source and keeps no digest drops it itself,
 * so no digest names versions the rows no longer carry. */
static void digest_and_moved_sources(void)
{
    setup();
    struct fake k;
    base(&k);
    run(&k, "2018-06-30 10:00:00");
    sql("UPDATE finding SET updated_at = '2000-01-01 00:00:00', params_source = 'by hand'"
        " WHERE household_id = 12");
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 1);
    struct reconcile_stats s = run(&k, "2018-07-01 10:00:00");
    CHECK(s.updated == 0 && s.unchanged == 3);

    /* A new version saying the same, reconciled row by row, no digest kept. */
    k.f[2].source = "lua:policies/industry.lua@v2";
    struct err e = {{0}};
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_reconcile_hinted(st, &k.res, "2018-07-02 10:00:00", RECONCILE_NO_DIGEST, &s, &e) ==
          0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(s.updated == 1);
    CHECK(strcmp(qtext("SELECT source FROM finding WHERE measure = 'project'"),
                 "lua:policies/industry.lua@v2") == 0);
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 0);

    /* Trusted again once written, with the new version in it. */
    s = run(&k, "2018-07-03 10:00:00");
    CHECK(s.updated == 0 && s.unchanged == 3);
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 1);
    k.f[2].source = "lua:policies/industry.lua@v3";
    s = run(&k, "2018-07-04 10:00:00");
    CHECK(s.updated == 1 && s.unchanged == 2);
    CHECK(strcmp(qtext("SELECT source || ' ' || updated_at FROM finding WHERE measure = 'project'"),
                 "lua:policies/industry.lua@v3 2018-07-04 10:00:00") == 0);
    s = run(&k, "2018-07-05 10:00:00");
    CHECK(s.updated == 0 && s.unchanged == 3);

    /* What a policy said, changed by hand, still drops it. */
    sql("UPDATE finding SET amount = 1 WHERE measure = 'rain_plan'");
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 0);
    s = run(&k, "2018-07-06 10:00:00");
    CHECK(s.updated == 1 && s.unchanged == 2);
    teardown();
}

/* The digest keeps each policy's part: a pass of one policy compares that
 * part alone, a new version that says the same moves only the sources
 * (without reading the rows), and a policy whose rows were never compared
 * is not taken to have said nothing. */
static void digest_per_policy(void)
{
    setup();
    struct fake k;
    base(&k);
    run(&k, "2018-06-30 10:00:00");

    /* Industry alone, a new version saying the same; education out of the
     * pass. The rows are not read: a reason changed behind the digest's
     * back (its trigger dropped) stays as it is. */
    sql("DROP TRIGGER finding_digest_update;"
        "UPDATE finding SET reason = 'tampered' WHERE measure = 'rain_plan'");
    struct fake p;
    fake_init(&p, 12);
    add_finding(&p, "industry", "lua:policies/industry.lua@v2", 0, "project", 0, 0,
                "二(一) 产业: labour, no project");
    add_error(&p, "education", EDU);
    struct reconcile_stats s = run(&p, "2018-07-01 10:00:00");
    CHECK(s.updated == 1 && s.unchanged == 0 && s.inserted == 0 && s.withdrawn == 0);
    CHECK(strcmp(qtext("SELECT source || ' ' || updated_at FROM finding WHERE measure = 'project'"),
                 "lua:policies/industry.lua@v2 2018-07-01 10:00:00") == 0);
    CHECK(strcmp(qtext("SELECT reason FROM finding WHERE measure = 'rain_plan'"), "tampered") == 0);
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 1);
    /* Again: nothing to move, nothing written. */
    s = run(&p, "2018-07-02 10:00:00");
    CHECK(s.updated == 0 && s.unchanged == 1);
    CHECK(strcmp(qtext("SELECT updated_at FROM finding WHERE measure = 'project'"),
                 "2018-07-01 10:00:00") == 0);
    /* The whole evaluation on the new version: education's part was kept. */
    k.f[2].source = "lua:policies/industry.lua@v2";
    s = run(&k, "2018-07-03 10:00:00");
    CHECK(s.updated == 0 && s.unchanged == 3);
    CHECK(strcmp(qtext("SELECT reason FROM finding WHERE measure = 'rain_plan'"), "tampered") == 0);

    /* Industry says nothing now: its row is withdrawn, row by row. */
    fake_init(&p, 12);
    add_error(&p, "education", EDU);
    s = run(&p, "2018-07-04 10:00:00");
    CHECK(s.withdrawn == 1 && s.unchanged == 0);
    CHECK(strcmp(qtext("SELECT state FROM finding WHERE measure = 'project'"), "withdrawn") == 0);
    CHECK(strcmp(qtext("SELECT state FROM finding WHERE measure = 'rain_plan'"), "open") == 0);

    /* A digest started while education was out of the pass does not know
     * education's rows: education saying nothing then withdraws them. */
    sql("DELETE FROM finding_digest");
    run(&p, "2018-07-05 10:00:00");
    CHECK(qint("SELECT count(*) FROM finding_digest WHERE household_id = 12") == 1);
    fake_init(&p, 12);
    s = run(&p, "2018-07-06 10:00:00");
    CHECK(s.withdrawn == 2);
    CHECK(qint("SELECT count(*) FROM finding WHERE household_id = 12 AND state = 'open'") == 0);

    /* A decided finding keeps its version; only open rows move. */
    run(&k, "2018-07-07 10:00:00");
    sql("UPDATE finding SET state = 'accepted' WHERE measure = 'project'");
    run(&k, "2018-07-08 10:00:00"); /* the digest again */
    k.f[2].source = "lua:policies/industry.lua@v3";
    s = run(&k, "2018-07-09 10:00:00");
    CHECK(s.updated == 0 && s.unchanged == 3);
    CHECK(strcmp(qtext("SELECT source FROM finding WHERE measure = 'project'"),
                 "lua:policies/industry.lua@v2") == 0);
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

/* A digest that does not hold together (a tampered or truncated blob, an
 * older layout) is never trusted: the rows are compared one by one and a
 * good digest is written in its place. */
static void a_bad_digest_is_not_trusted(void)
{
    setup();
    struct fake k;
    base(&k);
    run(&k, "2018-06-30 10:00:00");
    static const char *const bad[] = {
        "x''",                                   /* empty */
        "x'02'",                                 /* too short */
        "x'0240000000'",                         /* 64 entries claimed, none there */
        "x'02FF00'",                             /* more entries than a digest holds */
        "x'020100' || zeroblob(23)",             /* one byte short of its entry */
        "x'0100000000000000000000000000000000'", /* the layout of schema v13 */
        "x'03000000'",                           /* an unknown layout */
        /* Entries out of order, a policy twice, a policy known and unknown. */
        "x'"
        "020200050000000000000000000000000000000000000000000000010000000000000000000000000000000000"
        "000000000000'",
        "x'"
        "020200010000000000000000000000000000000000000000000000010000000000000000000000000000000000"
        "000000000000'",
        "x'0201010100000000000000000000000000000000000000000000000100000000000000'",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* Behind the digest's back, without its trigger. */
        char q[512];
        snprintf(q, sizeof q,
                 "DROP TRIGGER IF EXISTS finding_digest_update;"
                 "UPDATE finding SET reason = 'tampered' WHERE measure = 'rain_plan';"
                 "UPDATE finding_digest SET digest = %s WHERE household_id = 12",
                 bad[i]);
        sql(q);
        struct reconcile_stats s = run(&k, "2018-07-01 10:00:00");
        CHECK(s.updated == 1 && s.unchanged == 2);
        CHECK(strcmp(qtext("SELECT reason FROM finding WHERE measure = 'rain_plan'"),
                     "二(五) 教育: junior pupil") == 0);
        CHECK(qint("SELECT length(digest) FROM finding_digest WHERE household_id = 12") > 3);
    }
    teardown();
}

int main(void)
{
    RUN(reconcile_inserts_then_writes_nothing_when_unchanged);
    RUN(reconcile_updates_withdraws_and_reopens);
    RUN(reconcile_by_digest_only_while_the_rows_stand);
    RUN(reconcile_keeps_human_decisions_and_notes_changed_facts);
    RUN(reconcile_leaves_a_failed_policy_alone);
    RUN(reconcile_raises_alerts_once_and_resolves_them);
    RUN(reconcile_writes_alerts_only_on_change);
    RUN(params_source_written_once);
    RUN(new_version_moves_only_the_source);
    RUN(digest_per_policy);
    RUN(digest_and_moved_sources);
    RUN(a_bad_digest_is_not_trusted);
    RUN(reconcile_counts_the_difference_in_a_tally);
    RUN(alert_households_and_hinted_reconcile);
    RUN(data_quality_alert_raise_and_resolve);
    RUN(forget_household_withdraws_and_resolves);
    return test_done();
}
