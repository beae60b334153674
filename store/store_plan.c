/* store_plan.c - the SQL of the nightly plan checks: reduction targets and
 * the exits behind them, town teams' six items. Never writes; never decides
 * what is missing or late (nightly_plan.c does). */
#include "store_plan.h"
#include "i18n.h"
#include "store_internal.h"

#define TXT(stmt, i) ((const char *)sqlite3_column_text((stmt), (i)))

static int walk_end(struct store *st, int step, int cb_rc, const char *what, struct err *e)
{
    if (cb_rc)
        return cb_rc;
    if (step != SQLITE_DONE)
        return store_fail(st, e, ERR_FAIL, what);
    return 0;
}

int store_plan_targets(struct store *st, int year, const char *from, const char *to,
                       store_plan_target_fn fn, void *ctx, struct err *e)
{
    /* Exits are counted once per town (ex), then summed for a town or for
     * the towns of a county: one pass over the households, not one per
     * target. A household that exited and has since returned does not
     * count: the target is households out of poverty. */
    static const char sql[] =
        "WITH ex AS MATERIALIZED (SELECT v.parent AS town, count(*) AS n FROM household h"
        "  JOIN region v ON v.code = h.village"
        "  WHERE h.status = 'exited' AND h.exited_at BETWEEN ?2 AND ?3 GROUP BY v.parent)"
        " SELECT t.region, r.name, r.level, r.parent, p.level, t.households,"
        "  (SELECT ifnull(sum(ex.n), 0) FROM ex JOIN region tw ON tw.code = ex.town"
        "   WHERE tw.code = t.region OR tw.parent = t.region)"
        " FROM reduction_target t JOIN region r ON r.code = t.region"
        " LEFT JOIN region p ON p.code = r.parent"
        " WHERE t.year = ?1 ORDER BY t.region";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    sqlite3_bind_int(stmt, 1, year);
    sqlite3_bind_text(stmt, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, to, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_plan_target t = {
            .region = TXT(stmt, 0),
            .name = TXT(stmt, 1),
            .level = TXT(stmt, 2),
            .above = TXT(stmt, 3),
            .above_level = TXT(stmt, 4),
            .target = (long)sqlite3_column_int64(stmt, 5),
            .exited = (long)sqlite3_column_int64(stmt, 6),
        };
        if ((rc = fn(ctx, &t, e)) != 0)
            break;
    }
    rc = walk_end(st, step, rc, N_("reading reduction targets"), e);
    sqlite3_finalize(stmt);
    return rc;
}

int store_plan_incomplete_towns(struct store *st, store_plan_town_fn fn, void *ctx, struct err *e)
{
    static const char sql[] =
        "SELECT tw.code, tw.name, tw.parent, tt.town IS NOT NULL,"
        " ifnull(tt.office, 0), ifnull(tt.staff, 0), ifnull(tt.wall_chart, 0),"
        " ifnull(tt.battle_map, 0), ifnull(tt.case_files, 0), ifnull(tt.publicity_board, 0),"
        " tt.checked_at, tt.checked_by"
        " FROM region tw LEFT JOIN town_team tt ON tt.town = tw.code"
        " WHERE tw.level = 'town'"
        " AND NOT ifnull(tt.office AND tt.staff AND tt.wall_chart AND tt.battle_map"
        "  AND tt.case_files AND tt.publicity_board, 0)"
        " AND EXISTS (SELECT 1 FROM region v JOIN household h ON h.village = v.code"
        "  WHERE v.parent = tw.code AND h.status IN ('registered','returned'))"
        " ORDER BY tw.code";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_plan_town t = {
            .town = TXT(stmt, 0),
            .name = TXT(stmt, 1),
            .county = TXT(stmt, 2),
            .recorded = sqlite3_column_int(stmt, 3),
            .checked_at = TXT(stmt, 10),
            .checked_by = TXT(stmt, 11),
        };
        for (int i = 0; i < STORE_PLAN_TOWN_ITEMS; i++)
            t.has[i] = sqlite3_column_int(stmt, 4 + i);
        if ((rc = fn(ctx, &t, e)) != 0)
            break;
    }
    rc = walk_end(st, step, rc, N_("reading town teams"), e);
    sqlite3_finalize(stmt);
    return rc;
}
