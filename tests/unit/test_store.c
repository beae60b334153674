/* test_store.c - the database: private files, WAL and foreign keys, the
 * schema's CHECK constraints and change-journal triggers, version checks and
 * upgrades, and the single live alert per (kind, subject). Tests read the
 * file with sqlite3 directly; the daemon's modules never do. */
#include "store.h"
#include "store_alert.h"
#include "testlib.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[256];

static char *db_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static int file_mode(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* One integer from a query on a separate connection. */
static long long query_int(const char *path, const char *sql)
{
    sqlite3 *db;
    long long v = -999;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *stmt;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK) {
            if (sqlite3_step(stmt) == SQLITE_ROW)
                v = sqlite3_column_int64(stmt, 0);
            sqlite3_finalize(stmt);
        } else {
            fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        }
    }
    sqlite3_close(db);
    return v;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    char *msg = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
        test_failures++;
    }
    sqlite3_free(msg);
    sqlite3_close(db);
}

static const char base_rows[] =
    "INSERT INTO region(code, name, level, parent) VALUES"
    " ('4416', 'City', 'city', NULL), ('441602', 'County', 'county', '4416'),"
    " ('441602001', 'Town', 'town', '441602'), ('441602001001', 'Village', 'village', '441602001'),"
    " ('441602001002', 'Village 2', 'village', '441602001');"
    "INSERT INTO household(id, village, head_name) VALUES (1, '441602001001', 'A'),"
    " (2, '441602001002', 'B');"
    "INSERT INTO member(id, household_id, name) VALUES (11, 1, 'a');"
    "INSERT INTO cadre(id, name) VALUES (3, 'C');"
    "INSERT INTO supervisor(id, name, region) VALUES (5, 'S', '441602001');";

