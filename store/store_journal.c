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
#include <string.h>

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
        rc = store_fail(st, e, ERR_FAIL, N_("reading engine_journal"));
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
                    N_("trimming engine_journal"), e);
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

/* "Every household" is the one row of engine_pending_range: the ids in
 * (after_id, upto_id] are pending, after_id moving up as batches commit. It
 * replaced a row per household in engine_pending (now a view of both), which
 * cost as much to insert and delete again as a household's reconciliation
 * when nothing changed. Households inserted after the marking are beyond
 * upto_id and reach the engine through the journal; one deleted inside the
 * range is simply never listed (the journal reports its removal). */

/* Shared by taking and clearing, so that a batch of one (a single change
 * in a fresh process) prepares few statements: preparing them cost more
 * than running them. */
static const char range_get_sql[] = "SELECT after_id, upto_id FROM engine_pending_range";
static const char range_walk_sql[] =
    "SELECT id FROM household WHERE id > ?1 AND id <= ?2 ORDER BY id";
static const char marks_sql[] = "SELECT household_id FROM engine_pending_household"
                                " WHERE household_id > ?1 ORDER BY household_id";

/* The range into *after and *upto; *has = 0 when there is none. */
static int range_get(struct store *st, int64_t *after, int64_t *upto, int *has, struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st, range_get_sql, &s, e);
    if (rc)
        return rc;
    int step = sqlite3_step(s);
    *has = step == SQLITE_ROW;
    if (*has) {
        *after = sqlite3_column_int64(s, 0);
        *upto = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return step == SQLITE_ROW || step == SQLITE_DONE
               ? 0
               : store_fail(st, e, ERR_FAIL, N_("reading engine_pending"));
}

int store_pending_mark_all(struct store *st, struct err *e)
{
    static const char del[] = "DELETE FROM engine_pending_range";
    static const char ins[] = "INSERT INTO engine_pending_range(id, after_id, upto_id)"
                              " SELECT 1, ?1, id FROM household ORDER BY id DESC LIMIT 1";
    int rc = exec_int(st, del, 0, 0, N_("marking households pending"), e);
    return rc ? rc : exec_int(st, ins, 1, INT64_MIN, N_("marking households pending"), e);
}

int store_pending_take(struct store *st, int max, int64_t *ids, int *n, struct err *e)
{
    return store_pending_take_after(st, INT64_MIN, max, ids, n, e);
}

/* Steps s for its next id into *id; 0 at the end, 1 with a row, <0 failure. */
static int next_id(struct store *st, sqlite3_stmt *s, int64_t *id, struct err *e)
{
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        return 1;
    }
    return step == SQLITE_DONE ? 0 : store_fail(st, e, ERR_FAIL, N_("reading engine_pending"));
}

