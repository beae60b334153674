/* store_console.c - the web console's read queries (see store_console.h).
 * Each query is a fixed statement of the table below, bound by name; a
 * caller never adds SQL. Region scoping follows region.parent at any depth
 * (STORE_UNDER_REGION), as the CLI's lists do. Never writes. */
#include "store_console.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

static void copy_col(sqlite3_stmt *stmt, int i, char *buf, size_t size)
{
    const char *s = (const char *)sqlite3_column_text(stmt, i);
    snprintf(buf, size, "%s", s ? s : "");
}

static void bind_text(sqlite3_stmt *stmt, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    if (i && v)
        sqlite3_bind_text(stmt, i, v, -1, SQLITE_TRANSIENT);
}

static void bind_int(sqlite3_stmt *stmt, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    if (i)
        sqlite3_bind_int64(stmt, i, v);
}

static void read_region(sqlite3_stmt *stmt, struct console_region *r)
{
    copy_col(stmt, 0, r->code, sizeof r->code);
    copy_col(stmt, 1, r->name, sizeof r->name);
    copy_col(stmt, 2, r->level, sizeof r->level);
    copy_col(stmt, 3, r->parent, sizeof r->parent);
    r->poor_village = sqlite3_column_int(stmt, 4);
}

int store_console_region(struct store *st, const char *code, struct console_region *out,
                         struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_cached(
        st, "SELECT code, name, level, parent, poor_village FROM region WHERE code = ?", &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, code, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        read_region(stmt, out);
    sqlite3_reset(stmt);
    if (step == SQLITE_ROW)
        return 0;
    if (step != SQLITE_DONE)
        return store_fail(st, e, ERR_FAIL, N_("reading regions"));
    return err_set(e, ERR_NOTFOUND, "no region %s", code);
}

int store_console_top(struct store *st, char *buf, size_t size, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_cached(st, "SELECT min(code) FROM region WHERE parent IS NULL", &stmt, e);
    if (rc)
        return rc;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        copy_col(stmt, 0, buf, size);
    sqlite3_reset(stmt);
    return step == SQLITE_ROW ? 0 : store_fail(st, e, ERR_FAIL, N_("reading regions"));
}

int store_console_ancestors(struct store *st, const char *code, struct console_region *out, int max,
                            int *n, struct err *e)
{
    /* depth bounds the walk: a parent cycle in hand-edited data must not
     * loop forever. */
    sqlite3_stmt *stmt;
    int rc = store_cached(st,
                          "WITH RECURSIVE up(code, depth) AS ("
                          " SELECT parent, 1 FROM region WHERE code = ?1 AND parent IS NOT NULL"
                          " UNION ALL SELECT r.parent, u.depth + 1 FROM region r JOIN up u"
                          " ON r.code = u.code WHERE r.parent IS NOT NULL AND u.depth < 16)"
                          " SELECT r.code, r.name, r.level, r.parent, r.poor_village"
                          " FROM up JOIN region r ON r.code = up.code ORDER BY up.depth DESC",
                          &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, code, -1, SQLITE_TRANSIENT);
    int step;
    *n = 0;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
        if (*n < max)
            read_region(stmt, &out[(*n)++]);
    sqlite3_reset(stmt);
    return step == SQLITE_DONE ? 0 : store_fail(st, e, ERR_FAIL, N_("reading regions"));
}

/* The households under :region, once per statement (MATERIALIZED: the
 * overview reads it several times). */
#define HH_UNDER                                                                                   \
    STORE_UNDER_REGION ", hh AS MATERIALIZED (SELECT h.id, h.status, v.poor_village"               \
                       " FROM household h JOIN region v ON v.code = h.village"                     \
                       " WHERE h.village IN (SELECT code FROM under)) "

static const char overview_sql[] = HH_UNDER
    "SELECT count(*), ifnull(sum(poor_village = 0), 0), ifnull(sum(status <> 'exited'), 0),"
    " ifnull(sum(status = 'exited'), 0),"
    " (SELECT count(*) FROM member m JOIN hh ON hh.id = m.household_id),"
    " (SELECT count(*) FROM member m JOIN hh ON hh.id = m.household_id WHERE hh.poor_village = 0),"
    " (SELECT count(*) FROM pairing p JOIN hh ON hh.id = p.household_id"
    "  WHERE hh.status <> 'exited'),"
    " (SELECT count(DISTINCT f.household_id) FROM finding f JOIN hh ON hh.id = f.household_id"
    "  WHERE f.measure = 'exit_ready' AND f.state IN ('open','accepted')),"
    " (SELECT count(*) FROM visit vi JOIN hh ON hh.id = vi.household_id WHERE vi.date >= :since),"
    " (SELECT count(DISTINCT vi.household_id) FROM visit vi JOIN hh ON hh.id = vi.household_id"
    "  WHERE vi.date >= :since)"
    " FROM hh";

static const char overdue_sql[] = HH_UNDER
    "SELECT CASE WHEN d <= 7 THEN 0 WHEN d <= 30 THEN 1 WHEN d <= 90 THEN 2 ELSE 3 END, count(*)"
    " FROM (SELECT CAST(julianday(:today) - julianday(t.due) AS INTEGER) d FROM task t"
    "  JOIN hh ON hh.id = t.household_id WHERE t.status = 'open' AND t.due < :today)"
    " GROUP BY 1";

/* Which alerts are the region's: as store_alert.c's ALERT_IN_REGION. */
static const char alerts_sql[] = STORE_UNDER_REGION "SELECT " STORE_LEVEL_RANK(
    "a.level") ", a.state = 'acked', count(*) FROM alert a"
               " WHERE a.state IN ('open','acked')"
               " AND (a.region IN (SELECT code FROM under) OR a.origin_region IN (SELECT code FROM "
               "under)"
               " OR a.household_id IN"
               " (SELECT h.id FROM household h WHERE h.village IN (SELECT code FROM under)))"
               " GROUP BY 1, 2";

static int overview_pass(struct store *st, const char *sql, const char *code, const char *today,
                         const char *since, struct console_overview *o, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    bind_text(stmt, ":region", code);
    bind_text(stmt, ":today", today);
    bind_text(stmt, ":since", since);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
#define L(i) ((long)sqlite3_column_int64(stmt, (i)))
        if (sql == overview_sql) {
            o->households = L(0), o->scattered = L(1), o->active = L(2), o->exited = L(3);
            o->people = L(4), o->scattered_people = L(5), o->paired = L(6);
            o->exit_proposed = L(7), o->visits = L(8), o->visited = L(9);
        } else if (sql == overdue_sql) {
            int b = sqlite3_column_int(stmt, 0);
            if (b >= 0 && b < OVERDUE_BUCKETS)
                o->overdue[b] = L(1);
        } else {
            int level = sqlite3_column_int(stmt, 0);
            if (level >= 0 && level < LEVELS)
                (sqlite3_column_int(stmt, 1) ? o->alerts_acked : o->alerts_open)[level] += L(2);
        }
#undef L
    }
    sqlite3_reset(stmt);
    return step == SQLITE_DONE ? 0 : store_fail(st, e, ERR_FAIL, N_("reading the overview"));
}

