/* store_user.c - users, sessions, login attempts and the audit log of the
 * web console. Every write is its own short transaction taken with
 * store_begin (the daemon's writer may hold the lock for a batch); never
 * sees a password or a session id, only their hashes. */
#include "store_internal.h"
#include "store_user.h"
#include "i18n.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static void copy_col(sqlite3_stmt *stmt, int i, char *buf, size_t size)
{
    const char *s = (const char *)sqlite3_column_text(stmt, i);
    snprintf(buf, size, "%s", s ? s : "");
}

#define USER_COLS "u.id, u.name, u.role, u.region, u.pass_hash, u.disabled, u.created_at"

static void read_user(sqlite3_stmt *stmt, int at, struct store_user *u)
{
    u->id = sqlite3_column_int64(stmt, at);
    copy_col(stmt, at + 1, u->name, sizeof u->name);
    copy_col(stmt, at + 2, u->role, sizeof u->role);
    copy_col(stmt, at + 3, u->region, sizeof u->region);
    copy_col(stmt, at + 4, u->hash, sizeof u->hash);
    u->disabled = sqlite3_column_int(stmt, at + 5);
    copy_col(stmt, at + 6, u->created_at, sizeof u->created_at);
}

static void bind_text(sqlite3_stmt *stmt, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    if (v)
        sqlite3_bind_text(stmt, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, i);
}

static void bind_int(sqlite3_stmt *stmt, const char *name, int64_t v)
{
    sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, name), v);
}

/* Finishes the transaction: commit when rc is 0, else roll back. */
static int finish(struct store *st, int rc, struct err *e)
{
    if (rc) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st, e);
}

int store_user_add(struct store *st, const char *name, const char *role, const char *region,
                   const char *hash, const atomic_int *stop, int64_t *id, struct err *e)
{
    static const char sql[] =
        "INSERT INTO web_user(name, role, region, pass_hash, created_at)"
        " VALUES (:name, :role, :region, :hash, strftime('%Y-%m-%d %H:%M:%S', 'now'))";
    static const char taken[] = "SELECT 1 FROM web_user WHERE name = :name";
    sqlite3_stmt *stmt;
    int rc = store_begin(st, stop, e);
    if (rc)
        return rc;
    if ((rc = store_cached(st, taken, &stmt, e)) != 0)
        return finish(st, rc, e);
    bind_text(stmt, ":name", name);
    int step = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (step == SQLITE_ROW)
        return finish(st, err_set(e, ERR_INVALID, _("user %s already exists"), name), e);
    if ((rc = store_cached(st, sql, &stmt, e)) != 0)
        return finish(st, rc, e);
    bind_text(stmt, ":name", name);
    bind_text(stmt, ":role", role);
    bind_text(stmt, ":region", region ? region : "");
    bind_text(stmt, ":hash", hash);
    rc = store_step_done(st, stmt, N_("web_user insert"), e);
    sqlite3_reset(stmt);
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(st->db);
    return finish(st, rc, e);
}

int store_user_get(struct store *st, const char *name, struct store_user *out, struct err *e)
{
    static const char sql[] = "SELECT " USER_COLS " FROM web_user u WHERE u.name = :name";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    bind_text(stmt, ":name", name);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        read_user(stmt, 0, out);
    else if (step == SQLITE_DONE)
        rc = err_set(e, ERR_NOTFOUND, _("no user %s"), name);
    else
        rc = store_fail(st, e, ERR_FAIL, N_("web_user"));
    sqlite3_reset(stmt);
    return rc;
}

/* Ends every session of the user called name (inside a transaction). */
static int end_user_sessions(struct store *st, const char *name, struct err *e)
{
    static const char sql[] = "DELETE FROM web_session WHERE user_id ="
                              " (SELECT id FROM web_user WHERE name = :name)";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    bind_text(stmt, ":name", name);
    rc = store_step_done(st, stmt, N_("web_session delete"), e);
    sqlite3_reset(stmt);
    return rc;
}