int store_pending_take_after(struct store *st, int64_t after, int max, int64_t *ids, int *n,
                             struct err *e)
{
    /* The explicit marks and the range, each ascending, merged here: both
     * are walks of a rowid B-tree, stepped only as far as the batch needs. */
    int64_t from = 0, upto = 0;
    int has_range = 0;
    *n = 0;
    sqlite3_stmt *a, *b = NULL;
    int rc = range_get(st, &from, &upto, &has_range, e);
    if (!rc)
        rc = store_cached(st, marks_sql, &a, e);
    if (!rc && has_range)
        rc = store_cached(st, range_walk_sql, &b, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(a, 1, after);
    if (b) {
        sqlite3_bind_int64(b, 1, from > after ? from : after);
        sqlite3_bind_int64(b, 2, upto);
    }
    int64_t x = 0, y = 0;
    int has_a = max > 0 ? next_id(st, a, &x, e) : 0;
    int has_b = b && max > 0 && has_a >= 0 ? next_id(st, b, &y, e) : 0;
    while (has_a >= 0 && has_b >= 0 && (has_a || has_b) && *n < max) {
        int take_a = has_a && (!has_b || x <= y), take_b = has_b && (!has_a || y <= x);
        ids[(*n)++] = take_a ? x : y;
        if (take_a)
            has_a = next_id(st, a, &x, e);
        if (take_b && has_a >= 0)
            has_b = next_id(st, b, &y, e);
    }
    sqlite3_reset(a);
    if (b)
        sqlite3_reset(b);
    return has_a < 0 ? has_a : has_b < 0 ? has_b : 0;
}

static int cmp_id(const void *p, const void *q)
{
    int64_t x = *(const int64_t *)p, y = *(const int64_t *)q;
    return (x > y) - (x < y);
}

/* Moves the range's after_id over the households at its start that ids
 * (ascending) covers, and ends the range once it covers the last. A batch
 * from the journal rarely starts there: then one step finds that and the
 * range is left as it was (its households are evaluated again in turn). */
static int range_advance(struct store *st, const int64_t *ids, int n, struct err *e)
{
    static const char set[] = "UPDATE engine_pending_range SET after_id = ?1";
    static const char end[] = "DELETE FROM engine_pending_range";
    int64_t after = 0, upto = 0;
    int has = 0;
    sqlite3_stmt *s;
    int rc = range_get(st, &after, &upto, &has, e);
    if (rc || !has)
        return rc;
    if ((rc = store_cached(st, range_walk_sql, &s, e)) != 0)
        return rc;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, upto);
    int64_t moved = after, id = 0;
    int i = 0, more;
    /* A household deleted since the batch was taken is in ids, not in the
     * walk: passed over. */
    while ((more = next_id(st, s, &id, e)) == 1) {
        while (i < n && ids[i] < id)
            i++;
        if (i == n || ids[i] != id)
            break;
        moved = id;
    }
    sqlite3_reset(s);
    if (more < 0)
        return more;
    if (more == 0)
        return exec_int(st, end, 0, 0, N_("clearing engine_pending"), e);
    return moved == after ? 0 : exec_int(st, set, 1, moved, N_("clearing engine_pending"), e);
}

int store_pending_clear(struct store *st, const int64_t *ids, int n, struct err *e)
{
    static const char del[] = "DELETE FROM engine_pending_household WHERE household_id = ?";
    if (n <= 0)
        return 0;
    sqlite3_stmt *stmt;
    int rc = store_cached(st, marks_sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, INT64_MIN);
    int step = sqlite3_step(stmt), marked = step == SQLITE_ROW;
    sqlite3_reset(stmt);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return store_fail(st, e, ERR_FAIL, N_("reading engine_pending"));
    /* Most passes have no explicit mark: no seek per household then. */
    for (int i = 0; i < n && marked && !rc; i++)
        rc = exec_int(st, del, 1, ids[i], N_("clearing engine_pending"), e);
    if (rc)
        return rc;
    int sorted = 1;
    for (int i = 1; i < n && sorted; i++)
        sorted = ids[i - 1] < ids[i];
    if (sorted)
        return range_advance(st, ids, n, e);
    int64_t *copy = malloc((size_t)n * sizeof *copy);
    if (!copy)
        return err_set(e, ERR_FAIL, "out of memory");
    memcpy(copy, ids, (size_t)n * sizeof *copy);
    qsort(copy, (size_t)n, sizeof *copy, cmp_id);
    rc = range_advance(st, copy, n, e);
    free(copy);
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
        rc = store_fail(st, e, ERR_FAIL, N_("counting engine_pending"));
    sqlite3_reset(stmt);
    return rc;
}

int store_household_ids(struct store *st, int64_t after, int max, int64_t *ids, int *n,
                        struct err *e)
{
    return read_ids(st, "SELECT id FROM household WHERE id > ?1 ORDER BY id LIMIT ?2", after, max,
                    ids, n, N_("listing households"), e);
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
        rc = store_fail(st, e, ERR_FAIL, N_("writing engine_eval"));
    sqlite3_reset(stmt);
    return rc;
}
