/* store_nightly.c - the SQL of the nightly job and of the outbox queue.
 * Reads and writes only what nightly.c and deliver.c ask for; never decides
 * routing or escalation (nightly.c and store_alert.c do) and never talks to a network. */
#include "store_nightly.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TXT(stmt, i) ((const char *)sqlite3_column_text((stmt), (i)))

/* Ends a row loop: SQLITE_DONE is success; anything else is an error unless
 * the callback already failed (cb_rc). */
static int loop_end(struct store *st, int step, int cb_rc, const char *what, struct err *e)
{
    if (cb_rc)
        return cb_rc;
    if (step != SQLITE_DONE)
        return store_fail(st, e, ERR_FAIL, what);
    return 0;
}

int store_nightly_overdue_tasks(struct store *st, const char *date, store_nightly_task_fn fn,
                                void *ctx, struct err *e)
{
    /* Each village's chain and first supervisors are looked up once (vr),
     * not three supervisor subqueries and three region joins per task. */
    static const char sql[] =
        "WITH vr AS MATERIALIZED (SELECT v.code, v.name, tw.code AS town, co.code AS county,"
        "  ci.code AS city,"
        "  (SELECT min(id) FROM supervisor WHERE region = tw.code) AS town_sup,"
        "  (SELECT min(id) FROM supervisor WHERE region = co.code) AS county_sup,"
        "  (SELECT min(id) FROM supervisor WHERE region = ci.code) AS city_sup"
        "  FROM region v LEFT JOIN region tw ON tw.code = v.parent"
        "  LEFT JOIN region co ON co.code = tw.parent"
        "  LEFT JOIN region ci ON ci.code = co.parent)"
        " SELECT t.id, t.household_id, ifnull(t.cadre_id, 0), t.title, t.due,"
        " vr.code, vr.name, vr.town, vr.county, vr.city, c.name,"
        " vr.town_sup, vr.county_sup, vr.city_sup"
        " FROM task t JOIN household h ON h.id = t.household_id"
        " LEFT JOIN vr ON vr.code = h.village"
        " LEFT JOIN cadre c ON c.id = coalesce(t.cadre_id,"
        "   (SELECT p.cadre_id FROM pairing p WHERE p.household_id = t.household_id))"
        " WHERE t.status = 'open' AND t.due < ?1 ORDER BY t.id";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct nightly_task t = {
            .task_id = sqlite3_column_int64(stmt, 0),
            .household_id = sqlite3_column_int64(stmt, 1),
            .cadre_id = sqlite3_column_int64(stmt, 2),
            .title = TXT(stmt, 3),
            .due = TXT(stmt, 4),
            .village = TXT(stmt, 5),
            .village_name = TXT(stmt, 6),
            .town = TXT(stmt, 7),
            .county = TXT(stmt, 8),
            .city = TXT(stmt, 9),
            .cadre_name = TXT(stmt, 10),
            .town_sup = sqlite3_column_int64(stmt, 11),
            .county_sup = sqlite3_column_int64(stmt, 12),
            .city_sup = sqlite3_column_int64(stmt, 13),
        };
        if ((rc = fn(ctx, &t, e)) != 0)
            break;
    }
    rc = loop_end(st, step, rc, N_("reading overdue tasks"), e);
    sqlite3_finalize(stmt);
    return rc;
}

int store_nightly_unpaired(struct store *st, store_nightly_household_fn fn, void *ctx,
                           struct err *e)
{
    static const char sql[] = "SELECT h.id, h.village, v.name FROM household h"
                              " LEFT JOIN region v ON v.code = h.village"
                              " WHERE h.status IN ('registered','returned') AND NOT EXISTS ("
                              "  SELECT 1 FROM pairing p JOIN cadre c ON c.id = p.cadre_id"
                              "  WHERE p.household_id = h.id)"
                              " ORDER BY h.id";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct nightly_household h = {
            .household_id = sqlite3_column_int64(stmt, 0),
            .village = TXT(stmt, 1),
            .village_name = TXT(stmt, 2),
        };
        if ((rc = fn(ctx, &h, e)) != 0)
            break;
    }
    rc = loop_end(st, step, rc, N_("reading unpaired households"), e);
    sqlite3_finalize(stmt);
    return rc;
}

