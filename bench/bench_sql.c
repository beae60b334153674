/* bench_sql.c - the benchmark's own SQL: the I/O floor's scratch writes,
 * the change writer, triggers and timestamp queries on its temp databases.
 * The one bench file that calls sqlite3_*; it never touches the daemon's
 * tables except to read them and to add the bench_seen trigger. */
#include "bench.h"
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bench_db {
    sqlite3 *db;
};

int bench_db_open(const char *path, struct bench_db **out, struct err *e)
{
    struct bench_db *db = calloc(1, sizeof *db);
    if (!db)
        return err_set(e, ERR_FAIL, "out of memory");
    store_sqlite_setup(); /* as the engine's connections have it */
    if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        err_set(e, ERR_FAIL, "%s: %s", path, sqlite3_errmsg(db->db));
        bench_db_close(db);
        return ERR_FAIL;
    }
    /* The daemon holds the write lock for a batch at a time. */
    sqlite3_busy_timeout(db->db, 10000);
    *out = db;
    return bench_db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", e);
}

void bench_db_close(struct bench_db *db)
{
    if (!db)
        return;
    sqlite3_close_v2(db->db);
    free(db);
}

int bench_db_exec(struct bench_db *db, const char *sql, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_FAIL, "%.120s: %s", sql, msg ? msg : "failed");
        sqlite3_free(msg);
        return ERR_FAIL;
    }
    return 0;
}

static int prepare(struct bench_db *db, const char *sql, sqlite3_stmt **stmt, struct err *e)
{
    if (sqlite3_prepare_v2(db->db, sql, -1, stmt, NULL) != SQLITE_OK)
        return err_set(e, ERR_FAIL, "%.120s: %s", sql, sqlite3_errmsg(db->db));
    return 0;
}

static int step_fail(struct bench_db *db, sqlite3_stmt *stmt, const char *sql, struct err *e)
{
    err_set(e, ERR_FAIL, "%.120s: %s", sql, sqlite3_errmsg(db->db));
    sqlite3_finalize(stmt);
    return ERR_FAIL;
}

int bench_db_double(struct bench_db *db, const char *sql, double *v, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = prepare(db, sql, &stmt, e);
    if (rc)
        return rc;
    *v = 0;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_double(stmt, 0);
    else if (rc != SQLITE_DONE)
        return step_fail(db, stmt, sql, e);
    sqlite3_finalize(stmt);
    return 0;
}

int bench_db_text(struct bench_db *db, const char *sql, char *buf, size_t size, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = prepare(db, sql, &stmt, e);
    if (rc)
        return rc;
    buf[0] = 0;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(stmt, 0);
        snprintf(buf, size, "%s", t ? (const char *)t : "");
    } else if (rc != SQLITE_DONE) {
        return step_fail(db, stmt, sql, e);
    }
    sqlite3_finalize(stmt);
    return 0;
}

/* Rows of up to two int64 columns or one REAL column into growing arrays. */
static int collect(struct bench_db *db, const char *sql, int64_t **a, int64_t **b, double **d,
                   long *n, struct err *e)
{
    sqlite3_stmt *stmt;
    int rc = prepare(db, sql, &stmt, e);
    if (rc)
        return rc;
    long cap = 0, len = 0;
    int64_t *xa = NULL, *xb = NULL;
    double *xd = NULL;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1024;
            void *na = a ? realloc(xa, (size_t)cap * sizeof *xa) : NULL;
            void *nb = b ? realloc(xb, (size_t)cap * sizeof *xb) : NULL;
            void *nd = d ? realloc(xd, (size_t)cap * sizeof *xd) : NULL;
            if (a)
                xa = na ? na : xa;
            if (b)
                xb = nb ? nb : xb;
            if (d)
                xd = nd ? nd : xd;
            if ((a && !na) || (b && !nb) || (d && !nd)) {
                rc = err_set(e, ERR_FAIL, "out of memory");
                goto fail;
            }
        }
        if (a)
            xa[len] = sqlite3_column_int64(stmt, 0);
        if (b)
            xb[len] = sqlite3_column_int64(stmt, 1);
        if (d)
            xd[len] = sqlite3_column_double(stmt, 0);
        len++;
    }
    if (rc != SQLITE_DONE) {
        rc = err_set(e, ERR_FAIL, "%.120s: %s", sql, sqlite3_errmsg(db->db));
        goto fail;
    }
    sqlite3_finalize(stmt);
    if (a)
        *a = xa;
    if (b)
        *b = xb;
    if (d)
        *d = xd;
    *n = len;
    return 0;
fail:
    sqlite3_finalize(stmt);
    free(xa);
    free(xb);
    free(xd);
    return rc;
}

int bench_db_ids(struct bench_db *db, const char *sql, int64_t **ids, long *n, struct err *e)
{
    return collect(db, sql, ids, NULL, NULL, n, e);
}

int bench_db_pairs(struct bench_db *db, const char *sql, int64_t **a, int64_t **b, long *n,
                   struct err *e)
{
    return collect(db, sql, a, b, NULL, n, e);
}

int bench_db_doubles(struct bench_db *db, const char *sql, double **v, long *n, struct err *e)
{
    return collect(db, sql, NULL, NULL, v, n, e);
}

/* ---- the I/O floor's writer ---- */

struct bench_floor {
    struct store *st;
    sqlite3_stmt *insert;
    char reason[512];
};

