/* test_nightly_digest.c - what each supervisor's digest holds: an escalated
 * task stays in every level's digest from its origin up, "new since last
 * night" says what each level has not been told yet, the household head's
 * ID only masked, the digest_items param, an older database's alerts given an
 * origin by the migration (the text's bound at scale: test_nightly_scale). */
#include "config.h"
#include "nightly.h"
#include "store.h"
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
    "INSERT INTO cadre(id, name, region, phone) VALUES (1, '李四', '441602101001', '13800000001'),"
    " (2, '王五', '441602101002', '13800000002');"
    "INSERT INTO household(id, village, head_name, registered_at) VALUES"
    " (1, '441602101001', '张三', '2016-01-01'), (2, '441602101001', '赵六', '2016-01-01'),"
    " (3, '441602101002', '钱七', '2016-01-01');"
    "INSERT INTO member(household_id, name, id_number, relation, birth_date) VALUES"
    " (1, '张三', '441602198001010011', '户主', '1980-01-01'),"
    " (1, '张小三', '441602201001010022', '子女', '2010-01-01');"
    "INSERT INTO pairing(household_id, cadre_id, since) VALUES (1, 1, '2016-02-01'),"
    " (2, 1, '2016-02-01'), (3, 2, '2016-02-01');"
    "INSERT INTO visit(household_id, cadre_id, date) VALUES (1, 1, '2018-06-01'),"
    " (3, 2, '2018-06-01');"
    /* The town team has its six items (六有): no town_team alert to the
     * county in these digests. */
    "INSERT INTO town_team(town, office, staff, wall_chart, battle_map, case_files,"
    " publicity_board) VALUES ('441602101', 1, 1, 1, 1, 1, 1);";

static char dir[256], db_path[300];
static struct config *cfg;
static struct store *st;
static sqlite3 *ro;

static void setup_with(const char *params, const char *extra_sql)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(db_path, sizeof db_path, "%s/fupin.db", dir);
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "database: fupin.db\npolicies: policies\n"
             "params:\n  supervision:\n    no_visit_days: 3650\n%s"
             "schedule: {nightly_at: \"02:00\", timezone: Asia/Shanghai}\n"
             "escalation: {county_days: 7, city_days: 30}\n"
             "channels:\n  file: {dir: spool}\n",
             params ? params : "");
    cfg = test_config_load(dir, yaml);
    st = test_store_with(db_path, extra_sql, NULL, NULL);
    sqlite3_open_v2(db_path, &ro, SQLITE_OPEN_READONLY, NULL);
}

static void setup(const char *extra_sql)
{
    struct err e;
    setup_with(NULL, city_sql);
    if (extra_sql && store_exec(st, extra_sql, &e) != 0) {
        fprintf(stderr, "setup: %s\n", e.msg);
        exit(1);
    }
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

static void run(const char *date)
{
    struct nightly_report r;
    struct err e;
    int rc = nightly_run(cfg, st, date, NULL, &r, &e);
    if (rc)
        fprintf(stderr, "nightly_run %s: %s\n", date, e.msg);
    CHECK(rc == 0);
}

/* The digest of supervisor sup on date (malloc'd), or NULL. */
static char *digest(int sup, const char *date)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT payload FROM outbox WHERE dedup_key = 'digest:%d:%s'", sup,
             date);
    return q_text(sql);
}

/* Whether the digest lists task 1 under "new" (1), only under "items" (2)
 * or not at all (0). */
static int task1_in(const char *payload)
{
    if (!payload)
        return 0;
    const char *items = strstr(payload, ",\"items\":[");
    const char *t = strstr(payload, "\"task_id\":1,");
    if (!t)
        return 0;
    return items && t > items ? 2 : 1;
}