int store_nightly_idle_cadres(struct store *st, const char *date, long days,
                              store_nightly_cadre_fn fn, void *ctx, struct err *e)
{
    /* The town of a cadre: their own region when it is a town or a village,
     * else the town of the first village they work in. The last visit is
     * one index seek per cadre (visit_cadre), and pairings are read only
     * for the few cadres without a recent one: aggregating every pairing
     * and visit first was a full scan of both (the nightly job's largest
     * share at 1M households). The CROSS JOINs keep that loop order. */
    static const char sql[] =
        "WITH lv AS (SELECT c.id, (SELECT max(v.date) FROM visit v"
        "  WHERE v.cadre_id = c.id AND v.date <= ?1) AS last FROM cadre c),"
        " idle AS MATERIALIZED (SELECT id, last FROM lv"
        "  WHERE last IS NULL OR last < date(?1, ?2)),"
        " pc AS (SELECT i.id AS cadre_id, min(p.since) AS since, min(h.village) AS village"
        "  FROM idle i CROSS JOIN pairing p ON p.cadre_id = i.id"
        "  CROSS JOIN household h ON h.id = p.household_id"
        "  WHERE h.status IN ('registered','returned') GROUP BY i.id)"
        " SELECT c.id, c.name,"
        "  CASE r.level WHEN 'town' THEN r.code WHEN 'village' THEN r.parent"
        "   ELSE (SELECT parent FROM region WHERE code = pc.village) END,"
        "  coalesce(i.last, pc.since)"
        " FROM idle i CROSS JOIN pc ON pc.cadre_id = i.id CROSS JOIN cadre c ON c.id = i.id"
        " LEFT JOIN region r ON r.code = c.region"
        " WHERE coalesce(i.last, pc.since) IS NULL OR coalesce(i.last, pc.since) < date(?1, ?2)"
        " ORDER BY c.id";
    char modifier[32];
    snprintf(modifier, sizeof modifier, "-%ld days", days);
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, modifier, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct nightly_cadre c = {
            .cadre_id = sqlite3_column_int64(stmt, 0),
            .name = TXT(stmt, 1),
            .town = TXT(stmt, 2),
            .last = TXT(stmt, 3),
            .days = -1,
        };
        if ((rc = fn(ctx, &c, e)) != 0)
            break;
    }
    rc = loop_end(st, step, rc, N_("reading cadres' visits"), e);
    sqlite3_finalize(stmt);
    return rc;
}

int store_nightly_towns(struct store *st, const char *date, store_nightly_town_fn fn, void *ctx,
                        struct err *e)
{
    /* Base: the town's households still poor when the year began (an exited
     * household counts only if it exited this year) and registered by date.
     * Counted per village in one pass over the households first, then summed
     * per town: joining towns -> villages -> households row by row cost
     * twice as much at 1M households. */
    static const char sql[] =
        "WITH hv AS MATERIALIZED (SELECT h.village, count(*) AS n,"
        "  sum(h.status = 'exited' AND h.exited_at >= ?1 AND h.exited_at <= ?2) AS x"
        "  FROM household h"
        "  WHERE (h.status <> 'exited' OR h.exited_at >= ?1)"
        "   AND (h.registered_at IS NULL OR h.registered_at <= ?2)"
        "  GROUP BY h.village)"
        " SELECT t.code, t.name, t.parent, sum(hv.n), sum(hv.x)"
        " FROM region t JOIN region v ON v.parent = t.code JOIN hv ON hv.village = v.code"
        " WHERE t.level = 'town'"
        " GROUP BY t.code ORDER BY t.code";
    char year_start[11];
    snprintf(year_start, sizeof year_start, "%.4s-01-01", date);
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, year_start, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, date, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct nightly_town t = {
            .town = TXT(stmt, 0),
            .name = TXT(stmt, 1),
            .county = TXT(stmt, 2),
            .base = (long)sqlite3_column_int64(stmt, 3),
            .exited = (long)sqlite3_column_int64(stmt, 4),
        };
        if ((rc = fn(ctx, &t, e)) != 0)
            break;
    }
    rc = loop_end(st, step, rc, N_("reading towns' reduction"), e);
    sqlite3_finalize(stmt);
    return rc;
}

int store_nightly_seen_reset(struct store *st, struct err *e)
{
    return store_exec(st,
                      "CREATE TEMP TABLE IF NOT EXISTS nightly_seen(id INTEGER PRIMARY KEY);"
                      "DELETE FROM temp.nightly_seen;",
                      e);
}

