/* test_engine.c - the engine's batches without policies: the cursor moves
 * with the batch that covers it, pending marks drain, a malformed household
 * gets a data_quality alert while the others are evaluated, a deleted one is
 * forgotten, a concurrent writer is waited for, eval --all skips the journal,
 * a policy change re-runs that policy only. */
#include "engine.h"
#include "store.h"
#include "store_journal.h"
#include "testlib.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char db_path[512];
static struct config cfg;

static void sql(const char *text)
{
    sqlite3 *db;
    char *msg = NULL;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", text, msg);
        test_failures++;
    }
    sqlite3_free(msg);
    sqlite3_close(db);
}

static long long scalar(const char *text)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    long long v = -1;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    if (sqlite3_prepare_v2(db, text, -1, &stmt, NULL) == SQLITE_OK) {
        if (sqlite3_step(stmt) == SQLITE_ROW)
            v = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
    } else {
        fprintf(stderr, "%s: %s\n", text, sqlite3_errmsg(db));
        test_failures++;
    }
    sqlite3_close(db);
    return v;
}

static struct engine *open_engine(void)
{
    struct err e = {{0}};
    struct policy_set *set = NULL;
    struct engine *en = NULL;
    if (policy_set_load(&cfg, 1, &set, &e) != 0 || engine_open(&cfg, set, &en, &e) != 0) {
        fprintf(stderr, "open: %s\n", e.msg);
        exit(1);
    }
    return en;
}

static int drain(struct engine *en, struct engine_stats *st)
{
    struct err e = {{0}};
    int total = 0, n;
    while ((n = engine_step(en, NULL, st, &e)) > 0)
        total += n;
    if (n < 0) {
        fprintf(stderr, "engine_step: %s\n", e.msg);
        test_failures++;
    }
    return total;
}

