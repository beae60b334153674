/* test_nightly_plan.c - the nightly checks of regions on a small hand-built
 * city: a town team's missing 六有 items reach the county and resolve once
 * recorded; a yearly reduction target missed at year end asks the level
 * above for a summons (约谈), exactly on target does not, and within the
 * year a region behind plan gets a warning only; a version 3 database
 * keeps its rows when it gains the supervision records. */
#include "config.h"
#include "nightly.h"
#include "store.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* One county with two towns; town 101 has four households in help and a
 * complete town team, town 102 one household and no town_team row. */
static const char city_sql[] =
    "INSERT INTO region(code, name, level, parent) VALUES"
    " ('4416', '河源市', 'city', NULL), ('441602', '源城区', 'county', '4416'),"
    " ('441602101', '埔前镇', 'town', '441602'), ('441602102', '高埔岗', 'town', '441602'),"
    " ('441602101001', '甲村', 'village', '441602101'),"
    " ('441602102001', '乙村', 'village', '441602102');"
    "INSERT INTO supervisor(id, name, region, channel) VALUES"
    " (1, '市督查组', '4416', 'file'), (2, '县督查组', '441602', 'file'),"
    " (3, '镇工作组', '441602101', 'file');"
    "INSERT INTO household(id, village, status, exited_at) VALUES"
    " (1, '441602101001', 'registered', NULL), (2, '441602101001', 'registered', NULL),"
    " (3, '441602101001', 'registered', NULL), (4, '441602101001', 'registered', NULL),"
    " (5, '441602102001', 'registered', NULL);";
static const char team_sql[] =
    "INSERT INTO town_team(town, office, staff, wall_chart, battle_map, case_files,"
    " publicity_board, checked_at, checked_by) VALUES"
    " ('441602101', 1, 1, 1, 1, 1, 1, '2018-03-01', '县督查组');";

static char dir[256], db_path[300];
static struct config *cfg;
static struct store *st;
static sqlite3 *ro;

static void setup(const char *extra_sql)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(db_path, sizeof db_path, "%s/fupin.db", dir);
    /* margin 0: behind plan means any household short of the prorated
     * target, so the boundary is exact. */
    static const char yaml[] = "database: fupin.db\npolicies: policies\n"
                               "params:\n  supervision:\n    reduction_margin: 0\n"
                               "schedule: {nightly_at: \"02:00\", timezone: Asia/Shanghai}\n"
                               "escalation: {county_days: 7, city_days: 30}\n"
                               "channels:\n  file: {dir: spool}\n";
    cfg = test_config_load(dir, yaml);
    st = test_store_with(db_path, city_sql, team_sql, extra_sql);
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

static void sql(const char *text)
{
    struct err e;
    if (store_exec(st, text, &e) != 0) {
        fprintf(stderr, "%s: %s\n", text, e.msg);
        test_failures++;
    }
}

#define LIVE(kind, subject)                                                                        \
    "SELECT count(*) FROM alert WHERE kind = '" kind "' AND subject = '" subject "'"               \
    " AND state = 'open'"

static void town_team_missing_items_reach_the_county(void)
{
    setup("UPDATE town_team SET battle_map = 0, publicity_board = 0 WHERE town = '441602101';");
    run("2018-06-30");
    CHECK(q_int(LIVE("town_team_incomplete",
                     "town:441602101") " AND region = '441602'"
                                       " AND level = 'county' AND supervisor_id = 2 AND severity = "
                                       "'warning'") == 1);
    char *m = q_text("SELECT message FROM alert WHERE subject = 'town:441602101'");
    /* the town by name, and exactly its two missing items */
    CHECK_STR_CONTAINS(m, "埔前镇");
    CHECK(m && (strstr(m, "攻坚图") || strstr(m, "battle map")) &&
          (strstr(m, "宣传栏") || strstr(m, "publicity board")) && !strstr(m, "办公场所") &&
          !strstr(m, "office"));
    CHECK(m && strstr(m, "2018-03-01") && strstr(m, "县督查组"));
    free(m);
    /* a town that recorded nothing is listed too, once */
    CHECK(q_int(LIVE("town_team_incomplete", "town:441602102")) == 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'town_team_incomplete'") == 2);

    /* Complete: resolved; a second night adds nothing. */
    sql("UPDATE town_team SET battle_map = 1, publicity_board = 1 WHERE town = '441602101';"
        "INSERT INTO town_team(town, office, staff, wall_chart, battle_map, case_files,"
        " publicity_board) VALUES ('441602102', 1, 1, 1, 1, 1, 1);");
    struct nightly_report r = run("2018-07-01");
    CHECK(r.resolved == 2);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'town_team_incomplete'"
                " AND state = 'open'") == 0);
    teardown();
}

