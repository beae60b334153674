/* bench_full.c - full re-evaluation (engine_begin_full + engine_step until
 * done) with 1 and 2 workers, against the I/O floor measured on the same
 * city: the same snapshot reads and as many finding rows in the same
 * transaction sizes. Each run is a child process on a fresh copy of the city,
 * so its peak RSS is the child's own. Never touches the city file itself. */
#include "bench.h"
#include "engine.h"
#include "log.h"
#include "policy_set.h"
#include "store.h"
#include "store_journal.h"
#include "store_snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a child run sends back through its pipe. */
struct full_run {
    int rc;
    char msg[256];
    long households, findings, errors, malformed;
    size_t policies;
    double seconds;
    double again_seconds; /* engine only: a second full pass, nothing changed */
    long again_households, again_written;
    double policy_seconds; /* engine only: `eval --all --policy industry` after an edit */
    long policy_households;
};

/* ---- the engine run (in the child) ---- */

static void engine_run(const struct bench_opts *o, const char *db, int workers, struct full_run *r)
{
    struct config *cfg = NULL;
    struct policy_set *set = NULL;
    struct engine *en = NULL;
    struct err e = {{0}};
    r->rc = bench_config(o, db, workers, &cfg, &e);
    if (r->rc == 0)
        r->rc = policy_set_load(cfg, 0, &set, &e);
    if (r->rc == 0) {
        r->policies = set->n_policies;
        r->rc = engine_open(cfg, set, &en, &e);
    }
    if (r->rc == 0) {
        struct engine_stats st = {0};
        double t0 = bench_mono();
        r->rc = engine_begin_full(en, NULL, &e);
        int n;
        while (r->rc == 0 && (n = engine_step(en, NULL, &st, &e)) != 0)
            if (n < 0)
                r->rc = n;
        r->seconds = bench_mono() - t0;
        r->households = st.households;
        r->findings = st.inserted + st.updated + st.unchanged;
        r->errors = st.errors;
        r->malformed = st.malformed;
        /* The common case after a policy or params edit: every household
         * again, most findings unchanged. */
        struct engine_stats again = {0};
        t0 = bench_mono();
        if (r->rc == 0)
            r->rc = engine_begin_full(en, NULL, &e);
        while (r->rc == 0 && (n = engine_step(en, NULL, &again, &e)) != 0)
            if (n < 0)
                r->rc = n;
        r->again_seconds = bench_mono() - t0;
        r->again_households = again.households;
        r->again_written = again.inserted + again.updated + again.withdrawn;
        /* A one-policy edit: industry.lua edited as a person would (a new
         * version saying the same), taken as a hot reload takes it, and
         * only industry runs. */
        struct policy_set *edited = NULL;
        char dir[600];
        if (r->rc == 0 && (r->rc = bench_edit_policies(o, db, &e)) == 0) {
            bench_edited_dir(db, dir, sizeof dir);
            free(cfg->policies_dir);
            if (!(cfg->policies_dir = strdup(dir)))
                r->rc = err_set(&e, ERR_FAIL, "out of memory");
        }
        if (r->rc == 0 && (r->rc = policy_set_load(cfg, 0, &edited, &e)) == 0)
            r->rc = engine_set_policies(en, edited, &e);
        struct engine_stats one = {0};
        t0 = bench_mono();
        if (r->rc == 0)
            r->rc = engine_begin_policy(en, "industry", NULL, &e);
        while (r->rc == 0 && (n = engine_step(en, NULL, &one, &e)) != 0)
            if (n < 0)
                r->rc = n;
        r->policy_seconds = bench_mono() - t0;
        r->policy_households = one.households;
    }
    snprintf(r->msg, sizeof r->msg, "%s", e.msg);
    engine_close(en);
    config_free(cfg);
}

/* ---- the I/O floor (in the child) ---- */

/* counts: (household id, finding rows) pairs in id order, from the engine's
 * own run on this city. */