static void escalated_task_stays_in_every_level_from_the_town_up(void)
{
    setup("INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
          " (1, 1, 1, '申报种养项目', '2018-06-01');");
    run("2018-06-02"); /* town */
    char *town = digest(3, "2018-06-02"), *county = digest(2, "2018-06-02"),
         *city = digest(1, "2018-06-02");
    CHECK(task1_in(town) == 1 && !county && !city);
    free(town), free(county), free(city);

    run("2018-06-03"); /* still the town: listed, no longer new */
    town = digest(3, "2018-06-03");
    CHECK(task1_in(town) == 2);
    CHECK_STR_CONTAINS(town, "\"new\":0,");
    free(town);

    run("2018-06-08"); /* climbs to the county: the town keeps it */
    town = digest(3, "2018-06-08"), county = digest(2, "2018-06-08");
    city = digest(1, "2018-06-08");
    CHECK(task1_in(town) == 2 && task1_in(county) == 1 && !city);
    free(city);
    CHECK_STR_CONTAINS(town, "\"reported_up\":1");
    CHECK_STR_CONTAINS(town, "\"escalated_at\":\"2018-06-08\"");
    CHECK_STR_CONTAINS(county, "\"escalated_today\":true");
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'task_overdue'") == 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE origin_region = '441602101'"
                " AND origin_level = 'town' AND level = 'county' AND region = '441602'"
                " AND escalated_at = '2018-06-08'") == 1);
    free(town);
    free(county);

    run("2018-07-01"); /* the city: all three see it, the city as new */
    town = digest(3, "2018-07-01"), county = digest(2, "2018-07-01"),
    city = digest(1, "2018-07-01");
    CHECK(task1_in(town) == 2 && task1_in(county) == 2 && task1_in(city) == 1);
    CHECK_STR_CONTAINS(county, "\"reported_up\":1");
    CHECK_STR_CONTAINS(city, "\"reported_up\":0");
    CHECK(q_int("SELECT count(*) FROM alert WHERE origin_region = '441602101'"
                " AND origin_level = 'town' AND level = 'city' AND supervisor_id = 1") == 1);
    free(town);
    free(county);
    free(city);
    teardown();
}

static void town_and_county_of_another_town_never_see_it(void)
{
    setup("INSERT INTO region(code, name, level, parent) VALUES"
          " ('441602102', '源南镇', 'town', '441602'), ('441603', '东源县', 'county', '4416');"
          "INSERT INTO supervisor(id, name, region) VALUES (4, '源南镇工作组', '441602102'),"
          " (5, '东源县督查组', '441603');"
          "INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
          " (1, 1, 1, '危房改造', '2018-01-01');");
    run("2018-06-30");
    CHECK(q_int("SELECT count(*) FROM outbox WHERE supervisor_id IN (4, 5)") == 0);
    CHECK(q_int("SELECT count(*) FROM outbox WHERE supervisor_id IN (1, 2, 3)") == 3);
    teardown();
}

static void item_names_head_cadre_phone_and_masks_the_id(void)
{
    setup("INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
          " (1, 1, 1, '申报种养项目', '2018-06-20');");
    run("2018-06-30");
    char *county = digest(2, "2018-06-30");
    CHECK_STR_CONTAINS(county, "\"head_name\":\"张三\",\"head_id\":\"441602********0011\"");
    CHECK_STR_CONTAINS(county, "\"cadre\":\"李四\",\"cadre_phone\":\"13800000001\"");
    CHECK_STR_CONTAINS(county, "\"days_overdue\":10");
    CHECK_STR_CONTAINS(county, "\"village_name\":\"甲村\"");
    CHECK_STR_CONTAINS(county, "13800000001");
    CHECK(county && !strstr(county, "198001010011") && !strstr(county, "201001010022"));
    /* the reply names the command with an alert id */
    CHECK_STR_CONTAINS(county, "fupin alert ack ");
    CHECK_STR_CONTAINS(county, "--by ");
    free(county);
    teardown();
}

/* Officials know their region by name: the header (the mail's subject)
 * gives it with the code the commands take. */
static void header_names_the_region_with_its_code(void)
{
    setup("INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
          " (1, 1, 1, '申报种养项目', '2018-06-20');");
    run("2018-06-30");
    char *county = digest(2, "2018-06-30");
    /* (Unit tests read the msgids: the Chinese is it_nightly_delivery's.) */
    CHECK_STR_CONTAINS(county, "{\"text\":\"[Poverty alleviation supervision digest] 2018-06-30 "
                               "源城区 (441602) 县督查组 (county level)\\n");
    CHECK_STR_CONTAINS(county, "\"region\":\"441602\",\"region_name\":\"源城区\"");
    free(county);
    teardown();
}

static void acked_item_is_counted_not_listed_until_new(void)
{
    setup("INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
          " (1, 1, 1, 'a', '2018-06-01'), (2, 2, 1, 'b', '2018-06-01');");
    run("2018-06-02");
    struct err e;
    CHECK(store_exec(st, "UPDATE alert SET state = 'acked' WHERE task_id = 1", &e) == 0);
    run("2018-06-03");
    char *town = digest(3, "2018-06-03");
    CHECK(task1_in(town) == 0);
    CHECK_STR_CONTAINS(town, "\"acked\":1,\"acked_quiet\":1");
    free(town);
    /* both climb to the county: new there, the acked one listed too */
    run("2018-06-08");
    char *county = digest(2, "2018-06-08");
    CHECK(task1_in(county) == 1);
    free(county);
    teardown();
}