int bench_floor_new(struct store *st, double reason_len, struct bench_floor **out, struct err *e)
{
    /* The same columns and key index as finding, so the floor pays for the
     * same B-tree work per row. */
    static const char ddl[] =
        "CREATE TABLE IF NOT EXISTS bench_floor ("
        " id INTEGER PRIMARY KEY, household_id INTEGER NOT NULL, member_id INT,"
        " policy TEXT NOT NULL, measure TEXT NOT NULL, kind TEXT NOT NULL,"
        " amount REAL, reason TEXT NOT NULL, source TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'open', created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL, facts_changed_at TEXT);"
        "CREATE UNIQUE INDEX IF NOT EXISTS bench_floor_key"
        " ON bench_floor(household_id, ifnull(member_id, 0), policy, measure);";
    struct bench_floor *f = calloc(1, sizeof *f);
    if (!f)
        return err_set(e, ERR_FAIL, "out of memory");
    f->st = st;
    char *msg = NULL;
    if (sqlite3_exec(st->db, ddl, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_FAIL, "bench_floor: %s", msg ? msg : "failed");
        sqlite3_free(msg);
        free(f);
        return ERR_FAIL;
    }
    static const char sql[] =
        "INSERT INTO bench_floor(household_id, member_id, policy, measure, kind, amount,"
        " reason, source, created_at, updated_at) VALUES (?, NULL, ?, ?, 'recommend', 1000,"
        " ?, 'lua:policies/industry.lua@0123456789ab', ?, ?)";
    if (sqlite3_prepare_v2(st->db, sql, -1, &f->insert, NULL) != SQLITE_OK) {
        err_set(e, ERR_FAIL, "bench_floor: %s", sqlite3_errmsg(st->db));
        free(f);
        return ERR_FAIL;
    }
    size_t len = reason_len < 1 ? 1 : reason_len > 500 ? 500 : (size_t)reason_len;
    memset(f->reason, 'x', len);
    f->reason[len] = 0;
    *out = f;
    return 0;
}

int bench_floor_write(struct bench_floor *f, int64_t id, int n, const char *now, struct err *e)
{
    for (int i = 0; i < n; i++) {
        char measure[16];
        snprintf(measure, sizeof measure, "m%d", i);
        sqlite3_bind_int64(f->insert, 1, id);
        sqlite3_bind_text(f->insert, 2, "industry", -1, SQLITE_STATIC);
        sqlite3_bind_text(f->insert, 3, measure, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(f->insert, 4, f->reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(f->insert, 5, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(f->insert, 6, now, -1, SQLITE_STATIC);
        int rc = sqlite3_step(f->insert);
        sqlite3_reset(f->insert);
        if (rc != SQLITE_DONE)
            return err_set(e, ERR_FAIL, "bench_floor: %s", sqlite3_errmsg(f->st->db));
    }
    return 0;
}

void bench_floor_free(struct bench_floor *f)
{
    if (!f)
        return;
    sqlite3_finalize(f->insert);
    free(f);
}

/* ---- the change writer ---- */

int bench_writer_run(const char *path, const int64_t *households, const int64_t *members, long n,
                     int rate, long *late, struct err *e)
{
    struct bench_db *db = NULL;
    double *at = calloc((size_t)(n ? n : 1) * 2, sizeof *at); /* before, after */
    sqlite3_stmt *upd = NULL, *rec = NULL;
    int rc = at ? bench_db_open(path, &db, e) : err_set(e, ERR_FAIL, "out of memory");
    if (rc)
        goto done;
    static const char sql_upd[] = "UPDATE member SET employed = 1 - employed WHERE id = ?";
    if ((rc = prepare(db, sql_upd, &upd, e)) != 0)
        goto done;
    *late = 0;
    double t0 = bench_wall() + 0.05;
    for (long i = 0; i < n; i++) {
        double due = t0 + (double)i / rate;
        double now = bench_wall();
        if (now < due)
            bench_sleep(due - now);
        else if (now - due > 0.002)
            (*late)++;
        sqlite3_bind_int64(upd, 1, members[i]);
        at[2 * i] = bench_wall();
        int s = sqlite3_step(upd);
        at[2 * i + 1] = bench_wall(); /* autocommit: the commit is done when step returns */
        sqlite3_reset(upd);
        if (s != SQLITE_DONE) {
            rc = err_set(e, ERR_FAIL, "writer: member %lld: %s", (long long)members[i],
                         sqlite3_errmsg(db->db));
            goto done;
        }
    }
    /* The commit times, after the window so recording them costs it nothing. */
    if ((rc = bench_db_exec(db,
                            "CREATE TABLE IF NOT EXISTS bench_change(household_id INTEGER,"
                            " started REAL, committed REAL); BEGIN",
                            e)) != 0)
        goto done;
    if ((rc = prepare(db, "INSERT INTO bench_change VALUES (?, ?, ?)", &rec, e)) != 0)
        goto done;
    for (long i = 0; i < n; i++) {
        sqlite3_bind_int64(rec, 1, households[i]);
        sqlite3_bind_double(rec, 2, at[2 * i]);
        sqlite3_bind_double(rec, 3, at[2 * i + 1]);
        if (sqlite3_step(rec) != SQLITE_DONE) {
            rc = err_set(e, ERR_FAIL, "writer: %s", sqlite3_errmsg(db->db));
            goto done;
        }
        sqlite3_reset(rec);
    }
    rc = bench_db_exec(db, "COMMIT", e);
done:
    sqlite3_finalize(upd);
    sqlite3_finalize(rec);
    bench_db_close(db);
    free(at);
    return rc;
}
