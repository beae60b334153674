/* store_worklist.c - the findings list and the decisions on a finding (see
 * store_worklist.h). Lists stream row by row from one statement, so a city
 * of a million findings costs the memory of one row; a decision is one
 * transaction that never changes what the engine wrote except the state. */
#include "store_worklist.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/* Whether sql (one parameter: text, else id) finds a row; ERR_NOTFOUND
 * when not, "no <what> <value>" in e. */
static int row_exists(struct store *st, const char *sql, const char *text, int64_t id,
                      const char *what, const char *reading, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    if (text)
        sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(stmt, 1, id);
    int step = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (step == SQLITE_ROW)
        return 0;
    if (step != SQLITE_DONE)
        return store_fail(st, e, ERR_FAIL, reading);
    if (text)
        return err_set(e, ERR_NOTFOUND, "no %s %s", what, text);
    return err_set(e, ERR_NOTFOUND, "no %s %lld", what, (long long)id);
}

int store_region_exists(struct store *st, const char *code, struct err *e)
{
    return row_exists(st, "SELECT 1 FROM region WHERE code = ?", code, 0, "region",
                      N_("reading regions"), e);
}

int store_cadre_exists(struct store *st, int64_t id, struct err *e)
{
    return row_exists(st, "SELECT 1 FROM cadre WHERE id = ?", NULL, id, "cadre",
                      N_("reading cadres"), e);
}

int store_value_seen(struct store *st, enum store_seen what, const char *value, struct err *e)
{
    /* Fixed statements, one per column: a column name never comes from
     * the caller. */
    static const char *const sql[] = {
        [SEEN_FINDING_POLICY] = "SELECT 1 FROM finding WHERE policy = ? LIMIT 1",
        [SEEN_FINDING_MEASURE] = "SELECT 1 FROM finding WHERE measure = ? LIMIT 1",
        [SEEN_ALERT_KIND] = "SELECT 1 FROM alert WHERE kind = ? LIMIT 1",
    };
    static const char *const name[] = {
        [SEEN_FINDING_POLICY] = "finding of policy",
        [SEEN_FINDING_MEASURE] = "finding of measure",
        [SEEN_ALERT_KIND] = "alert of kind",
    };
    return row_exists(st, sql[what], value ? value : "", 0, name[what], N_("reading the lists"), e);
}

/* A decided finding whose facts changed after the decision: the engine
 * (store_findings.c, note_facts) writes facts_changed_at and leaves
 * updated_at at the decision. */
#define FACTS_CHANGED                                                                              \
    "(f.state IN ('accepted','rejected') AND f.facts_changed_at IS NOT NULL"                       \
    " AND f.facts_changed_at >= f.updated_at)"

static const char list_sql[] = STORE_UNDER_REGION
    "SELECT f.id, f.household_id, ifnull(f.member_id, 0), ifnull(p.cadre_id, 0),"
    " ifnull(f.task_id, 0), h.head_name, h.village, v.name, t.name, c.name,"
    " f.policy, f.measure, f.kind, f.state, f.reason, f.amount, f.created_at, f.updated_at,"
    " " FACTS_CHANGED ", f.decided_by, f.decided_at, f.decision_note, tk.due, tk.status"
    " FROM finding f"
    " LEFT JOIN household h ON h.id = f.household_id"
    " LEFT JOIN region v ON v.code = h.village"
    " LEFT JOIN region t ON t.code = v.parent"
    " LEFT JOIN pairing p ON p.household_id = f.household_id"
    " LEFT JOIN cadre c ON c.id = p.cadre_id"
    " LEFT JOIN task tk ON tk.id = f.task_id"
    " WHERE (:region IS NULL OR h.village IN (SELECT code FROM under))"
    " AND (:cadre IS NULL OR p.cadre_id = :cadre OR tk.cadre_id = :cadre)"
    " AND (:policy IS NULL OR f.policy = :policy)"
    " AND (:measure IS NULL OR f.measure = :measure)"
    " AND (CASE WHEN :state IS NULL THEN f.state <> 'withdrawn' ELSE f.state = :state END)"
    " AND (:since IS NULL OR f.created_at >= :since OR f.updated_at >= :since"
    "      OR f.facts_changed_at >= :since)"
    " ORDER BY v.parent, h.village, f.household_id, f.id";