int store_console_overview(struct store *st, const char *code, const char *today, const char *since,
                           struct console_overview *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    int rc = overview_pass(st, overview_sql, code, today, since, out, e);
    if (!rc)
        rc = overview_pass(st, overdue_sql, code, today, since, out, e);
    if (!rc)
        rc = overview_pass(st, alerts_sql, code, today, since, out, e);
    return rc;
}

/* ---- the row queries ---- */

/* The children of :region with every region below each (top: the child). */
#define TREE                                                                                       \
    "WITH RECURSIVE tree(code, top) AS (SELECT code, code FROM region WHERE parent = :region"      \
    " UNION SELECT r.code, t.top FROM region r JOIN tree t ON r.parent = t.code),"                 \
    " hh AS MATERIALIZED (SELECT h.id, h.status, t.top FROM household h"                           \
    " JOIN tree t ON t.code = h.village) "

static const char *const queries[CONSOLE_QUERIES] = {
    [CONSOLE_FINDINGS_BY_MEASURE] =
        HH_UNDER "SELECT f.measure, f.state, count(*) FROM finding f JOIN hh ON hh.id = "
                 "f.household_id WHERE f.state <> 'withdrawn' GROUP BY 1, 2 ORDER BY 1, 2",
    [CONSOLE_CHILDREN] =
        TREE "SELECT c.code, c.name, c.level, c.poor_village, ifnull(a.n, 0), ifnull(a.people, 0),"
             " ifnull(a.active, 0), ifnull(a.paired, 0), ifnull(fo.n, 0), ifnull(tk.n, 0)"
             " FROM region c"
             " LEFT JOIN (SELECT hh.top, count(*) n, sum(hh.status <> 'exited') active,"
             "  sum(hh.status <> 'exited' AND EXISTS (SELECT 1 FROM pairing p"
             "   WHERE p.household_id = hh.id)) paired,"
             "  sum((SELECT count(*) FROM member m WHERE m.household_id = hh.id)) people"
             "  FROM hh GROUP BY hh.top) a ON a.top = c.code"
             " LEFT JOIN (SELECT hh.top, count(*) n FROM finding f JOIN hh ON hh.id = "
             "f.household_id"
             "  WHERE f.state = 'open' GROUP BY hh.top) fo ON fo.top = c.code"
             " LEFT JOIN (SELECT hh.top, count(*) n FROM task t JOIN hh ON hh.id = t.household_id"
             "  WHERE t.status = 'open' AND t.due < :today GROUP BY hh.top) tk ON tk.top = c.code"
             " WHERE c.parent = :region ORDER BY c.code",
    [CONSOLE_VILLAGE_HOUSEHOLDS] =
        "SELECT h.id, h.head_name, h.status,"
        " (SELECT count(*) FROM member m WHERE m.household_id = h.id), c.name,"
        " (SELECT count(*) FROM finding f WHERE f.household_id = h.id AND f.state = 'open'),"
        " (SELECT count(*) FROM task t WHERE t.household_id = h.id AND t.status = 'open'"
        "  AND t.due < :today), p.cadre_id"
        " FROM household h LEFT JOIN pairing p ON p.household_id = h.id"
        " LEFT JOIN cadre c ON c.id = p.cadre_id WHERE h.village = :region ORDER BY h.id",
    [CONSOLE_HOUSEHOLD] =
        "SELECT h.id, h.village, v.name, t.name, k.name, h.head_name, h.status, h.poverty_cause,"
        " h.housing_grade, h.housing_renovated, h.tap_water, h.dibao, h.has_land,"
        " h.registered_at, h.exited_at, p.cadre_id, c.name, c.phone, v.poor_village"
        " FROM household h LEFT JOIN region v ON v.code = h.village"
        " LEFT JOIN region t ON t.code = v.parent LEFT JOIN region k ON k.code = t.parent"
        " LEFT JOIN pairing p ON p.household_id = h.id LEFT JOIN cadre c ON c.id = p.cadre_id"
        " WHERE h.id = :id",
    [CONSOLE_MEMBERS] =
        "SELECT id, name, id_number, relation, birth_date, labor, health, school_stage,"
        " medical_insured, pension_insured, employed FROM member WHERE household_id = :id"
        " ORDER BY id",
    [CONSOLE_INCOME] =
        "SELECT i.year, i.wage, i.production, i.property, i.transfer,"
        " round((i.wage + i.production + i.property + i.transfer)"
        "  / max(1, (SELECT count(*) FROM member m WHERE m.household_id = i.household_id)), 2)"
        " FROM income i WHERE i.household_id = :id ORDER BY i.year DESC",
    [CONSOLE_HH_FINDINGS] =
        "SELECT f.id, m.name, f.policy, f.measure, f.kind, f.amount, f.reason, f.state, f.source,"
        " f.decided_by, f.decided_at, f.decision_note, f.task_id, f.created_at,"
        " (f.state IN ('accepted','rejected') AND f.facts_changed_at IS NOT NULL"
        "  AND f.facts_changed_at >= f.updated_at)"
        " FROM finding f LEFT JOIN member m ON m.id = f.member_id WHERE f.household_id = :id"
        " ORDER BY f.state = 'withdrawn', f.state <> 'open', f.policy, f.measure, f.id",
    [CONSOLE_HH_TASKS] = "SELECT t.id, t.measure, t.title, t.due, t.status, c.name, t.done_at"
                         " FROM task t LEFT JOIN cadre c ON c.id = t.cadre_id"
                         " WHERE t.household_id = :id ORDER BY t.status <> 'open', t.due, t.id",
    [CONSOLE_HH_VISITS] = "SELECT v.date, c.name, v.note FROM visit v"
                          " LEFT JOIN cadre c ON c.id = v.cadre_id WHERE v.household_id = :id"
                          " ORDER BY v.date DESC, v.id DESC",
    [CONSOLE_HH_ALERTS] = "SELECT id, kind, severity, level, state, message, opened_at, acked_by,"
                          " ack_note, acked_at FROM alert WHERE household_id = :id"
                          " ORDER BY id DESC",
    [CONSOLE_OPEN_TASKS] = STORE_UNDER_REGION
    "SELECT t.id, t.household_id, h.head_name, v.name, t.measure, t.title, t.due, c.name,"
    " max(0, CAST(julianday(:today) - julianday(t.due) AS INTEGER)), tw.name,"
    /* the finding whose acceptance made the task (none for a task entered
     * by hand): through the household's few findings */
    " (SELECT f.policy FROM finding f WHERE f.household_id = t.household_id AND f.task_id = t.id),"
    " (SELECT f.kind FROM finding f WHERE f.household_id = t.household_id AND f.task_id = t.id)"
    " FROM task t JOIN household h ON h.id = t.household_id"
    " LEFT JOIN region v ON v.code = h.village LEFT JOIN region tw ON tw.code = v.parent"
    " LEFT JOIN cadre c ON c.id = t.cadre_id"
    " WHERE t.status = 'open'"
    " AND (:region IS NULL OR h.village IN (SELECT code FROM under))"
    " AND (:cadre IS NULL OR t.cadre_id = :cadre"
    "  OR t.household_id IN (SELECT household_id FROM pairing WHERE cadre_id = :cadre))"
    " ORDER BY t.due, t.id",
    [CONSOLE_RULE_VERSIONS] =
        "SELECT id, kind, name, source, hash, activated_by, activated_at, preview_summary"
        " FROM rule_version ORDER BY ifnull(activated_at, '') DESC, id DESC",
    [CONSOLE_CHANGE_SUMMARY] = "SELECT preview_summary FROM rule_change WHERE id = :id",
};

