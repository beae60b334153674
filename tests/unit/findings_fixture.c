/* findings_fixture.c - see findings_fixture.h. */
#include "findings_fixture.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

struct store *st;
sqlite3 *obs;

const char EDU[] = "plugin:education@1.0";
const char IND[] = "lua:policies/industry.lua@v1";

void setup(void)
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

void teardown(void)
{
    sqlite3_close(obs);
    store_close(st);
    st = NULL;
}

long long qint(const char *sql)
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
const char *qtext(const char *sql)
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

void sql(const char *text)
{
    char *msg = NULL;
    if (sqlite3_exec(obs, text, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", text, msg);
        test_failures++;
    }
    sqlite3_free(msg);
}

void fake_init(struct fake *k, int64_t household_id)
{
    memset(k, 0, sizeof *k);
    k->res.household_id = household_id;
    k->res.findings = k->f;
    k->res.alerts = k->a;
    k->res.errors = k->err;
}

void add_finding(struct fake *k, const char *policy, const char *source, int64_t member,
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

void add_alert(struct fake *k, const char *policy, const char *source, const char *kind,
               const char *message)
{
    struct policy_alert *a = &k->a[k->res.n_alerts++];
    snprintf(a->kind, sizeof a->kind, "%s", kind);
    a->severity = SEVERITY_WARNING;
    a->policy = policy;
    a->source = source;
    a->message = (char *)message;
}

void add_error(struct fake *k, const char *policy, const char *source)
{
    struct policy_error *pe = &k->err[k->res.n_errors++];
    pe->policy = policy;
    pe->source = source;
    snprintf(pe->msg, sizeof pe->msg, "boom");
}

struct reconcile_stats run(struct fake *k, const char *now)
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

void base(struct fake *k)
{
    fake_init(k, 12);
    add_finding(k, "education", EDU, 0, "rain_plan", 1, 5000, "二(五) 教育: junior pupil");
    add_finding(k, "education", EDU, 40, "living_allowance", 1, 1000, "member 40 in school");
    add_finding(k, "industry", IND, 0, "project", 0, 0, "二(一) 产业: labour, no project");
}
