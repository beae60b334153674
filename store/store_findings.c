/* store_findings.c - reconciliation of one household's stored findings and
 * policy alerts with a fresh evaluation. Writes only what changed; never
 * changes the state, amount or reason of a finding a person accepted or
 * rejected, and never touches what a failed policy said before. */
#include "store_findings.h"
#include "arena.h"
#include "i18n.h"
#include "store_alert.h"
#include "store_digest.h"
#include "store_internal.h"
#include "store_tally.h"

#include <stdio.h>
#include <string.h>

enum fstate { ST_OPEN, ST_ACCEPTED, ST_REJECTED, ST_WITHDRAWN };

struct stored {
    int64_t id, member_id;
    const char *policy, *measure, *kind, *reason, *source, *updated_at, *facts_changed_at;
    enum fstate state;
    int has_amount;
    double amount;
    int seen; /* matched by a finding of this evaluation */
};

enum {
    S_SELECT,
    S_INSERT,
    S_UPDATE,
    S_RESOURCE,
    S_FACTS,
    S_WITHDRAW,
    S_ALERTS,
    S_DIGEST_GET,
    S_DIGEST_PUT,
    S_DIGEST_DROP,
    S_MOVE_SOURCE,
    S_PARAMS,
    S_COUNT
};

const char store_sql_findings_select[] =
    "SELECT id, ifnull(member_id, 0), policy, measure, kind, amount, reason, source,"
    " state, updated_at, facts_changed_at FROM finding WHERE household_id = ?";
const char store_sql_alert_households[] =
    "SELECT DISTINCT household_id FROM alert"
    " WHERE household_id BETWEEN ?1 AND ?2 AND state IN ('open','acked')"
    " ORDER BY household_id";

static const char *const sqls[S_COUNT] = {
    [S_SELECT] = store_sql_findings_select,
    /* Every row written names the live params set (S_PARAMS, read once
     * per household): the only writer of a finding's content says which
     * set computed it. */
    [S_INSERT] = "INSERT INTO finding(household_id, member_id, policy, measure, kind, amount,"
                 " reason, source, state, created_at, updated_at, params_source)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', ?9, ?9, ?10)",
    [S_UPDATE] = "UPDATE finding SET kind = ?2, amount = ?3, reason = ?4, source = ?5,"
                 " state = 'open', updated_at = ?6, params_source = ?7"
                 " WHERE id = ?1",
    /* A new version of the rule that says the same: only the source moves,
     * and the state index is left alone (state is not set). */
    [S_RESOURCE] = "UPDATE finding SET source = ?2, updated_at = ?3, params_source = ?4"
                   " WHERE id = ?1",
    [S_FACTS] = "UPDATE finding SET facts_changed_at = ?2 WHERE id = ?1",
    [S_WITHDRAW] = "UPDATE finding SET state = 'withdrawn', updated_at = ?2 WHERE id = ?1",
    [S_ALERTS] = "SELECT kind, source, severity, message, region, ifnull(supervisor_id, 0), level"
                 " FROM alert WHERE household_id = ?1 AND subject = ?2"
                 " AND state IN ('open','acked')",
    [S_DIGEST_GET] = "SELECT digest FROM finding_digest WHERE household_id = ?1",
    [S_DIGEST_DROP] = "DELETE FROM finding_digest WHERE household_id = ?1",
    [S_DIGEST_PUT] = "INSERT INTO finding_digest(household_id, digest) VALUES (?1, ?2)"
                     " ON CONFLICT(household_id) DO UPDATE SET digest = excluded.digest",
    /* S_RESOURCE for every open row of one policy of the household. */
    [S_MOVE_SOURCE] = "UPDATE finding SET source = ?3, updated_at = ?4, params_source = ?5"
                      " WHERE household_id = ?1 AND policy = ?2 AND state = 'open'"
                      " AND source IS NOT ?3",
    [S_PARAMS] = "SELECT value FROM engine_meta WHERE key = 'params_source'",
};

