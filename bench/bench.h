/* bench.h - what the benchmark's parts share: options, the temp directory,
 * figures (median of runs with min-max) and the few SQL helpers. The
 * benchmark only ever writes inside its own temp directory, never into the
 * source tree or a configured database. */
#ifndef FUPIN_BENCH_H
#define FUPIN_BENCH_H

#include "config.h"
#include "err.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define BENCH_MAX_RUNS 16

struct bench_opts {
    long households;      /* the scaled city (default 1,000,000) */
    long demo_households; /* the demo city (45,700) */
    int runs;             /* repetitions of each figure (>= 3) */
    int quick;            /* shorter latency windows */
    int latency_s;        /* writer window per latency run */
    int rate;             /* writer commits per second */
    int keep;             /* keep the temp directory */
    const char *only;     /* run only this section ("full", "latency", ...) */
    const char *source_dir;
    const char *plugin_dir;
    const char *bin; /* the fupin binary */
    char tmp[256];   /* the temp directory of this run */
    /* Called around the measured part of a run (callgrind's instrumentation
     * switch); NULL: nothing. */
    void (*on_start)(void);
    void (*on_stop)(void);
};

/* One figure over several runs. */
struct bench_fig {
    double v[BENCH_MAX_RUNS];
    int n;
};
void bench_fig_add(struct bench_fig *f, double v);
double bench_fig_median(const struct bench_fig *f);
double bench_fig_min(const struct bench_fig *f);
double bench_fig_max(const struct bench_fig *f);

/* Seconds: monotonic and wall clock (the daemon's timestamps are wall clock). */
double bench_mono(void);
double bench_wall(void);
void bench_sleep(double s);

/* Copies a database file (the city is created once and copied per run). */
int bench_copy(const char *from, const char *to, struct err *e);
/* Copies the *.lua files of directory from into to (made if missing). */
int bench_copy_policies(const char *from, const char *to, struct err *e);
/* A one-policy edit as a person makes it: the shipped policies copied to
 * edited/policies beside db (bench_edited_dir) with a comment appended to
 * industry.lua, so that its source hash, and nothing it says, changes. The
 * stored findings are left alone (their digests too). */
int bench_edit_policies(const struct bench_opts *o, const char *db, struct err *e);
void bench_edited_dir(const char *db, char *out, size_t size);
/* Unlinks path and its -wal/-shm files. */
void bench_remove_db(const char *path);

/* The shipped config with database, workers and plugin dir pointed at the
 * benchmark's; the caller frees it with config_free. */
int bench_config(const struct bench_opts *o, const char *db, int workers, struct config **out,
                 struct err *e);
/* Writes a config file for the daemon (database, policies dir, spool under
 * the temp dir; everything else as shipped) to path. */
int bench_write_config(const struct bench_opts *o, const char *path, const char *db,
                       const char *policies_dir, struct err *e);

/* ---- bench_city.c: the cities ---- */
/* Creates path (removed first) with the demo generator: households, seed. */
int bench_city_create(const char *path, long households, struct err *e);

/* ---- bench_sql.c: the benchmark's direct SQL (scratch tables, triggers,
 * timestamps); opened on its own connection to a file. ---- */
struct bench_db;
int bench_db_open(const char *path, struct bench_db **out, struct err *e);
void bench_db_close(struct bench_db *db);
int bench_db_exec(struct bench_db *db, const char *sql, struct err *e);
/* First column of the first row as a double (0 when no row or NULL). */
int bench_db_double(struct bench_db *db, const char *sql, double *v, struct err *e);
/* Text of the first column of the first row into buf ("" when none). */
int bench_db_text(struct bench_db *db, const char *sql, char *buf, size_t size, struct err *e);
/* Runs sql (one int64 column per row) into a malloc'd array. */
int bench_db_ids(struct bench_db *db, const char *sql, int64_t **ids, long *n, struct err *e);
/* Two int64 columns per row. */
int bench_db_pairs(struct bench_db *db, const char *sql, int64_t **a, int64_t **b, long *n,
                   struct err *e);
/* Runs sql (one REAL column per row) into a malloc'd array. */
int bench_db_doubles(struct bench_db *db, const char *sql, double **v, long *n, struct err *e);

/* The I/O floor's writer: inserts n rows for household id into bench_floor
 * on a store's connection (reusing one statement). */
struct store;
struct bench_floor;
int bench_floor_new(struct store *st, double reason_len, struct bench_floor **out, struct err *e);
int bench_floor_write(struct bench_floor *f, int64_t id, int n, const char *now, struct err *e);
void bench_floor_free(struct bench_floor *f);

/* The change writer (a forked process): n single-row commits at rate/s on
 * members[i] of households[i], recording each commit's wall time into
 * bench_change(household_id, committed). Returns 0 or a negative code. */
int bench_writer_run(const char *db, const int64_t *households, const int64_t *members, long n,
                     int rate, long *late, struct err *e);

/* ---- sections: each fills its rows of the table ---- */
struct bench_table;
void bench_table_row(struct bench_table *t, const char *what, const struct bench_fig *f,
                     const char *unit, int decimals, const char *target, const char *note);
void bench_table_note(struct bench_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int bench_full(const struct bench_opts *o, const char *city, long households, struct bench_table *t,
               struct err *e);
int bench_daemon(const struct bench_opts *o, const char *city, struct bench_table *t,
                 struct err *e);
int bench_nightly(const struct bench_opts *o, const char *city, long households,
                  struct bench_table *t, struct err *e);
/* Instructions per household under callgrind (self: this binary, run again
 * as `self --callgrind-child DB SCENARIO`) for the first pass, a pass on
 * unchanged data, a one-policy pass, one changed member and the I/O floor;
 * a note instead when valgrind is missing. */
int bench_callgrind(const struct bench_opts *o, const char *self, struct bench_table *t,
                    struct err *e);
/* The child's side: scenario first|again|policy|journal on db, or floor
 * (the I/O floor of db's findings); 0 when it ran. */
int bench_callgrind_child(const struct bench_opts *o, const char *db, const char *scenario);
/* The I/O floor once on db, writing as many rows per household as
 * counts_db holds open findings (bench_full's floor). */
int bench_floor_once(const struct bench_opts *o, const char *db, const char *counts_db,
                     struct err *e);

/* ---- bench_rss.c: a process and its children's memory, from /proc ---- */
#define BENCH_RSS_MAX 16
struct bench_rss_proc {
    pid_t pid;
    char label[32]; /* the fupin command ("run", "worker") or the program */
    double hwm;     /* VmHWM: the process's peak RSS so far, MiB */
    double rss;     /* VmRSS now, MiB */
};
struct bench_rss {
    struct bench_rss_proc procs[BENCH_RSS_MAX]; /* [0] is the root */
    int n;
    int dropped; /* children beyond BENCH_RSS_MAX, not counted */
    double hwm_sum, rss_sum;
};
/* Reads root and its living children (by PPid). The sum of high-water marks
 * bounds the simultaneous peak from above; rss_sum is one moment. Fails only
 * when root itself cannot be read. */
int bench_rss_read(pid_t root, struct bench_rss *r, struct err *e);

/* Child processes: fork+exec argv with stdout/stderr to log (NULL: inherit). */
pid_t bench_spawn(char *const argv[], const char *log, struct err *e);
/* Waits for pid; status into *status; rusage into *ru (may be NULL).
 * timeout_s > 0: SIGTERM then SIGKILL when it takes longer. */
int bench_wait(pid_t pid, double timeout_s, int *status, struct rusage *ru);

#endif