int store_user_set_hash(struct store *st, const char *name, const char *hash, struct err *e)
{
    static const char sql[] = "UPDATE web_user SET pass_hash = :hash,"
                              " changed_at = strftime('%Y-%m-%d %H:%M:%S', 'now')"
                              " WHERE name = :name";
    sqlite3_stmt *stmt;
    int rc = store_begin(st, NULL, e);
    if (rc)
        return rc;
    if ((rc = store_cached(st, sql, &stmt, e)) != 0)
        return finish(st, rc, e);
    bind_text(stmt, ":name", name);
    bind_text(stmt, ":hash", hash);
    rc = store_step_done(st, stmt, N_("web_user update"), e);
    sqlite3_reset(stmt);
    if (!rc && sqlite3_changes(st->db) == 0)
        rc = err_set(e, ERR_NOTFOUND, _("no user %s"), name);
    if (!rc)
        rc = end_user_sessions(st, name, e);
    return finish(st, rc, e);
}

int store_user_disable(struct store *st, const char *name, struct err *e)
{
    static const char admins[] =
        "SELECT count(*) FROM web_user WHERE role = 'admin' AND disabled = 0 AND name <> :name";
    static const char sql[] = "UPDATE web_user SET disabled = 1 WHERE name = :name";
    struct store_user u;
    sqlite3_stmt *stmt;
    int rc = store_begin(st, NULL, e);
    if (rc)
        return rc;
    if ((rc = store_user_get(st, name, &u, e)) != 0)
        return finish(st, rc, e);
    if (strcmp(u.role, "admin") == 0 && !u.disabled) {
        if ((rc = store_cached(st, admins, &stmt, e)) != 0)
            return finish(st, rc, e);
        bind_text(stmt, ":name", name);
        int others = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
        sqlite3_reset(stmt);
        if (others < 0)
            return finish(st, store_fail(st, e, ERR_FAIL, N_("web_user count")), e);
        if (others == 0)
            return finish(st,
                          err_set(e, ERR_INVALID,
                                  _("%s is the last active administrator and cannot be "
                                    "disabled: add another administrator first"),
                                  name),
                          e);
    }
    if ((rc = store_cached(st, sql, &stmt, e)) != 0)
        return finish(st, rc, e);
    bind_text(stmt, ":name", name);
    rc = store_step_done(st, stmt, N_("web_user disable"), e);
    sqlite3_reset(stmt);
    if (!rc)
        rc = end_user_sessions(st, name, e);
    return finish(st, rc, e);
}

int store_user_list(struct store *st, store_user_fn fn, void *ctx, struct err *e)
{
    static const char sql[] = "SELECT " USER_COLS " FROM web_user u ORDER BY u.name";
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, sql, &stmt, e), step;
    if (rc)
        return rc;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_user u;
        read_user(stmt, 0, &u);
        if ((rc = fn(ctx, &u, e)) != 0)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("web_user list"));
    sqlite3_finalize(stmt);
    return rc;
}

int store_session_add(struct store *st, const char *id_hash, int64_t user_id, const char *csrf,
                      int64_t now, int64_t expires_at, const char *remote, const atomic_int *stop,
                      struct err *e)
{
    static const char sql[] =
        "INSERT INTO web_session(id_hash, user_id, csrf, created_at, last_seen, expires_at, remote)"
        " VALUES (:id, :user, :csrf, :now, :now, :expires, :remote)";
    sqlite3_stmt *stmt;
    int rc = store_begin(st, stop, e);
    if (rc)
        return rc;
    if ((rc = store_cached(st, sql, &stmt, e)) != 0)
        return finish(st, rc, e);
    bind_text(stmt, ":id", id_hash);
    bind_int(stmt, ":user", user_id);
    bind_text(stmt, ":csrf", csrf);
    bind_int(stmt, ":now", now);
    bind_int(stmt, ":expires", expires_at);
    bind_text(stmt, ":remote", remote);
    rc = store_step_done(st, stmt, N_("web_session insert"), e);
    sqlite3_reset(stmt);
    return finish(st, rc, e);
}