struct rec {
    struct store *st;
    struct err *e;
    sqlite3_stmt *s[S_COUNT]; /* from the store's cache, fetched on first use */
    struct arena arena;
    struct stored *rows;
    size_t n, cap;
    const char *params; /* the live params set (NULL: none recorded) */
    int params_read;
    int moved; /* a source was moved: no trigger dropped the digest */
};

static sqlite3_stmt *stmt(struct rec *c, int i, int *rc)
{
    if ((*rc = store_cached(c->st, sqls[i], &c->s[i], c->e)) != 0)
        return NULL;
    return c->s[i];
}

static void rec_free(struct rec *c)
{
    for (int i = 0; i < S_COUNT; i++)
        if (c->s[i])
            sqlite3_reset(c->s[i]); /* cached by the store: only release its locks */
    arena_free(&c->arena);
}

static int oom(struct err *e)
{
    return err_set(e, ERR_FAIL, "out of memory");
}

/* A text column copied into the arena; *ok cleared when out of memory. */
static const char *col(struct rec *c, sqlite3_stmt *s, int i, int *ok)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    if (!t)
        return NULL;
    char *d = arena_strndup(&c->arena, (const char *)t, (size_t)sqlite3_column_bytes(s, i));
    if (!d)
        *ok = 0;
    return d;
}

static enum fstate parse_state(const char *s)
{
    if (s && strcmp(s, "accepted") == 0)
        return ST_ACCEPTED;
    if (s && strcmp(s, "rejected") == 0)
        return ST_REJECTED;
    if (s && strcmp(s, "withdrawn") == 0)
        return ST_WITHDRAWN;
    return ST_OPEN;
}

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Same rule, whatever its version: "lua:policies/x.lua@v1" ~ "...@v2". */
static int same_rule(const char *a, const char *b)
{
    size_t la = strcspn(a, "@"), lb = strcspn(b, "@");
    return la == lb && memcmp(a, b, la) == 0;
}

static int policy_failed(const struct eval_result *res, const char *policy)
{
    for (size_t i = 0; i < res->n_errors; i++)
        if (str_eq(res->errors[i].policy, policy))
            return 1;
    return 0;
}

/* The household's stored findings, but those of the policies res lists as
 * failed or not run: reconciliation never touches them, so they are not
 * copied (a pass of one policy copies one policy's rows). */
static int load(struct rec *c, const struct eval_result *res)
{
    int64_t household_id = res->household_id;
    int rc = 0;
    sqlite3_stmt *s = stmt(c, S_SELECT, &rc);
    if (!s)
        return rc;
    sqlite3_bind_int64(s, 1, household_id);
    int step = SQLITE_DONE, ok = 1;
    while (ok && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (res->n_errors && policy_failed(res, (const char *)sqlite3_column_text(s, 2)))
            continue;
        if (c->n == c->cap) {
            size_t ncap = c->cap ? c->cap * 2 : 16;
            struct stored *nr = arena_alloc(&c->arena, ncap * sizeof *nr);
            if (!nr)
                return oom(c->e);
            if (c->n)
                memcpy(nr, c->rows, c->n * sizeof *nr);
            c->rows = nr;
            c->cap = ncap;
        }
        struct stored *r = &c->rows[c->n++];
        r->id = sqlite3_column_int64(s, 0);
        r->member_id = sqlite3_column_int64(s, 1);
        r->policy = col(c, s, 2, &ok);
        r->measure = col(c, s, 3, &ok);
        r->kind = col(c, s, 4, &ok);
        r->has_amount = sqlite3_column_type(s, 5) != SQLITE_NULL;
        r->amount = sqlite3_column_double(s, 5);
        r->reason = col(c, s, 6, &ok);
        r->source = col(c, s, 7, &ok);
        const char *state = (const char *)sqlite3_column_text(s, 8);
        r->state = parse_state(state);
        r->updated_at = col(c, s, 9, &ok);
        r->facts_changed_at = col(c, s, 10, &ok);
    }
    if (!ok)
        rc = oom(c->e);
    else if (step != SQLITE_DONE)
        rc = store_fail(c->st, c->e, ERR_FAIL, N_("reading findings"));
    sqlite3_reset(s);
    return rc;
}

