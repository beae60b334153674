/* testlib.h - the few helpers every unit test uses: checks that count
 * failures, temporary directories, and running the real binary. */
#ifndef FUPIN_TESTLIB_H
#define FUPIN_TESTLIB_H

#include "policy.h"

#include <stddef.h>
#include <stdio.h>

struct store;
struct config;
struct policy_lua;
struct err;
typedef struct sqlite3 sqlite3;

extern int test_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                                            \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!h_ || !strstr(h_, n_)) {                                                              \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,         \
                    h_ ? h_ : "(null)", n_);                                                       \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (!g_ || strcmp(g_, w_) != 0) {                                                          \
            fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__,                \
                    g_ ? g_ : "(null)", w_);                                                       \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

/* Runs one named test function and reports it. */
#define RUN(fn)                                                                                    \
    do {                                                                                           \
        int before_ = test_failures;                                                               \
        fn();                                                                                      \
        printf("%s %s\n", test_failures == before_ ? "ok  " : "FAIL", #fn);                        \
    } while (0)

/* A fresh private directory under $TMPDIR; returns its path (static buffer
 * per call: copy it). Removed by test_cleanup(). */
const char *test_tmpdir(void);
/* Writes text to dir/name and returns the full path (malloc'd). */
char *test_write_file(const char *dir, const char *name, const char *text);
/* Runs a shell command, captures stdout+stderr into out (malloc'd, may be
 * NULL), returns the exit status (or -1). */
int test_run(const char *cmd, char **out);
/* $FUPIN_BIN, $FUPIN_SOURCE_DIR, ... with a fallback for running by hand. */
const char *test_env(const char *name, const char *fallback);
/* A new database with the schema, file name in a fresh temporary directory;
 * its path goes to path (size bytes) unless path is NULL. Exits on failure:
 * no test can go on without it. */
struct store *test_store_create(const char *name, char *path, size_t size);
/* Runs sql through st; a failure is reported and counted, not fatal. */
void test_store_exec(struct store *st, const char *sql);
/* Writes yaml to dir/fupin.yaml and loads it. Exits on failure. */
struct config *test_config_load(const char *dir, const char *yaml);
/* Creates the database at path and runs each of the NULL-ended SQL texts
 * through it (NULL entries before the end are skipped: pass optional ones
 * as they come). Exits on failure. */
struct store *test_store_with(const char *path, const char *sql, const char *more,
                              const char *extra);
/* The first column of the first row of sql on db: an integer (-999 when
 * there is none or the query fails), or a malloc'd text (NULL). */
long test_query_int(sqlite3 *db, const char *sql);
char *test_query_text(sqlite3 *db, const char *sql);
/* A Lua policy written to dir/file and loaded with cfg (policy_lua_load),
 * with the struct policy the emitter needs: its name, source and measures
 * (what the policy set would fill in). Free with policy_lua_free(lp). */
struct test_policy {
    struct policy_lua *lp;
    struct policy pol;
};
int test_policy_load(const struct config *cfg, const char *dir, const char *file, const char *text,
                     struct test_policy *out, struct err *e);
/* Prints the summary and returns the process exit code. */
int test_done(void);

#endif
