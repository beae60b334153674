/* store_journal.c - the change journal, the engine's cursor into it, the
 * pending marks of full passes and the evaluation audit. Reads never skip a
 * journal row: the cursor may only advance over rows whose households were
 * handed out. Statements are the store's cached ones (several run per batch
 * of every pass), reset after use so that none holds a read open. */
#include "store_journal.h"
#include "i18n.h"
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int store_cursor_get(struct store *st, int64_t *cursor, struct err *e)
{
    char buf[32];
    int rc = store_meta_get(st, "journal_cursor", buf, sizeof buf, e);
    if (rc)
        return rc;
    *cursor = 0;
    if (!buf[0])
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end || v < 0)
        return err_set(e, ERR_INVALID, _("%s: engine_meta journal_cursor \"%.20s\" is not a seq"),
                       st->path, buf);
    *cursor = v;
    return 0;
}

int store_cursor_set(struct store *st, int64_t cursor, struct err *e)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)cursor);
    return store_meta_set(st, "journal_cursor", buf, e);
}

int store_journal_read(struct store *st, int64_t cursor, int max, int64_t *ids, int *n,
                       int64_t *upto, struct err *e)
{
    /* No LIMIT: SQLite steps lazily in seq order and we stop as soon as the
     * next row would need an id slot we do not have. */
    static const char sql[] =
        "SELECT seq, household_id FROM engine_journal WHERE seq > ? ORDER BY seq";
    sqlite3_stmt *stmt;
    *n = 0;
    *upto = cursor;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, cursor);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(stmt, 0);
        if (sqlite3_column_type(stmt, 1) != SQLITE_NULL) {
            int64_t hid = sqlite3_column_int64(stmt, 1);
            int seen = 0;
            for (int i = 0; i < *n && !seen; i++)
                seen = ids[i] == hid;
            if (!seen) {
                if (*n >= max)
                    break; /* this row belongs to the next batch */
                ids[(*n)++] = hid;
            }
        }
        *upto = seq;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, "reading engine_journal");
    sqlite3_reset(stmt);
    return rc;
}

/* Runs sql with one integer parameter (or none when bind is 0). */
static int exec_int(struct store *st, const char *sql, int bind, int64_t v, const char *what,
                    struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    if (bind)
        sqlite3_bind_int64(stmt, 1, v);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, what);
    sqlite3_reset(stmt);
    return rc;
}

int store_journal_trim(struct store *st, int64_t upto, struct err *e)
{
    return exec_int(st, "DELETE FROM engine_journal WHERE seq <= ?", 1, upto,
                    "trimming engine_journal", e);
}

int store_pending_mark_all(struct store *st, struct err *e)
{
    return exec_int(st,
                    "INSERT OR IGNORE INTO engine_pending(household_id) SELECT id FROM household",
                    0, 0, "marking households pending", e);
}

/* Fills ids from a query whose parameters are (?1 = after, ?2 = max). */
static int read_ids(struct store *st, const char *sql, int64_t after, int max, int64_t *ids, int *n,
                    const char *what, struct err *e)
{
    sqlite3_stmt *stmt;
    *n = 0;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, after);
    sqlite3_bind_int(stmt, 2, max < 0 ? 0 : max);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW && *n < max)
        ids[(*n)++] = sqlite3_column_int64(stmt, 0);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, what);
    sqlite3_reset(stmt);
    return rc;
}

int store_pending_take(struct store *st, int max, int64_t *ids, int *n, struct err *e)
{
    return store_pending_take_after(st, INT64_MIN, max, ids, n, e);
}

int store_pending_take_after(struct store *st, int64_t after, int max, int64_t *ids, int *n,
                             struct err *e)
{
    return read_ids(st,
                    "SELECT household_id FROM engine_pending WHERE household_id > ?1"
                    " ORDER BY household_id LIMIT ?2",
                    after, max, ids, n, "reading engine_pending", e);
}

int store_pending_clear(struct store *st, const int64_t *ids, int n, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_cached(st, "DELETE FROM engine_pending WHERE household_id = ?", &stmt, e);
    if (rc)
        return rc;
    for (int i = 0; i < n && !rc; i++) {
        sqlite3_bind_int64(stmt, 1, ids[i]);
        if (sqlite3_step(stmt) != SQLITE_DONE)
            rc = store_fail(st, e, ERR_FAIL, "clearing engine_pending");
        sqlite3_reset(stmt);
    }
    sqlite3_reset(stmt);
    return rc;
}

int store_pending_count(struct store *st, int64_t *count, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_cached(st, "SELECT count(*) FROM engine_pending", &stmt, e);
    if (rc)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *count = sqlite3_column_int64(stmt, 0);
    else
        rc = store_fail(st, e, ERR_FAIL, "counting engine_pending");
    sqlite3_reset(stmt);
    return rc;
}

int store_household_ids(struct store *st, int64_t after, int max, int64_t *ids, int *n,
                        struct err *e)
{
    return read_ids(st, "SELECT id FROM household WHERE id > ?1 ORDER BY id LIMIT ?2", after, max,
                    ids, n, "listing households", e);
}

int store_eval_audit(struct store *st, int64_t household_id, const char *now, int findings,
                     const char *errors, struct err *e)
{
    static const char sql[] =
        "INSERT INTO engine_eval(household_id, evaluated_at, findings, errors)"
        " VALUES (?, ?, ?, ?) ON CONFLICT(household_id) DO UPDATE SET"
        " evaluated_at = excluded.evaluated_at, findings = excluded.findings,"
        " errors = excluded.errors"
        /* A pass that changed nothing must write nothing: rewriting every
         * household's row was most of what an unchanged pass wrote. */
        " WHERE findings IS NOT excluded.findings OR errors IS NOT excluded.errors";
    sqlite3_stmt *stmt;
    /* Cached: once per household, preparing cost as much as the write. */
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, household_id);
    sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 3, findings);
    if (errors)
        sqlite3_bind_text(stmt, 4, errors, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, 4);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, "writing engine_eval");
    sqlite3_reset(stmt);
    return rc;
}
