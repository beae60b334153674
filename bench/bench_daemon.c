/* bench_daemon.c - the real daemon (`fupin run` as a child) on a copy of the
 * demo city: the peak RSS of the daemon and its worker processes on the
 * first pass, change latency from another process's commits, and hot reload
 * of a policy file. The daemon's side of each timing is a trigger on
 * engine_eval and on the journal's trim, and for the hot reload on the
 * pending range each batch moves (fired inside its write transaction,
 * before the commit).
 * Works only on copies in the temp directory. */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEEN_AT "((julianday(s.at) - 2440587.5) * 86400.0)"

static const char seen_ddl[] =
    "CREATE TABLE IF NOT EXISTS bench_seen(household_id INTEGER, at TEXT);"
    "CREATE INDEX IF NOT EXISTS bench_seen_household ON bench_seen(household_id);"
    /* The audit row is written only when an outcome changes; the journal
     * row is trimmed in the transaction that evaluated its change. */
    "CREATE TRIGGER IF NOT EXISTS bench_seen_ins AFTER INSERT ON engine_eval BEGIN"
    " INSERT INTO bench_seen VALUES (NEW.household_id, strftime('%Y-%m-%d %H:%M:%f','now')); END;"
    "CREATE TRIGGER IF NOT EXISTS bench_seen_upd AFTER UPDATE ON engine_eval BEGIN"
    " INSERT INTO bench_seen VALUES (NEW.household_id, strftime('%Y-%m-%d %H:%M:%f','now')); END;"
    "CREATE TRIGGER IF NOT EXISTS bench_seen_trim AFTER DELETE ON engine_journal"
    " WHEN OLD.household_id IS NOT NULL BEGIN"
    " INSERT INTO bench_seen VALUES (OLD.household_id, strftime('%Y-%m-%d %H:%M:%f','now')); END;"
    /* A one-policy pass (hot reload) writes no audit row. Its batches
     * move the pending range and the last one ends it: stamped once per
     * batch, where a trigger on finding rows would fire for each row the
     * pass writes and slow the pass it measures. */
    "CREATE TRIGGER IF NOT EXISTS bench_seen_range AFTER UPDATE ON engine_pending_range BEGIN"
    " INSERT INTO bench_seen VALUES (NULL, strftime('%Y-%m-%d %H:%M:%f','now')); END;"
    "CREATE TRIGGER IF NOT EXISTS bench_seen_range_end AFTER DELETE ON engine_pending_range BEGIN"
    " INSERT INTO bench_seen VALUES (NULL, strftime('%Y-%m-%d %H:%M:%f','now')); END;";

struct daemon_run {
    const struct bench_opts *o;
    char db[512], cfg[512], log[512], policies[512];
    pid_t pid;
    struct bench_db *b;
    long log_at;    /* the log's size when this daemon was started */
    int sample_rss; /* wait_idle sums the processes' RSS at each poll */
    double rss_max; /* the largest of those sums */
};

static int daemon_alive(struct daemon_run *d, struct err *e)
{
    int status;
    if (d->pid > 0 && waitpid(d->pid, &status, WNOHANG) == d->pid) {
        d->pid = -1;
        return err_set(e, ERR_FAIL, "the daemon exited (status %d); see %s", status, d->log);
    }
    return 0;
}

/* Idle: policies fingerprinted (start-up marking done), nothing pending,
 * the cursor at the journal's end; three polls in a row. */
static int wait_idle(struct daemon_run *d, double timeout_s, struct err *e)
{
    static const char sql[] =
        /* EXISTS, not count: engine_pending is a view over the pending
         * range, which a count walks household by household. */
        "SELECT EXISTS (SELECT 1 FROM engine_pending)"
        " + (SELECT count(*) FROM engine_journal WHERE seq >"
        "    (SELECT CAST(value AS INTEGER) FROM engine_meta WHERE key = 'journal_cursor'))"
        " + (NOT EXISTS (SELECT 1 FROM engine_meta WHERE key = 'policy_fingerprint'))";
    double t0 = bench_mono();
    int quiet = 0;
    while (quiet < 3) {
        double left;
        int rc = daemon_alive(d, e);
        if (rc == 0)
            rc = bench_db_double(d->b, sql, &left, e);
        if (rc)
            return rc;
        quiet = left == 0 ? quiet + 1 : 0;
        struct bench_rss r;
        struct err re = {{0}};
        if (d->sample_rss && bench_rss_read(d->pid, &r, &re) == 0 && r.rss_sum > d->rss_max)
            d->rss_max = r.rss_sum;
        if (bench_mono() - t0 > timeout_s)
            return err_set(e, ERR_FAIL, "daemon not idle after %.0f s (%.0f left); see %s",
                           timeout_s, left, d->log);
        bench_sleep(0.1);
    }
    return 0;
}

