/* test_nightly.c - the nightly job on a small hand-built city: escalation
 * town -> county -> city, resolution, idempotence, one digest per
 * supervisor, acked alerts kept quiet until they climb, and the schedule's
 * catch-up decision with fixed clocks. */
#include "config.h"
#include "nightly.h"
#include "nightly_timer.h"
#include "store.h"
#include "store_alert.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char city_sql[] =
    "INSERT INTO region(code, name, level, parent) VALUES"
    " ('4416', '河源市', 'city', NULL), ('441602', '源城区', 'county', '4416'),"
    " ('441602101', '埔前镇', 'town', '441602'),"
    " ('441602101001', '甲村', 'village', '441602101'),"
    " ('441602101002', '乙村', 'village', '441602101');"
    "INSERT INTO supervisor(id, name, region, channel, address) VALUES"
    " (1, '市督查组', '4416', 'file', NULL), (2, '县督查组', '441602', 'file', NULL),"
    " (3, '镇工作组', '441602101', 'file', NULL);"
    "INSERT INTO cadre(id, name, region) VALUES (1, '李四', '441602101001'),"
    " (2, '王五', '441602101002');"
    "INSERT INTO household(id, village, head_name, registered_at) VALUES"
    " (1, '441602101001', 'A', '2016-01-01'), (2, '441602101001', 'B', '2016-01-01'),"
    " (3, '441602101002', 'C', '2016-01-01');"
    "INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2016-02-01'),"
    " (2, 1, '2016-02-01'), (3, 2, '2016-02-01');"
    "INSERT INTO visit(household_id, cadre_id, date) VALUES (1, 1, '2018-06-01'),"
    " (3, 2, '2018-06-01');";

static char dir[256], db_path[300];
static struct config *cfg;
static struct store *st;
static sqlite3 *ro;

static void setup(const char *extra_sql)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(db_path, sizeof db_path, "%s/fupin.db", dir);
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "database: fupin.db\npolicies: policies\n"
             "params:\n  supervision:\n    no_visit_days: 90\n"
             "    reduction_target: 0.33\n    reduction_margin: 0.10\n"
             "schedule: {nightly_at: \"02:00\", timezone: Asia/Shanghai}\n"
             "escalation: {county_days: 7, city_days: 30}\n"
             "channels:\n  file: {dir: spool}\n"
             "delivery: {max_attempts: 3, backoff_s: 0}\n");
    cfg = test_config_load(dir, yaml);
    st = test_store_with(db_path, city_sql, extra_sql, NULL);
    sqlite3_open_v2(db_path, &ro, SQLITE_OPEN_READONLY, NULL);
}

static void teardown(void)
{
    sqlite3_close(ro);
    store_close(st);
    config_free(cfg);
}

static long q_int(const char *sql)
{
    return test_query_int(ro, sql);
}

static char *q_text(const char *sql)
{
    return test_query_text(ro, sql);
}

static struct nightly_report run(const char *date)
{
    struct nightly_report r;
    struct err e;
    int rc = nightly_run(cfg, st, date, NULL, &r, &e);
    if (rc)
        fprintf(stderr, "nightly_run %s: %s\n", date, e.msg);
    CHECK(rc == 0);
    return r;
}

#define TASK_ALERT "SELECT %s FROM alert WHERE kind = 'task_overdue' AND subject = 'task:1'"

static long task_alert(const char *col)
{
    char sql[256];
    snprintf(sql, sizeof sql, TASK_ALERT " AND state <> 'resolved'", col);
    return q_int(sql);
}