int store_nightly_seen_add_staged(struct store *st, struct err *e)
{
    return store_exec(st,
                      "INSERT OR IGNORE INTO temp.nightly_seen(id)"
                      " SELECT id FROM temp.alert_stage_id ORDER BY seq",
                      e);
}

int store_nightly_sweep(struct store *st, const char *kind, const char *now, int *n, struct err *e)
{
    static const char sql[] = "UPDATE alert SET state = 'resolved', resolved_at = ?2"
                              " WHERE kind = ?1 AND state IN ('open','acked')"
                              " AND id NOT IN (SELECT id FROM temp.nightly_seen)";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
    rc = store_step_done(st, stmt, N_("resolving alerts"), e);
    if (!rc && n)
        *n = sqlite3_changes(st->db);
    sqlite3_finalize(stmt);
    return rc;
}

/* The digest's rows. anc: every region's ancestors (itself included) with
 * their rank, at most three up so that a cycle in region.parent cannot
 * loop; fs: the first supervisor of each region (the one alerts route to).
 * vis(aid, sid) then pairs each live alert with the supervisors who see it:
 * the one it is routed to, and the first supervisor of every region from its
 * origin up to below its level. */
/* clang-format off */
#define DIGEST_CTES                                                                               \
    "WITH RECURSIVE up(code, anc, lvl, depth) AS (SELECT code, code, level, 0 FROM region"        \
    "  UNION ALL SELECT up.code, p.code, p.level, up.depth + 1 FROM up"                           \
    "  JOIN region r ON r.code = up.anc JOIN region p ON p.code = r.parent"                      \
    "  WHERE up.depth < 3),"                                                                       \
    " anc AS MATERIALIZED (SELECT code, anc, " STORE_LEVEL_RANK("lvl") " AS rank FROM up),"      \
    " fs AS MATERIALIZED (SELECT region, min(id) AS id FROM supervisor GROUP BY region),"
#define DIGEST_BELOW_LEVEL                                                                        \
    " a.state IN ('open','acked') AND a.origin_level IS NOT NULL"                                 \
    " AND anc.rank >= " STORE_LEVEL_RANK("a.origin_level")                                        \
    " AND anc.rank < " STORE_LEVEL_RANK("a.level")
#define DIGEST_SELECT                                                                             \
    " SELECT a.id, ifnull(a.task_id, 0), ifnull(a.household_id, 0), a.kind, a.severity,"         \
    " a.level, a.state, a.notified_level, a.message, a.opened_at, a.escalations,"                 \
    " t.title, t.due, c.name, c.phone, h.head_name,"                                               \
    " CASE WHEN h.id IS NOT NULL THEN (SELECT substr(m.id_number, 1, 6) || '********' ||"         \
    "   substr(m.id_number, 15) FROM member m WHERE m.household_id = h.id"                         \
    "   AND length(m.id_number) = 18 AND (m.relation = '户主' OR m.name = h.head_name)"            \
    "   ORDER BY m.relation = '户主' DESC, m.id LIMIT 1) END,"                                     \
    " r0.code, r0.name, r1.code, r1.name, r2.code, r2.name, r2.parent,"                            \
    " s.id, s.name, s.region, sr.level, s.channel,"                                                \
    " coalesce(a.origin_region, a.region), coalesce(a.origin_level, a.level), a.escalated_at,"    \
    " sr.name"                                                                                     \
    " FROM vis JOIN alert a ON a.id = vis.aid JOIN supervisor s ON s.id = vis.sid"                \
    " LEFT JOIN region sr ON sr.code = s.region"                                                   \
    " LEFT JOIN task t ON a.kind = 'task_overdue' AND t.id = a.task_id"                            \
    " LEFT JOIN household h ON h.id = coalesce(t.household_id, a.household_id)"                   \
    " LEFT JOIN region r0 ON r0.code = coalesce(h.village, a.origin_region, a.region)"            \
    " LEFT JOIN region r1 ON r1.code = r0.parent"                                                  \
    " LEFT JOIN region r2 ON r2.code = r1.parent"                                                  \
    " LEFT JOIN cadre c ON t.id IS NOT NULL AND c.id = coalesce(t.cadre_id,"                       \
    "   (SELECT p.cadre_id FROM pairing p WHERE p.household_id = t.household_id))"                 \
    " ORDER BY s.id, a.kind <> 'task_overdue', t.due, t.id, a.kind, a.opened_at, a.id"