int store_session_get(struct store *st, const char *id_hash, int64_t now, int64_t idle_s,
                      struct store_session *out, struct err *e)
{
    static const char sql[] =
        "SELECT " USER_COLS ", s.csrf, s.created_at, s.last_seen, s.expires_at"
        " FROM web_session s JOIN web_user u ON u.id = s.user_id"
        " WHERE s.id_hash = :id AND u.disabled = 0 AND s.expires_at > :now"
        " AND s.last_seen + :idle > :now";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    bind_text(stmt, ":id", id_hash);
    bind_int(stmt, ":now", now);
    bind_int(stmt, ":idle", idle_s);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        read_user(stmt, 0, &out->user);
        copy_col(stmt, 7, out->csrf, sizeof out->csrf);
        out->created_at = sqlite3_column_int64(stmt, 8);
        out->last_seen = sqlite3_column_int64(stmt, 9);
        out->expires_at = sqlite3_column_int64(stmt, 10);
    } else if (step == SQLITE_DONE) {
        rc = err_set(e, ERR_NOTFOUND, "no live session");
    } else {
        rc = store_fail(st, e, ERR_FAIL, N_("web_session"));
    }
    sqlite3_reset(stmt);
    return rc;
}

/* One statement binding :id and :now, in its own write transaction. */
static int write_session(struct store *st, const char *sql, const char *what, const char *id_hash,
                         int64_t now, const atomic_int *stop, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = store_begin(st, stop, e);
    if (rc)
        return rc;
    if ((rc = store_cached(st, sql, &stmt, e)) != 0)
        return finish(st, rc, e);
    bind_text(stmt, ":id", id_hash);
    bind_int(stmt, ":now", now);
    rc = store_step_done(st, stmt, what, e);
    sqlite3_reset(stmt);
    return finish(st, rc, e);
}

int store_session_touch(struct store *st, const char *id_hash, int64_t now, const atomic_int *stop,
                        struct err *e)
{
    return write_session(st, "UPDATE web_session SET last_seen = :now WHERE id_hash = :id",
                         N_("web_session touch"), id_hash, now, stop, e);
}

int store_session_end(struct store *st, const char *id_hash, int64_t now, const atomic_int *stop,
                      struct err *e)
{
    /* Expired sessions of anyone go with it: no sweeper needed. */
    return write_session(st, "DELETE FROM web_session WHERE id_hash = :id OR expires_at <= :now",
                         N_("web_session delete"), id_hash, now, stop, e);
}

int store_login_failures(struct store *st, const char *name, const char *remote, int64_t since,
                         int *by_name, int *by_remote, struct err *e)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM web_login_attempt WHERE name = :name AND at >= :since"
        "        AND ok = 0),"
        " (SELECT count(*) FROM web_login_attempt WHERE remote = :remote AND at >= :since"
        "        AND ok = 0)";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    bind_text(stmt, ":name", name);
    bind_text(stmt, ":remote", remote);
    bind_int(stmt, ":since", since);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        *by_name = sqlite3_column_int(stmt, 0);
        *by_remote = sqlite3_column_int(stmt, 1);
    } else {
        rc = store_fail(st, e, ERR_FAIL, N_("web_login_attempt"));
    }
    sqlite3_reset(stmt);
    return rc;
}

int store_login_record(struct store *st, const char *name, const char *remote, int64_t now, int ok,
                       int64_t forget_before, const atomic_int *stop, struct err *e)
{
    static const char ins[] = "INSERT INTO web_login_attempt(name, remote, at, ok)"
                              " VALUES (:name, :remote, :now, :ok)";
    static const char old[] = "DELETE FROM web_login_attempt WHERE at < :before";
    sqlite3_stmt *stmt;
    int rc = store_begin(st, stop, e);
    if (rc)
        return rc;
    if ((rc = store_cached(st, ins, &stmt, e)) != 0)
        return finish(st, rc, e);
    bind_text(stmt, ":name", name);
    bind_text(stmt, ":remote", remote);
    bind_int(stmt, ":now", now);
    bind_int(stmt, ":ok", ok ? 1 : 0);
    rc = store_step_done(st, stmt, N_("web_login_attempt insert"), e);
    sqlite3_reset(stmt);
    if (!rc && (rc = store_cached(st, old, &stmt, e)) == 0) {
        bind_int(stmt, ":before", forget_before);
        rc = store_step_done(st, stmt, N_("web_login_attempt delete"), e);
        sqlite3_reset(stmt);
    }
    return finish(st, rc, e);
}