static int source_failed(const struct eval_result *res, const char *source)
{
    for (size_t i = 0; i < res->n_errors; i++)
        if (res->errors[i].source && same_rule(res->errors[i].source, source))
            return 1;
    return 0;
}

static struct stored *find(struct rec *c, const struct finding *f)
{
    for (size_t i = 0; i < c->n; i++) {
        struct stored *r = &c->rows[i];
        if (r->member_id == f->member_id && str_eq(r->policy, f->policy) &&
            str_eq(r->measure, f->measure))
            return r;
    }
    return NULL;
}

static int amount_differs(const struct stored *r, const struct finding *f)
{
    return r->has_amount != (f->has_amount != 0) || (f->has_amount && r->amount != f->amount);
}

static int step_done(struct rec *c, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_fail(c->st, c->e, ERR_FAIL, what);
    sqlite3_reset(s);
    return rc;
}

/* Binds the live params set at i, read on the household's first write. */
static int bind_params(struct rec *c, sqlite3_stmt *s, int i)
{
    int rc = 0;
    if (!c->params_read) {
        sqlite3_stmt *q = stmt(c, S_PARAMS, &rc);
        if (!q)
            return rc;
        int ok = 1, step = sqlite3_step(q);
        if (step == SQLITE_ROW)
            c->params = col(c, q, 0, &ok);
        else if (step != SQLITE_DONE)
            rc = store_fail(c->st, c->e, ERR_FAIL, N_("reading the live params set"));
        sqlite3_reset(q);
        if (!rc && !ok)
            rc = oom(c->e);
        if (rc)
            return rc;
        c->params_read = 1;
    }
    sqlite3_bind_text(s, i, c->params, -1, SQLITE_STATIC);
    return 0;
}

static void bind_amount(sqlite3_stmt *s, int i, const struct finding *f)
{
    if (f->has_amount)
        sqlite3_bind_double(s, i, f->amount);
    else
        sqlite3_bind_null(s, i);
}

static int insert(struct rec *c, int64_t household_id, const struct finding *f, const char *now)
{
    int rc = 0;
    sqlite3_stmt *s = stmt(c, S_INSERT, &rc);
    if (!s)
        return rc;
    sqlite3_bind_int64(s, 1, household_id);
    if (f->member_id)
        sqlite3_bind_int64(s, 2, f->member_id);
    sqlite3_bind_text(s, 3, f->policy, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, f->measure, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, finding_kind_name(f->kind), -1, SQLITE_STATIC);
    bind_amount(s, 6, f);
    sqlite3_bind_text(s, 7, f->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, f->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, now, -1, SQLITE_STATIC);
    if ((rc = bind_params(c, s, 10)) != 0)
        return rc;
    return step_done(c, s, N_("inserting finding"));
}