static void bind_named_text(sqlite3_stmt *stmt, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    if (i && v)
        sqlite3_bind_text(stmt, i, v, -1, SQLITE_STATIC);
}

int store_worklist_findings(struct store *st, const struct worklist_filter *f, store_worklist_fn fn,
                            void *ctx, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, list_sql, &stmt, e), step;
    if (rc)
        return rc;
    bind_named_text(stmt, ":region", f->region);
    bind_named_text(stmt, ":policy", f->policy);
    bind_named_text(stmt, ":measure", f->measure);
    bind_named_text(stmt, ":state", f->state);
    bind_named_text(stmt, ":since", f->since);
    if (f->cadre_id)
        sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":cadre"), f->cadre_id);
#define T(i) ((const char *)sqlite3_column_text(stmt, (i)))
#define I(i) sqlite3_column_int64(stmt, (i))
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct worklist_finding w = {
            .id = I(0),
            .household_id = I(1),
            .member_id = I(2),
            .cadre_id = I(3),
            .task_id = I(4),
            .head_name = T(5),
            .village = T(6),
            .village_name = T(7),
            .town_name = T(8),
            .cadre_name = T(9),
            .policy = T(10),
            .measure = T(11),
            .kind = T(12),
            .state = T(13),
            .reason = T(14),
            .has_amount = sqlite3_column_type(stmt, 15) != SQLITE_NULL,
            .amount = sqlite3_column_double(stmt, 15),
            .created_at = T(16),
            .updated_at = T(17),
            .facts_changed = sqlite3_column_int(stmt, 18),
            .decided_by = T(19),
            .decided_at = T(20),
            .decision_note = T(21),
            .task_due = T(22),
            .task_status = T(23),
        };
        if ((rc = fn(ctx, &w, e)) != 0)
            break;
    }
#undef T
#undef I
    if (!rc && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("listing findings"));
    sqlite3_finalize(stmt);
    return rc;
}

/* ---- decisions ---- */

int store_finding_measure(struct store *st, int64_t id, char *buf, size_t size, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_cached(st, "SELECT measure FROM finding WHERE id = ?", &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        const unsigned char *m = sqlite3_column_text(stmt, 0);
        snprintf(buf, size, "%s", m ? (const char *)m : "");
    } else if (step == SQLITE_DONE) {
        rc = err_set(e, ERR_NOTFOUND, "no finding with id %lld", (long long)id);
    } else {
        rc = store_fail(st, e, ERR_FAIL, N_("reading finding"));
    }
    sqlite3_reset(stmt);
    return rc;
}

static void copy_col(sqlite3_stmt *stmt, int i, char *buf, size_t size)
{
    const unsigned char *s = sqlite3_column_text(stmt, i);
    snprintf(buf, size, "%s", s ? (const char *)s : "");
}

/* Reads the finding into out and its household, kind, measure and reason
 * into the rest. ERR_NOTFOUND when there is none. */
static int read_finding(struct store *st, int64_t id, struct finding_decided *out,
                        int64_t *household_id, char *kind, char *measure, char **reason,
                        struct err *e)
{
    static const char sql[] =
        "SELECT f.state, f.kind, f.household_id, f.measure, f.reason, f.decided_by,"
        " coalesce(f.decided_at, f.updated_at), ifnull(f.task_id, 0), tk.due,"
        " ifnull(tk.cadre_id, 0)"
        " FROM finding f LEFT JOIN task tk ON tk.id = f.task_id WHERE f.id = ?";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        copy_col(stmt, 0, out->state, sizeof out->state);
        copy_col(stmt, 1, kind, 16);
        *household_id = sqlite3_column_int64(stmt, 2);
        copy_col(stmt, 3, measure, 48);
        const unsigned char *r = sqlite3_column_text(stmt, 4);
        *reason = sqlite3_mprintf("%s", r ? (const char *)r : "");
        copy_col(stmt, 5, out->by, sizeof out->by);
        copy_col(stmt, 6, out->at, sizeof out->at);
        out->task_id = sqlite3_column_int64(stmt, 7);
        copy_col(stmt, 8, out->due, sizeof out->due);
        out->cadre_id = sqlite3_column_int64(stmt, 9);
        if (!*reason)
            rc = err_set(e, ERR_FAIL, "out of memory");
    } else if (step == SQLITE_DONE) {
        rc = err_set(e, ERR_NOTFOUND, "no finding with id %lld", (long long)id);
    } else {
        rc = store_fail(st, e, ERR_FAIL, N_("reading finding"));
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* The help task of an accepted finding, for the household's cadre (NULL
 * when it has none: the no_cadre alert already asks for one). */
