/* store.c - opening the database, transactions and small bookkeeping.
 * Creates files private (0600); retries SQLITE_BUSY with backoff and never
 * skips work because another writer held the lock. */
#include "store_internal.h"
#include "i18n.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>

const char *store_why(sqlite3 *db)
{
    /* The failures a person can act on, in their words; the others (a
     * constraint, a statement) keep SQLite's, which name the column. */
    switch (sqlite3_extended_errcode(db) & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return _("the database is busy: another program is writing to it");
    case SQLITE_FULL:
        return _("the disk is full");
    case SQLITE_READONLY:
        return _("the database cannot be written (read-only file or folder)");
    case SQLITE_CANTOPEN:
        return _("the database file cannot be opened (missing folder or no permission)");
    case SQLITE_NOTADB:
        return _("the file is not an SQLite database");
    case SQLITE_CORRUPT:
        return _("the database file is damaged");
    case SQLITE_IOERR:
        return _("reading or writing the database file failed (disk error)");
    case SQLITE_NOMEM:
        return _("out of memory");
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return _("access to the database was denied");
    }
    return sqlite3_errmsg(db);
}

int store_fail(struct store *st, struct err *e, int code, const char *what)
{
    /* what is an N_() label, translated here: only on error. */
    return err_set(e, code, _("%s: %s: %s (SQLite %d)"), st->path, _(what), store_why(st->db),
                   sqlite3_extended_errcode(st->db));
}

int store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what, struct err *e)
{
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(st, e, ERR_FAIL, what);
    return 0;
}

int store_prepare(struct store *st, const char *sql, sqlite3_stmt **stmt, struct err *e)
{
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) != SQLITE_OK)
        return err_set(e, ERR_FAIL, _("%s: preparing \"%.60s\": %s"), st->path, sql,
                       store_why(st->db));
    return 0;
}

int store_cached(struct store *st, const char *sql, sqlite3_stmt **stmt, struct err *e)
{
    for (int i = 0; i < st->n_cache; i++) {
        if (st->cache[i].sql == sql) {
            *stmt = st->cache[i].stmt;
            sqlite3_reset(*stmt);
            sqlite3_clear_bindings(*stmt);
            return 0;
        }
    }
    int rc = store_prepare(st, sql, stmt, e);
    if (rc)
        return rc;
    if (st->n_cache < (int)(sizeof st->cache / sizeof st->cache[0]))
        st->cache[st->n_cache++] = (struct store_cached_stmt){sql, *stmt};
    else
        return err_set(e, ERR_FAIL, _("statement cache full (%.40s)"), sql);
    return 0;
}

/* SQLite creates the -wal and -shm files with the mode of the main file, so
 * making the main file 0600 before SQLite opens it keeps all three private. */
static int create_private(const char *path, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return 0;
        return err_set(e, ERR_FAIL, _("%s: cannot create database: %s"), path, strerror(errno));
    }
    close(fd);
    return 0;
}

int store_check_mode(const char *path, struct err *e)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !(sb.st_mode & 077))
        return 0;
    return err_set(e, ERR_INVALID,
                   _("%s: other users can read or write the database file (mode %04o): it holds "
                     "personal data; run chmod 600 on it"),
                   path, (unsigned)(sb.st_mode & 07777));
}

/* SQLite gives -wal and -shm the mode of the main file: an existing 0644
 * database would get readable companions. Create missing ones 0600 (an
 * empty -wal or -shm is what SQLite starts from anyway) and narrow existing
 * ones we own by path. Never open an existing one: closing any descriptor
 * of a file drops every POSIX lock this process holds on it, including
 * another connection's. Best effort: a read-only folder leaves them to
 * SQLite. */
static void make_companions_private(const char *path)
{
    static const char *const suffixes[] = {"-wal", "-shm"};
    char name[4200];
    for (size_t i = 0; i < 2; i++) {
        if (snprintf(name, sizeof name, "%s%s", path, suffixes[i]) >= (int)sizeof name)
            return;
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            close(fd);
            continue;
        }
        struct stat sb;
        if (errno == EEXIST && lstat(name, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077) &&
            sb.st_uid == geteuid())
            chmod(name, 0600);
    }
}