static int update(struct rec *c, const struct stored *r, const struct finding *f, const char *now)
{
    int rc = 0;
    sqlite3_stmt *s = stmt(c, S_UPDATE, &rc);
    if (!s)
        return rc;
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_text(s, 2, finding_kind_name(f->kind), -1, SQLITE_STATIC);
    bind_amount(s, 3, f);
    sqlite3_bind_text(s, 4, f->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, f->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
    if ((rc = bind_params(c, s, 7)) != 0)
        return rc;
    return step_done(c, s, N_("updating finding"));
}

static int resource(struct rec *c, int64_t id, const char *source, const char *now)
{
    int rc = 0;
    sqlite3_stmt *s = stmt(c, S_RESOURCE, &rc);
    if (!s)
        return rc;
    c->moved = 1;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
    if ((rc = bind_params(c, s, 4)) != 0)
        return rc;
    return step_done(c, s, N_("updating finding source"));
}

static int by_id(struct rec *c, int which, int64_t id, const char *now, const char *what)
{
    int rc = 0;
    sqlite3_stmt *s = stmt(c, which, &rc);
    if (!s)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
    return step_done(c, s, what);
}

/* A decided finding is noted once per change of facts: not again while the
 * note is newer than the decision. */
static int note_facts(struct rec *c, struct stored *r, const char *now, long *written,
                      long *unchanged)
{
    if (r->facts_changed_at && r->updated_at && strcmp(r->facts_changed_at, r->updated_at) >= 0) {
        if (unchanged)
            (*unchanged)++;
        return 0;
    }
    (*written)++;
    return by_id(c, S_FACTS, r->id, now, N_("noting changed facts"));
}

/* A stored row as the tally sees it, in state st. */
static struct tally_row tally_stored(const struct stored *r, enum fstate st)
{
    return (struct tally_row){.exists = 1,
                              .live = st != ST_WITHDRAWN,
                              .counted = st == ST_OPEN || st == ST_ACCEPTED,
                              .has_amount = r->has_amount,
                              .amount = r->amount,
                              .reason = store_tally_reason(r->reason)};
}

/* A finding as written: open. */
static struct tally_row tally_found(const struct finding *f)
{
    return (struct tally_row){.exists = 1,
                              .live = 1,
                              .counted = 1,
                              .has_amount = f->has_amount,
                              .amount = f->amount,
                              .reason = store_tally_reason(f->reason)};
}

/* Counting never fails the write: a tally short of memory says so later. */
static void tally(struct reconcile_stats *stats, int64_t id, const char *policy,
                  const char *measure, const struct tally_row *before,
                  const struct tally_row *after)
{
    if (store_tally_wants(stats->tally, policy))
        store_tally_row(stats->tally, id, policy, measure, before, after);
}

static int reconcile_findings(struct rec *c, const struct eval_result *res, const char *now,
                              struct reconcile_stats *stats)
{
    int rc = 0;
    for (size_t i = 0; i < res->n_findings && !rc; i++) {
        const struct finding *f = &res->findings[i];
        if (policy_failed(res, f->policy))
            continue;
        struct stored *r = find(c, f);
        if (r && r->seen) {
            stats->unchanged++; /* the policy said it twice; the first one stands */
            continue;
        }
        if (!r) {
            rc = insert(c, res->household_id, f, now);
            stats->inserted++;
            if (!rc && stats->tally) {
                struct tally_row none = {0}, after = tally_found(f);
                tally(stats, sqlite3_last_insert_rowid(c->st->db), f->policy, f->measure, &none,
                      &after);
            }
            continue;
        }
        r->seen = 1;
        int differs = amount_differs(r, f) || !str_eq(r->reason, f->reason);
        /* What the switch below writes to an open row that differs or a
         * withdrawn one; a decided row keeps its amount and reason. */
        if (stats->tally && ((r->state == ST_OPEN && differs) || r->state == ST_WITHDRAWN)) {
            struct tally_row before = tally_stored(r, r->state), after = tally_found(f);
            tally(stats, r->id, r->policy, r->measure, &before, &after);
        }
        switch (r->state) {
        case ST_OPEN:
            if (differs || !str_eq(r->kind, finding_kind_name(f->kind))) {
                rc = update(c, r, f, now);
                stats->updated++;
            } else if (!str_eq(r->source, f->source)) {
                rc = resource(c, r->id, f->source, now);
                stats->updated++;
            } else {
                stats->unchanged++;
            }
            break;
        case ST_WITHDRAWN:
            rc = update(c, r, f, now);
            stats->updated++;
            break;
        case ST_ACCEPTED:
        case ST_REJECTED:
            /* The person decided on the stored facts: keep them, note the news. */
            if (differs)
                rc = note_facts(c, r, now, &stats->updated, &stats->unchanged);
            else
                stats->unchanged++;
            break;
        }
    }
    for (size_t i = 0; i < c->n && !rc; i++) {
        struct stored *r = &c->rows[i];
        if (r->seen || r->state == ST_WITHDRAWN || policy_failed(res, r->policy))
            continue;
        if (r->state == ST_OPEN) {
            rc = by_id(c, S_WITHDRAW, r->id, now, N_("withdrawing finding"));
            stats->withdrawn++;
            if (stats->tally) {
                struct tally_row before = tally_stored(r, ST_OPEN),
                                 after = tally_stored(r, ST_WITHDRAWN);
                tally(stats, r->id, r->policy, r->measure, &before, &after);
            }
        } else {
            rc = note_facts(c, r, now, &stats->updated, NULL);
        }
    }
    return rc;
}

static int is_policy_source(const char *source)
{
    return source && (strncmp(source, "lua:", 4) == 0 || strncmp(source, "plugin:", 7) == 0);
}

static int alert_in_result(const struct eval_result *res, const char *kind)
{
    for (size_t i = 0; i < res->n_alerts; i++)
        if (strcmp(res->alerts[i].kind, kind) == 0)
            return 1;
    return 0;
}

/* A live alert of the household as reconciliation compares it. */
struct live_alert {
    const char *kind, *source, *severity, *message, *region, *level;
    int64_t supervisor_id;
};

/* The household's live alerts into *out (arena), *n of them. Read whole
 * before anything is written: no writes under a live cursor on alert. */
static int live_alerts(struct rec *c, int64_t household_id, const char *subject,
                       struct live_alert **out, size_t *n)
{
    int rc = 0;
    sqlite3_stmt *s = stmt(c, S_ALERTS, &rc);
    if (!s)
        return rc;
    sqlite3_bind_int64(s, 1, household_id);
    sqlite3_bind_text(s, 2, subject, -1, SQLITE_STATIC);
    size_t cap = 0;
    int step = SQLITE_DONE, ok = 1;
    *out = NULL;
    *n = 0;
    while (ok && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct live_alert *na = arena_alloc(&c->arena, ncap * sizeof *na);
            if (!na) {
                ok = 0;
                break;
            }
            if (*n)
                memcpy(na, *out, *n * sizeof *na);
            *out = na;
            cap = ncap;
        }
        struct live_alert *a = &(*out)[(*n)++];
        a->kind = col(c, s, 0, &ok);
        a->source = col(c, s, 1, &ok);
        a->severity = col(c, s, 2, &ok);
        a->message = col(c, s, 3, &ok);
        a->region = col(c, s, 4, &ok);
        a->supervisor_id = sqlite3_column_int64(s, 5);
        a->level = col(c, s, 6, &ok);
    }
    if (!ok)
        rc = oom(c->e);
    else if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_fail(c->st, c->e, ERR_FAIL, N_("reading alerts"));
    sqlite3_reset(s);
    return rc;
}

