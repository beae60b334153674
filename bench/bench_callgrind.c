/* bench_callgrind.c - instructions per household, counted by callgrind on a
 * 3,000-household city with one worker (in-process, so the policies run
 * under the count): (a) the first pass of `eval --all`, (b) `eval --all`
 * again on unchanged data, (c) `eval --all --policy industry` after an edit
 * of industry.lua, (d) one changed member through the journal, (e) one
 * changed visit (read only by the policies that declare visits), and the
 * I/O floor. Only the work is counted (instrumentation is switched on after the
 * engine is open): counts, not seconds, the same on a loaded machine.
 * Skipped with a note when valgrind is not installed. */
#include "bench.h"
#include "engine.h"
#include "policy_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND_H 1
#endif
#endif

#define CALLGRIND_HOUSEHOLDS 3000L

static void instr_on(void)
{
#ifdef HAVE_CALLGRIND_H
    CALLGRIND_START_INSTRUMENTATION;
#endif
}

static void instr_off(void)
{
#ifdef HAVE_CALLGRIND_H
    CALLGRIND_STOP_INSTRUMENTATION;
#endif
}

/* In the child, under valgrind (or not, to prepare a database). */
int bench_callgrind_child(const struct bench_opts *o, const char *db, const char *scenario)
{
    struct err e = {{0}};
    int rc;
    if (strcmp(scenario, "floor") == 0) {
        /* db is a copy of an evaluated city: the floor reads it and writes
         * as many rows as its findings. */
        struct bench_opts fo = *o;
        fo.on_start = instr_on;
        fo.on_stop = instr_off;
        rc = bench_floor_once(&fo, db, db, &e);
        if (rc)
            fprintf(stderr, "fupin-bench: callgrind child: %s\n", e.msg);
        return rc ? 1 : 0;
    }
    struct config *cfg = NULL;
    struct policy_set *set = NULL;
    struct engine *en = NULL;
    rc = bench_config(o, db, 1, &cfg, &e);
    if (rc == 0 && strcmp(scenario, "policy") == 0) {
        /* The edited industry.lua: a new version of the rule. */
        char dir[600];
        bench_edited_dir(db, dir, sizeof dir);
        free(cfg->policies_dir);
        if (!(cfg->policies_dir = strdup(dir)))
            rc = err_set(&e, ERR_FAIL, "out of memory");
    }
    if (rc == 0)
        rc = policy_set_load(cfg, 0, &set, &e);
    if (rc == 0)
        rc = engine_open(cfg, set, &en, &e);
    struct engine_stats st = {0};
    instr_on();
    if (rc == 0 && strcmp(scenario, "policy") == 0)
        rc = engine_begin_policy(en, "industry", NULL, &e);
    else if (rc == 0 && strcmp(scenario, "journal") != 0)
        rc = engine_begin_full(en, NULL, &e);
    int n;
    while (rc == 0 && (n = engine_step(en, NULL, &st, &e)) != 0)
        if (n < 0)
            rc = n;
    instr_off();
    if (rc)
        fprintf(stderr, "fupin-bench: callgrind child: %s\n", e.msg);
    engine_close(en);
    config_free(cfg);
    return rc ? 1 : 0;
}

/* "==123== Collected : 1234567" in callgrind's log. */
static long long collected(const char *log)
{
    FILE *f = fopen(log, "r");
    if (!f)
        return -1;
    char line[512];
    long long n = -1;
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "Collected :");
        if (p)
            n = atoll(p + strlen("Collected :"));
    }
    fclose(f);
    return n;
}

/* valgrind's path from PATH into out; 0 when found. */
static int find_valgrind(char *out, size_t size)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(out, size, "%.*s/valgrind", (int)n, path);
        if (n && access(out, X_OK) == 0)
            return 0;
        path += n + (path[n] == ':');
    }
    return -1;
}

/* Runs `exe --callgrind-child db scenario`, under valgrind when valgrind is
 * not NULL; *count gets the instructions counted. */
static int run(const char *valgrind, const char *exe, const struct bench_opts *o, const char *db,
               const char *scenario, long long *count, struct err *e)
{
    char log[600], out[600];
    snprintf(log, sizeof log, "%s/callgrind-%s.log", o->tmp, scenario);
    snprintf(out, sizeof out, "--callgrind-out-file=%s/callgrind-%s.out", o->tmp, scenario);
    char *vg[] = {(char *)valgrind,    "--tool=callgrind", "--instr-atstart=no", out, (char *)exe,
                  "--callgrind-child", (char *)db,         (char *)scenario,     NULL};
    pid_t pid = bench_spawn(valgrind ? vg : vg + 4, log, e);
    if (pid < 0)
        return ERR_FAIL;
    int status = 0;
    if (bench_wait(pid, 3600, &status, NULL) != 0)
        return err_set(e, ERR_FAIL, "callgrind run (%s) did not end: see %s", scenario, log);
    long long n = valgrind ? collected(log) : 1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n <= 0)
        return err_set(e, ERR_FAIL, "callgrind run (%s) failed: see %s", scenario, log);
    if (count)
        *count = n;
    return 0;
}