static void overdue_task_climbs_town_county_city_then_resolves(void)
{
    setup("INSERT INTO task(id, household_id, cadre_id, measure, title, due) VALUES"
          " (1, 1, 1, 'project', '申报种养项目', '2018-06-01');");
    run("2018-06-01"); /* due today: not overdue */
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'task_overdue'") == 0);

    struct nightly_report r = run("2018-06-02"); /* 1 day overdue -> town */
    CHECK(r.raised >= 1);
    CHECK(task_alert("supervisor_id") == 3);
    CHECK(
        q_int("SELECT count(*) FROM alert WHERE kind='task_overdue' AND level='town'"
              " AND severity='warning' AND region='441602101' AND household_id=1 AND task_id=1") ==
        1);
    CHECK(task_alert("escalations") == 0);

    run("2018-06-07"); /* 6 days: still the town */
    CHECK(task_alert("supervisor_id") == 3);
    r = run("2018-06-08"); /* 7 days = county_days -> county */
    CHECK(r.escalated == 1);
    CHECK(task_alert("supervisor_id") == 2);
    CHECK(task_alert("escalations") == 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind='task_overdue' AND level='county'"
                " AND severity='critical' AND region='441602'") == 1);

    r = run("2018-07-01"); /* 30 days = city_days -> city */
    CHECK(r.escalated == 1);
    CHECK(task_alert("supervisor_id") == 1);
    CHECK(task_alert("escalations") == 2);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind='task_overdue' AND level='city'") == 1);
    r = run("2018-07-01");
    CHECK(r.escalated == 0 && r.raised == 0);
    CHECK(task_alert("escalations") == 2);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind='task_overdue'") == 1);

    struct err e;
    CHECK(store_exec(st, "UPDATE task SET status = 'done', done_at = '2018-07-01' WHERE id = 1",
                     &e) == 0);
    r = run("2018-07-02");
    CHECK(r.resolved >= 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind='task_overdue' AND state='resolved'") == 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind='task_overdue' AND state<>'resolved'") == 0);
    teardown();
}

static void task_first_seen_past_city_threshold_counts_two_escalations(void)
{
    setup("INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
          " (1, 1, 1, '危房改造', '2018-01-01');");
    run("2018-06-30");
    CHECK(task_alert("escalations") == 2);
    CHECK(task_alert("supervisor_id") == 1);
    teardown();
}

static void level_without_supervisor_passes_alert_on(void)
{
    /* No city supervisor: a task past the city threshold stays with the
     * county rather than reaching nobody. */
    setup("DELETE FROM supervisor WHERE id = 1;"
          "INSERT INTO task(id, household_id, cadre_id, title, due) VALUES (1, 1, 1, 'a', "
          "'2018-01-01');");
    run("2018-06-30");
    CHECK(task_alert("supervisor_id") == 2);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind='task_overdue' AND level='county'") == 1);
    teardown();
}

static void job_twice_same_day_adds_nothing(void)
{
    setup(
        "INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
        " (1, 1, 1, 'a', '2018-06-29'), (2, 2, 1, 'b', '2018-06-20'), (3, 3, 2, 'c', '2018-05-01');"
        "INSERT INTO household(id, village) VALUES (4, '441602101002');");
    run("2018-06-30");
    long alerts = q_int("SELECT count(*) FROM alert");
    long outbox = q_int("SELECT count(*) FROM outbox");
    long esc = q_int("SELECT sum(escalations) FROM alert");
    char *levels = q_text("SELECT group_concat(level || state, ',') FROM alert ORDER BY id");
    struct nightly_report r = run("2018-06-30");
    CHECK(r.raised == 0 && r.escalated == 0 && r.resolved == 0 && r.digests == 0);
    CHECK(q_int("SELECT count(*) FROM alert") == alerts);
    CHECK(q_int("SELECT count(*) FROM outbox") == outbox);
    CHECK(q_int("SELECT sum(escalations) FROM alert") == esc);
    char *levels2 = q_text("SELECT group_concat(level || state, ',') FROM alert ORDER BY id");
    CHECK(levels && levels2 && strcmp(levels, levels2) == 0);
    free(levels);
    free(levels2);
    char last[16];
    struct err e;
    CHECK(store_meta_get(st, "nightly_last_run", last, sizeof last, &e) == 0);
    CHECK(strcmp(last, "2018-06-30") == 0);
    run("2018-06-01"); /* a manual run for an old date never moves it back */
    CHECK(store_meta_get(st, "nightly_last_run", last, sizeof last, &e) == 0);
    CHECK(strcmp(last, "2018-06-30") == 0);
    teardown();
}

