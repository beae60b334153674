/* store_engine.c - engine-only queries: journal end, city region, orphaned
 * findings. Never writes findings itself: that is store_findings.c's job. */
#include "store_engine.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>

int store_journal_end(struct store *st, int64_t *seq, struct err *e)
{
    /* sqlite_sequence remembers the last seq even after the journal was
     * trimmed empty. */
    static const char sql[] =
        "SELECT max(coalesce((SELECT max(seq) FROM engine_journal), 0),"
        " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'engine_journal'), 0))";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e);
    if (rc)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *seq = sqlite3_column_int64(stmt, 0);
    else
        rc = store_fail(st, e, ERR_FAIL, N_("reading the journal end"));
    sqlite3_finalize(stmt);
    return rc;
}

int store_region_city(struct store *st, char *buf, size_t size, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "SELECT code FROM region WHERE level = 'city' ORDER BY code LIMIT 1",
                           &stmt, e);
    if (rc)
        return rc;
    buf[0] = 0;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        snprintf(buf, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    else if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading the city region"));
    sqlite3_finalize(stmt);
    return rc;
}

int store_orphan_households(struct store *st, int max, int64_t *ids, int *n, struct err *e)
{
    static const char sql[] =
        "SELECT household_id FROM finding WHERE state = 'open'"
        "  AND household_id NOT IN (SELECT id FROM household)"
        " UNION SELECT household_id FROM alert WHERE household_id IS NOT NULL"
        "  AND state IN ('open','acked') AND household_id NOT IN (SELECT id FROM household)"
        " ORDER BY 1 LIMIT ?";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int(stmt, 1, max);
    *n = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
        ids[(*n)++] = sqlite3_column_int64(stmt, 0);
    if (step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading orphaned findings"));
    sqlite3_finalize(stmt);
    return rc;
}

int store_meta_prefixed(struct store *st, const char *prefix, int max, struct store_meta_row *rows,
                        int *n, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st,
                           "SELECT substr(key, length(?1) + 1), value FROM engine_meta"
                           " WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
                           &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, prefix, -1, SQLITE_STATIC);
    *n = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*n >= max) {
            *n = -1;
            break;
        }
        const char *k = (const char *)sqlite3_column_text(stmt, 0);
        const char *v = (const char *)sqlite3_column_text(stmt, 1);
        snprintf(rows[*n].name, sizeof rows[*n].name, "%s", k ? k : "");
        snprintf(rows[*n].value, sizeof rows[*n].value, "%s", v ? v : "");
        (*n)++;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading engine_meta"));
    sqlite3_finalize(stmt);
    return rc;
}

int store_meta_delete(struct store *st, const char *key, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "DELETE FROM engine_meta WHERE key = ?", &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    rc = store_step_done(st, stmt, N_("deleting from engine_meta"), e);
    sqlite3_finalize(stmt);
    return rc;
}
