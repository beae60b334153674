/* store_rules.c - the rule_version table (schema version 5): the history
 * of what ran. Adds rows and fills in a text once known; never deletes or
 * rewrites an activation. */
#include "store_rules.h"
#include "i18n.h"
#include "store_internal.h"

static const char sql_insert[] =
    "INSERT OR IGNORE INTO rule_version(kind, name, source, hash, text, activated_by,"
    " activated_at, preview_summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* Versions named by findings older than the table got a row without text
 * or activation in the migration: the first run of that version completes it. */
static const char sql_fill[] =
    "UPDATE rule_version SET text = ifnull(text, ?2), activated_at = ifnull(activated_at, ?3),"
    " activated_by = ifnull(activated_by, ?4) WHERE source = ?1 AND (text IS NULL AND ?2 IS NOT"
    " NULL OR activated_at IS NULL)";

static const char *const kind_names[] = {
    [RULE_POLICY] = "policy", [RULE_PLUGIN] = "plugin", [RULE_PARAMS] = "params"};

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
    if (t)
        sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

int store_rule_version_record(struct store *st, const struct rule_version *v, int *added,
                              struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st, sql_insert, &s, e);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, kind_names[v->kind], -1, SQLITE_STATIC);
    bind_text(s, 2, v->name);
    bind_text(s, 3, v->source);
    bind_text(s, 4, v->hash);
    bind_text(s, 5, v->text);
    bind_text(s, 6, v->by);
    bind_text(s, 7, v->now);
    bind_text(s, 8, v->preview_summary);
    rc = store_step_done(st, s, N_("recording a rule version"), e);
    sqlite3_reset(s);
    if (rc)
        return rc;
    int is_new = sqlite3_changes(st->db) > 0;
    if (added)
        *added = is_new;
    if (is_new)
        return 0;
    if ((rc = store_cached(st, sql_fill, &s, e)) != 0)
        return rc;
    bind_text(s, 1, v->source);
    bind_text(s, 2, v->text);
    bind_text(s, 3, v->now);
    bind_text(s, 4, v->by);
    rc = store_step_done(st, s, N_("recording a rule version"), e);
    sqlite3_reset(s);
    return rc;
}

int store_rule_version_summarize(struct store *st, const char *since, const char *json,
                                 struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st,
                          "UPDATE rule_version SET preview_summary = ?2"
                          " WHERE preview_summary IS NULL AND activated_at >= ?1",
                          &s, e);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, since, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, json, -1, SQLITE_STATIC);
    rc = store_step_done(st, s, N_("recording a rule version's summary"), e);
    sqlite3_reset(s);
    return rc;
}

int store_rule_version_activated_by(struct store *st, const char *since, const char *by,
                                    struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st,
                          "UPDATE rule_version SET activated_by = ?2"
                          " WHERE activated_by = 'daemon' AND activated_at >= ?1",
                          &s, e);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, since, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, by, -1, SQLITE_STATIC);
    rc = store_step_done(st, s, N_("recording who activated a rule version"), e);
    sqlite3_reset(s);
    return rc;
}

int store_params_live(struct store *st, const char *source, struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st,
                          "INSERT INTO engine_meta(key, value) VALUES ('params_source', ?1)"
                          " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                          &s, e);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
    rc = store_step_done(st, s, N_("naming the live params"), e);
    sqlite3_reset(s);
    return rc;
}