static int insert_task(struct store *st, int64_t household_id, const char *measure,
                       const char *title, const char *due, struct finding_decided *out,
                       struct err *e)
{
    static const char sql[] =
        "INSERT INTO task(household_id, cadre_id, measure, title, due, status)"
        " VALUES (?1, (SELECT cadre_id FROM pairing WHERE household_id = ?1), ?2, ?3, ?4, 'open')"
        " RETURNING id, ifnull(cadre_id, 0)";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, household_id);
    sqlite3_bind_text(stmt, 2, measure, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, title, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, due, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        out->task_id = sqlite3_column_int64(stmt, 0);
        out->cadre_id = sqlite3_column_int64(stmt, 1);
    } else {
        rc = store_fail(st, e, ERR_FAIL, N_("writing the help task"));
    }
    sqlite3_finalize(stmt);
    return rc;
}

static int record(struct store *st, const struct finding_decision *d, int64_t task_id,
                  struct err *e)
{
    /* updated_at moves to the decision: the engine notes changed facts
     * against it from now on. */
    static const char sql[] =
        "UPDATE finding SET state = ?2, updated_at = ?3, decided_by = ?4, decided_at = ?3,"
        " decision_note = ?5, task_id = ?6 WHERE id = ?1";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, d->finding_id);
    sqlite3_bind_text(stmt, 2, d->accept ? "accepted" : "rejected", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, d->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, d->by, -1, SQLITE_STATIC);
    if (d->note && *d->note)
        sqlite3_bind_text(stmt, 5, d->note, -1, SQLITE_STATIC);
    if (task_id)
        sqlite3_bind_int64(stmt, 6, task_id);
    rc = store_step_done(st, stmt, N_("recording the decision"), e);
    sqlite3_finalize(stmt);
    return rc;
}

static int decide(struct store *st, const struct finding_decision *d, struct finding_decided *out,
                  struct err *e)
{
    int64_t household_id = 0;
    char kind[16], measure[48];
    char *reason = NULL;
    int rc = read_finding(st, d->finding_id, out, &household_id, kind, measure, &reason, e);
    if (rc) {
        sqlite3_free(reason);
        return rc;
    }
    const char *want = d->accept ? "accepted" : "rejected";
    if (strcmp(out->state, want) == 0)
        out->outcome = DECIDE_ALREADY;
    else if (strcmp(out->state, "accepted") == 0 || strcmp(out->state, "rejected") == 0)
        out->outcome = DECIDE_OTHER;
    else if (strcmp(out->state, "withdrawn") == 0)
        out->outcome = DECIDE_WITHDRAWN;
    else if (strcmp(kind, "recommend") != 0)
        out->outcome = DECIDE_FLAG;
    else
        out->outcome = DECIDE_DONE;
    if (out->outcome == DECIDE_DONE) {
        out->task_id = out->cadre_id = 0;
        out->due[0] = '\0';
        if (d->accept) {
            rc = insert_task(st, household_id, measure, reason, d->due, out, e);
            snprintf(out->due, sizeof out->due, "%s", d->due);
        }
        if (!rc)
            rc = record(st, d, out->task_id, e);
        snprintf(out->state, sizeof out->state, "%s", want);
        snprintf(out->by, sizeof out->by, "%s", d->by);
        snprintf(out->at, sizeof out->at, "%s", d->now);
    }
    sqlite3_free(reason);
    return rc;
}

int store_finding_decide(struct store *st, const struct finding_decision *d,
                         struct finding_decided *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    int rc = store_begin(st, NULL, e);
    if (rc)
        return rc;
    rc = decide(st, d, out, e);
    if (rc || out->outcome != DECIDE_DONE) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st, e);
}
