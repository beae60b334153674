/* store_change.c - staged activation (schema version 9): the changes the
 * daemon proposes in `reload: review` mode, their decisions, and the live
 * policy texts. Only a decision moves texts into rule_live; nothing here
 * reads the policy files. */
#include "i18n.h"
#include "store_internal.h"
#include "store_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? strdup((const char *)t) : NULL;
}

static void copy_col(sqlite3_stmt *s, int i, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, size, "%s", t ? (const char *)t : "");
}

void rule_files_free(struct rule_file *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++) {
        free(f[i].file);
        free(f[i].text);
    }
    free(f);
}

void rule_change_clear(struct rule_change *c)
{
    free(c->files);
    free(c->policies);
    free(c->decided_by);
    rule_files_free(c->f, c->n_f);
    memset(c, 0, sizeof *c);
}

/* Rows (file, text) of s into a new array. */
static int read_files(struct store *st, sqlite3_stmt *s, struct rule_file **out, size_t *n,
                      struct err *e)
{
    struct rule_file *f = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            struct rule_file *nf = realloc(f, cap * sizeof *nf);
            if (!nf) {
                rule_files_free(f, cnt);
                return err_set(e, ERR_FAIL, _("out of memory"));
            }
            f = nf;
        }
        f[cnt].file = dup_col(s, 0);
        f[cnt].text = dup_col(s, 1);
        cnt++;
    }
    if (rc != SQLITE_DONE) {
        rule_files_free(f, cnt);
        return store_fail(st, e, ERR_FAIL, N_("reading rule texts"));
    }
    *out = f;
    *n = cnt;
    return 0;
}

int store_live_load(struct store *st, struct rule_file **out, size_t *n, int64_t *gen,
                    struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st, "SELECT ifnull(max(id), 0) FROM rule_change WHERE state = 'active'",
                          &s, e);
    if (rc)
        return rc;
    *gen = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (!out)
        return 0;
    if ((rc = store_cached(st, "SELECT file, text FROM rule_live ORDER BY file", &s, e)) != 0)
        return rc;
    rc = read_files(st, s, out, n, e);
    sqlite3_reset(s);
    return rc;
}

int store_live_seed(struct store *st, const struct rule_file *f, size_t n, struct err *e)
{
    int rc = store_begin(st, NULL, e);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if ((rc = store_cached(st, "SELECT count(*) FROM rule_live", &s, e)) != 0)
        goto fail;
    int empty = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0) == 0;
    sqlite3_reset(s);
    for (size_t i = 0; empty && i < n; i++) {
        if ((rc = store_cached(st, "INSERT INTO rule_live(file, text) VALUES (?1, ?2)", &s, e)))
            goto fail;
        sqlite3_bind_text(s, 1, f[i].file, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, f[i].text, -1, SQLITE_STATIC);
        rc = store_step_done(st, s, N_("seeding the live rules"), e);
        sqlite3_reset(s);
        if (rc)
            goto fail;
    }
    return store_commit(st, e);
fail:
    store_rollback(st);
    return rc;
}

int store_live_seed_file(struct store *st, const char *file, const char *text, struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st, "INSERT OR IGNORE INTO rule_live(file, text) VALUES (?1, ?2)", &s, e);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, file, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    rc = store_step_done(st, s, N_("seeding the live rules"), e);
    sqlite3_reset(s);
    return rc;
}

int store_change_propose(struct store *st, const char *hash, const struct rule_file *f, size_t n,
                         const char *now, int64_t *id, struct err *e)
{
    *id = 0;
    int rc = store_begin(st, NULL, e);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if ((rc = store_cached(st, "SELECT 1 FROM rule_change WHERE hash = ?1", &s, e)) != 0)
        goto fail;
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    int seen = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_reset(s);
    if (seen) {
        store_rollback(st);
        return 0;
    }
    /* Names for the list: "industry.lua, employment.lua" and "industry, employment". */
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(f[i].file) + 2;
    char *files = calloc(1, len), *policies = calloc(1, len);
    if (!files || !policies) {
        free(files);
        free(policies);
        rc = err_set(e, ERR_FAIL, _("out of memory"));
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        size_t fl = strlen(f[i].file);
        size_t bl = fl > 4 && strcmp(f[i].file + fl - 4, ".lua") == 0 ? fl - 4 : fl;
        strcat(files, i ? ", " : "");
        strcat(files, f[i].file);
        strcat(policies, i ? ", " : "");
        strncat(policies, f[i].file, bl);
    }
    rc = store_cached(st,
                      "INSERT INTO rule_change(hash, files, policies, created_at)"
                      " VALUES (?1, ?2, ?3, ?4)",
                      &s, e);
    if (!rc) {
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, files, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, policies, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
        rc = store_step_done(st, s, N_("recording a pending change"), e);
        sqlite3_reset(s);
    }
    free(files);
    free(policies);
    if (rc)
        goto fail;
    int64_t cid = sqlite3_last_insert_rowid(st->db);
    for (size_t i = 0; i < n; i++) {
        if ((rc = store_cached(st,
                               "INSERT INTO rule_change_file(change_id, file, text)"
                               " VALUES (?1, ?2, ?3)",
                               &s, e)) != 0)
            goto fail;
        sqlite3_bind_int64(s, 1, cid);
        sqlite3_bind_text(s, 2, f[i].file, -1, SQLITE_STATIC);
        if (f[i].text)
            sqlite3_bind_text(s, 3, f[i].text, -1, SQLITE_STATIC);
        rc = store_step_done(st, s, N_("recording a pending change"), e);
        sqlite3_reset(s);
        if (rc)
            goto fail;
    }
    if ((rc = store_commit(st, e)) != 0)
        return rc;
    *id = cid;
    return 0;
fail:
    store_rollback(st);
    return rc;
}