static void floor_run(const struct bench_opts *o, const char *db, const int64_t *ids,
                      const int64_t *counts, long n, double reason_len, struct full_run *r)
{
    if (o->on_start)
        o->on_start();
    struct config *cfg = NULL;
    struct store *w = NULL, *rd = NULL;
    struct snapshot_reader *reader = NULL;
    struct snapshot snap = {0};
    struct bench_floor *fl = NULL;
    struct err e = {{0}};
    int rc = bench_config(o, db, 1, &cfg, &e);
    if (rc == 0)
        rc = store_open(db, STORE_WRITE, &w, &e);
    if (rc == 0)
        rc = store_open(db, STORE_READ, &rd, &e);
    if (rc == 0)
        rc = snapshot_reader_new(rd, &reader, &e);
    if (rc == 0)
        rc = bench_floor_new(w, reason_len, &fl, &e);
    int batch = cfg && cfg->batch_size > 0 ? cfg->batch_size : 256;
    double t0 = bench_mono();
    for (long i = 0; rc == 0 && i < n; i += batch) {
        long end = i + batch < n ? i + batch : n;
        if ((rc = store_begin_read(rd, &e)) != 0)
            break;
        /* One pass per table over the batch, as the engine's workers read. */
        int ranged = end - i > 1;
        if (ranged && (rc = snapshot_range_begin(reader, ids[i], ids[end - 1], &e)) != 0) {
            store_rollback(rd);
            break;
        }
        for (long k = i; rc == 0 && k < end; k++) {
            int s = snapshot_read(reader, ids[k], cfg->as_of, &snap, &e);
            rc = s == ERR_INVALID || s == ERR_NOTFOUND ? 0 : s;
        }
        if (ranged)
            snapshot_range_end(reader);
        store_rollback(rd);
        if (rc || (rc = store_begin(w, NULL, &e)) != 0)
            break;
        char now[20];
        engine_now(now);
        for (long k = i; rc == 0 && k < end; k++) {
            rc = bench_floor_write(fl, ids[k], (int)counts[k], now, &e);
            r->findings += counts[k];
        }
        if (rc == 0)
            rc = store_commit(w, &e);
        else
            store_rollback(w);
        r->households = end;
    }
    r->seconds = bench_mono() - t0;
    if (o->on_stop)
        o->on_stop();
    r->rc = rc;
    snprintf(r->msg, sizeof r->msg, "%s", e.msg);
    bench_floor_free(fl);
    snapshot_free(&snap);
    snapshot_reader_free(reader);
    store_close(rd);
    store_close(w);
    config_free(cfg);
}

/* ---- running a child ---- */

struct floor_input {
    const int64_t *ids, *counts;
    long n;
    double reason_len;
};

/* Runs the engine (fl == NULL) or the floor in a child; fills r and the
 * child's peak RSS in KiB. */