static void one_digest_per_supervisor_with_counts(void)
{
    /* Town: tasks 1 (1 day) and 2 (5 days) in 甲村 by 李四; county: task 3
     * (10 days) in 乙村 by 王五. */
    setup("INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
          " (1, 1, 1, '技能培训', '2018-06-29'), (2, 2, 1, '申报项目', '2018-06-25'),"
          " (3, 3, 2, '危房改造', '2018-06-20');");
    struct nightly_report r = run("2018-06-30");
    CHECK(r.digests == 2);
    CHECK(q_int("SELECT count(*) FROM outbox") == 2);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE dedup_key = 'digest:3:2018-06-30'") == 1);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE dedup_key = 'digest:2:2018-06-30'") == 1);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE supervisor_id = 1") ==
          0); /* nothing to report */
    char *town = q_text("SELECT payload FROM outbox WHERE supervisor_id = 3");
    CHECK(town && strncmp(town, "{\"text\":", 8) == 0);
    /* The town keeps seeing task 3, which climbed to the county. */
    CHECK_STR_CONTAINS(town, "\"task_overdue\":3");
    CHECK_STR_CONTAINS(town, "\"reported_up\":1");
    CHECK_STR_CONTAINS(town, "\"by_region\":[{\"region\":\"441602101001\",\"name\":\"甲村\","
                             "\"count\":2,\"task_overdue\":2,\"reported_up\":0},"
                             "{\"region\":\"441602101002\",\"name\":\"乙村\",\"count\":1,"
                             "\"task_overdue\":1,\"reported_up\":1}]");
    CHECK_STR_CONTAINS(town, "\"cadre\":\"李四\"");
    CHECK_STR_CONTAINS(town, "\"supervisor\":{\"id\":3,\"name\":\"镇工作组\",\"region\":"
                             "\"441602101\",\"region_name\":\"埔前镇\",\"level\":\"town\"}");
    /* oldest overdue first: task 3 (06-20), 2 (06-25), then 1 */
    const char *t3 = town ? strstr(town, "\"task_id\":3") : NULL,
               *t2 = town ? strstr(town, "\"task_id\":2") : NULL,
               *t1 = town ? strstr(town, "\"task_id\":1") : NULL;
    CHECK(t3 && t2 && t1 && t3 < t2 && t2 < t1);
    char *county = q_text("SELECT payload FROM outbox WHERE supervisor_id = 2");
    CHECK_STR_CONTAINS(county, "\"task_overdue\":1");
    CHECK_STR_CONTAINS(county, "\"days_overdue\":10");
    CHECK_STR_CONTAINS(county, "\"escalated_today\":1");
    CHECK_STR_CONTAINS(county, "王五");
    free(town);
    free(county);
    teardown();
}

static void coverage_visits_and_reduction(void)
{
    /* Household 4 has no cadre; 王五's last visit is old; none exited. */
    setup("INSERT INTO household(id, village, registered_at) VALUES (4, '441602101002', "
          "'2016-01-01');"
          "UPDATE visit SET date = '2018-01-10' WHERE cadre_id = 2;");
    run("2018-06-30");
    /* no_cadre is policies/supervision.lua's; 约谈 is test_nightly_plan's. */
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind='no_cadre'") == 0);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind='cadre_no_visit' AND subject='cadre:2'"
                " AND supervisor_id=3 AND state='open'") == 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind='cadre_no_visit'") == 1);
    struct err e;
    CHECK(store_exec(
              st,
              "INSERT INTO pairing(household_id, cadre_id, since) VALUES (4, 2, '2018-06-30');"
              "INSERT INTO visit(household_id, cadre_id, date) VALUES (3, 2, '2018-06-29');"
              "UPDATE household SET status='exited', exited_at='2018-05-01' WHERE id IN (1, 2);",
              &e) == 0);
    struct nightly_report r = run("2018-07-01");
    CHECK(r.resolved == 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE state <> 'resolved' AND kind IN"
                " ('no_cadre','cadre_no_visit','reduction_behind')") == 0);
    teardown();
}

#define WITH_TASK1 "SELECT count(*) FROM outbox WHERE payload LIKE '%\"task_id\":1,%'"