static const char digest_all[] =
    DIGEST_CTES
    " vis(aid, sid) AS ("
    "  SELECT id, supervisor_id FROM alert"
    "   WHERE state IN ('open','acked') AND supervisor_id IS NOT NULL"
    "  UNION ALL SELECT a.id, fs.id FROM alert a"
    "   JOIN anc ON anc.code = a.origin_region JOIN fs ON fs.region = anc.anc"
    "   WHERE" DIGEST_BELOW_LEVEL " AND fs.id IS NOT a.supervisor_id)"
    DIGEST_SELECT;
/* One supervisor's (?1): through the regions under theirs, so only their
 * alerts are read (alert_origin). */
static const char digest_one[] =
    DIGEST_CTES
    " vis(aid, sid) AS ("
    "  SELECT id, supervisor_id FROM alert"
    "   WHERE state IN ('open','acked') AND supervisor_id = ?1"
    "  UNION ALL SELECT a.id, fs.id FROM fs JOIN anc ON anc.anc = fs.region"
    "   JOIN alert a ON a.origin_region = anc.code"
    "   WHERE fs.id = ?1 AND" DIGEST_BELOW_LEVEL " AND fs.id IS NOT a.supervisor_id)"
    DIGEST_SELECT;
/* clang-format on */

static int digest_rows(struct store *st, const char *sql, int64_t sup_id, store_nightly_alert_fn fn,
                       void *ctx, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    if (sup_id)
        sqlite3_bind_int64(stmt, 1, sup_id);
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct nightly_alert a = {
            .id = sqlite3_column_int64(stmt, 0),
            .task_id = sqlite3_column_int64(stmt, 1),
            .household_id = sqlite3_column_int64(stmt, 2),
            .kind = TXT(stmt, 3),
            .severity = TXT(stmt, 4),
            .level = TXT(stmt, 5),
            .state = TXT(stmt, 6),
            .notified_level = TXT(stmt, 7),
            .message = TXT(stmt, 8),
            .opened_at = TXT(stmt, 9),
            .escalations = sqlite3_column_int(stmt, 10),
            .title = TXT(stmt, 11),
            .due = TXT(stmt, 12),
            .cadre_name = TXT(stmt, 13),
            .cadre_phone = TXT(stmt, 14),
            .head_name = TXT(stmt, 15),
            .head_id_masked = TXT(stmt, 16),
            .village = TXT(stmt, 17),
            .village_name = TXT(stmt, 18),
            .place1 = TXT(stmt, 19),
            .place1_name = TXT(stmt, 20),
            .place2 = TXT(stmt, 21),
            .place2_name = TXT(stmt, 22),
            .place2_parent = TXT(stmt, 23),
            .supervisor_id = sqlite3_column_int64(stmt, 24),
            .sup_name = TXT(stmt, 25),
            .sup_region = TXT(stmt, 26),
            .sup_level = TXT(stmt, 27),
            .sup_channel = TXT(stmt, 28),
            .origin_region = TXT(stmt, 29),
            .origin_level = TXT(stmt, 30),
            .escalated_at = TXT(stmt, 31),
            .sup_region_name = TXT(stmt, 32),
        };
        if ((rc = fn(ctx, &a, e)) != 0)
            break;
    }
    rc = loop_end(st, step, rc, N_("reading alerts for digests"), e);
    sqlite3_finalize(stmt);
    return rc;
}

int store_nightly_digest_alerts(struct store *st, store_nightly_alert_fn fn, void *ctx,
                                struct err *e)
{
    return digest_rows(st, digest_all, 0, fn, ctx, e);
}

int store_nightly_supervisor_alerts(struct store *st, int64_t supervisor_id,
                                    store_nightly_alert_fn fn, void *ctx, struct err *e)
{
    return digest_rows(st, digest_one, supervisor_id, fn, ctx, e);
}