/* Policy alerts are written only on change: a new one is opened, a live one
 * whose message, severity or routing would change is raised again, one no
 * longer said is resolved; a live alert raised again unchanged is left as
 * it is (last_seen_at is the last detection that changed it, or opened it),
 * so a pass where nothing changed writes no alert. A person's ack survives
 * (raising keeps the state); an alert a person resolved is opened anew, as
 * it is no longer live. */
static int reconcile_alerts(struct rec *c, const struct eval_result *res, const char *now,
                            int no_live_alerts)
{
    if (no_live_alerts && res->n_alerts == 0)
        return 0; /* most households: nothing to resolve, nothing to raise */
    char subject[48];
    snprintf(subject, sizeof subject, "household:%lld", (long long)res->household_id);

    struct live_alert *live = NULL;
    size_t n_live = 0;
    int rc = no_live_alerts ? 0 : live_alerts(c, res->household_id, subject, &live, &n_live);
    /* What is live now, before raising, decides what to resolve. */
    for (size_t i = 0; i < n_live && !rc; i++) {
        const struct live_alert *l = &live[i];
        if (!l->kind || alert_in_result(res, l->kind))
            continue;
        /* A policy's own data_quality alert is its to resolve: kept while
         * that policy failed or was not run. */
        if (is_policy_source(l->source) ? !source_failed(res, l->source)
                                        : strcmp(l->kind, "data_quality") == 0)
            rc = store_alert_resolve(c->st, l->kind, subject, now, c->e);
    }

    char region[64];
    int64_t supervisor = 0;
    const char *level = NULL;
    int routed_known = 0;
    for (size_t i = 0; i < res->n_alerts && !rc; i++) {
        const struct policy_alert *a = &res->alerts[i];
        /* Said twice: the last one stands, as the upsert would leave it. */
        int later = 0;
        for (size_t j = i + 1; j < res->n_alerts && !later; j++)
            later = strcmp(res->alerts[j].kind, a->kind) == 0;
        if (later)
            continue;
        const struct live_alert *l = NULL;
        for (size_t k = 0; k < n_live && !l; k++)
            if (live[k].kind && strcmp(live[k].kind, a->kind) == 0)
                l = &live[k];
        if (l && str_eq(l->severity, severity_name(a->severity)) &&
            str_eq(l->message, a->message)) {
            /* Where raising it would route it, once per household. */
            if (!routed_known) {
                if ((rc = store_alert_route_household(c->st, res->household_id, region, &supervisor,
                                                      &level, c->e)) != 0)
                    break;
                routed_known = 1;
            }
            if ((!region[0] || str_eq(l->region, region)) &&
                (!supervisor || l->supervisor_id == supervisor) && str_eq(l->level, level))
                continue;
        }
        struct alert_spec spec = {
            .kind = a->kind,
            .subject = subject,
            .severity = a->severity,
            .household_id = res->household_id,
            .message = a->message,
            .source = a->source,
        };
        rc = store_alert_raise(c->st, &spec, now, NULL, c->e);
    }
    return rc;
}

