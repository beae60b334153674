/* test_nightly_scale.c - the digest at scale: 200,000 overdue tasks (50,000
 * in a sanitizer build, several times slower and not about size) over
 * 4,000 villages, 200 towns and 10 counties; every digest's text stays
 * under 64 KB and the whole message small, and the counts add up. Its own
 * executable: it takes a while on a busy machine. */
#include "config.h"
#include "nightly.h"
#include "store.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#define TASKS 50000
#else
#define TASKS 200000
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

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

static void run(const char *date)
{
    struct nightly_report r;
    struct err e;
    int rc = nightly_run(cfg, st, date, NULL, &r, &e);
    if (rc)
        fprintf(stderr, "nightly_run %s: %s\n", date, e.msg);
    CHECK(rc == 0);
}

/* 200,000 overdue tasks in 4,000 villages of 200 towns in 10 counties,
 * spread over the three levels: every digest's text stays under 64 KB and
 * the whole message is small enough for a chat robot or a mail. */
static void text_under_64k_at_200k_tasks(void)
{
    setup_with(NULL, NULL);
    struct err e;
    CHECK(
        store_exec(
            st,
            "BEGIN;"
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 3999)"
            " INSERT INTO region(code, name, level, parent)"
            " SELECT '4416', '河源市', 'city', NULL UNION ALL"
            " SELECT '44160' || (i % 10), '县' || (i % 10), 'county', '4416' FROM n WHERE i < 10"
            " UNION ALL SELECT printf('44160%d%03d', i % 10, i), '镇' || i, 'town',"
            "  '44160' || (i % 10) FROM n WHERE i < 200"
            " UNION ALL SELECT printf('44160%d%03d%04d', (i % 200) % 10, i % 200, i),"
            "  '村' || i, 'village', printf('44160%d%03d', (i % 200) % 10, i % 200) FROM n;"
            "INSERT INTO supervisor(name, region, channel)"
            " SELECT '督查' || code, code, 'file' FROM region WHERE level <> 'village';"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
            " INSERT INTO cadre(id, name, phone, region) SELECT i, '干部' || i,"
            "  printf('138%08d', i), NULL FROM n;"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " STR(
                TASKS) ")"
                       " INSERT INTO household(id, village, head_name, registered_at)"
                       " SELECT i, printf('44160%d%03d%04d', (i % 4000 % 200) % 10, i % 4000 % 200,"
                       "  i % 4000), '户主' || i || '：' || hex(randomblob(60)), '2016-01-01' FROM "
                       "n;"
                       "INSERT INTO pairing(household_id, cadre_id, since)"
                       " SELECT id, 1 + id % 20000, '2016-01-01' FROM household;"
                       "INSERT INTO visit(household_id, cadre_id, date)"
                       " SELECT id, 1 + id % 20000, '2018-06-01' FROM household WHERE id <= 20000;"
                       /* long titles: the lines are clipped */
                       "INSERT INTO task(id, household_id, cadre_id, title, due)"
                       " SELECT id, id, 1 + id % 20000, '任务' || hex(randomblob(200)),"
                       "  date('2018-06-29', '-' || (id % 60) || ' days') FROM household;"
                       "COMMIT;",
            &e) == 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run("2018-06-30");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%d tasks: the nightly job took %.1f s\n", TASKS,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    CHECK(q_int("SELECT count(*) FROM alert WHERE kind = 'task_overdue'") == TASKS);
    CHECK(q_int("SELECT count(*) FROM outbox") == 211);
    long max_text = q_int("SELECT max(length(CAST(json_extract(payload, '$.text') AS BLOB)))"
                          " FROM outbox");
    long max_payload = q_int("SELECT max(length(CAST(payload AS BLOB))) FROM outbox");
    printf("%d tasks: largest digest text %ld bytes, largest payload %ld bytes\n", TASKS, max_text,
           max_payload);
    CHECK(max_text > 1000 && max_text < 64 * 1024);
    CHECK(max_payload < 256 * 1024);
    /* the city sees what climbed to it, the counties what reached them */
    CHECK(q_int("SELECT json_extract(payload, '$.totals.task_overdue') FROM outbox o"
                " JOIN supervisor s ON s.id = o.supervisor_id WHERE s.region = '4416'") ==
          q_int("SELECT count(*) FROM alert WHERE level = 'city'"));
    CHECK(q_int("SELECT sum(json_extract(payload, '$.totals.task_overdue')) FROM outbox o"
                " JOIN supervisor s ON s.id = o.supervisor_id JOIN region r ON r.code = s.region"
                " WHERE r.level = 'town'") == TASKS);
    teardown();
}

int main(void)
{
    RUN(text_under_64k_at_200k_tasks);
    return test_done();
}
