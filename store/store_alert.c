/* store_alert.c - raising and resolving alerts with one live row per
 * (kind, subject), and routing them to the supervisor of a region. */
#include "store_alert.h"
#include "i18n.h"
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

/* Where a raised alert goes: region ("" for none), supervisor, level. */
static int route(struct store *st, const struct alert_spec *a, char region[64], int64_t *supervisor,
                 const char **level, struct err *e)
{
    region[0] = 0;
    *supervisor = a->supervisor_id;
    *level = a->level;
    if (a->region) {
        snprintf(region, 64, "%s", a->region);
        if (!*supervisor)
            *supervisor = supervisor_of(st, region);
    } else if (a->household_id) {
        int rc = route_household(st, a->household_id, region, 64, supervisor, e);
        if (rc)
            return rc;
        if (!*level)
            *level = "town";
    }
    return 0;
}

int store_alert_route_household(struct store *st, int64_t household_id, char region[64],
                                int64_t *supervisor_id, const char **level, struct err *e)
{
    struct alert_spec a = {.household_id = household_id};
    return route(st, &a, region, supervisor_id, level, e);
}

/* Routes a and binds ?1..?10 of an alert insert: kind, subject, severity,
 * household, task, region, supervisor, level, message, source. */
static int bind_routed(struct store *st, sqlite3_stmt *stmt, const struct alert_spec *a,
                       struct err *e)
{
    char region[64];
    int64_t supervisor;
    const char *level;
    int rc = route(st, a, region, &supervisor, &level, e);
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
    return 0;
}