static void setup(void)
{
    const char *dir = test_tmpdir();
    snprintf(db_path, sizeof db_path, "%s/e.db", dir);
    struct store *st;
    struct err e;
    if (store_open(db_path, STORE_CREATE, &st, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
    store_close(st);
    static char policies[512];
    snprintf(policies, sizeof policies, "%s/policies", dir);
    CHECK(mkdir(policies, 0700) == 0);
    /* The fixture policies call no fp; a config without one is refused. */
    static char lua[256];
    snprintf(lua, sizeof lua, "%s", dir);
    free(test_write_file(lua, "fp.lua", "return {}\n"));
    cfg.lua_dir = lua;
    cfg.database = db_path;
    cfg.policies_dir = policies;
    cfg.workers = 3;
    cfg.batch_size = 4;
    cfg.poll_ms = 100;
    snprintf(cfg.as_of, sizeof cfg.as_of, "2018-06-30");
    sql("INSERT INTO region(code, name, level) VALUES ('4416', 'city', 'city');"
        "INSERT INTO region(code, name, level, parent) VALUES ('441602', 'county', 'county', "
        "'4416');"
        "INSERT INTO region(code, name, level, parent) VALUES ('441602001', 'town', 'town', "
        "'441602');"
        "INSERT INTO region(code, name, level, parent) VALUES ('441602001001', 'v', 'village', "
        "'441602001');");
    for (int i = 1; i <= 10; i++) {
        char buf[256];
        snprintf(
            buf, sizeof buf,
            "INSERT INTO household(id, village) VALUES (%d, '441602001001');"
            "INSERT INTO member(household_id, name, birth_date) VALUES (%d, 'm', '1980-01-01');",
            i, i);
        sql(buf);
    }
}

static void engine_journal_batches_move_the_cursor(void)
{
    struct engine *en = open_engine();
    struct engine_stats st = {0};
    int n = drain(en, &st);
    CHECK(n == 10);
    CHECK(st.households == 10);
    CHECK(scalar("SELECT count(*) FROM engine_eval") == 10);
    CHECK(scalar("SELECT value FROM engine_meta WHERE key = 'journal_cursor'") ==
          scalar("SELECT seq FROM sqlite_sequence WHERE name = 'engine_journal'"));
    /* Nothing new: idle. */
    struct err e;
    CHECK(engine_step(en, NULL, NULL, &e) == 0);
    engine_close(en);
}

static long long cursor_now(void)
{
    return scalar("SELECT value FROM engine_meta WHERE key = 'journal_cursor'");
}

static void touch_all(void)
{
    for (int i = 1; i <= 10; i++) {
        char buf[96];
        snprintf(buf, sizeof buf, "UPDATE household SET tap_water = 1 - tap_water WHERE id = %d",
                 i);
        sql(buf);
    }
}

/* The next batch is evaluated while one is written: each step still commits
 * exactly its own batch and cursor move, and a batch read after a cursor
 * that another process moved meanwhile is dropped, not written. */
static void engine_steps_commit_one_batch_each(void)
{
    struct engine *en = open_engine();
    struct err e;
    CHECK(drain(en, NULL) >= 0);
    long long c0 = cursor_now();
    touch_all();
    CHECK(engine_step(en, NULL, NULL, &e) == 4);
    CHECK(cursor_now() == c0 + 4);
    CHECK(engine_step(en, NULL, NULL, &e) == 4);
    CHECK(cursor_now() == c0 + 8);
    CHECK(engine_step(en, NULL, NULL, &e) == 2);
    CHECK(cursor_now() == c0 + 10);
    CHECK(engine_step(en, NULL, NULL, &e) == 0);

    c0 = cursor_now();
    touch_all();
    CHECK(engine_step(en, NULL, NULL, &e) == 4); /* households 5..8 now evaluated ahead */
    char buf[128];
    snprintf(buf, sizeof buf, "UPDATE engine_meta SET value = %lld WHERE key = 'journal_cursor'",
             c0 + 6);
    sql(buf);
    struct engine_stats st = {0};
    CHECK(engine_step(en, NULL, &st, &e) == 4); /* redone from the moved cursor: 7..10 */
    CHECK(st.households == 4);
    CHECK(cursor_now() == c0 + 10);
    CHECK(engine_step(en, NULL, NULL, &e) == 0);

    /* Pending marks: a batch's marks go with its own commit only. */
    CHECK(engine_mark_all(en, NULL, &e) == 0);
    CHECK(engine_step(en, NULL, NULL, &e) == 4);
    CHECK(scalar("SELECT count(*) FROM engine_pending") == 6);
    CHECK(scalar("SELECT min(household_id) FROM engine_pending") == 5);
    /* Marking again drops the batch evaluated ahead; all ten are redone. */
    CHECK(engine_mark_all(en, NULL, &e) == 0);
    CHECK(drain(en, NULL) == 10);
    CHECK(scalar("SELECT count(*) FROM engine_pending") == 0);
    engine_close(en);
}

static void engine_pending_marks_drain(void)
{
    struct engine *en = open_engine();
    struct err e;
    CHECK(engine_mark_all(en, NULL, &e) == 0);
    CHECK(scalar("SELECT count(*) FROM engine_pending") == 10);
    /* One range row, not a row per household. */
    CHECK(scalar("SELECT count(*) FROM engine_pending_range") == 1);
    CHECK(scalar("SELECT count(*) FROM engine_pending_household") == 0);
    int marked = 1;
    CHECK(engine_mark_if_changed(en, NULL, &marked, &e) == 0);
    CHECK(marked == 0); /* same policies and params: nothing to redo */
    CHECK(drain(en, NULL) == 10);
    CHECK(scalar("SELECT count(*) FROM engine_pending") == 0);
    engine_close(en);
}

static void engine_malformed_household_gets_data_quality_alert(void)
{
    sql("PRAGMA ignore_check_constraints = 1;"
        "UPDATE member SET birth_date = 'not-a-date' WHERE household_id = 3;"
        "UPDATE member SET name = 'x' WHERE household_id IN (2, 4);");
    struct engine *en = open_engine();
    struct engine_stats st = {0};
    CHECK(drain(en, &st) == 3);
    CHECK(st.malformed == 1);
    CHECK(scalar("SELECT count(*) FROM alert WHERE kind = 'data_quality' AND household_id = 3"
                 " AND state = 'open'") == 1);
    CHECK(scalar("SELECT count(*) FROM alert WHERE kind = 'data_quality' AND household_id <> 3") ==
          0);
    /* Fixed: the alert resolves. */
    sql("UPDATE member SET birth_date = '1980-01-01' WHERE household_id = 3;");
    CHECK(drain(en, NULL) == 1);
    CHECK(scalar("SELECT count(*) FROM alert WHERE kind = 'data_quality' AND state = 'open'") == 0);
    engine_close(en);
}

static void engine_deleted_household_is_forgotten(void)
{
    sql("DELETE FROM household WHERE id = 10;");
    struct engine *en = open_engine();
    struct engine_stats st = {0};
    CHECK(drain(en, &st) == 1);
    CHECK(st.gone == 1);
    engine_close(en);
}

/* Set by the lock holder: lock_held once it has the write lock, releasing
 * just before it commits (so whoever got the lock after it sees 1). */
static atomic_int lock_held, releasing;

/* Holds the write lock for a while, with a change of its own inside. The
 * second only gives the engine time to reach the lock; the test's verdict
 * does not depend on how long it is. */
static void *hold_lock(void *arg)
{
    (void)arg;
    sqlite3 *db;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE household SET dibao = 1 WHERE id = 5;", NULL,
                       NULL, NULL) == SQLITE_OK);
    atomic_store(&lock_held, 1);
    sleep(1);
    atomic_store(&releasing, 1);
    CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    return NULL;
}