static void acked_alert_quiet_until_it_climbs(void)
{
    setup("INSERT INTO task(id, household_id, cadre_id, title, due) VALUES (1, 1, 1, 'a', "
          "'2018-06-01');");
    run("2018-06-02");
    CHECK(q_int(WITH_TASK1) == 1);
    long id = task_alert("id");
    struct err e;
    CHECK(store_begin(st, NULL, &e) == 0);
    char now[24];
    nightly_utc_now(now);
    CHECK(store_alert_ack(st, id, now, &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    run("2018-06-03");
    /* acked, same level: the town is not told again (the county still hears
     * of the open reduction alert, which nobody acked) */
    CHECK(q_int(WITH_TASK1) == 1);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE supervisor_id = 3") == 1);
    run("2018-06-08"); /* climbs to the county: notified there */
    CHECK(q_int(WITH_TASK1) == 2);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE dedup_key = 'digest:2:2018-06-08'"
                " AND payload LIKE '%\"task_id\":1,%'") == 1);
    run("2018-06-09"); /* acked and notified at the county: quiet again */
    CHECK(q_int(WITH_TASK1) == 2);
    teardown();
}

static void bad_date_is_refused(void)
{
    setup(NULL);
    struct nightly_report r;
    struct err e;
    CHECK(nightly_run(cfg, st, "2018-02-30", NULL, &r, &e) == ERR_INVALID);
    teardown();
}

/* 2018-06-30 00:00:00 UTC */
#define T0 1530316800LL

static void schedule_catch_up_runs_once(void)
{
    struct nightly_plan p;
    int off = 8 * 3600;
    /* 01:00 Beijing on 06-30, last run 06-29: not yet, an hour to wait. */
    CHECK(nightly_plan_compute(T0 - 7 * 3600, off, "02:00", "2018-06-29", &p) == 0);
    CHECK(!p.run_now && strcmp(p.date, "2018-06-30") == 0 && p.next_in_ms == 3600 * 1000);
    /* Daemon down from 06-25 to 06-30 10:00 Beijing: one run, for today. */
    CHECK(nightly_plan_compute(T0 + 2 * 3600, off, "02:00", "2018-06-25", &p) == 0);
    CHECK(p.run_now && strcmp(p.date, "2018-06-30") == 0);
    CHECK(p.next_in_ms == 16LL * 3600 * 1000);
    /* After that run is recorded, the same moment owes nothing. */
    CHECK(nightly_plan_compute(T0 + 2 * 3600, off, "02:00", "2018-06-30", &p) == 0);
    CHECK(!p.run_now);
    /* Never run before: runs. Exactly at 02:00: runs. */
    CHECK(nightly_plan_compute(T0 + 2 * 3600, off, "02:00", "", &p) == 0 && p.run_now);
    CHECK(nightly_plan_compute(T0 - 6 * 3600, off, "02:00", "2018-06-29", &p) == 0 && p.run_now);
    CHECK(p.next_in_ms == 24LL * 3600 * 1000);
    /* 23:30 UTC on 06-29 is already 06-30 07:30 in Beijing. */
    CHECK(nightly_plan_compute(T0 - 1800, off, "02:00", "2018-06-29", &p) == 0);
    CHECK(p.run_now && strcmp(p.date, "2018-06-30") == 0);
    CHECK(nightly_plan_compute(T0, off, "24:00", "", &p) == ERR_INVALID);
    CHECK(nightly_plan_compute(T0, off, "2:00", "", &p) == ERR_INVALID);
}

int main(void)
{
    RUN(overdue_task_climbs_town_county_city_then_resolves);
    RUN(task_first_seen_past_city_threshold_counts_two_escalations);
    RUN(level_without_supervisor_passes_alert_on);
    RUN(job_twice_same_day_adds_nothing);
    RUN(one_digest_per_supervisor_with_counts);
    RUN(coverage_visits_and_reduction);
    RUN(acked_alert_quiet_until_it_climbs);
    RUN(bad_date_is_refused);
    RUN(schedule_catch_up_runs_once);
    return test_done();
}