int store_alert_raise(struct store *st, const struct alert_spec *a, const char *now, int64_t *id,
                      struct err *e)
{
    int rc;
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
    if ((rc = store_cached(st, sql, &stmt, e)) != 0 || (rc = bind_routed(st, stmt, a, e)) != 0)
        return rc;
    sqlite3_bind_text(stmt, 11, now, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        if (id)
            *id = sqlite3_column_int64(stmt, 0);
    } else {
        rc = store_fail(st, e, ERR_FAIL, N_("raising alert"));
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
    rc = store_step_done(st, stmt, N_("resolving alert"), e);
    sqlite3_reset(stmt);
    return rc;
}

/* ---- `fupin alert` ---- */

int store_alert_ack(struct store *st, int64_t id, const char *now, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "SELECT state FROM alert WHERE id = ?", &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    int step = sqlite3_step(stmt);
    char state[16] = "";
    if (step == SQLITE_ROW)
        snprintf(state, sizeof state, "%s", sqlite3_column_text(stmt, 0));
    else if (step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading alert"));
    sqlite3_finalize(stmt);
    if (rc)
        return rc;
    if (!state[0])
        return err_set(e, ERR_INVALID, "no alert with id %lld", (long long)id);
    if (strcmp(state, "resolved") == 0)
        return err_set(e, ERR_INVALID, "alert %lld is already resolved", (long long)id);
    if (strcmp(state, "acked") == 0)
        return 0;
    if ((rc = store_prepare(st, "UPDATE alert SET state = 'acked', acked_at = ?2 WHERE id = ?1",
                            &stmt, e)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
    rc = store_step_done(st, stmt, N_("acknowledging alert"), e);
    sqlite3_finalize(stmt);
    return rc;
}

static int ack_by(struct store *st, int64_t id, const char *by, const char *note, const char *now,
                  struct alert_acked *out, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc =
        store_prepare(st, "SELECT state, acked_by, acked_at FROM alert WHERE id = ?", &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    int step = sqlite3_step(stmt);
    char state[16] = "";
    if (step == SQLITE_ROW) {
        const unsigned char *s = sqlite3_column_text(stmt, 0), *b = sqlite3_column_text(stmt, 1),
                            *at = sqlite3_column_text(stmt, 2);
        snprintf(state, sizeof state, "%s", s ? (const char *)s : "");
        snprintf(out->by, sizeof out->by, "%s", b ? (const char *)b : "");
        snprintf(out->at, sizeof out->at, "%s", at ? (const char *)at : "");
    } else if (step != SQLITE_DONE) {
        rc = store_fail(st, e, ERR_FAIL, N_("reading alert"));
    }
    sqlite3_finalize(stmt);
    if (rc)
        return rc;
    if (!state[0])
        return err_set(e, ERR_NOTFOUND, "no alert with id %lld", (long long)id);
    if (strcmp(state, "resolved") == 0) {
        out->outcome = ALERT_RESOLVED;
        return 0;
    }
    if (strcmp(state, "acked") == 0) {
        out->outcome = ALERT_ALREADY_ACKED;
        return 0;
    }
    if ((rc = store_prepare(st,
                            "UPDATE alert SET state = 'acked', acked_at = ?2, acked_by = ?3,"
                            " ack_note = ?4 WHERE id = ?1",
                            &stmt, e)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, by, -1, SQLITE_STATIC);
    if (note && *note)
        sqlite3_bind_text(stmt, 4, note, -1, SQLITE_STATIC);
    rc = store_step_done(st, stmt, N_("acknowledging alert"), e);
    sqlite3_finalize(stmt);
    out->outcome = ALERT_ACKED;
    snprintf(out->by, sizeof out->by, "%s", by);
    snprintf(out->at, sizeof out->at, "%s", now);
    return rc;
}

int store_alert_ack_by(struct store *st, int64_t id, const char *by, const char *note,
                       const char *now, struct alert_acked *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    int rc = store_begin(st, NULL, e);
    if (rc)
        return rc;
    if ((rc = ack_by(st, id, by, note, now, out, e)) != 0 || out->outcome != ALERT_ACKED) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st, e);
}

/* The one place that says which alerts are a region's: the region the
 * alert is routed to now, or the village of the household it is about, is
 * the region or below it (region.parent, any depth; "under" is
 * STORE_UNDER_REGION). An escalated alert keeps its household, so it stays
 * on the lists of the town and village it came from, as does an alert
 * about a region by its origin. */
#define ALERT_IN_REGION                                                                            \
    "(a.region IN (SELECT code FROM under) OR a.origin_region IN (SELECT code FROM under)"         \
    " OR a.household_id IN"                                                                        \
    " (SELECT h.id FROM household h WHERE h.village IN (SELECT code FROM under)))"

int store_alert_list(struct store *st, const struct alert_filter *f, store_alert_row_fn fn,
                     void *ctx, struct err *e)
{
    static const char sql[] = STORE_UNDER_REGION
        "SELECT a.id, ifnull(a.household_id, 0), ifnull(a.task_id, 0),"
        " ifnull(a.supervisor_id, 0), a.kind, a.severity, a.region, a.level, a.message,"
        " a.state, a.subject, a.opened_at, a.last_seen_at, a.acked_at, a.resolved_at, s.name,"
        " a.escalations, a.acked_by, a.ack_note"
        " FROM alert a LEFT JOIN supervisor s ON s.id = a.supervisor_id"
        " WHERE (:level IS NULL OR a.level = :level) AND (:kind IS NULL OR a.kind = :kind)"
        " AND (:live = 0 OR a.state IN ('open','acked'))"
        " AND (:region IS NULL OR " ALERT_IN_REGION ")"
        " AND (:cadre IS NULL OR a.household_id IN"
        "      (SELECT household_id FROM pairing WHERE cadre_id = :cadre)"
        "      OR a.task_id IN (SELECT id FROM task WHERE cadre_id = :cadre))"
        " AND (:since IS NULL OR a.opened_at >= :since)"
        " ORDER BY a.id DESC";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
#define BIND_TEXT(name, v)                                                                         \
    if (v)                                                                                         \
    sqlite3_bind_text(stmt, sqlite3_bind_parameter_index(stmt, name), v, -1, SQLITE_STATIC)
    BIND_TEXT(":level", f->level);
    BIND_TEXT(":kind", f->kind);
    BIND_TEXT(":region", f->region);
    BIND_TEXT(":since", f->since);
#undef BIND_TEXT
    sqlite3_bind_int(stmt, sqlite3_bind_parameter_index(stmt, ":live"), f->live_only);
    if (f->cadre_id)
        sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":cadre"), f->cadre_id);
#define T(i) ((const char *)sqlite3_column_text(stmt, (i)))
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct alert_row a = {
            .id = sqlite3_column_int64(stmt, 0),
            .household_id = sqlite3_column_int64(stmt, 1),
            .task_id = sqlite3_column_int64(stmt, 2),
            .supervisor_id = sqlite3_column_int64(stmt, 3),
            .kind = T(4),
            .severity = T(5),
            .region = T(6),
            .level = T(7),
            .message = T(8),
            .state = T(9),
            .subject = T(10),
            .opened_at = T(11),
            .last_seen_at = T(12),
            .acked_at = T(13),
            .resolved_at = T(14),
            .supervisor_name = T(15),
            .escalations = sqlite3_column_int(stmt, 16),
            .acked_by = T(17),
            .ack_note = T(18),
        };
        if ((rc = fn(ctx, &a, e)) != 0)
            break;
    }
#undef T
    if (!rc && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("listing alerts"));
    sqlite3_finalize(stmt);
    return rc;
}

/* ---- staged raising (the nightly job) ---- */

int store_alert_stage_reset(struct store *st, struct err *e)
{
    /* What apply learns about a staged row goes into narrow side tables
     * keyed by seq, not into the staged row: updating 100,000 rows that
     * carry their message rewrote them whole (a third of apply at 1M). */
    return store_exec(st,
                      "CREATE TEMP TABLE IF NOT EXISTS alert_stage(seq INTEGER PRIMARY KEY,"
                      " kind TEXT, subject TEXT, severity TEXT, household_id INTEGER,"
                      " task_id INTEGER, region TEXT, supervisor_id INTEGER, level TEXT,"
                      " message TEXT, source TEXT, rank INT, origin_region TEXT,"
                      " origin_level TEXT);"
                      "CREATE TEMP TABLE IF NOT EXISTS alert_stage_old(seq INTEGER PRIMARY KEY,"
                      " id INTEGER, rank INT, esc INT);"
                      "CREATE TEMP TABLE IF NOT EXISTS alert_stage_id(seq INTEGER PRIMARY KEY,"
                      " id INTEGER);"
                      "DELETE FROM temp.alert_stage; DELETE FROM temp.alert_stage_old;"
                      "DELETE FROM temp.alert_stage_id;",
                      e);
}

int store_alert_stage_add(struct store *st, const struct alert_spec *a, int rank, struct err *e)
{
    int rc;
    static const char sql[] =
        "INSERT INTO temp.alert_stage(kind, subject, severity, household_id, task_id, region,"
        " supervisor_id, level, message, source, rank, origin_region, origin_level)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, coalesce(?12, ?6),"
        " CASE WHEN ?12 IS NULL THEN ?8 ELSE ?13 END)";
    sqlite3_stmt *stmt;
    if ((rc = store_cached(st, sql, &stmt, e)) != 0 || (rc = bind_routed(st, stmt, a, e)) != 0)
        return rc;
    sqlite3_bind_int(stmt, 11, rank);
    if (a->origin_region) {
        sqlite3_bind_text(stmt, 12, a->origin_region, -1, SQLITE_STATIC);
        if (a->origin_level)
            sqlite3_bind_text(stmt, 13, a->origin_level, -1, SQLITE_STATIC);
    }
    rc = store_step_done(st, stmt, N_("staging an alert"), e);
    sqlite3_reset(stmt);
    return rc;
}

/* The steps of store_alert_stage_apply. The escalation arithmetic is the
 * rule of the nightly job, in SQL: an alert without a live row, or whose
 * live row has no level, is new (old rank -1); it climbed when its rank is
 * above the town (new) or above the old rank; it then gains the levels
 * climbed above max(old rank, town). */
/* clang-format would split the string after the macro mid-word. */
/* clang-format off */
static const char stage_old[] =
    "INSERT INTO temp.alert_stage_old(seq, id, rank, esc)"
    " SELECT s.seq, a.id, " STORE_LEVEL_RANK("a.level") ", a.escalations"
    " FROM temp.alert_stage s JOIN alert a ON a.kind = s.kind AND a.subject = s.subject"
    " AND a.state IN ('open','acked') ORDER BY s.seq";
/* clang-format on */
/* Computed where used rather than stored: two more passes over the staged
 * rows cost more than the expression. s is the staged row, o its live row
 * before the upsert (LEFT JOIN: NULL when new). */
#define CLIMBED                                                                                    \
    "(s.rank >= 0 AND CASE WHEN ifnull(o.rank, -1) < 0 THEN s.rank > 1 ELSE s.rank > o.rank END)"
#define NEW_ESC                                                                                    \
    "ifnull(o.esc, 0) + CASE WHEN " CLIMBED " THEN s.rank - max(ifnull(o.rank, -1), 1)"            \
    " ELSE 0 END"
/* The partial unique index alert_live makes this the single live row, as
 * in store_alert_raise; "WHERE true" tells the parser the ON belongs to
 * the upsert. */
/* The origin is written when the row opens and never updated: one row per
 * (kind, subject) whose region and level follow the escalation while the
 * levels from the origin up keep seeing it (store_nightly_digest_alerts).
 * escalated_at is the as-of date (?2) of the night it last climbed. */
static const char stage_upsert[] =
    "INSERT INTO alert(kind, subject, severity, household_id, task_id, region, supervisor_id,"
    " level, message, source, state, opened_at, last_seen_at, escalations, origin_region,"
    " origin_level, escalated_at)"
    " SELECT s.kind, s.subject, s.severity, s.household_id, s.task_id, s.region,"
    " s.supervisor_id, s.level, s.message, s.source, 'open', ?1, ?1, " NEW_ESC ","
    " s.origin_region, s.origin_level, CASE WHEN " CLIMBED " THEN ?2 END"
    " FROM temp.alert_stage s LEFT JOIN temp.alert_stage_old o ON o.seq = s.seq"
    " WHERE true ORDER BY s.seq"
    " ON CONFLICT(kind, subject) WHERE state IN ('open','acked') DO UPDATE SET"
    " severity = excluded.severity, message = excluded.message,"
    " last_seen_at = excluded.last_seen_at,"
    " region = coalesce(excluded.region, region),"
    " supervisor_id = coalesce(excluded.supervisor_id, supervisor_id),"
    " level = coalesce(excluded.level, level),"
    " escalations = excluded.escalations,"
    " escalated_at = coalesce(excluded.escalated_at, escalated_at)";
static const char stage_ids[] =
    "INSERT INTO temp.alert_stage_id(seq, id) SELECT s.seq, a.id FROM temp.alert_stage s"
    " JOIN alert a ON a.kind = s.kind AND a.subject = s.subject AND a.state IN ('open','acked')"
    " ORDER BY s.seq";
static const char stage_counts[] = "SELECT (SELECT count(*) FROM temp.alert_stage),"
                                   " (SELECT count(*) FROM temp.alert_stage_old)";
static const char stage_climbed[] =
    "SELECT i.id FROM temp.alert_stage s LEFT JOIN temp.alert_stage_old o ON o.seq = s.seq"
    " JOIN temp.alert_stage_id i ON i.seq = s.seq WHERE " CLIMBED " ORDER BY s.seq";
#undef CLIMBED
#undef NEW_ESC

static int stage_run(struct store *st, const char *sql, const char *now, const char *date,
                     const char *what, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    if (now)
        sqlite3_bind_text(stmt, 1, now, -1, SQLITE_STATIC);
    if (date)
        sqlite3_bind_text(stmt, 2, date, -1, SQLITE_STATIC);
    rc = store_step_done(st, stmt, what, e);
    sqlite3_reset(stmt);
    return rc;
}

int store_alert_stage_apply(struct store *st, const char *now, const char *date, int *raised,
                            int *refreshed, store_alert_id_fn climbed, void *ctx, struct err *e)
{
    *raised = *refreshed = 0;
    sqlite3_stmt *stmt;
    int rc, step;
    /* The live rows are read before the upsert changes them. */
    if ((rc = stage_run(st, stage_old, NULL, NULL, N_("reading live alerts"), e)) != 0 ||
        (rc = stage_run(st, stage_upsert, now, date, N_("raising alerts"), e)) != 0 ||
        (rc = stage_run(st, stage_ids, NULL, NULL, N_("reading raised alerts"), e)) != 0)
        return rc;
    if ((rc = store_cached(st, stage_counts, &stmt, e)) != 0)
        return rc;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        *refreshed = sqlite3_column_int(stmt, 1);
        *raised = sqlite3_column_int(stmt, 0) - *refreshed;
    } else {
        rc = store_fail(st, e, ERR_FAIL, N_("counting raised alerts"));
    }
    sqlite3_reset(stmt);
    if (rc || (rc = store_cached(st, stage_climbed, &stmt, e)) != 0)
        return rc;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
        if ((rc = climbed(ctx, sqlite3_column_int64(stmt, 0), e)) != 0)
            break;
    if (!rc && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading escalated alerts"));
    sqlite3_reset(stmt);
    return rc;
}