int store_reconcile(struct store *st, const struct eval_result *res, const char *now,
                    struct reconcile_stats *stats, struct err *e)
{
    return store_reconcile_hinted(st, res, now, 0, stats, e);
}

/* The household's stored digest into *h (h->valid = 0 when there is none
 * or it does not hold together). */
static int digest_get(struct rec *c, int64_t household_id, struct hdigest *h)
{
    int rc = 0;
    store_digest_decode(NULL, 0, h);
    sqlite3_stmt *s = stmt(c, S_DIGEST_GET, &rc);
    if (!s)
        return rc;
    sqlite3_bind_int64(s, 1, household_id);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        store_digest_decode(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), h);
    else if (step != SQLITE_DONE)
        rc = store_fail(c->st, c->e, ERR_FAIL, N_("reading findings digest"));
    sqlite3_reset(s);
    return rc;
}

static int digest_put(struct rec *c, int64_t household_id, const struct hdigest *h)
{
    int rc = 0;
    sqlite3_stmt *s = stmt(c, S_DIGEST_PUT, &rc);
    if (!s)
        return rc;
    unsigned char b[DIGEST_BLOB_MAX];
    size_t len = store_digest_encode(h, b);
    sqlite3_bind_int64(s, 1, household_id);
    sqlite3_bind_blob(s, 2, b, (int)len, SQLITE_STATIC);
    return step_done(c, s, N_("writing findings digest"));
}

/* A digest that no longer says which versions the rows name. */
static int digest_drop(struct rec *c, int64_t household_id)
{
    int rc = 0;
    sqlite3_stmt *s = stmt(c, S_DIGEST_DROP, &rc);
    if (!s)
        return rc;
    sqlite3_bind_int64(s, 1, household_id);
    return step_done(c, s, N_("dropping findings digest"));
}

/* The finding of policy (a name hash) whose source its open rows are to
 * take, and how many it said; NULL when it said nothing or (never seen)
 * with two versions, which is left to the row-by-row path. */
static const struct finding *source_of(const struct eval_result *res, uint64_t policy, long *n)
{
    const struct finding *f = NULL;
    *n = 0;
    for (size_t i = 0; i < res->n_findings; i++)
        if (store_digest_policy(res->findings[i].policy) == policy) {
            if (f && !str_eq(f->source, res->findings[i].source))
                return NULL;
            f = &res->findings[i];
            (*n)++;
        }
    return f;
}

