/* test_store_journal.c - the change journal as triggers fill it, batch
 * boundaries that never skip a row, the cursor, pending marks, id paging
 * and the evaluation audit, on a real SQLite file. */
#include "store.h"
#include "store_journal.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char regions[] =
    "INSERT INTO region(code, name, level, parent) VALUES ('4416', 'city', 'city', NULL),"
    " ('441602', 'county', 'county', '4416'), ('441602001', 'town', 'town', '441602'),"
    " ('441602001001', 'village', 'village', '441602001');";

static void journal_reads_distinct_households_in_order(void)
{
    struct store *st = test_store_create("j.db", NULL, 0);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(
        st, "INSERT INTO household(id, village) VALUES (3, '441602001001'), (1, '441602001001');"
            "INSERT INTO member(id, household_id) VALUES (10, 3), (11, 1), (12, 3);"
            "UPDATE member SET household_id = 1 WHERE id = 12;");
    /* rows: h3, h1, m10->3, m11->1, m12->3, m12 upd ->1 and old 3 */
    int64_t ids[8], upto, cursor;
    int n;
    CHECK(store_cursor_get(st, &cursor, &e) == 0 && cursor == 0);
    CHECK(store_journal_read(st, 0, 8, ids, &n, &upto, &e) == 0);
    CHECK(n == 2 && ids[0] == 3 && ids[1] == 1);
    CHECK(upto == 7);
    /* Nothing new: upto stays at the cursor. */
    CHECK(store_journal_read(st, upto, 8, ids, &n, &upto, &e) == 0);
    CHECK(n == 0 && upto == 7);
    store_close(st);
}