static int daemon_start(struct daemon_run *d, const char *city, struct err *e)
{
    const struct bench_opts *o = d->o;
    char src[512], spool[512];
    snprintf(d->db, sizeof d->db, "%s/daemon.db", o->tmp);
    snprintf(d->cfg, sizeof d->cfg, "%s/daemon.yaml", o->tmp);
    snprintf(d->log, sizeof d->log, "%s/daemon.log", o->tmp);
    snprintf(d->policies, sizeof d->policies, "%s/policies", o->tmp);
    snprintf(src, sizeof src, "%s/policies", o->source_dir);
    snprintf(spool, sizeof spool, "%s/spool", o->tmp);
    mkdir(spool, 0700);
    int rc = bench_copy(city, d->db, e);
    if (rc == 0)
        rc = bench_copy_policies(src, d->policies, e);
    if (rc == 0)
        rc = bench_write_config(o, d->cfg, d->db, d->policies, e);
    if (rc == 0)
        rc = bench_db_open(d->db, &d->b, e);
    if (rc)
        return rc;
    struct stat st;
    d->log_at = stat(d->log, &st) == 0 ? (long)st.st_size : 0;
    char *argv[] = {(char *)o->bin, "-c", d->cfg, "run", NULL};
    double t0 = bench_mono();
    if ((d->pid = bench_spawn(argv, d->log, e)) < 0)
        return ERR_FAIL;
    if ((rc = wait_idle(d, 900, e)) != 0)
        return rc;
    fprintf(stderr, "fupin-bench: daemon up and idle on the demo city after %.1f s\n",
            bench_mono() - t0);
    /* Only now: with a row trigger on engine_journal, the first pass's trim
     * of the generator's journal (710,000 rows) collects every deleted
     * rowid first, which added 17 MiB to the daemon's peak (the RSS
     * figure). The daemon's statements are prepared again on the change. */
    return bench_db_exec(d->b, seen_ddl, e);
}

static void daemon_stop(struct daemon_run *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
        int status;
        bench_wait(d->pid, 30, &status, NULL);
        d->pid = -1;
    }
    bench_db_close(d->b);
    d->b = NULL;
}

/* How many lines of the daemon's log since its start carry one of the codes
 * of a worker replaced after a crash. */
static int workers_replaced(const struct daemon_run *d)
{
    FILE *f = fopen(d->log, "r");
    if (!f)
        return 0;
    fseek(f, d->log_at, SEEK_SET);
    char line[2048];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, "[worker.died]") != NULL ||
             strstr(line, "[worker.policy_crashed]") != NULL;
    fclose(f);
    return n;
}

/* The first pass's memory, read once the daemon is idle after it: the
 * workers live on and VmHWM never falls, so each process's mark is its peak
 * of the pass. A worker replaced during the pass took its mark with it. */