/* A new version of a policy that says the same: one statement moves its
 * open rows to f's source, as resource() would row by row. No trigger
 * fires on these columns (schema v15), so SQLite writes the rows as it
 * finds them. */
static int move_source(struct rec *c, int64_t household_id, const struct finding *f, long n,
                       const char *now, struct reconcile_stats *stats)
{
    int rc = 0;
    sqlite3_stmt *s = stmt(c, S_MOVE_SOURCE, &rc);
    if (!s)
        return rc;
    sqlite3_bind_int64(s, 1, household_id);
    sqlite3_bind_text(s, 2, f->policy, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, f->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
    if ((rc = bind_params(c, s, 5)) != 0 ||
        (rc = step_done(c, s, N_("updating finding source"))) != 0)
        return rc;
    long moved = sqlite3_changes(c->st->db);
    stats->updated += moved;
    stats->unchanged += n - moved;
    return 0;
}

/* The same path: the stored digest matched. Moves the sources of the
 * policies whose version changed (after checking each has one source, so
 * that nothing is written when the row-by-row path must run instead);
 * returns 1 for that path, else 0 or an error. */
static int reconcile_same(struct rec *c, const struct eval_result *res, const struct hdigest *d,
                          struct hdigest *stored, const char *now, struct reconcile_stats *stats)
{
    const struct finding *src[DIGEST_MAX];
    long n[DIGEST_MAX];
    size_t moves = 0;
    for (size_t i = 0; i < d->n; i++) {
        src[i] = NULL;
        if (store_digest_entry(stored, d->e[i].policy)->sources == d->e[i].sources)
            continue;
        if (!(src[i] = source_of(res, d->e[i].policy, &n[i])))
            return 1;
        moves++;
    }
    long said = 0;
    for (size_t i = 0; i < res->n_findings; i++)
        said += !policy_failed(res, res->findings[i].policy);
    int rc = 0;
    for (size_t i = 0; i < d->n && !rc; i++) {
        if (!src[i])
            continue;
        rc = move_source(c, res->household_id, src[i], n[i], now, stats);
        said -= n[i];
        for (size_t k = 0; k < stored->n; k++)
            if (stored->e[k].policy == d->e[i].policy)
                stored->e[k].sources = d->e[i].sources;
    }
    stats->unchanged += said;
    /* The moves' triggers dropped the digest: it stands again, new sources. */
    if (!rc && moves)
        rc = digest_put(c, res->household_id, stored);
    return rc;
}

int store_reconcile_hinted(struct store *st, const struct eval_result *res, const char *now,
                           int hints, struct reconcile_stats *stats, struct err *e)
{
    struct reconcile_stats local = {0};
    if (!stats)
        stats = &local;
    struct rec c = {.st = st, .e = e};
    int use_digest = !(hints & RECONCILE_NO_DIGEST), rc = 0, same = 0;
    struct hdigest stored = {0}, d;
    uint64_t errs[DIGEST_MAX];
    if (use_digest && store_digest_result(res, &d, errs) != 0)
        use_digest = 0;
    if (use_digest) {
        rc = digest_get(&c, res->household_id, &stored);
        same = !rc && store_digest_same(&d, &stored, errs, res->n_errors);
    }
    /* Reconciling what was reconciled last, onto rows nobody changed since
     * (the digest would be gone), writes nothing but the sources of a new
     * version: every other finding of a policy that ran counts as
     * unchanged, as it would row by row. */
    if (same && (rc = reconcile_same(&c, res, &d, &stored, now, stats)) == 1)
        same = rc = 0;
    if (!rc && !same) {
        rc = load(&c, res);
        if (!rc)
            rc = reconcile_findings(&c, res, now, stats);
        /* After the writes, whose triggers dropped the old digest (but
         * for moved sources); none is kept when the household has more
         * policies than a digest holds. */
        if (!rc && use_digest && store_digest_merge(&d, &stored, errs, res->n_errors) == 0)
            rc = digest_put(&c, res->household_id, &d);
        else if (!rc && c.moved)
            rc = digest_drop(&c, res->household_id);
    }
    if (!rc)
        rc = reconcile_alerts(&c, res, now, hints & RECONCILE_NO_LIVE_ALERTS);
    rec_free(&c);
    return rc;
}

int store_ids_between(struct store *st, const char *sql, int64_t lo, int64_t hi, int max,
                      int64_t *ids, int *n, struct err *e)
{
    sqlite3_stmt *s;
    *n = 0;
    int rc = store_cached(st, sql, &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, lo);
    sqlite3_bind_int64(s, 2, hi);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n >= max) {
            *n = -1;
            break;
        }
        ids[(*n)++] = sqlite3_column_int64(s, 0);
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading alerts"));
    sqlite3_reset(s);
    return rc;
}