static void journal_batch_boundary_skips_no_row(void)
{
    struct store *st = test_store_create("j.db", NULL, 0);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(st,
                    "INSERT INTO household(id, village) VALUES (1, '441602001001');"    /* seq 1 */
                    "INSERT INTO household(id, village) VALUES (2, '441602001001');"    /* seq 2 */
                    "UPDATE household SET head_name = 'x' WHERE id = 1;"                /* seq 3 */
                    "INSERT INTO supervisor(id, name, region) VALUES (1, 's', '4416');" /* seq 4 */
                    "INSERT INTO household(id, village) VALUES (3, '441602001001');"    /* seq 5 */
                    "UPDATE household SET head_name = 'y' WHERE id = 2;");              /* seq 6 */
    int64_t ids[2], upto;
    int n;
    CHECK(store_journal_read(st, 0, 2, ids, &n, &upto, &e) == 0);
    /* Household 3 would be the third id: stop before seq 5, covering the
     * household-less supervisor row. */
    CHECK(n == 2 && ids[0] == 1 && ids[1] == 2);
    CHECK(upto == 4);
    CHECK(store_journal_read(st, upto, 2, ids, &n, &upto, &e) == 0);
    CHECK(n == 2 && ids[0] == 3 && ids[1] == 2 && upto == 6);
    /* max 1: only the first household, and every later row of it */
    CHECK(store_journal_read(st, 0, 1, ids, &n, &upto, &e) == 0);
    CHECK(n == 1 && ids[0] == 1 && upto == 1);

    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_cursor_set(st, 4, &e) == 0);
    CHECK(store_journal_trim(st, 4, &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    int64_t cursor = -1;
    CHECK(store_cursor_get(st, &cursor, &e) == 0 && cursor == 4);
    CHECK(store_journal_read(st, 0, 8, ids, &n, &upto, &e) == 0);
    CHECK(n == 2 && ids[0] == 3 && ids[1] == 2 && upto == 6);
    /* seq keeps growing after a trim (AUTOINCREMENT) */
    test_store_exec(st, "DELETE FROM engine_journal;"
                        "UPDATE household SET head_name = 'z' WHERE id = 3;");
    CHECK(store_journal_read(st, 6, 8, ids, &n, &upto, &e) == 0);
    CHECK(n == 1 && ids[0] == 3 && upto == 7);
    store_close(st);
}

static void cursor_rejects_garbage(void)
{
    struct store *st = test_store_create("j.db", NULL, 0);
    struct err e = {{0}};
    test_store_exec(st, "UPDATE engine_meta SET value = 'abc' WHERE key = 'journal_cursor'");
    int64_t cursor;
    CHECK(store_cursor_get(st, &cursor, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "journal_cursor");
    store_close(st);
}

static void pending_mark_take_clear_count(void)
{
    struct store *st = test_store_create("j.db", NULL, 0);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(
        st, "INSERT INTO household(id, village) VALUES (5, '441602001001'), (2, '441602001001'),"
            " (9, '441602001001');");
    int64_t count = -1, ids[4];
    int n;
    CHECK(store_pending_count(st, &count, &e) == 0 && count == 0);
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_pending_mark_all(st, &e) == 0);
    CHECK(store_pending_mark_all(st, &e) == 0); /* idempotent */
    CHECK(store_commit(st, &e) == 0);
    CHECK(store_pending_count(st, &count, &e) == 0 && count == 3);
    CHECK(store_pending_take(st, 2, ids, &n, &e) == 0);
    CHECK(n == 2 && ids[0] == 2 && ids[1] == 5);
    CHECK(store_pending_clear(st, ids, n, &e) == 0);
    CHECK(store_pending_count(st, &count, &e) == 0 && count == 1);
    CHECK(store_pending_take(st, 4, ids, &n, &e) == 0);
    CHECK(n == 1 && ids[0] == 9);
    CHECK(store_pending_clear(st, ids, n, &e) == 0);
    CHECK(store_pending_take(st, 4, ids, &n, &e) == 0 && n == 0);
    store_close(st);
}

static int64_t pending_count(struct store *st)
{
    int64_t count = -1;
    struct err e = {{0}};
    CHECK(store_pending_count(st, &count, &e) == 0);
    return count;
}

/* Marking every household is one range row. A household inserted after the
 * marking is not in it (the journal has it), one deleted inside it is
 * passed over, ids of a journal batch leave it alone, an explicit mark
 * (INSERT into the view) is taken in order, and the last batch ends it. */
static void pending_range_follows_the_city(void)
{
    char path[512];
    struct store *st = test_store_create("j.db", path, sizeof path);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(st, "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k"
                        " WHERE i < 10) INSERT INTO household(id, village)"
                        " SELECT i, '441602001001' FROM k;");
    CHECK(store_begin(st, NULL, &e) == 0);
    CHECK(store_pending_mark_all(st, &e) == 0);
    CHECK(store_commit(st, &e) == 0);
    CHECK(pending_count(st) == 10);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *q;
    CHECK(sqlite3_prepare_v2(db,
                             "SELECT (SELECT count(*) FROM engine_pending_range),"
                             " (SELECT count(*) FROM engine_pending_household)",
                             -1, &q, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 1 &&
          sqlite3_column_int(q, 1) == 0);
    sqlite3_reset(q);

    int64_t ids[4];
    int n;
    CHECK(store_pending_take(st, 4, ids, &n, &e) == 0);
    CHECK(n == 4 && ids[0] == 1 && ids[3] == 4);
    test_store_exec(st, "DELETE FROM household WHERE id = 3;"
                        "INSERT INTO household(id, village) VALUES (20, '441602001001');");
    CHECK(store_pending_clear(st, ids, n, &e) == 0);
    CHECK(pending_count(st) == 6); /* 5..10; 20 is the journal's */

    /* A journal batch, unsorted, not at the range's start: nothing moves. */
    int64_t journal[2] = {7, 2};
    CHECK(store_pending_clear(st, journal, 2, &e) == 0);
    CHECK(pending_count(st) == 6);
    /* Unsorted but at the start: it moves over both. */
    int64_t start[2] = {6, 5};
    CHECK(store_pending_clear(st, start, 2, &e) == 0);
    CHECK(pending_count(st) == 4);

    /* One household marked by hand, below the range, comes first. */
    test_store_exec(st, "INSERT INTO engine_pending(household_id) VALUES (2);"
                        "DELETE FROM household WHERE id = 9;");
    CHECK(pending_count(st) == 4); /* 2, 7, 8, 10 */
    CHECK(store_pending_take(st, 4, ids, &n, &e) == 0);
    CHECK(n == 4 && ids[0] == 2 && ids[1] == 7 && ids[2] == 8 && ids[3] == 10);
    CHECK(store_pending_take_after(st, 7, 4, ids, &n, &e) == 0);
    CHECK(n == 2 && ids[0] == 8 && ids[1] == 10);
    int64_t all[4] = {2, 7, 8, 9};
    CHECK(store_pending_clear(st, all, 4, &e) == 0);
    CHECK(pending_count(st) == 1);
    int64_t last[1] = {10};
    CHECK(store_pending_clear(st, last, 1, &e) == 0);
    CHECK(pending_count(st) == 0);
    CHECK(sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 0 &&
          sqlite3_column_int(q, 1) == 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    store_close(st);
}

/* A database of schema version 13 with rows in its engine_pending table:
 * migrated, the same households are still pending; migrating again (a
 * database marked older than it is) changes nothing. */
static void pending_rows_of_an_older_database_are_kept(void)
{
    char path[512];
    struct store *st = test_store_create("j.db", path, sizeof path);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(st, "INSERT INTO household(id, village) VALUES (1, '441602001001'),"
                        " (2, '441602001001'), (3, '441602001001');"
                        "DROP VIEW engine_pending; DROP TABLE engine_pending_household;"
                        "DROP TABLE engine_pending_range;"
                        "CREATE TABLE engine_pending (household_id INTEGER PRIMARY KEY);"
                        "INSERT INTO engine_pending VALUES (3), (1);"
                        "PRAGMA user_version = 13;");
    store_close(st);
    for (int round = 0; round < 2; round++) {
        CHECK(store_open(path, STORE_WRITE, &st, &e) == 0);
        CHECK(pending_count(st) == 2);
        int64_t ids[4];
        int n;
        CHECK(store_pending_take(st, 4, ids, &n, &e) == 0);
        CHECK(n == 2 && ids[0] == 1 && ids[1] == 3);
        if (round == 0)
            test_store_exec(st, "PRAGMA user_version = 13;");
        else
            CHECK(store_pending_clear(st, ids, n, &e) == 0 && pending_count(st) == 0);
        store_close(st);
    }
}

static void household_ids_page_in_order(void)
{
    struct store *st = test_store_create("j.db", NULL, 0);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(
        st, "INSERT INTO household(id, village) VALUES (7, '441602001001'), (3, '441602001001'),"
            " (11, '441602001001'), (4, '441602001001');");
    int64_t ids[2], all[8];
    int n, total = 0;
    int64_t after = 0;
    for (;;) {
        CHECK(store_household_ids(st, after, 2, ids, &n, &e) == 0);
        if (n == 0)
            break;
        for (int i = 0; i < n; i++)
            all[total++] = ids[i];
        after = ids[n - 1];
        if (total > 4)
            break;
    }
    CHECK(total == 4 && all[0] == 3 && all[1] == 4 && all[2] == 7 && all[3] == 11);
    store_close(st);
}

static void eval_audit_upserts(void)
{
    struct store *st = test_store_create("j.db", NULL, 0);
    struct err e = {{0}};
    CHECK(store_eval_audit(st, 4, "2018-06-30 10:00:00", 3, NULL, &e) == 0);
    CHECK(store_eval_audit(st, 4, "2018-07-01 10:00:00", 1, "industry: boom", &e) == 0);
    /* The same outcome again is not a change: the row keeps its time. */
    CHECK(store_eval_audit(st, 4, "2018-07-02 10:00:00", 1, "industry: boom", &e) == 0);
    sqlite3 *db;
    CHECK(sqlite3_open(store_path(st), &db) == SQLITE_OK);
    sqlite3_stmt *s;
    CHECK(sqlite3_prepare_v2(db,
                             "SELECT count(*), max(evaluated_at), max(findings), max(errors)"
                             " FROM engine_eval",
                             -1, &s, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(s) == SQLITE_ROW);
    CHECK(sqlite3_column_int(s, 0) == 1);
    CHECK(strcmp((const char *)sqlite3_column_text(s, 1), "2018-07-01 10:00:00") == 0);
    CHECK(sqlite3_column_int(s, 2) == 1);
    CHECK(strcmp((const char *)sqlite3_column_text(s, 3), "industry: boom") == 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    store_close(st);
}

int main(void)
{
    RUN(journal_reads_distinct_households_in_order);
    RUN(journal_batch_boundary_skips_no_row);
    RUN(cursor_rejects_garbage);
    RUN(pending_mark_take_clear_count);
    RUN(pending_range_follows_the_city);
    RUN(pending_rows_of_an_older_database_are_kept);
    RUN(household_ids_page_in_order);
    RUN(eval_audit_upserts);
    return test_done();
}