int store_nightly_mark_notified_digests(struct store *st, const int64_t *sup_ids, size_t n,
                                        struct err *e)
{
    static const char add[] = "INSERT OR IGNORE INTO temp.nightly_notify(id) VALUES (?)";
    /* The rows of store_nightly_digest_alerts a digest lists: live, routed
     * to one of these supervisors, and not acked at or above their level
     * (nightly_digest.c's acked-and-quiet rule; an unknown level ranks -1). */
    /* clang-format off */
    static const char mark[] =
        "UPDATE alert SET notified_level = level WHERE state IN ('open','acked')"
        " AND supervisor_id IN (SELECT id FROM temp.nightly_notify)"
        " AND NOT (state = 'acked'"
        " AND " STORE_LEVEL_RANK("level") " <= " STORE_LEVEL_RANK("notified_level") ")";
    /* clang-format on */
    int rc = store_exec(st,
                        "CREATE TEMP TABLE IF NOT EXISTS nightly_notify(id INTEGER PRIMARY KEY);"
                        "DELETE FROM temp.nightly_notify;",
                        e);
    sqlite3_stmt *stmt;
    for (size_t i = 0; !rc && i < n; i++) {
        if ((rc = store_cached(st, add, &stmt, e)) != 0)
            break;
        sqlite3_bind_int64(stmt, 1, sup_ids[i]);
        rc = store_step_done(st, stmt, N_("recording a notified supervisor"), e);
        sqlite3_reset(stmt);
    }
    if (rc || n == 0 || (rc = store_cached(st, mark, &stmt, e)) != 0)
        return rc;
    rc = store_step_done(st, stmt, N_("marking alerts notified"), e);
    sqlite3_reset(stmt);
    return rc;
}

int store_outbox_add(struct store *st, int64_t supervisor_id, const char *channel,
                     const char *payload, const char *dedup_key, const char *now, int *inserted,
                     struct err *e)
{
    static const char sql[] =
        "INSERT INTO outbox(supervisor_id, channel, payload, created_at, dedup_key)"
        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(dedup_key) DO NOTHING";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, supervisor_id);
    sqlite3_bind_text(stmt, 2, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, payload, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, dedup_key, -1, SQLITE_STATIC);
    rc = store_step_done(st, stmt, N_("adding to the outbox"), e);
    if (!rc && inserted)
        *inserted = sqlite3_changes(st->db) > 0;
    sqlite3_finalize(stmt);
    return rc;
}

void outbox_msg_free(struct outbox_msg *m)
{
    if (!m)
        return;
    free(m->channel);
    free(m->payload);
    free(m->address);
    free(m->created_at);
    memset(m, 0, sizeof *m);
}

int store_outbox_due(struct store *st, const char *now, int max_attempts, int64_t **ids, size_t *n,
                     struct err *e)
{
    static const char sql[] = "SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < ?2"
                              " AND (next_attempt_at IS NULL OR next_attempt_at <= ?1) ORDER BY id";
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, max_attempts);
    size_t cap = 0;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            int64_t *grown = realloc(*ids, ncap * sizeof **ids);
            if (!grown) {
                rc = err_set(e, ERR_FAIL, "out of memory reading the outbox");
                break;
            }
            *ids = grown;
            cap = ncap;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(stmt, 0);
    }
    rc = loop_end(st, step, rc, N_("reading the outbox"), e);
    sqlite3_finalize(stmt);
    if (rc) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

static char *dup_col(sqlite3_stmt *stmt, int i)
{
    const char *s = TXT(stmt, i);
    return s ? strdup(s) : NULL;
}