static void town_without_households_in_help_is_not_checked(void)
{
    setup("UPDATE household SET status = 'exited', exited_at = '2017-05-01' WHERE id = 5;");
    run("2018-06-30");
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'town_team_incomplete'") == 0);
    teardown();
}

/* 2017: two households of 埔前镇 exited; the nightly of 2018-01-01 judges
 * the complete year. */
#define EXITS_2017                                                                                 \
    "UPDATE household SET status = 'exited', exited_at = '2017-11-30' WHERE id = 1;"               \
    "UPDATE household SET status = 'exited', exited_at = '2017-12-31' WHERE id = 2;"

static void year_end_exactly_on_target_summons_nobody(void)
{
    setup(EXITS_2017 "INSERT INTO reduction_target(region, year, households) VALUES"
                     " ('441602101', 2017, 2), ('441602', 2017, 2);");
    run("2018-01-01");
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'reduction_missed'") == 0);
    teardown();
}

static void year_end_below_target_asks_the_level_above(void)
{
    /* One household short in the town; the county's target counts its
     * towns' exits (2 of 4). A household that exited and returned does not
     * count, nor one that exited in 2018. */
    setup(EXITS_2017
          "UPDATE household SET status = 'returned', exited_at = '2017-03-01'"
          " WHERE id = 3;"
          "UPDATE household SET status = 'exited', exited_at = '2018-01-01' WHERE id = 4;"
          "INSERT INTO reduction_target(region, year, households) VALUES"
          " ('441602101', 2017, 3), ('441602', 2017, 4);");
    run("2018-01-01");
    CHECK(q_int(LIVE("reduction_missed",
                     "region:441602101:2017") " AND region = '441602'"
                                              " AND level = 'county' AND supervisor_id = 2 AND "
                                              "severity = 'critical'") == 1);
    CHECK(q_int(LIVE("reduction_missed",
                     "region:441602:2017") " AND region = '4416'"
                                           " AND level = 'city' AND supervisor_id = 1 AND severity "
                                           "= 'critical'") == 1);
    char *m = q_text("SELECT message FROM alert WHERE subject = 'region:441602101:2017'");
    CHECK(m && strstr(m, "埔前镇") && strstr(m, "2017") && strstr(m, " 2 ") && strstr(m, " 3 "));
    free(m);
    /* No warning on top of the verdict: 2018 has no target. */
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'reduction_behind'") == 0);
    /* The verdict holds all year; the next year's first night closes it. */
    run("2018-09-30");
    CHECK(q_int(LIVE("reduction_missed", "region:441602101:2017")) == 1);
    struct nightly_report r = run("2019-01-01");
    CHECK(r.resolved == 2);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'reduction_missed' AND state = 'open'") ==
          0);
    teardown();
}