static void new_database_is_private_wal_with_foreign_keys(void)
{
    const char *path = db_path("new.db");
    mode_t old = umask(022);
    struct store *st = NULL;
    struct err e = {{0}};
    int rc = store_open(path, STORE_CREATE, &st, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    CHECK(rc == 0);
    if (rc) {
        umask(old);
        return;
    }
    CHECK(file_mode(path) == 0600);
    CHECK(store_schema_version(st) == STORE_SCHEMA_VERSION);
    CHECK(store_exec(st, base_rows, &e) == 0);
    char wal[600], shm[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    CHECK(file_mode(wal) == 0600);
    CHECK(file_mode(shm) == 0600);
    umask(old);

    CHECK(query_int(path, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_stmt *stmt;
    CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(stmt) == SQLITE_ROW &&
          strcmp((const char *)sqlite3_column_text(stmt, 0), "wal") == 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);

    /* foreign_keys is per connection: the store's own must enforce them. */
    CHECK(store_exec(st, "INSERT INTO member(id, household_id) VALUES (99, 999)", &e) != 0);
    CHECK_STR_CONTAINS(e.msg, "FOREIGN KEY constraint failed");
    CHECK(store_exec(st, "INSERT INTO household(id, village) VALUES (9, 'nowhere')", &e) != 0);
    CHECK_STR_CONTAINS(e.msg, "FOREIGN KEY constraint failed");
    /* Deleting a household cascades to its members. */
    CHECK(store_exec(st,
                     "INSERT INTO household(id, village) VALUES (7, '441602001001');"
                     "INSERT INTO member(id, household_id) VALUES (71, 7);"
                     "DELETE FROM household WHERE id = 7",
                     &e) == 0);
    CHECK(query_int(path, "SELECT count(*) FROM member WHERE id = 71") == 0);

    /* A second STORE_CREATE on an existing database just opens it. */
    struct store *again = NULL;
    CHECK(store_open(path, STORE_CREATE, &again, &e) == 0);
    CHECK(query_int(path, "SELECT count(*) FROM household") == 2);
    store_close(again);
    store_close(st);

    /* STORE_WRITE and STORE_READ do not create files. */
    CHECK(store_open(db_path("absent.db"), STORE_WRITE, &st, &e) == ERR_INVALID);
    CHECK(st == NULL);
    CHECK(access(db_path("absent.db"), F_OK) != 0);
}

static void check_constraints_reject_bad_rows(void)
{
    const char *path = db_path("check.db");
    struct store *st = NULL;
    struct err e = {{0}};
    CHECK(store_open(path, STORE_CREATE, &st, &e) == 0);
    if (!st)
        return;
    CHECK(store_exec(st, base_rows, &e) == 0);
    static const char *const bad[] = {
        "INSERT INTO region(code, name, level) VALUES ('x', 'X', 'province')",
        "INSERT INTO region(code, name, level, poor_village) VALUES ('x', 'X', 'village', 2)",
        "INSERT INTO household(id, village, status) VALUES (50, '441602001001', 'gone')",
        "INSERT INTO household(id, village, housing_grade) VALUES (50, '441602001001', 'E')",
        "INSERT INTO household(id, village, dibao) VALUES (50, '441602001001', 2)",
        "INSERT INTO household(id, village, tap_water) VALUES (50, '441602001001', 2)",
        "INSERT INTO household(id, village, wants_industry) VALUES (50, '441602001001', -1)",
        "INSERT INTO member(id, household_id, labor) VALUES (50, 1, 'some')",
        "INSERT INTO member(id, household_id, health) VALUES (50, 1, 'ill')",
        "INSERT INTO member(id, household_id, school_stage) VALUES (50, 1, 'university')",
        "INSERT INTO member(id, household_id, medical_insured) VALUES (50, 1, 2)",
        "INSERT INTO member(id, household_id, employed) VALUES (50, 1, 2)",
        "INSERT INTO member(id, household_id, id_number) VALUES (50, 1, '12345')",
        "INSERT INTO task(id, household_id, title, due, status) VALUES (50, 1, 't', '2018-01-01', "
        "'late')",
        "INSERT INTO fund_application(id, household_id, project, amount, status)"
        " VALUES (50, 1, 'p', 10, 'paid')",
        "INSERT INTO loan(id, household_id, amount, term_months, collateral) VALUES (50, 1, 1, 12, "
        "2)",
        "INSERT INTO finding(household_id, policy, measure, kind, reason, source, created_at,"
        " updated_at) VALUES (1, 'p', 'm', 'advice', 'r', 's', 'now', 'now')",
        "INSERT INTO finding(household_id, policy, measure, kind, reason, source, state, "
        "created_at,"
        " updated_at) VALUES (1, 'p', 'm', 'flag', 'r', 's', 'done', 'now', 'now')",
        "INSERT INTO alert(kind, severity, message, opened_at, last_seen_at, subject)"
        " VALUES ('k', 'urgent', 'm', 'now', 'now', 's')",
        "INSERT INTO alert(kind, severity, message, state, opened_at, last_seen_at, subject)"
        " VALUES ('k', 'info', 'm', 'closed', 'now', 'now', 's')",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = 0;
        int rc = store_exec(st, bad[i], &e);
        if (rc == 0)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(rc != 0);
        CHECK_STR_CONTAINS(e.msg, "CHECK constraint failed");
    }
    /* The same rows with good values go in. */
    CHECK(store_exec(st,
                     "INSERT INTO household(id, village, status, housing_grade, dibao)"
                     " VALUES (50, '441602001001', 'returned', 'D', 1);"
                     "INSERT INTO member(id, household_id, labor, health, school_stage, employed)"
                     " VALUES (50, 1, 'partial', 'disabled', 'college', 1);"
                     "INSERT INTO task(id, household_id, title, due, status)"
                     " VALUES (50, 1, 't', '2018-01-01', 'cancelled');",
                     &e) == 0);
    store_close(st);
}

static long long journal_count(const char *path, const char *tbl, long long household)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM engine_journal WHERE tbl = '%s' AND household_id = %lld", tbl,
             household);
    return query_int(path, sql);
}

static void triggers_journal_changes_by_household(void)
{
    const char *path = db_path("journal.db");
    struct store *st = NULL;
    struct err e = {{0}};
    CHECK(store_open(path, STORE_CREATE, &st, &e) == 0);
    if (!st)
        return;
    CHECK(store_exec(st, base_rows, &e) == 0);
    CHECK(store_exec(st, "DELETE FROM engine_journal", &e) == 0);

    CHECK(store_exec(st, "INSERT INTO member(id, household_id) VALUES (12, 1)", &e) == 0);
    CHECK(journal_count(path, "member", 1) == 1);
    CHECK(store_exec(st, "UPDATE member SET skills = 2 WHERE id = 12", &e) == 0);
    CHECK(journal_count(path, "member", 1) == 2);
    /* Moving a member re-evaluates both households. */
    CHECK(store_exec(st, "UPDATE member SET household_id = 2 WHERE id = 12", &e) == 0);
    CHECK(journal_count(path, "member", 1) == 3);
    CHECK(journal_count(path, "member", 2) == 1);
    CHECK(store_exec(st, "DELETE FROM member WHERE id = 12", &e) == 0);
    CHECK(journal_count(path, "member", 2) == 2);
    CHECK(query_int(path, "SELECT row_id FROM engine_journal WHERE tbl = 'member'"
                          " ORDER BY seq DESC LIMIT 1") == 12);

    CHECK(store_exec(st, "INSERT INTO income(household_id, year, wage) VALUES (2, 2017, 3000)",
                     &e) == 0);
    CHECK(journal_count(path, "income", 2) == 1);
    CHECK(store_exec(st, "UPDATE income SET wage = 3500 WHERE household_id = 2", &e) == 0);
    CHECK(journal_count(path, "income", 2) == 2);
    CHECK(store_exec(st, "DELETE FROM income WHERE household_id = 2", &e) == 0);
    CHECK(journal_count(path, "income", 2) == 3);
    CHECK(journal_count(path, "income", 1) == 0);

    CHECK(store_exec(st, "INSERT INTO household(id, village) VALUES (3, '441602001002')", &e) == 0);
    CHECK(journal_count(path, "household", 3) == 1);
    CHECK(store_exec(st, "UPDATE household SET dibao = 1 WHERE id = 3", &e) == 0);
    CHECK(journal_count(path, "household", 3) == 2);
    CHECK(store_exec(st, "DELETE FROM household WHERE id = 3", &e) == 0);
    CHECK(journal_count(path, "household", 3) == 3);

    /* A village's flag change reaches exactly its households. */
    CHECK(store_exec(st, "UPDATE region SET poor_village = 1 WHERE code = '441602001001'", &e) ==
          0);
    CHECK(journal_count(path, "region", 1) == 1);
    CHECK(journal_count(path, "region", 2) == 0);
    CHECK(query_int(path, "SELECT count(*) FROM engine_journal WHERE tbl = 'region'") == 1);

    /* Pairing a cadre is journaled for the household; the cadre's update too. */
    CHECK(
        store_exec(st,
                   "INSERT INTO pairing(household_id, cadre_id, since) VALUES (2, 3, '2018-01-01');"
                   "UPDATE cadre SET phone = '1' WHERE id = 3",
                   &e) == 0);
    CHECK(journal_count(path, "pairing", 2) == 1);
    CHECK(journal_count(path, "cadre", 2) == 1);
    store_close(st);
}

static void newer_database_is_refused(void)
{
    const char *path = db_path("newer.db");
    struct store *st = NULL;
    struct err e = {{0}};
    CHECK(store_open(path, STORE_CREATE, &st, &e) == 0);
    store_close(st);
    raw_exec(path, "PRAGMA user_version = 99");
    for (int mode = STORE_READ; mode <= STORE_CREATE; mode++) {
        st = NULL;
        e.msg[0] = 0;
        CHECK(store_open(path, (enum store_mode)mode, &st, &e) == ERR_INVALID);
        CHECK(st == NULL);
        CHECK_STR_CONTAINS(e.msg, path);
        CHECK_STR_CONTAINS(e.msg, "99");
        char ours[32];
        snprintf(ours, sizeof ours, "(%d)", STORE_SCHEMA_VERSION);
        CHECK_STR_CONTAINS(e.msg, ours);
    }
    CHECK(query_int(path, "PRAGMA user_version") == 99);
}

static void empty_file_is_upgraded(void)
{
    const char *path = db_path("empty.db");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    close(fd);
    struct store *st = NULL;
    struct err e = {{0}};
    /* Read-only cannot upgrade: it says so. */
    CHECK(store_open(path, STORE_READ, &st, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "older");
    int rc = store_open(path, STORE_WRITE, &st, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    CHECK(rc == 0);
    if (!st)
        return;
    CHECK(store_schema_version(st) == STORE_SCHEMA_VERSION);
    CHECK(store_exec(st, base_rows, &e) == 0);
    char v[32];
    CHECK(store_meta_get(st, "journal_cursor", v, sizeof v, &e) == 0 && strcmp(v, "0") == 0);
    CHECK(store_meta_set(st, "journal_cursor", "5", &e) == 0);
    CHECK(store_meta_get(st, "journal_cursor", v, sizeof v, &e) == 0 && strcmp(v, "5") == 0);
    CHECK(store_meta_get(st, "never_set", v, sizeof v, &e) == 0 && v[0] == 0);
    store_close(st);
    CHECK(query_int(path, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
    /* Version 10 created them, version 15 drops them: reconciliation names
     * the params set itself. */
    CHECK(query_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                          " AND name LIKE 'finding_params%'") == 0);
}

/* Two processes opening a fresh database at once: both read version 0, one
 * migrates; the other must see the new version once it has the lock rather
 * than migrate again. */
struct opener {
    const char *path;
    int rc;
    char msg[256];
};

static void *open_in_thread(void *arg)
{
    struct opener *o = arg;
    struct store *st = NULL;
    struct err e = {{0}};
    o->rc = store_open(o->path, STORE_WRITE, &st, &e);
    snprintf(o->msg, sizeof o->msg, "%s", e.msg);
    store_close(st);
    return NULL;
}

static void concurrent_first_open_migrates_once(void)
{
    const char *path = db_path("race.db");
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA journal_mode = WAL; BEGIN IMMEDIATE", NULL, NULL, NULL) ==
          SQLITE_OK);
    struct opener a = {.path = path}, b = {.path = path};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, open_in_thread, &a);
    pthread_create(&tb, NULL, open_in_thread, &b);
    struct timespec ts = {0, 400 * 1000000L};
    nanosleep(&ts, NULL);
    CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    if (a.rc || b.rc)
        fprintf(stderr, "a: %s\nb: %s\n", a.msg, b.msg);
    CHECK(a.rc == 0 && b.rc == 0);
    CHECK(query_int(path, "PRAGMA user_version") == STORE_SCHEMA_VERSION);
    CHECK(query_int(path, "SELECT count(*) FROM engine_meta WHERE key = 'journal_cursor'") == 1);
}

static void one_live_alert_per_kind_and_subject(void)
{
    const char *path = db_path("alert.db");
    struct store *st = NULL;
    struct err e = {{0}};
    CHECK(store_open(path, STORE_CREATE, &st, &e) == 0);
    if (!st)
        return;
    CHECK(store_exec(st, base_rows, &e) == 0);
    struct alert_spec a = {
        .kind = "no_cadre",
        .subject = "household:1",
        .severity = SEVERITY_WARNING,
        .household_id = 1,
        .message = "no paired cadre",
        .source = "supervision",
    };
    int64_t id1 = 0, id2 = 0, id3 = 0;
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_alert_raise(st, &a, "2018-06-01 02:00:00", &id1, &e) == 0);
    a.message = "still no paired cadre";
    CHECK(store_alert_raise(st, &a, "2018-06-02 02:00:00", &id2, &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(id1 > 0 && id1 == id2);
    CHECK(query_int(path, "SELECT count(*) FROM alert WHERE kind = 'no_cadre'") == 1);
    CHECK(query_int(path, "SELECT count(*) FROM alert WHERE last_seen_at = '2018-06-02 02:00:00'"
                          " AND opened_at = '2018-06-01 02:00:00'"
                          " AND message = 'still no paired cadre'") == 1);
    /* Routed to the household's town and its supervisor. */
    CHECK(query_int(path, "SELECT count(*) FROM alert WHERE region = '441602001'"
                          " AND supervisor_id = 5 AND level = 'town'") == 1);
    /* The unique index itself refuses a second live row. */
    CHECK(store_exec(st,
                     "INSERT INTO alert(kind, severity, message, opened_at, last_seen_at, subject)"
                     " VALUES ('no_cadre', 'info', 'm', 'now', 'now', 'household:1')",
                     &e) != 0);
    CHECK_STR_CONTAINS(e.msg, "UNIQUE constraint failed");

    CHECK(store_alert_resolve(st, "no_cadre", "household:1", "2018-06-03 02:00:00", &e) == 0);
    CHECK(query_int(path, "SELECT count(*) FROM alert WHERE state = 'resolved'"
                          " AND resolved_at = '2018-06-03 02:00:00'") == 1);
    CHECK(store_alert_raise(st, &a, "2018-06-04 02:00:00", &id3, &e) == 0);
    CHECK(id3 > 0 && id3 != id1);
    CHECK(query_int(path, "SELECT count(*) FROM alert WHERE kind = 'no_cadre'") == 2);
    CHECK(query_int(path, "SELECT count(*) FROM alert WHERE state = 'open'") == 1);
    /* An acked alert is still the live one. */
    CHECK(store_exec(st, "UPDATE alert SET state = 'acked' WHERE state = 'open'", &e) == 0);
    CHECK(store_alert_raise(st, &a, "2018-06-05 02:00:00", &id2, &e) == 0);
    CHECK(id2 == id3);
    CHECK(query_int(path, "SELECT count(*) FROM alert") == 2);
    store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    RUN(new_database_is_private_wal_with_foreign_keys);
    RUN(check_constraints_reject_bad_rows);
    RUN(triggers_journal_changes_by_household);
    RUN(newer_database_is_refused);
    RUN(empty_file_is_upgraded);
    RUN(concurrent_first_open_migrates_once);
    RUN(one_live_alert_per_kind_and_subject);
    return test_done();
}
