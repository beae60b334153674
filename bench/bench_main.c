/* bench_main.c - `fupin-bench`: builds the demo city and a scaled city in a
 * temp directory and prints one table of figures (median of runs, min-max,
 * target). Never fails on a stopwatch: exit 1 only when a part could not run. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "bench.h"
#include "log.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TABLE_MAX 64

struct bench_table {
    char rows[TABLE_MAX][200];
    int n;
    char notes[TABLE_MAX][240];
    int n_notes;
};

static void table_add(struct bench_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void table_add(struct bench_table *t, const char *fmt, ...)
{
    if (t->n >= TABLE_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->rows[t->n++], sizeof t->rows[0], fmt, ap);
    va_end(ap);
}

/* "ok" / "MISS" for targets written as "<= x" or ">= x". */
static const char *verdict(const char *target, double v)
{
    double x;
    if (sscanf(target, "<= %lf", &x) == 1)
        return v <= x ? "ok" : "MISS";
    if (sscanf(target, ">= %lf", &x) == 1)
        return v >= x ? "ok" : "MISS";
    if (sscanf(target, "%lf", &x) == 1)
        return v == x ? "ok" : "MISS";
    return "";
}

void bench_table_row(struct bench_table *t, const char *what, const struct bench_fig *f,
                     const char *unit, int decimals, const char *target, const char *note)
{
    char med[32], range[48];
    double m = bench_fig_median(f);
    snprintf(med, sizeof med, "%.*f", decimals, m);
    snprintf(range, sizeof range, "%.*f-%.*f", decimals, bench_fig_min(f), decimals,
             bench_fig_max(f));
    table_add(t, "%-51s %12s %-21s %-5s %-10s %-4s %s", what, med, range, unit, target,
              verdict(target, m), note);
    fprintf(stderr, "fupin-bench: %s: %s %s (%s)\n", what, med, unit, range);
}

void bench_table_note(struct bench_table *t, const char *fmt, ...)
{
    if (t->n_notes >= TABLE_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->notes[t->n_notes++], sizeof t->notes[0], fmt, ap);
    va_end(ap);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static const char usage[] =
    "usage: fupin-bench [--households N] [--quick] [--runs N] [--latency-seconds N]\n"
    "                   [--only full|daemon|nightly|callgrind] [--keep]\n"
    "       fupin-bench --make-city HOUSEHOLDS FILE\n"
    "  --households N  size of the scaled city (default 1000000)\n"
    "  --quick         100000 households, 5 s latency windows\n"
    "  --runs N        repetitions per figure (3..16, default 3)\n"
    "  --keep          keep the temp directory\n"
    "Environment: FUPIN_SOURCE_DIR, FUPIN_PLUGIN_DIR, FUPIN_BIN, TMPDIR.\n";

static int parse_args(int argc, char **argv, struct bench_opts *o)
{
    long households = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0)
            o->quick = 1;
        else if (strcmp(a, "--keep") == 0)
            o->keep = 1;
        else if (strcmp(a, "--households") == 0 && v && (households = atol(v)) >= 100)
            i++;
        else if (strcmp(a, "--runs") == 0 && v && (o->runs = atoi(v)) >= 3 &&
                 o->runs <= BENCH_MAX_RUNS)
            i++;
        else if (strcmp(a, "--latency-seconds") == 0 && v && (o->latency_s = atoi(v)) >= 1)
            i++;
        else if (strcmp(a, "--only") == 0 && v)
            o->only = argv[++i];
        else {
            fprintf(stderr, "fupin-bench: bad argument %s\n%s", a, usage);
            return 2;
        }
    }
    o->households = households ? households : o->quick ? 100000 : 1000000;
    if (!o->latency_s)
        o->latency_s = o->quick ? 5 : 20;
    return 0;
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static int wants(const struct bench_opts *o, const char *section)
{
    return !o->only || strcmp(o->only, section) == 0;
}

