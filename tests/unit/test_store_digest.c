/* test_store_digest.c - reconciliation by digest against a real database:
 * the digest stands only while the rows do, each policy keeps its own part,
 * a moved source keeps it true, and a blob that does not hold together is
 * never trusted. */
#include "findings_fixture.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

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
    RUN(reconcile_by_digest_only_while_the_rows_stand);
    RUN(digest_per_policy);
    RUN(digest_and_moved_sources);
    RUN(a_bad_digest_is_not_trusted);
    return test_done();
}