static int rss_first_pass(struct daemon_run *d, int run, struct bench_fig *sum,
                          struct bench_fig *seen, int *workers, struct bench_table *t,
                          struct err *e)
{
    struct bench_rss r;
    int rc = bench_rss_read(d->pid, &r, e);
    if (rc)
        return rc;
    char shares[200] = "";
    size_t len = 0;
    *workers = 0;
    for (int i = 0; i < r.n && len < sizeof shares; i++) {
        *workers += i > 0 && strcmp(r.procs[i].label, "worker") == 0;
        len += (size_t)snprintf(shares + len, sizeof shares - len, "%s%s %.1f", i ? " + " : "",
                                i ? r.procs[i].label : "daemon", r.procs[i].hwm);
    }
    int replaced = workers_replaced(d);
    bench_table_note(t,
                     "peak RSS, run %d: %s = %.1f MiB (%d processes alive after the pass%s);"
                     " summed at one moment (0.1 s samples) at most %.1f MiB",
                     run + 1, shares, r.hwm_sum, r.n,
                     replaced ? ", a worker was replaced during it: its peak is not counted" : "",
                     d->rss_max);
    fprintf(stderr, "fupin-bench: peak RSS run %d: %s = %.1f MiB; sampled %.1f MiB\n", run + 1,
            shares, r.hwm_sum, d->rss_max);
    if (r.dropped)
        bench_table_note(t, "peak RSS, run %d: %d more children not counted", run + 1, r.dropped);
    bench_fig_add(sum, r.hwm_sum);
    bench_fig_add(seen, d->rss_max);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, long n, double p)
{
    if (n == 0)
        return NAN;
    long i = (long)ceil(p * (double)n) - 1;
    return sorted[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* One latency run: a forked writer commits n changes to distinct households;
 * each change is matched to the first evaluation of its household after it. */
static int latency_run(struct daemon_run *d, const int64_t *hh, const int64_t *mem, long n,
                       double *p50, double *p99, long *lost, long *early, double *rate,
                       struct err *e)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return err_set(e, ERR_FAIL, "fork: %s", strerror(errno));
    if (pid == 0) {
        struct err we = {{0}};
        long late = 0;
        int rc = bench_writer_run(d->db, hh, mem, n, d->o->rate, &late, &we);
        if (rc)
            fprintf(stderr, "fupin-bench: writer: %s\n", we.msg);
        _exit(rc ? 1 : 0);
    }
    int status = 0;
    bench_wait(pid, 0, &status, NULL);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return err_set(e, ERR_FAIL, "the writer failed (status %d)", status);
    int rc = wait_idle(d, 120, e);
    if (rc)
        return rc;
    /* bench_seen.at is SQLite's 'now': milliseconds, truncated. A change is
     * matched to the first evaluation of its household that began no
     * earlier than the writer's step (a writer preempted between its commit
     * and reading the clock may see the daemon "before" its commit); the
     * latency takes the middle of the seen millisecond, floored at 0. */
    static const char sql[] =
        "SELECT ifnull((SELECT min(" SEEN_AT ") FROM bench_seen s"
        " WHERE s.household_id = c.household_id AND " SEEN_AT " >= c.started - 0.001)"
        " + 0.0005 - c.committed, -1000) FROM bench_change c";
    double *lat = NULL;
    long m = 0, k = 0;
    if ((rc = bench_db_doubles(d->b, sql, &lat, &m, e)) != 0)
        return rc;
    *lost = 0;
    *early = 0;
    for (long i = 0; i < m; i++) {
        if (lat[i] == -1000) {
            (*lost)++;
            continue;
        }
        *early += lat[i] < 0;
        lat[k++] = (lat[i] < 0 ? 0 : lat[i]) * 1000.0;
    }
    *lost += n - m;
    qsort(lat, (size_t)k, sizeof lat[0], cmp_double);
    *p50 = percentile(lat, k, 0.50);
    *p99 = percentile(lat, k, 0.99);
    free(lat);
    double first, last;
    if ((rc = bench_db_double(d->b, "SELECT min(committed) FROM bench_change", &first, e)) ||
        (rc = bench_db_double(d->b, "SELECT max(committed) FROM bench_change", &last, e)))
        return rc;
    *rate = last > first ? (double)(m - 1) / (last - first) : 0;
    return bench_db_exec(d->b, "DELETE FROM bench_change", e);
}

/* One hot reload: append a comment to industry.lua; time to the first
 * evaluation after the write and to the end of the full re-evaluation. */
static int reload_run(struct daemon_run *d, int k, double *first, double *full, int *stale,
                      struct err *e)
{
    char path[768], old[400], sql[600];
    snprintf(path, sizeof path, "%s/industry.lua", d->policies);
    int rc = bench_db_text(d->b,
                           "SELECT source FROM finding WHERE policy = 'industry'"
                           " AND state = 'open' LIMIT 1",
                           old, sizeof old, e);
    if (rc)
        return rc;
    double tw = bench_wall();
    FILE *f = fopen(path, "a");
    if (!f || fprintf(f, "-- benchmark reload %d\n", k) < 0 || fclose(f) != 0)
        return err_set(e, ERR_FAIL, "%s: %s", path, strerror(errno));
    snprintf(sql, sizeof sql,
             "SELECT ifnull(min(" SEEN_AT "), 0) FROM bench_seen s WHERE " SEEN_AT " >= %.6f", tw);
    double t0 = bench_mono(), seen = 0;
    while (seen == 0) {
        if ((rc = daemon_alive(d, e)) != 0 || (rc = bench_db_double(d->b, sql, &seen, e)) != 0)
            return rc;
        if (bench_mono() - t0 > 120)
            return err_set(e, ERR_FAIL, "no evaluation within 120 s of the policy write; see %s",
                           d->log);
        if (seen == 0)
            bench_sleep(0.005);
    }
    *first = seen - tw;
    if ((rc = wait_idle(d, 900, e)) != 0)
        return rc;
    snprintf(sql, sizeof sql, "SELECT max(" SEEN_AT ") FROM bench_seen s WHERE " SEEN_AT " >= %.6f",
             tw);
    double last;
    if ((rc = bench_db_double(d->b, sql, &last, e)) != 0)
        return rc;
    *full = last - tw;
    /* The new version must have replaced every open industry finding's source. */
    char q[700];
    double left = 0;
    snprintf(q, sizeof q,
             "SELECT count(*) FROM finding WHERE policy = 'industry' AND state = 'open'"
             " AND source = '%s'",
             old);
    if (strchr(old, '\'') == NULL && (rc = bench_db_double(d->b, q, &left, e)) != 0)
        return rc;
    *stale = left > 0;
    return 0;
}

int bench_daemon(const struct bench_opts *o, const char *city, struct bench_table *t, struct err *e)
{
    struct daemon_run d = {.o = o, .pid = -1};
    int64_t *hh = NULL, *mem = NULL;
    long nh = 0;
    struct bench_fig p50 = {.n = 0}, p99 = {.n = 0}, lost = {.n = 0}, rate = {.n = 0};
    struct bench_fig first = {.n = 0}, full = {.n = 0};
    struct bench_fig rss = {.n = 0}, rss_seen = {.n = 0};
    int stale = 0, workers = 0;
    long early_total = 0;
    int rc = 0;
    /* A fresh copy of the (never evaluated) demo city per run: each start
     * is a first pass done by the daemon. The last one stays up for the
     * latency and reload runs. */
    for (int run = 0; rc == 0 && run < o->runs; run++) {
        if (run > 0)
            daemon_stop(&d);
        d.sample_rss = 1;
        d.rss_max = 0;
        rc = daemon_start(&d, city, e);
        d.sample_rss = 0;
        if (rc == 0)
            rc = rss_first_pass(&d, run, &rss, &rss_seen, &workers, t, e);
    }
    /* Distinct households for every change of every run, in a fixed
     * scattered order: a household's evaluation then answers one change. */
    if (rc == 0)
        rc = bench_db_pairs(d.b,
                            "SELECT household_id, min(id) FROM member GROUP BY household_id"
                            " ORDER BY (household_id * 2654435761) % 1000003",
                            &hh, &mem, &nh, e);
    long per_run = (long)o->rate * o->latency_s;
    for (int run = 0; rc == 0 && run < o->runs; run++) {
        if ((long)(run + 1) * per_run > nh) {
            rc = err_set(e, ERR_INVALID, "the city has too few households for %d runs of %ld",
                         o->runs, per_run);
            break;
        }
        double a = 0, b = 0, r = 0;
        long l = 0, early = 0;
        rc = latency_run(&d, hh + run * per_run, mem + run * per_run, per_run, &a, &b, &l, &early,
                         &r, e);
        if (rc)
            break;
        fprintf(stderr,
                "fupin-bench: latency run %d: p50 %.2f ms, p99 %.2f ms, %ld lost, %.0f/s,"
                " %ld seen before the writer read its clock\n",
                run + 1, a, b, l, r, early);
        early_total += early;
        bench_fig_add(&p50, a);
        bench_fig_add(&p99, b);
        bench_fig_add(&lost, (double)l);
        bench_fig_add(&rate, r);
    }
    for (int run = 0; rc == 0 && run < o->runs; run++) {
        double a = 0, b = 0;
        int s = 0;
        if ((rc = reload_run(&d, run, &a, &b, &s, e)) != 0)
            break;
        fprintf(stderr, "fupin-bench: reload %d: first household %.3f s, all %.2f s\n", run + 1, a,
                b);
        bench_fig_add(&first, a);
        bench_fig_add(&full, b);
        stale |= s;
    }
    daemon_stop(&d);
    free(hh);
    free(mem);
    if (rc)
        return rc;
    char what[128];
    snprintf(what, sizeof what, "peak RSS, daemon + %d workers, first pass, demo city", workers);
    bench_table_row(t, what, &rss, "MiB", 1, "<= 64", "sum of each's VmHWM");
    bench_table_row(t, "RSS summed at one moment, first pass (max)", &rss_seen, "MiB", 1, "",
                    "0.1 s samples");
    snprintf(what, sizeof what, "change latency p50 (%d/s for %d s)", o->rate, o->latency_s);
    bench_table_row(t, what, &p50, "ms", 2, "<= 5", "");
    snprintf(what, sizeof what, "change latency p99 (%d/s for %d s)", o->rate, o->latency_s);
    bench_table_row(t, what, &p99, "ms", 2, "<= 20", "");
    bench_table_row(t, "changes never evaluated", &lost, "", 0, "0", "");
    bench_table_row(t, "writer's achieved commit rate", &rate, "/s", 0, "", "");
    bench_table_row(t, "hot reload: write -> first household", &first, "s", 3, "", "");
    bench_table_row(t, "hot reload: write -> full re-eval done", &full, "s", 2, "", "");
    bench_table_note(t,
                     "latency: %ld of %ld changes were evaluated before the writer read the"
                     " clock after its commit (counted as 0 ms); bench_seen has 1 ms resolution",
                     early_total, (long)o->runs * per_run);
    if (stale)
        bench_table_note(t, "hot reload: some open industry findings kept the old source");
    return 0;
}