int store_audit_add(struct store *st, const struct store_audit *a, const atomic_int *stop,
                    struct err *e)
{
    static const char sql[] =
        "INSERT INTO web_audit(at, user_id, user_name, action, subject, remote, detail)"
        " VALUES (strftime('%Y-%m-%d %H:%M:%S', 'now'), :uid, :uname, :action, :subject,"
        " :remote, :detail)";
    sqlite3_stmt *stmt;
    int rc = store_begin(st, stop, e);
    if (rc)
        return rc;
    if ((rc = store_cached(st, sql, &stmt, e)) != 0)
        return finish(st, rc, e);
    if (a->user_id)
        bind_int(stmt, ":uid", a->user_id);
    bind_text(stmt, ":uname", a->user_name);
    bind_text(stmt, ":action", a->action);
    bind_text(stmt, ":subject", a->subject);
    bind_text(stmt, ":remote", a->remote);
    bind_text(stmt, ":detail", a->detail);
    rc = store_step_done(st, stmt, N_("web_audit insert"), e);
    sqlite3_reset(stmt);
    return finish(st, rc, e);
}

int store_region_within(struct store *st, const char *code, const char *ancestor, struct err *e)
{
    /* Upwards from code: a chain is as long as the levels (four), where the
     * subtree below a city is every village of it. */
    static const char sql[] =
        "WITH RECURSIVE up(code, depth) AS (SELECT code, 0 FROM region WHERE code = :code"
        " UNION ALL SELECT r.parent, u.depth + 1 FROM region r JOIN up u ON r.code = u.code"
        " WHERE r.parent IS NOT NULL AND u.depth < 16)"
        " SELECT EXISTS (SELECT 1 FROM up WHERE code = :ancestor)";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    bind_text(stmt, ":code", code);
    bind_text(stmt, ":ancestor", ancestor);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        rc = sqlite3_column_int(stmt, 0) ? 1 : 0;
    else
        rc = store_fail(st, e, ERR_FAIL, N_("region"));
    sqlite3_reset(stmt);
    return rc;
}

int store_region_get(struct store *st, const char *code, char *name, size_t name_size, char *level,
                     size_t level_size, struct err *e)
{
    static const char sql[] = "SELECT name, level FROM region WHERE code = :code";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    bind_text(stmt, ":code", code);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        if (name)
            copy_col(stmt, 0, name, name_size);
        if (level)
            copy_col(stmt, 1, level, level_size);
    } else if (step == SQLITE_DONE) {
        rc = err_set(e, ERR_NOTFOUND, _("no region %s"), code);
    } else {
        rc = store_fail(st, e, ERR_FAIL, N_("region"));
    }
    sqlite3_reset(stmt);
    return rc;
}

int store_region_first(struct store *st, const char *parent, const char *level, char *code,
                       size_t size, struct err *e)
{
    static const char sql[] = "SELECT code FROM region WHERE level = :level"
                              " AND (:parent IS NULL OR parent = :parent) ORDER BY code LIMIT 1";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    bind_text(stmt, ":level", level);
    bind_text(stmt, ":parent", parent);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        copy_col(stmt, 0, code, size);
    else if (step == SQLITE_DONE)
        rc = err_set(e, ERR_NOTFOUND, _("no region of level %s"), level);
    else
        rc = store_fail(st, e, ERR_FAIL, N_("region"));
    sqlite3_reset(stmt);
    return rc;
}
