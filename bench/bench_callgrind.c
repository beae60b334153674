/* bench_callgrind.c - instructions per household of a full evaluation,
 * counted by callgrind on a 3,000-household city with one worker: with the
 * Lua instruction-count hook on (how evaluation ran before the watchdog,
 * and how `fupin test`/`check` still run) and with the wall-clock watchdog
 * the daemon uses now. Counts, not seconds: the same on a loaded machine.
 * Skipped with a note when valgrind is not installed. */
#include "bench.h"
#include "engine.h"
#include "policy_lua.h"
#include "policy_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CALLGRIND_HOUSEHOLDS 3000L

/* In the child, under valgrind: one full evaluation of db. */
int bench_callgrind_child(const struct bench_opts *o, const char *db, int hook)
{
    struct config *cfg = NULL;
    struct policy_set *set = NULL;
    struct engine *en = NULL;
    struct err e = {{0}};
    policy_lua_use_instruction_budget(hook);
    int rc = bench_config(o, db, 1, &cfg, &e);
    if (rc == 0)
        rc = policy_set_load(cfg, 0, &set, &e);
    if (rc == 0)
        rc = engine_open(cfg, set, &en, &e);
    struct engine_stats st = {0};
    if (rc == 0)
        rc = engine_begin_full(en, NULL, &e);
    int n;
    while (rc == 0 && (n = engine_step(en, NULL, &st, &e)) != 0)
        if (n < 0)
            rc = n;
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

int bench_callgrind(const struct bench_opts *o, const char *self, struct bench_table *t,
                    struct err *e)
{
    char valgrind[512];
    if (find_valgrind(valgrind, sizeof valgrind) != 0) {
        bench_table_note(t, "callgrind: NOT MEASURED: valgrind is not installed");
        return 0;
    }
    /* valgrind must be given this binary's own path, not /proc/self/exe
     * (which is valgrind's once it runs). */
    char exe[512];
    ssize_t len = readlink(self, exe, sizeof exe - 1);
    if (len <= 0)
        return err_set(e, ERR_FAIL, "%s: cannot resolve this binary's path", self);
    exe[len] = '\0';
    char city[600], db[600], log[600], out[600];
    snprintf(city, sizeof city, "%s/callgrind-city.db", o->tmp);
    int rc = bench_city_create(city, CALLGRIND_HOUSEHOLDS, e);
    if (rc)
        return rc;
    static const char *const mode[2] = {"watchdog", "count-hook"};
    long long per[2] = {0, 0};
    for (int hook = 0; hook < 2; hook++) {
        snprintf(db, sizeof db, "%s/callgrind-%d.db", o->tmp, hook);
        snprintf(log, sizeof log, "%s/callgrind-%d.log", o->tmp, hook);
        snprintf(out, sizeof out, "--callgrind-out-file=%s/callgrind-%d.out", o->tmp, hook);
        bench_remove_db(db);
        if ((rc = bench_copy(city, db, e)) != 0)
            return rc;
        char *argv[] = {valgrind, "--tool=callgrind", out, exe, "--callgrind-child",
                        db,       hook ? "1" : "0",   NULL};
        pid_t pid = bench_spawn(argv, log, e);
        if (pid < 0)
            return ERR_FAIL;
        int status = 0;
        if (bench_wait(pid, 3600, &status, NULL) != 0)
            return err_set(e, ERR_FAIL, "callgrind run (%s) did not end: see %s", mode[hook], log);
        long long n = collected(log);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n <= 0)
            return err_set(e, ERR_FAIL, "callgrind run (%s) failed: see %s", mode[hook], log);
        per[hook] = n / CALLGRIND_HOUSEHOLDS;
        struct bench_fig f = {.n = 0};
        bench_fig_add(&f, (double)per[hook]);
        char what[128];
        snprintf(what, sizeof what, "instructions/household, full eval, %s", mode[hook]);
        bench_table_row(t, what, &f, "instr", 0, "", "callgrind, 3000 hh, 1 worker");
    }
    bench_table_note(t,
                     "callgrind: %lld instructions per household with the count hook, %lld with "
                     "the watchdog (%.1f %% fewer)",
                     per[1], per[0],
                     per[1] ? 100.0 * (double)(per[1] - per[0]) / (double)per[1] : 0);
    return 0;
}