static const char sql_change_cols[] =
    "SELECT id, state, hash, files, policies, created_at, decided_by, decided_at FROM rule_change";

static void read_change(sqlite3_stmt *s, struct rule_change *c)
{
    c->id = sqlite3_column_int64(s, 0);
    copy_col(s, 1, c->state, sizeof c->state);
    copy_col(s, 2, c->hash, sizeof c->hash);
    c->files = dup_col(s, 3);
    c->policies = dup_col(s, 4);
    copy_col(s, 5, c->created_at, sizeof c->created_at);
    c->decided_by = dup_col(s, 6);
    copy_col(s, 7, c->decided_at, sizeof c->decided_at);
}

int store_change_list(struct store *st, struct rule_change **out, size_t *n, struct err *e)
{
    sqlite3_stmt *s;
    char sql[256];
    snprintf(sql, sizeof sql, "%s ORDER BY id DESC", sql_change_cols);
    int rc = store_prepare(st, sql, &s, e);
    if (rc)
        return rc;
    struct rule_change *c = NULL;
    size_t cnt = 0, cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            struct rule_change *nc = realloc(c, cap * sizeof *nc);
            if (!nc)
                break;
            c = nc;
        }
        memset(&c[cnt], 0, sizeof c[cnt]);
        read_change(s, &c[cnt++]);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < cnt; i++)
            rule_change_clear(&c[i]);
        free(c);
        return rc == SQLITE_ROW ? err_set(e, ERR_FAIL, _("out of memory"))
                                : store_fail(st, e, ERR_FAIL, N_("listing changes"));
    }
    *out = c;
    *n = cnt;
    return 0;
}