int store_console_rows(struct store *st, enum console_query q, const struct console_args *a,
                       store_console_row_fn fn, void *ctx, struct err *e)
{
    if ((int)q < 0 || q >= CONSOLE_QUERIES)
        return err_set(e, ERR_INVALID, "no console query %d", (int)q);
    sqlite3_stmt *stmt;
    int rc = store_cached(st, queries[q], &stmt, e), step;
    if (rc)
        return rc;
    bind_text(stmt, ":region", a->region);
    bind_text(stmt, ":today", a->today);
    bind_int(stmt, ":id", a->id);
    if (a->cadre)
        bind_int(stmt, ":cadre", a->cadre);
    int n = sqlite3_column_count(stmt), rows = 0;
    const char *cells[32];
    if (n > 32)
        n = 32;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (a->limit && rows++ >= a->limit) {
            step = SQLITE_DONE;
            break;
        }
        for (int i = 0; i < n; i++)
            cells[i] = (const char *)sqlite3_column_text(stmt, i);
        if ((rc = fn(ctx, n, cells, e)) != 0)
            break;
    }
    sqlite3_reset(stmt);
    if (!rc && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading the console's lists"));
    return rc;
}

int store_console_where(struct store *st, enum console_of what, int64_t id,
                        struct console_where *out, struct err *e)
{
    static const char *const sql[] = {
        [CONSOLE_OF_HOUSEHOLD] = "SELECT village, '', '', id FROM household WHERE id = ?",
        [CONSOLE_OF_FINDING] = "SELECT h.village, '', '', f.household_id FROM finding f"
                               " JOIN household h ON h.id = f.household_id WHERE f.id = ?",
        [CONSOLE_OF_CADRE] = "SELECT region, '', '', 0 FROM cadre WHERE id = ?",
        [CONSOLE_OF_ALERT] =
            "SELECT a.region, a.origin_region, h.village, a.household_id FROM alert a"
            " LEFT JOIN household h ON h.id = a.household_id WHERE a.id = ?",
    };
    if ((int)what < 0 || what > CONSOLE_OF_ALERT)
        return err_set(e, ERR_INVALID, "no console subject %d", (int)what);
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql[what], &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        copy_col(stmt, 0, out->a, sizeof out->a);
        copy_col(stmt, 1, out->b, sizeof out->b);
        copy_col(stmt, 2, out->c, sizeof out->c);
        out->household = sqlite3_column_int64(stmt, 3);
    }
    sqlite3_reset(stmt);
    if (step == SQLITE_ROW)
        return 0;
    if (step != SQLITE_DONE)
        return store_fail(st, e, ERR_FAIL, N_("reading the console's subjects"));
    return err_set(e, ERR_NOTFOUND, "not found: %lld", (long long)id);
}