static int run_child(const struct bench_opts *o, const char *db, int workers,
                     const struct floor_input *fl, struct full_run *r, long *rss_kb, struct err *e)
{
    int fds[2];
    if (pipe(fds) != 0)
        return err_set(e, ERR_FAIL, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return err_set(e, ERR_FAIL, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        struct full_run res;
        memset(&res, 0, sizeof res);
        log_set_level(LOG_WARN);
        if (fl)
            floor_run(o, db, fl->ids, fl->counts, fl->n, fl->reason_len, &res);
        else
            engine_run(o, db, workers, &res);
        _exit(write(fds[1], &res, sizeof res) == (ssize_t)sizeof res && res.rc == 0 ? 0 : 1);
    }
    close(fds[1]);
    memset(r, 0, sizeof *r);
    ssize_t got = read(fds[0], r, sizeof *r);
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    bench_wait(pid, 0, &status, &ru);
    *rss_kb = ru.ru_maxrss;
    if (got != (ssize_t)sizeof *r)
        return err_set(e, ERR_FAIL, "%s run died (status %d)", fl ? "floor" : "engine", status);
    if (r->rc)
        return err_set(e, r->rc, "%s run: %s", fl ? "floor" : "engine", r->msg);
    return 0;
}

/* Finding rows per household and the mean reason length, from the engine's
 * run: what the floor must write. */
static int floor_input_load(const char *db, int64_t **ids, int64_t **counts, long *n,
                            double *reason_len, struct err *e);

int bench_floor_once(const struct bench_opts *o, const char *db, const char *counts_db,
                     struct err *e)
{
    int64_t *ids = NULL, *counts = NULL;
    long n = 0;
    double reason_len = 0;
    int rc = floor_input_load(counts_db, &ids, &counts, &n, &reason_len, e);
    if (rc == 0) {
        struct full_run r;
        memset(&r, 0, sizeof r);
        floor_run(o, db, ids, counts, n, reason_len, &r);
        if ((rc = r.rc) != 0)
            err_set(e, rc, "floor: %s", r.msg);
    }
    free(ids);
    free(counts);
    return rc;
}

static int floor_input_load(const char *db, int64_t **ids, int64_t **counts, long *n,
                            double *reason_len, struct err *e)
{
    struct bench_db *b = NULL;
    int rc = bench_db_open(db, &b, e);
    if (rc == 0)
        rc = bench_db_pairs(b,
                            "SELECT h.id, (SELECT count(*) FROM finding f"
                            " WHERE f.household_id = h.id AND f.state = 'open')"
                            " FROM household h ORDER BY h.id",
                            ids, counts, n, e);
    if (rc == 0)
        rc = bench_db_double(b, "SELECT avg(length(reason)) FROM finding", reason_len, e);
    bench_db_close(b);
    return rc;
}

int bench_full(const struct bench_opts *o, const char *city, long households, struct bench_table *t,
               struct err *e)
{
    char db[512], label[128];
    snprintf(db, sizeof db, "%s/full.db", o->tmp);
    struct bench_fig rate[3] = {{.n = 0}}, ratio[3] = {{.n = 0}}, rss[3] = {{.n = 0}};
    struct bench_fig again[2] = {{.n = 0}}, one[2] = {{.n = 0}};
    long rewritten = 0;
    int64_t *ids = NULL, *counts = NULL;
    long n = 0, findings = 0;
    double reason_len = 0;
    size_t policies = 0;
    int rc = 0;
    /* Interleaved so that machine noise spreads over all three. */
    for (int run = 0; rc == 0 && run < o->runs; run++) {
        for (int kind = 0; rc == 0 && kind < 3; kind++) {
            /* kind 0: 1 worker, 1: 2 workers, 2: the floor (needs run 0's counts) */
            if ((rc = bench_copy(city, db, e)) != 0)
                break;
            struct full_run r;
            long kb = 0;
            struct floor_input fl = {ids, counts, n, reason_len};
            rc = run_child(o, db, kind + 1, kind == 2 ? &fl : NULL, &r, &kb, e);
            if (rc)
                break;
            bench_fig_add(&rate[kind], (double)r.households / r.seconds);
            bench_fig_add(&rss[kind], (double)kb / 1024.0);
            fprintf(stderr,
                    "fupin-bench: %ld households: %s: %.0f households/s (%ld rows, %.1f MiB)"
                    "; again: %.0f households/s\n",
                    households,
                    kind == 2 ? "floor"
                    : kind    ? "2 workers"
                              : "1 worker",
                    (double)r.households / r.seconds, r.findings, (double)kb / 1024.0,
                    r.again_seconds > 0 ? (double)r.again_households / r.again_seconds : 0);
            if (kind < 2) {
                bench_fig_add(&again[kind], (double)r.again_households / r.again_seconds);
                bench_fig_add(&one[kind], (double)r.policy_households / r.policy_seconds);
                rewritten = r.again_written;
                policies = r.policies;
                findings = r.findings;
                if (r.errors || r.malformed)
                    bench_table_note(t, "%ld households: %ld policy errors, %ld malformed records",
                                     households, r.errors, r.malformed);
            }
            if (kind == 0 && run == 0 &&
                (rc = floor_input_load(db, &ids, &counts, &n, &reason_len, e)) != 0)
                break;
        }
        if (rc == 0)
            for (int k = 0; k < 2; k++)
                bench_fig_add(&ratio[k], rate[2].v[run] / rate[k].v[run]);
    }
    bench_remove_db(db);
    free(ids);
    free(counts);
    if (rc)
        return rc;
    int big = households >= 1000000;
    snprintf(label, sizeof label, "full re-eval, %ld hh, 1 worker", households);
    bench_table_row(t, label, &rate[0], "hh/s", 0, "", "");
    snprintf(label, sizeof label, "full re-eval, %ld hh, 2 workers", households);
    bench_table_row(t, label, &rate[1], "hh/s", 0, big ? ">= 40000" : "", "");
    snprintf(label, sizeof label, "re-eval, nothing changed, %ld hh, 1 worker", households);
    bench_table_row(t, label, &again[0], "hh/s", 0, "", "");
    snprintf(label, sizeof label, "re-eval, nothing changed, %ld hh, 2 workers", households);
    bench_table_row(t, label, &again[1], "hh/s", 0, "", "");
    snprintf(label, sizeof label, "one-policy edit (industry), %ld hh, 1 worker", households);
    bench_table_row(t, label, &one[0], "hh/s", 0, "", "");
    snprintf(label, sizeof label, "one-policy edit (industry), %ld hh, 2 workers", households);
    bench_table_row(t, label, &one[1], "hh/s", 0, big ? ">= 80000" : "", "");
    snprintf(label, sizeof label, "I/O floor, %ld hh (1 thread)", households);
    bench_table_row(t, label, &rate[2], "hh/s", 0, "", "");
    snprintf(label, sizeof label, "ratio floor/engine, %ld hh, 1 worker", households);
    bench_table_row(t, label, &ratio[0], "x", 2, "", "");
    snprintf(label, sizeof label, "ratio floor/engine, %ld hh, 2 workers", households);
    bench_table_row(t, label, &ratio[1], "x", 2, "<= 2.5", "");
    snprintf(label, sizeof label, "peak RSS, full re-eval %ld hh, 2 workers", households);
    bench_table_row(t, label, &rss[1], "MiB", 1, big ? "<= 64" : "", "");
    snprintf(label, sizeof label, "peak RSS, I/O floor %ld hh", households);
    bench_table_row(t, label, &rss[2], "MiB", 1, "", "");
    bench_table_note(t,
                     "%ld households: %zu policies loaded, %ld finding rows per run (first pass);"
                     " the second pass rewrote %ld",
                     households, policies, findings, rewritten);
    return 0;
}