static void sqlite_setup(void)
{
    /* Nobody reads them; refused (changing nothing) after SQLite's first
     * use in the process. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void store_sqlite_setup(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup);
}

int store_open(const char *path, enum store_mode mode, struct store **out, struct err *e)
{
    store_sqlite_setup();
    *out = NULL;
    if (mode == STORE_CREATE) {
        int rc = create_private(path, e);
        if (rc)
            return rc;
    } else if (access(path, F_OK) != 0) {
        return err_set(e, ERR_INVALID, _("%s: no such database (create it with `fupin init`)"),
                       path);
    }

    struct err why;
    if (store_check_mode(path, &why))
        log_event(LOG_WARN, "store.insecure", "%s", why.msg);
    make_companions_private(path);

    struct store *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        return err_set(e, ERR_FAIL, _("out of memory"));
    }
    st->read_only = mode == STORE_READ;
    int flags =
        SQLITE_OPEN_NOMUTEX | (st->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        int rc = store_fail(st, e, ERR_FAIL, N_("cannot open"));
        store_close(st);
        return rc;
    }
    sqlite3_extended_result_codes(st->db, 1);
    /* Short waits inside SQLite; long waits are store_begin's backoff. */
    sqlite3_busy_timeout(st->db, 200);

    static const char pragmas_rw[] = "PRAGMA journal_mode = WAL;"
                                     "PRAGMA synchronous = NORMAL;"
                                     "PRAGMA foreign_keys = ON;";
    static const char pragmas_ro[] = "PRAGMA foreign_keys = ON;";
    char *msg = NULL;
    if (sqlite3_exec(st->db, st->read_only ? pragmas_ro : pragmas_rw, NULL, NULL, &msg) !=
        SQLITE_OK) {
        int rc = err_set(e, ERR_FAIL, "%s: %s", path, msg ? msg : _("cannot configure"));
        sqlite3_free(msg);
        store_close(st);
        return rc;
    }
    int rc = store_schema_apply(st, e);
    if (rc) {
        store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->n_cache; i++)
        sqlite3_finalize(st->cache[i].stmt);
    sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
}

int store_read_fresh(struct store *st)
{
    int n = 0;
    for (sqlite3_stmt *s = sqlite3_next_stmt(st->db, NULL); s; s = sqlite3_next_stmt(st->db, s))
        if (sqlite3_stmt_busy(s)) {
            sqlite3_reset(s);
            n++;
        }
    if (!sqlite3_get_autocommit(st->db)) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        n++;
    }
    return n;
}

int store_schema_version(struct store *st)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    int v = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return v;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int store_begin(struct store *st, const atomic_int *stop, struct err *e)
{
    long delay = 5;
    int waited_ms = 0, warned = 0;
    for (;;) {
        int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            return store_fail(st, e, ERR_FAIL, N_("BEGIN IMMEDIATE"));
        if (stop_requested(stop))
            return err_set(e, ERR_STOPPED, _("%s: stopped while waiting for the write lock"),
                           st->path);
        /* Another writer holds the lock: wait, never give up on the batch. */
        if (!warned && waited_ms > 2000) {
            log_event(LOG_WARN, "store.locked", "database %s is locked by another writer; waiting",
                      st->path);
            warned = 1;
        }
        sleep_ms(delay);
        waited_ms += (int)delay + 200;
        delay = delay < 200 ? delay * 2 : 200;
    }
}

int store_begin_read(struct store *st, struct err *e)
{
    if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(st, e, ERR_FAIL, N_("BEGIN"));
    return 0;
}

int store_commit(struct store *st, struct err *e)
{
    for (long delay = 5;; delay = delay < 200 ? delay * 2 : 200) {
        int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        /* A reader blocking a WAL checkpoint can make COMMIT busy; the
         * transaction is still open and retrying is safe. */
        if ((rc & 0xff) != SQLITE_BUSY) {
            int code = store_fail(st, e, ERR_FAIL, N_("COMMIT"));
            store_rollback(st);
            return code;
        }
        sleep_ms(delay);
    }
}

void store_rollback(struct store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_exec(struct store *st, const char *sql, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = err_set(e, ERR_FAIL, "%s: %s", st->path, msg ? msg : "error");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

int64_t store_data_version(struct store *st)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    int64_t v = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return v;
}

const char *store_path(const struct store *st)
{
    return st->path;
}

int store_meta_get(struct store *st, const char *key, char *buf, int size, struct err *e)
{
    /* Cached: read several times in every batch of a pass. */
    static const char sql[] = "SELECT value FROM engine_meta WHERE key = ?";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    buf[0] = 0;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
        const char *v = (const char *)sqlite3_column_text(stmt, 0);
        snprintf(buf, (size_t)size, "%s", v);
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = store_fail(st, e, ERR_FAIL, N_("reading engine_meta"));
    }
    sqlite3_reset(stmt);
    return rc;
}

int store_meta_set(struct store *st, const char *key, const char *value, struct err *e)
{
    static const char sql[] = "INSERT INTO engine_meta(key, value) VALUES (?, ?)"
                              " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
    sqlite3_stmt *stmt;
    int rc = store_cached(st, sql, &stmt, e);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
    rc = store_step_done(st, stmt, N_("writing engine_meta"), e);
    sqlite3_reset(stmt);
    return rc;
}