int store_change_get(struct store *st, int64_t id, struct rule_change *c, struct err *e)
{
    memset(c, 0, sizeof *c);
    sqlite3_stmt *s;
    char sql[256];
    snprintf(sql, sizeof sql, "%s WHERE id = ?1", sql_change_cols);
    int rc = store_prepare(st, sql, &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_change(s, c);
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return err_set(e, ERR_NOTFOUND, _("no change %lld"), (long long)id);
    if (rc != SQLITE_ROW)
        return store_fail(st, e, ERR_FAIL, N_("reading a change"));
    if ((rc = store_cached(st,
                           "SELECT file, text FROM rule_change_file WHERE change_id = ?1"
                           " ORDER BY file",
                           &s, e)) != 0) {
        rule_change_clear(c);
        return rc;
    }
    sqlite3_bind_int64(s, 1, id);
    rc = read_files(st, s, &c->f, &c->n_f, e);
    sqlite3_reset(s);
    if (rc)
        rule_change_clear(c);
    return rc;
}

static int exec_id(struct store *st, const char *sql, int64_t id, const char *by, const char *now,
                   struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st, sql, &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_bind_parameter_count(s) >= 3) {
        sqlite3_bind_text(s, 2, by, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
    }
    rc = store_step_done(st, s, N_("deciding a change"), e);
    sqlite3_reset(s);
    return rc;
}

int store_change_decide(struct store *st, int64_t id, int activate, const char *by, const char *now,
                        const char *summary, struct err *e)
{
    int rc = store_begin(st, NULL, e);
    if (rc)
        return rc;
    sqlite3_stmt *s;
    if ((rc = store_cached(st, "SELECT state FROM rule_change WHERE id = ?1", &s, e)) != 0)
        goto fail;
    sqlite3_bind_int64(s, 1, id);
    char state[12] = "";
    int found = sqlite3_step(s) == SQLITE_ROW;
    if (found)
        copy_col(s, 0, state, sizeof state);
    sqlite3_reset(s);
    if (!found) {
        rc = err_set(e, ERR_NOTFOUND, _("no change %lld"), (long long)id);
        goto fail;
    }
    if (strcmp(state, "pending") != 0) {
        rc = err_set(e, ERR_INVALID,
                     strcmp(state, "stale") == 0
                         ? _("change %lld is stale: another change went live after it was "
                             "staged; save the file again to stage it anew")
                         : _("change %lld was already decided"),
                     (long long)id);
        goto fail;
    }
    if (activate) {
        /* Removed files leave the live set; the others replace theirs. */
        if ((rc = exec_id(st,
                          "DELETE FROM rule_live WHERE file IN (SELECT file FROM rule_change_file"
                          " WHERE change_id = ?1)",
                          id, NULL, NULL, e)) != 0 ||
            (rc =
                 exec_id(st,
                         "INSERT INTO rule_live(file, text, change_id) SELECT file, text, change_id"
                         " FROM rule_change_file WHERE change_id = ?1 AND text IS NOT NULL",
                         id, NULL, NULL, e)) != 0 ||
            (rc = exec_id(st,
                          "UPDATE rule_change SET state = 'stale' WHERE state = 'pending'"
                          " AND id <> ?1",
                          id, NULL, NULL, e)) != 0)
            goto fail;
    }
    if (summary && (rc = store_change_set_summary(st, id, summary, e)) != 0)
        goto fail;
    rc = exec_id(st,
                 activate ? "UPDATE rule_change SET state = 'active', decided_by = ?2,"
                            " decided_at = ?3 WHERE id = ?1"
                          : "UPDATE rule_change SET state = 'discarded', decided_by = ?2,"
                            " decided_at = ?3 WHERE id = ?1",
                 id, by, now, e);
    if (rc)
        goto fail;
    return store_commit(st, e);
fail:
    store_rollback(st);
    return rc;
}

int store_change_set_summary(struct store *st, int64_t id, const char *json, struct err *e)
{
    sqlite3_stmt *s;
    int rc = store_cached(st, "UPDATE rule_change SET preview_summary = ?2 WHERE id = ?1", &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, json, -1, SQLITE_STATIC);
    rc = store_step_done(st, s, N_("recording a change's preview"), e);
    sqlite3_reset(s);
    return rc;
}

int store_change_record_auto(struct store *st, const char *files, const char *policies,
                             const char *now, int64_t *id, struct err *e)
{
    sqlite3_stmt *s;
    /* The hash names the record, never a content: auto changes are not
     * proposals, so nothing is compared with it. */
    int rc =
        store_cached(st,
                     "INSERT INTO rule_change(state, hash, files, policies, created_at,"
                     " decided_by, decided_at) VALUES ('active', 'auto', ?1, ?2, ?3, 'auto', ?3)",
                     &s, e);
    if (rc)
        return rc;
    sqlite3_bind_text(s, 1, files, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, policies, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
    rc = store_step_done(st, s, N_("recording a reload"), e);
    sqlite3_reset(s);
    if (!rc)
        *id = sqlite3_last_insert_rowid(st->db);
    return rc;
}

/* The findings of the policies named as they were before a reload, in a
 * temporary table of this connection: the measure compares them with what
 * the re-evaluation left, finding by finding, as a preview does. */
void rule_diffs_free(struct rule_diff *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        free(d[i].policy);
        free(d[i].measure);
    }
    free(d);
}

int store_change_summary(struct store *st, int64_t id, char **json, struct err *e)
{
    sqlite3_stmt *s;
    *json = NULL;
    int rc = store_cached(st, "SELECT preview_summary FROM rule_change WHERE id = ?1", &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW)
        *json = dup_col(s, 0);
    sqlite3_reset(s);
    return 0;
}

/* engine_meta keys of the folders people edit in review mode. */
static const char *const review_keys[] = {"review_policies", "review_plugins"};

int store_review_dirs_set(struct store *st, const char *policies, const char *plugins,
                          struct err *e)
{
    const char *v[] = {policies, plugins};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *s;
        int rc = store_cached(st,
                              "INSERT INTO engine_meta(key, value) VALUES (?1, ?2)"
                              " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                              &s, e);
        if (rc)
            return rc;
        sqlite3_bind_text(s, 1, review_keys[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, v[i], -1, SQLITE_STATIC);
        rc = store_step_done(st, s, N_("naming the edited folders"), e);
        sqlite3_reset(s);
        if (rc)
            return rc;
    }
    return 0;
}

int store_review_dirs_get(struct store *st, char **policies, char **plugins, struct err *e)
{
    char **out[] = {policies, plugins};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *s;
        *out[i] = NULL;
        int rc = store_cached(st, "SELECT value FROM engine_meta WHERE key = ?1", &s, e);
        if (rc)
            return rc;
        sqlite3_bind_text(s, 1, review_keys[i], -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            *out[i] = dup_col(s, 0);
        sqlite3_reset(s);
    }
    return 0;
}