/* A fresh copy of from at to, then sql on it (NULL: none). */
static int prepare(const char *from, const char *to, const char *sql, struct err *e)
{
    bench_remove_db(to);
    int rc = bench_copy(from, to, e);
    struct bench_db *b = NULL;
    if (rc == 0 && sql && (rc = bench_db_open(to, &b, e)) == 0) {
        rc = bench_db_exec(b, sql, e);
        bench_db_close(b);
    }
    return rc;
}

int bench_callgrind(const struct bench_opts *o, const char *self, struct bench_table *t,
                    struct err *e)
{
    char valgrind[512];
    if (find_valgrind(valgrind, sizeof valgrind) != 0) {
        bench_table_note(t, "callgrind: NOT MEASURED: valgrind is not installed");
        return 0;
    }
#ifndef HAVE_CALLGRIND_H
    bench_table_note(t, "callgrind: engine start-up counted too (built without valgrind's "
                        "callgrind.h, so the instrumentation cannot be switched on later)");
#endif
    /* valgrind must be given this binary's own path, not /proc/self/exe
     * (which is valgrind's once it runs). */
    char exe[512];
    ssize_t len = readlink(self, exe, sizeof exe - 1);
    if (len <= 0)
        return err_set(e, ERR_FAIL, "%s: cannot resolve this binary's path", self);
    exe[len] = '\0';
    char city[600], done[600], db[600];
    snprintf(city, sizeof city, "%s/callgrind-city.db", o->tmp);
    snprintf(done, sizeof done, "%s/callgrind-evaluated.db", o->tmp);
    snprintf(db, sizeof db, "%s/callgrind-run.db", o->tmp);
    int rc = bench_city_create(city, CALLGRIND_HOUSEHOLDS, e);
    /* The evaluated city (b, c, d and the floor start from it), natively. */
    if (rc == 0)
        rc = prepare(city, done, NULL, e);
    if (rc == 0)
        rc = run(NULL, exe, o, done, "first", NULL, e);
    if (rc == 0)
        rc = bench_edit_policies(o, db, e);
    if (rc)
        return rc;
    /* (c): industry.lua edited (bench_edit_policies): the pass gives each
     * industry finding the new version. (d): one member. */
    static const struct {
        const char *scenario, *what, *target, *sql;
        long per;
    } runs[] = {
        {"first", "(a) first pass, eval --all", "<= 325000", NULL, CALLGRIND_HOUSEHOLDS},
        {"again", "(b) eval --all, nothing changed", "<= 200000", "", CALLGRIND_HOUSEHOLDS},
        {"policy", "(c) eval --all --policy industry, edited", "<= 100000", "",
         CALLGRIND_HOUSEHOLDS},
        {"journal", "(d) one changed member (per change)", "",
         "UPDATE member SET labor = CASE labor WHEN 'full' THEN 'partial' ELSE 'full' END"
         " WHERE id = (SELECT min(id) FROM member)",
         1},
        {"journal", "(e) one changed visit (per change)", "",
         "UPDATE visit SET note = coalesce(note, '') || '.' WHERE id = (SELECT min(id) FROM visit)",
         1},
        {"floor", "I/O floor (reads and writes, no rules)", "<= 90000", "", CALLGRIND_HOUSEHOLDS},
    };
    long long per[6] = {0};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        long long n = 0;
        rc = prepare(runs[i].sql ? done : city, db,
                     runs[i].sql && runs[i].sql[0] ? runs[i].sql : NULL, e);
        if (rc == 0)
            rc = run(valgrind, exe, o, db, runs[i].scenario, &n, e);
        if (rc)
            return rc;
        per[i] = n / runs[i].per;
        fprintf(stderr, "fupin-bench: callgrind %s: %lld instructions per %s\n", runs[i].scenario,
                per[i], runs[i].per == 1 ? "change" : "household");
        struct bench_fig f = {.n = 0};
        bench_fig_add(&f, (double)per[i]);
        bench_table_row(t, runs[i].what, &f, "instr", 0, runs[i].target,
                        "callgrind, 3000 hh, 1 worker");
    }
    bench_remove_db(db);
    bench_table_note(t,
                     "callgrind: instructions per household: first pass %lld, unchanged %lld, "
                     "one-policy edit %lld, floor %lld (engine/floor %.2f); one changed member "
                     "%lld, one changed visit %lld in all",
                     per[0], per[1], per[2], per[5], per[5] ? (double)per[0] / (double)per[5] : 0,
                     per[3], per[4]);
    return 0;
}