static void digest_items_param_caps_the_lists(void)
{
    setup_with("    digest_items: 2\n", city_sql);
    struct err e;
    CHECK(store_exec(st,
                     "INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
                     " (1, 1, 1, 'a', '2018-06-29'), (2, 1, 1, 'b', '2018-06-28'),"
                     " (3, 2, 1, 'c', '2018-06-27'), (4, 2, 1, 'd', '2018-06-26'),"
                     " (5, 3, 2, 'e', '2018-06-25');",
                     &e) == 0);
    run("2018-06-30");
    CHECK(q_int("SELECT json_array_length(payload, '$.new') FROM outbox WHERE supervisor_id = 3") ==
          2);
    CHECK(q_int("SELECT json_extract(payload, '$.totals.task_overdue') FROM outbox"
                " WHERE supervisor_id = 3") == 5);
    CHECK(q_int("SELECT json_extract(payload, '$.totals.new') FROM outbox"
                " WHERE supervisor_id = 3") == 5);
    /* oldest first: tasks 5 and 4 */
    CHECK(q_int("SELECT json_extract(payload, '$.new[0].task_id') FROM outbox"
                " WHERE supervisor_id = 3") == 5);
    run("2018-07-01"); /* nothing new for the town: the two oldest are listed */
    CHECK(q_int("SELECT json_array_length(payload, '$.items') FROM outbox"
                " WHERE dedup_key = 'digest:3:2018-07-01'") == 2);
    CHECK(q_int("SELECT json_array_length(payload, '$.new') FROM outbox"
                " WHERE dedup_key = 'digest:3:2018-07-01'") == 0);
    teardown();
}

/* A database of the schema before the alert-origin migration (its columns
 * dropped, the version one lower; that migration is the last) with
 * an escalated overdue task and a household alert: migrating keeps both and
 * gives them their origin. */
static void older_database_alerts_get_their_origin(void)
{
    setup("INSERT INTO task(id, household_id, cadre_id, title, due) VALUES"
          " (1, 1, 1, 'a', '2018-06-01');");
    sqlite3_close(ro);
    store_close(st);
    sqlite3 *db;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "DROP INDEX alert_origin;"
                       "ALTER TABLE alert DROP COLUMN origin_region;"
                       "ALTER TABLE alert DROP COLUMN origin_level;"
                       "ALTER TABLE alert DROP COLUMN escalated_at;"
                       "INSERT INTO alert(id, kind, subject, severity, household_id, task_id,"
                       " region, supervisor_id, level, message, state, opened_at, last_seen_at,"
                       " escalations) VALUES"
                       " (7, 'task_overdue', 'task:1', 'critical', 1, 1, '441602', 2, 'county',"
                       " '逾期', 'open', '2018-06-02 00:00:00', '2018-06-08 00:00:00', 1),"
                       " (8, 'no_cadre', 'household:2', 'warning', 2, NULL, '441602101', 3,"
                       " 'town', '未落实', 'acked', '2018-06-02 00:00:00',"
                       " '2018-06-08 00:00:00', 0);",
                       NULL, NULL, NULL) == SQLITE_OK);
    char version[64];
    snprintf(version, sizeof version, "PRAGMA user_version = %d", 4); /* before alert origin */
    CHECK(sqlite3_exec(db, version, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    struct err e;
    if (store_open(db_path, STORE_WRITE, &st, &e) != 0) {
        fprintf(stderr, "migrating: %s\n", e.msg);
        exit(1);
    }
    sqlite3_open_v2(db_path, &ro, SQLITE_OPEN_READONLY, NULL);
    CHECK(q_int("PRAGMA user_version") == STORE_SCHEMA_VERSION);
    CHECK(q_int("SELECT count(*) FROM alert") == 2);
    CHECK(q_int("SELECT count(*) FROM alert WHERE id = 7 AND origin_region = '441602101'"
                " AND origin_level = 'town' AND region = '441602' AND level = 'county'"
                " AND escalations = 1 AND message = '逾期'") == 1);
    CHECK(q_int("SELECT count(*) FROM alert WHERE id = 8 AND origin_region = '441602101'"
                " AND origin_level = 'town' AND state = 'acked'") == 1);
    /* and the migrated escalated task is in the town's digest */
    run("2018-06-09");
    char *town = digest(3, "2018-06-09");
    CHECK(task1_in(town) != 0);
    free(town);
    teardown();
}

int main(void)
{
    RUN(escalated_task_stays_in_every_level_from_the_town_up);
    RUN(town_and_county_of_another_town_never_see_it);
    RUN(item_names_head_cadre_phone_and_masks_the_id);
    RUN(header_names_the_region_with_its_code);
    RUN(acked_item_is_counted_not_listed_until_new);
    RUN(digest_items_param_caps_the_lists);
    RUN(older_database_alerts_get_their_origin);
    return test_done();
}