int store_alert_households(struct store *st, int64_t lo, int64_t hi, int max, int64_t *ids, int *n,
                           struct err *e)
{
    return store_ids_between(st, store_sql_alert_households, lo, hi, max, ids, n, e);
}

/* Runs an UPDATE bound with (?1 household, ?2 now). */
static int update_household(struct store *st, const char *sql, int64_t household_id,
                            const char *now, const char *what, struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_prepare(st, sql, &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, household_id);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, what);
    sqlite3_finalize(s);
    return rc;
}

/* The open findings forget_household is about to withdraw, into tally. */
static int tally_forgotten(struct store *st, int64_t household_id, struct store_tally *t,
                           struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st,
                          "SELECT id, policy, measure, amount, reason FROM finding"
                          " WHERE household_id = ?1 AND state = 'open'",
                          &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, household_id);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *policy = (const char *)sqlite3_column_text(s, 1);
        if (!store_tally_wants(t, policy))
            continue;
        struct tally_row before = {.exists = 1,
                                   .live = 1,
                                   .counted = 1,
                                   .has_amount = sqlite3_column_type(s, 3) != SQLITE_NULL,
                                   .amount = sqlite3_column_double(s, 3),
                                   .reason =
                                       store_tally_reason((const char *)sqlite3_column_text(s, 4))};
        struct tally_row after = before;
        after.live = after.counted = 0;
        store_tally_row(t, sqlite3_column_int64(s, 0), policy,
                        (const char *)sqlite3_column_text(s, 2), &before, &after);
    }
    if (step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading findings"));
    sqlite3_reset(s);
    return rc;
}

int store_forget_household(struct store *st, int64_t household_id, const char *now,
                           struct store_tally *tally, struct err *e)
{
    int rc = tally ? tally_forgotten(st, household_id, tally, e) : 0;
    if (!rc)
        rc = update_household(st,
                              "UPDATE finding SET state = 'withdrawn', updated_at = ?2"
                              " WHERE household_id = ?1 AND state = 'open'",
                              household_id, now, N_("withdrawing findings"), e);
    if (!rc)
        rc = update_household(st,
                              "UPDATE alert SET state = 'resolved', resolved_at = ?2"
                              " WHERE household_id = ?1 AND state IN ('open','acked')",
                              household_id, now, N_("resolving alerts"), e);
    return rc;
}

int store_data_quality_alert(struct store *st, int64_t household_id, const char *message,
                             const char *now, struct err *e)
{
    char subject[48];
    snprintf(subject, sizeof subject, "household:%lld", (long long)household_id);
    struct alert_spec spec = {
        .kind = "data_quality",
        .subject = subject,
        .severity = SEVERITY_WARNING,
        .household_id = household_id,
        .message = message,
        .source = "engine:snapshot",
    };
    return store_alert_raise(st, &spec, now, NULL, e);
}

int store_data_quality_resolve(struct store *st, int64_t household_id, const char *now,
                               struct err *e)
{
    char subject[48];
    snprintf(subject, sizeof subject, "household:%lld", (long long)household_id);
    return store_alert_resolve(st, "data_quality", subject, now, e);
}
