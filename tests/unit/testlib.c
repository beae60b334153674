/* testlib.c - see testlib.h. */
#include "testlib.h"
#include "config.h"
#include "policy_lua.h"
#include "store.h"

#include <sqlite3.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int test_failures;
static char dirs[64][256];
static int n_dirs;

const char *test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "%s/fupin-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        exit(1);
    }
    if (n_dirs < 64)
        snprintf(dirs[n_dirs++], sizeof dirs[0], "%s", tmpl);
    static char out[256];
    snprintf(out, sizeof out, "%s", tmpl);
    return out;
}

char *test_write_file(const char *dir, const char *name, const char *text)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

int test_run(const char *cmd, char **out)
{
    char full[8192];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len < 1024)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = 0;
    int status = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const char *test_env(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

int test_done(void)
{
    for (int i = 0; i < n_dirs; i++) {
        size_t size = strlen(dirs[i]) + 16;
        char *cmd = malloc(size);
        snprintf(cmd, size, "rm -rf '%s'", dirs[i]);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dirs[i]);
        free(cmd);
    }
    printf("%s\n", test_failures ? "FAILED" : "PASSED");
    return test_failures ? 1 : 0;
}

struct store *test_store_create(const char *name, char *path, size_t size)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", test_tmpdir(), name);
    if (path)
        snprintf(path, size, "%s", buf);
    struct store *st = NULL;
    struct err e = {{0}};
    if (store_open(buf, STORE_CREATE, &st, &e) != 0) {
        fprintf(stderr, "store_open: %s\n", e.msg);
        exit(1);
    }
    return st;
}

void test_store_exec(struct store *st, const char *sql)
{
    struct err e = {{0}};
    if (store_exec(st, sql, &e) != 0) {
        fprintf(stderr, "%s: %s\n", sql, e.msg);
        test_failures++;
    }
}

struct config *test_config_load(const char *dir, const char *yaml)
{
    char *path = test_write_file(dir, "fupin.yaml", yaml);
    struct config *cfg = NULL;
    struct err e;
    if (!path || config_load(path, &cfg, &e) != 0) {
        fprintf(stderr, "config: %s\n", path ? e.msg : "cannot write it");
        exit(1);
    }
    free(path);
    return cfg;
}

struct store *test_store_with(const char *path, const char *sql, const char *more,
                              const char *extra)
{
    struct store *st;
    struct err e;
    const char *texts[] = {sql, more, extra};
    if (store_open(path, STORE_CREATE, &st, &e) != 0) {
        fprintf(stderr, "setup: %s\n", e.msg);
        exit(1);
    }
    for (int i = 0; i < 3; i++)
        if (texts[i] && store_exec(st, texts[i], &e) != 0) {
            fprintf(stderr, "setup: %s\n", e.msg);
            exit(1);
        }
    return st;
}

long test_query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    long v = -999;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "query %s: %s\n", sql, sqlite3_errmsg(db));
        return v;
    }
    if (sqlite3_step(s) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

char *test_query_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "query %s: %s\n", sql, sqlite3_errmsg(db));
        return NULL;
    }
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        v = strdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return v;
}

int test_policy_load(const struct config *cfg, const char *dir, const char *file, const char *text,
                     struct test_policy *out, struct err *e)
{
    free(test_write_file(dir, file, text));
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    memset(out, 0, sizeof *out);
    int rc = policy_lua_load(path, cfg, &out->lp, e);
    if (rc)
        return rc;
    out->pol.kind = POLICY_LUA;
    snprintf(out->pol.name, sizeof out->pol.name, "%s", policy_lua_name(out->lp));
    snprintf(out->pol.source, sizeof out->pol.source, "%s", policy_lua_source(out->lp));
    out->pol.measures = policy_lua_measures(out->lp);
    return 0;
}