static void engine_waits_for_a_concurrent_writer(void)
{
    sql("UPDATE household SET dibao = 1 WHERE id = 6;");
    struct engine *en = open_engine();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, hold_lock, NULL) == 0);
    while (!atomic_load(&lock_held))
        usleep(1000);
    struct err e = {{0}};
    /* Household 6 is read, then the write waits for the lock: never skipped.
     * The write can only have happened once the holder let go, whatever the
     * speed of this machine. */
    CHECK(engine_step(en, NULL, NULL, &e) == 1);
    CHECK(atomic_load(&releasing) == 1);
    pthread_join(t, NULL);
    CHECK(engine_step(en, NULL, NULL, &e) == 1); /* household 5, committed meanwhile */
    CHECK(scalar("SELECT count(*) FROM engine_pending") == 0);
    engine_close(en);
}

static void engine_begin_full_skips_the_journal(void)
{
    sql("UPDATE household SET dibao = 0 WHERE id IN (1, 2, 3);");
    struct engine *en = open_engine();
    struct err e;
    CHECK(engine_begin_full(en, NULL, &e) == 0);
    CHECK(scalar("SELECT count(*) FROM engine_pending") == 9);
    CHECK(drain(en, NULL) == 9);
    CHECK(scalar("SELECT count(*) FROM engine_journal") == 0);
    engine_close(en);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Two policies, each with one finding per household; an edit of one
 * re-runs it alone; a scope left from an unfinished pass is widened, not
 * replaced; a policy removed has its findings withdrawn. */
static void engine_marks_only_changed_policies(void)
{
    static char dir[512];
    snprintf(dir, sizeof dir, "%s/two", test_tmpdir());
    CHECK(mkdir(dir, 0700) == 0);
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/industry.lua", dir);
    snprintf(b, sizeof b, "%s/employment.lua", dir);
    static const char pa[] = "return {name = 'industry', title = 't', evaluate = function(h, out)"
                             " out:recommend{measure = 'project', reason = 'r1'} end}\n";
    static const char pb[] = "return {name = 'employment', title = 't', evaluate = function(h, out)"
                             " out:recommend{measure = 'transfer_training', reason = 'r'} end}\n";
    write_file(a, pa);
    write_file(b, pb);
    struct config two = cfg;
    two.policies_dir = dir;
    struct err e = {{0}};
    struct policy_set *set = NULL;
    struct engine *en = NULL;
    CHECK(policy_set_load(&two, 1, &set, &e) == 0);
    CHECK(engine_open(&two, set, &en, &e) == 0);
    if (!en) {
        fprintf(stderr, "open: %s\n", e.msg);
        return;
    }
    int n = (int)scalar("SELECT count(*) FROM household"), marked = 0;
    sql("DELETE FROM finding");
    CHECK(engine_mark_if_changed(en, NULL, &marked, &e) == 0 && marked == 1);
    CHECK(drain(en, NULL) == n);
    CHECK(scalar("SELECT count(*) FROM finding WHERE state = 'open'") == 2 * n);
    char changed[256];
    CHECK(engine_mark_changed(en, NULL, changed, sizeof changed, &e) == 0);
    CHECK(changed[0] == 0 && scalar("SELECT count(*) FROM engine_pending") == 0);

    sql("UPDATE finding SET updated_at = 'before'; UPDATE engine_eval SET evaluated_at = 'before'");
    write_file(a, "return {name = 'industry', title = 't', evaluate = function(h, out)"
                  " out:recommend{measure = 'project', reason = 'r2'} end}\n");
    CHECK(policy_set_load(&two, 1, &set, &e) == 0);
    CHECK(engine_set_policies(en, set, &e) == 0);
    CHECK(engine_mark_changed(en, NULL, changed, sizeof changed, &e) == 0);
    CHECK(strcmp(changed, "industry") == 0);
    CHECK(engine_step(en, NULL, NULL, &e) == 4);
    /* The audit describes whole evaluations: a pass of some policies leaves it. */
    CHECK(scalar("SELECT count(*) FROM engine_eval WHERE evaluated_at <> 'before'") == 0);
    /* Unfinished: a second mark widens the scope of what is left. */
    CHECK(engine_begin_policy(en, "employment", NULL, &e) == 0);
    CHECK(engine_begin_policy(en, "nosuch", NULL, &e) == ERR_NOTFOUND);
    CHECK(scalar("SELECT value = 'industry,employment' FROM engine_meta"
                 " WHERE key = 'pending_policies'") == 1);
    CHECK(drain(en, NULL) == n);
    CHECK(scalar("SELECT count(*) FROM finding WHERE policy = 'industry' AND reason = 'r2'"
                 " AND state = 'open'") == n);
    CHECK(scalar("SELECT count(*) FROM finding WHERE policy = 'employment'"
                 " AND updated_at = 'before'") == n); /* the same finding: not rewritten */

    /* A removed policy: its findings are withdrawn, the other's stay. */
    CHECK(unlink(a) == 0);
    CHECK(policy_set_load(&two, 1, &set, &e) == 0);
    CHECK(engine_set_policies(en, set, &e) == 0);
    CHECK(engine_mark_changed(en, NULL, changed, sizeof changed, &e) == 0);
    CHECK(strcmp(changed, "industry") == 0);
    CHECK(drain(en, NULL) == n);
    CHECK(scalar("SELECT count(*) FROM finding WHERE policy = 'industry' AND state = 'open'") == 0);
    CHECK(scalar("SELECT count(*) FROM finding WHERE policy = 'employment' AND state = 'open'") ==
          n);
    engine_close(en);
    sql("DELETE FROM finding; DELETE FROM engine_meta WHERE key LIKE 'policy_fingerprint%'"
        " OR key = 'pending_policies'");
}

/* While a pass of pending marks runs, a household is added and another
 * removed: the new one is evaluated (through the journal), the removed one
 * forgotten, every other one evaluated once, and the pass ends empty. */
static void engine_pending_pass_survives_inserts_and_deletes(void)
{
    struct engine *en = open_engine();
    struct err e = {{0}};
    CHECK(drain(en, NULL) >= 0);
    sql("CREATE TABLE seen(household_id INT);"
        "CREATE TRIGGER seen_eval AFTER UPDATE ON engine_eval BEGIN"
        " INSERT INTO seen VALUES (NEW.household_id); END;"
        "CREATE TRIGGER seen_eval_ins AFTER INSERT ON engine_eval BEGIN"
        " INSERT INTO seen VALUES (NEW.household_id); END;"
        "UPDATE engine_eval SET findings = -1;"
        "DELETE FROM seen;");
    long long n = scalar("SELECT count(*) FROM household");
    long long top = scalar("SELECT max(id) FROM household");
    CHECK(engine_mark_all(en, NULL, &e) == 0);
    CHECK(engine_step(en, NULL, NULL, &e) == 4); /* the next four evaluated ahead */
    char buf[256];
    snprintf(buf, sizeof buf,
             "DELETE FROM household WHERE id = %lld;"
             "INSERT INTO household(id, village) VALUES (%lld, '441602001001');",
             top, top + 1);
    sql(buf);
    struct engine_stats st = {0};
    drain(en, &st);
    CHECK(st.gone == 1);
    CHECK(scalar("SELECT count(*) FROM engine_pending") == 0);
    CHECK(scalar("SELECT count(*) FROM engine_pending_range") == 0);
    /* Every household there now evaluated, the new one too. */
    CHECK(
        scalar("SELECT count(*) FROM household WHERE id NOT IN (SELECT household_id FROM seen)") ==
        0);
    CHECK(scalar("SELECT count(DISTINCT household_id) FROM seen") == n);
    snprintf(buf, sizeof buf, "SELECT count(*) FROM seen WHERE household_id = %lld", top + 1);
    CHECK(scalar(buf) == 1);
    sql("DROP TRIGGER seen_eval; DROP TRIGGER seen_eval_ins; DROP TABLE seen");
    engine_close(en);
}

/* A whole pass over households whose policy alerts did not change writes
 * no alert (alert_writes counts every write); a changed message is written. */
static void engine_unchanged_pass_writes_no_alert(void)
{
    static char dir[512];
    snprintf(dir, sizeof dir, "%s/alerting", test_tmpdir());
    CHECK(mkdir(dir, 0700) == 0);
    char path[600];
    snprintf(path, sizeof path, "%s/supervision.lua", dir);
    write_file(path, "return {name = 'supervision', title = 't', evaluate = function(h, out)"
                     " if h.id % 2 == 0 then out:alert{kind = 'no_visit', severity = 'warning',"
                     " message = 'm1'} end end}\n");
    struct config one = cfg;
    one.policies_dir = dir;
    struct err e = {{0}};
    struct policy_set *set = NULL;
    struct engine *en = NULL;
    CHECK(policy_set_load(&one, 1, &set, &e) == 0);
    CHECK(engine_open(&one, set, &en, &e) == 0);
    if (!en) {
        fprintf(stderr, "open: %s\n", e.msg);
        return;
    }
    sql("CREATE TABLE alert_writes(n INT);"
        "CREATE TRIGGER alert_upd AFTER UPDATE ON alert BEGIN"
        " INSERT INTO alert_writes VALUES (1); END;"
        "CREATE TRIGGER alert_ins AFTER INSERT ON alert BEGIN"
        " INSERT INTO alert_writes VALUES (1); END;");
    long long even = scalar("SELECT count(*) FROM household WHERE id % 2 = 0");
    CHECK(engine_begin_full(en, NULL, &e) == 0);
    drain(en, NULL);
    CHECK(scalar("SELECT count(*) FROM alert WHERE kind = 'no_visit' AND state = 'open'") == even);
    CHECK(scalar("SELECT count(*) FROM alert_writes") == even);
    CHECK(engine_begin_full(en, NULL, &e) == 0);
    drain(en, NULL);
    CHECK(scalar("SELECT count(*) FROM alert_writes") == even);

    write_file(path, "return {name = 'supervision', title = 't', evaluate = function(h, out)"
                     " if h.id % 2 == 0 then out:alert{kind = 'no_visit', severity = 'warning',"
                     " message = 'm2'} end end}\n");
    CHECK(policy_set_load(&one, 1, &set, &e) == 0);
    CHECK(engine_set_policies(en, set, &e) == 0);
    CHECK(engine_mark_changed(en, NULL, NULL, 0, &e) == 0);
    drain(en, NULL);
    CHECK(scalar("SELECT count(*) FROM alert WHERE message = 'm2' AND state = 'open'") == even);
    CHECK(scalar("SELECT count(*) FROM alert_writes") == 2 * even);
    engine_close(en);
    sql("DROP TRIGGER alert_upd; DROP TRIGGER alert_ins; DROP TABLE alert_writes;"
        " DELETE FROM alert; DELETE FROM finding;"
        " DELETE FROM engine_meta WHERE key LIKE 'policy_fingerprint%' OR key = "
        "'pending_policies'");
}

int main(void)
{
    setup();
    RUN(engine_journal_batches_move_the_cursor);
    RUN(engine_steps_commit_one_batch_each);
    RUN(engine_pending_marks_drain);
    RUN(engine_malformed_household_gets_data_quality_alert);
    RUN(engine_deleted_household_is_forgotten);
    RUN(engine_waits_for_a_concurrent_writer);
    RUN(engine_begin_full_skips_the_journal);
    RUN(engine_marks_only_changed_policies);
    RUN(engine_pending_pass_survives_inserts_and_deletes);
    RUN(engine_unchanged_pass_writes_no_alert);
    return test_done();
}
