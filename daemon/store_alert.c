/* store_alert.c - raising and resolving alerts with one live row per
 * (kind, subject), and routing them to the supervisor of a region. */
#include "store_alert.h"
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/* The town of a household's village and the supervisor who answers for it. */
static int route_household(struct store *st, int64_t household_id, char *region, size_t size,
                           int64_t *supervisor_id, struct err *e)
{
    static const char sql[] =
        "SELECT v.parent, (SELECT s.id FROM supervisor s WHERE s.region = v.parent"
        "                  ORDER BY s.id LIMIT 1)"
        " FROM household h JOIN region v ON v.code = h.village WHERE h.id = ?";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, household_id);
    region[0] = 0;
    *supervisor_id = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        const unsigned char *r = sqlite3_column_text(stmt, 0);
        if (r)
            snprintf(region, size, "%s", r);
        *supervisor_id = sqlite3_column_int64(stmt, 1);
    }
    sqlite3_reset(stmt);
    return 0;
}

static int64_t supervisor_of(struct store *st, const char *region)
{
    static const char sql[] = "SELECT id FROM supervisor WHERE region = ? ORDER BY id LIMIT 1";
    sqlite3_stmt *stmt;
    if (store_cached(st, sql, &stmt, NULL) != 0)
        return 0;
    sqlite3_bind_text(stmt, 1, region, -1, SQLITE_STATIC);
    int64_t id = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_reset(stmt);
    return id;
}

static void bind_id(sqlite3_stmt *stmt, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(stmt, i, v);
    else
        sqlite3_bind_null(stmt, i);
}

int store_alert_raise(struct store *st, const struct alert_spec *a, const char *now, int64_t *id,
                      struct err *e)
{
    char region[64] = "";
    int64_t supervisor = a->supervisor_id;
    const char *level = a->level;
    if (a->region) {
        snprintf(region, sizeof region, "%s", a->region);
        if (!supervisor)
            supervisor = supervisor_of(st, region);
    } else if (a->household_id) {
        int rc = route_household(st, a->household_id, region, sizeof region, &supervisor, e);
        if (rc)
            return rc;
        if (!level)
            level = "town";
    }
    /* The partial unique index alert_live makes this the single live row. */
    static const char sql[] =
        "INSERT INTO alert(kind, subject, severity, household_id, task_id, region, supervisor_id,"
        " level, message, source, state, opened_at, last_seen_at, escalations)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'open', ?11, ?11, 0)"
        " ON CONFLICT(kind, subject) WHERE state IN ('open','acked') DO UPDATE SET"
        " severity = excluded.severity, message = excluded.message,"
        " last_seen_at = excluded.last_seen_at,"
        " region = coalesce(excluded.region, region),"
        " supervisor_id = coalesce(excluded.supervisor_id, supervisor_id),"
        " level = coalesce(excluded.level, level)"
        " RETURNING id";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, a->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, a->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, severity_name(a->severity), -1, SQLITE_STATIC);
    bind_id(stmt, 4, a->household_id);
    bind_id(stmt, 5, a->task_id);
    if (region[0])
        sqlite3_bind_text(stmt, 6, region, -1, SQLITE_TRANSIENT);
    bind_id(stmt, 7, supervisor);
    if (level)
        sqlite3_bind_text(stmt, 8, level, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 9, a->message, -1, SQLITE_STATIC);
    if (a->source)
        sqlite3_bind_text(stmt, 10, a->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 11, now, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        if (id)
            *id = sqlite3_column_int64(stmt, 0);
    } else {
        rc = store_fail(st, e, ERR_FAIL, "raising alert");
    }
    sqlite3_reset(stmt);
    return rc;
}

int store_alert_resolve(struct store *st, const char *kind, const char *subject, const char *now,
                        struct err *e)
{
    static const char sql[] = "UPDATE alert SET state = 'resolved', resolved_at = ?3"
                              " WHERE kind = ?1 AND subject = ?2 AND state IN ('open','acked')";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, now, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, "resolving alert");
    sqlite3_reset(stmt);
    return rc;
}