static void behind_plan_in_the_year_is_a_warning_only(void)
{
    /* 31 December 2018 is still within the year: the whole target is due
     * by then (margin 0), yet only a warning; 2019-01-01 gives the verdict. */
    setup("UPDATE household SET status = 'exited', exited_at = '2018-03-01' WHERE id = 1;"
          "INSERT INTO reduction_target(region, year, households) VALUES ('441602101', 2018, 2);");
    run("2018-12-31");
    CHECK(q_int(LIVE("reduction_behind",
                     "region:441602101:2018") " AND severity = 'warning'"
                                              " AND region = '441602' AND level = 'county'") == 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'reduction_missed'") == 0);
    run("2019-01-01");
    CHECK(q_int(LIVE("reduction_missed", "region:441602101:2018")) == 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'reduction_behind' AND state = 'open'") ==
          0);
    teardown();
}

static void on_plan_in_the_year_is_quiet(void)
{
    /* Two of two exited by 31 December: exactly on plan. */
    setup("UPDATE household SET status = 'exited', exited_at = '2018-03-01' WHERE id IN (1, 2);"
          "INSERT INTO reduction_target(region, year, households) VALUES ('441602101', 2018, 2);");
    run("2018-12-31");
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind LIKE 'reduction%'") == 0);
    /* Mid-year, 1 of 2 by 1 July (182 of 365 days: 0.997 due) is on plan. */
    sql("UPDATE household SET status = 'registered', exited_at = NULL WHERE id = 2;");
    run("2018-07-01");
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind LIKE 'reduction%' AND state = 'open'") == 0);
    /* ... and 0 of 2 is behind. */
    sql("UPDATE household SET status = 'registered', exited_at = NULL WHERE id = 1;");
    run("2018-07-01");
    CHECK(q_int(LIVE("reduction_behind", "region:441602101:2018")) == 1);
    teardown();
}

/* A database written by a fupin of schema version 3 (the supervision
 * records taken away again) keeps every row when it is opened now. */
static void version_3_database_keeps_its_rows(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/v3.db", test_tmpdir());
    struct store *s3;
    struct err e;
    CHECK(store_open(path, STORE_CREATE, &s3, &e) == 0);
    CHECK(store_exec(s3,
                     "DROP TABLE handbook; DROP TABLE town_team; DROP TABLE reduction_target;"
                     "ALTER TABLE fund_application DROP COLUMN use;"
                     "ALTER TABLE fund_application DROP COLUMN applied_at;"
                     "ALTER TABLE fund_application DROP COLUMN reviewed_at;"
                     "ALTER TABLE fund_application DROP COLUMN reviewed_by;"
                     "ALTER TABLE fund_application DROP COLUMN noticed_by;"
                     "ALTER TABLE fund_application DROP COLUMN approved_by;"
                     "ALTER TABLE fund_application DROP COLUMN filed_at;"
                     "ALTER TABLE fund_application DROP COLUMN filed_by;"
                     "ALTER TABLE fund_application DROP COLUMN completed_at;"
                     "ALTER TABLE fund_application DROP COLUMN published_at;"
                     "ALTER TABLE fund_application DROP COLUMN published_by;"
                     "PRAGMA user_version = 3;",
                     &e) == 0);
    CHECK(store_exec(s3, city_sql, &e) == 0);
    CHECK(store_exec(s3,
                     "INSERT INTO fund_application(id, household_id, project, amount, status,"
                     " notice_from, notice_to, approved_at) VALUES"
                     " (7, 1, '养鸡', 5000, 'approved', '2018-03-01', '2018-03-07', '2018-03-08');"
                     "INSERT INTO alert(kind, severity, household_id, message, opened_at,"
                     " last_seen_at, subject, source) VALUES ('no_cadre', 'warning', 5, 'm',"
                     " 'now', 'now', 'household:5', 'nightly');",
                     &e) == 0);
    store_close(s3);

    CHECK(store_open(path, STORE_WRITE, &s3, &e) == 0);
    CHECK(store_schema_version(s3) == STORE_SCHEMA_VERSION);
    store_close(s3);
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3 *keep = ro;
    ro = db;
    CHECK(q_int("SELECT count(*) FROM household") == 5);
    CHECK(q_int("SELECT count(*) FROM fund_application WHERE id = 7 AND project = '养鸡'"
                " AND amount = 5000 AND approved_at = '2018-03-08' AND use IS NULL"
                " AND filed_at IS NULL") == 1);
    CHECK(q_int("SELECT count(*) FROM town_team") == 0);
    CHECK(q_int("SELECT count(*) FROM handbook") == 0);
    CHECK(q_int("SELECT count(*) FROM reduction_target") == 0);
    /* the nightly's no_cadre became the policy's, to be resolved by it */
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'no_cadre'"
                " AND source LIKE 'lua:policies/supervision.lua%'") == 1);
    ro = keep;
    sqlite3_close(db);
}

int main(void)
{
    RUN(town_team_missing_items_reach_the_county);
    RUN(town_without_households_in_help_is_not_checked);
    RUN(year_end_exactly_on_target_summons_nobody);
    RUN(year_end_below_target_asks_the_level_above);
    RUN(behind_plan_in_the_year_is_a_warning_only);
    RUN(on_plan_in_the_year_is_quiet);
    RUN(version_3_database_keeps_its_rows);
    return test_done();
}