int main(int argc, char **argv)
{
    struct bench_opts o = {.demo_households = 45700, .runs = 3, .rate = 500};
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "--make-city") == 0) {
        /* For profiling the engine alone (see README.md). */
        struct err me = {{0}};
        if (bench_city_create(argv[3], atol(argv[2]), &me) == 0)
            return 0;
        fprintf(stderr, "fupin-bench: %s\n", me.msg);
        return 1;
    }
    o.source_dir = env_or("FUPIN_SOURCE_DIR", FUPIN_SOURCE_DIR);
    o.plugin_dir = env_or("FUPIN_PLUGIN_DIR", FUPIN_BENCH_PLUGIN_DIR);
    o.bin = env_or("FUPIN_BIN", FUPIN_BENCH_BIN);
    log_set_level(LOG_WARN);
    if (argc == 4 && strcmp(argv[1], "--callgrind-child") == 0)
        return bench_callgrind_child(&o, argv[2], argv[3]);
    if (parse_args(argc, argv, &o))
        return 2;
    snprintf(o.tmp, sizeof o.tmp, "%s/fupin-bench-XXXXXX", env_or("TMPDIR", "/tmp"));
    if (!mkdtemp(o.tmp)) {
        perror("fupin-bench: mkdtemp");
        return 1;
    }
    static struct bench_table t;
    struct err e = {{0}};
    char demo[512], big[512];
    snprintf(demo, sizeof demo, "%s/demo.db", o.tmp);
    snprintf(big, sizeof big, "%s/city.db", o.tmp);
    int rc = 0, failed = 0;
    int need_big = wants(&o, "full") || wants(&o, "nightly");
    if ((rc = bench_city_create(demo, o.demo_households, &e)) == 0 && need_big &&
        o.households != o.demo_households)
        rc = bench_city_create(big, o.households, &e);
    if (o.households == o.demo_households)
        snprintf(big, sizeof big, "%s", demo);
    if (rc) {
        fprintf(stderr, "fupin-bench: cannot create the cities: %s\n", e.msg);
        failed = 1;
        goto done;
    }
    struct {
        const char *name;
        int rc;
    } parts[5] = {{"full", 0}, {"full", 0}, {"daemon", 0}, {"nightly", 0}, {"callgrind", 0}};
    for (int i = 0; i < 5; i++) {
        if (!wants(&o, parts[i].name) || (i == 0 && o.households == o.demo_households))
            continue;
        e.msg[0] = 0;
        switch (i) {
        case 0:
            rc = bench_full(&o, demo, o.demo_households, &t, &e);
            break;
        case 1:
            rc = bench_full(&o, big, o.households, &t, &e);
            break;
        case 2:
            rc = bench_daemon(&o, demo, &t, &e);
            break;
        case 3:
            rc = bench_nightly(&o, big, o.households, &t, &e);
            break;
        default:
            rc = bench_callgrind(&o, "/proc/self/exe", &t, &e);
            break;
        }
        if (rc) {
            fprintf(stderr, "fupin-bench: %s: %s\n", parts[i].name, e.msg);
            bench_table_note(&t, "%s: NOT MEASURED: %s", parts[i].name, e.msg);
            failed = 1;
        }
    }
    printf("fupin-bench: demo city %ld households, scaled city %ld households%s; "
           "median of %d runs\n",
           o.demo_households, o.households, o.quick ? " (--quick)" : "", o.runs);
    printf("%-51s %12s %-21s %-5s %-10s %-4s\n", "figure", "median", "min-max", "unit", "target",
           "");
    for (int i = 0; i < t.n; i++)
        printf("%s\n", t.rows[i]);
    for (int i = 0; i < t.n_notes; i++)
        printf("note: %s\n", t.notes[i]);
done:
    if (o.keep)
        fprintf(stderr, "fupin-bench: kept %s\n", o.tmp);
    else
        nftw(o.tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed;
}