/* Claims row id inside the caller's transaction; channel NULL: any. */
static int claim_row(struct store *st, int64_t id, const char *channel, const char *now,
                     const char *lease_until, struct outbox_msg *m, int *claimed, struct err *e)
{
    static const char claim[] =
        "UPDATE outbox SET next_attempt_at = ?3 WHERE id = ?1 AND sent_at IS NULL"
        " AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)"
        " AND (?4 IS NULL OR channel = ?4)";
    static const char get[] =
        "SELECT o.id, ifnull(o.supervisor_id, 0), o.attempts, o.channel, o.payload, s.address,"
        " o.created_at FROM outbox o LEFT JOIN supervisor s ON s.id = o.supervisor_id"
        " WHERE o.id = ?";
    memset(m, 0, sizeof *m);
    *claimed = 0;
    sqlite3_stmt *stmt;
    int rc = store_cached(st, claim, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, lease_until, -1, SQLITE_STATIC);
    if (channel)
        sqlite3_bind_text(stmt, 4, channel, -1, SQLITE_STATIC);
    rc = store_step_done(st, stmt, N_("claiming an outbox row"), e);
    sqlite3_reset(stmt);
    if (rc || sqlite3_changes(st->db) == 0)
        return rc;
    if ((rc = store_cached(st, get, &stmt, e)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        rc = store_fail(st, e, ERR_FAIL, N_("reading an outbox row"));
        sqlite3_reset(stmt);
        return rc;
    }
    m->id = sqlite3_column_int64(stmt, 0);
    m->supervisor_id = sqlite3_column_int64(stmt, 1);
    m->attempts = sqlite3_column_int(stmt, 2);
    m->channel = dup_col(stmt, 3);
    m->payload = dup_col(stmt, 4);
    m->address = dup_col(stmt, 5);
    m->created_at = dup_col(stmt, 6);
    sqlite3_reset(stmt);
    if (!m->channel || !m->payload) {
        outbox_msg_free(m);
        return err_set(e, ERR_FAIL, "out of memory reading outbox row %lld", (long long)id);
    }
    *claimed = 1;
    return 0;
}

int store_outbox_claim(struct store *st, int64_t id, const char *now, const char *lease_until,
                       struct outbox_msg *m, int *claimed, struct err *e)
{
    int rc = store_begin(st, NULL, e);
    if (rc)
        return rc;
    if ((rc = claim_row(st, id, NULL, now, lease_until, m, claimed, e)) != 0 ||
        (rc = store_commit(st, e)) != 0) {
        store_rollback(st);
        outbox_msg_free(m);
        *claimed = 0;
    }
    return rc;
}

int store_outbox_claim_channel(struct store *st, const int64_t *ids, size_t n, const char *channel,
                               const char *now, const char *lease_until, struct outbox_msg *out,
                               size_t *n_claimed, struct err *e)
{
    *n_claimed = 0;
    int rc = store_begin(st, NULL, e), claimed;
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = claim_row(st, ids[i], channel, now, lease_until, &out[*n_claimed], &claimed, e);
        if (!rc && claimed)
            (*n_claimed)++;
    }
    if (!rc)
        rc = store_commit(st, e);
    if (rc) {
        store_rollback(st);
        for (size_t i = 0; i < *n_claimed; i++)
            outbox_msg_free(&out[i]);
        *n_claimed = 0;
    }
    return rc;
}

int store_outbox_mark_sent(struct store *st, int64_t id, const char *now, struct err *e)
{
    static const char sql[] = "UPDATE outbox SET sent_at = ?2, attempts = attempts + 1,"
                              " last_error = NULL, next_attempt_at = NULL"
                              " WHERE id = ?1 AND sent_at IS NULL";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
    rc = store_step_done(st, stmt, N_("marking an outbox row sent"), e);
    sqlite3_reset(stmt);
    return rc;
}

int store_outbox_mark_failed(struct store *st, int64_t id, const char *error,
                             const char *next_attempt_at, struct err *e)
{
    static const char sql[] = "UPDATE outbox SET attempts = attempts + 1, last_error = ?2,"
                              " next_attempt_at = ?3 WHERE id = ?1 AND sent_at IS NULL";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, error, -1, SQLITE_STATIC);
    if (next_attempt_at)
        sqlite3_bind_text(stmt, 3, next_attempt_at, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, 3);
    rc = store_step_done(st, stmt, N_("recording a failed delivery"), e);
    sqlite3_reset(stmt);
    return rc;
}

int store_outbox_give_up(struct store *st, int64_t id, int max_attempts, const char *error,
                         struct err *e)
{
    static const char sql[] = "UPDATE outbox SET attempts = max(attempts + 1, ?3), last_error = ?2,"
                              " next_attempt_at = NULL WHERE id = ?1 AND sent_at IS NULL";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, error, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 3, max_attempts);
    rc = store_step_done(st, stmt, N_("giving up an outbox row"), e);
    sqlite3_reset(stmt);
    return rc;
}

int store_outbox_next(struct store *st, int max_attempts, char *buf, int size, int *any,
                      struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st,
                           "SELECT count(*), min(ifnull(next_attempt_at, '')) FROM outbox"
                           " WHERE sent_at IS NULL AND attempts < ?",
                           &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_int(stmt, 1, max_attempts);
    buf[0] = 0;
    *any = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        *any = sqlite3_column_int64(stmt, 0) > 0;
        if (*any && TXT(stmt, 1))
            snprintf(buf, (size_t)size, "%s", TXT(stmt, 1));
    } else {
        rc = store_fail(st, e, ERR_FAIL, N_("reading the outbox"));
    }
    sqlite3_finalize(stmt);
    return rc;
}
