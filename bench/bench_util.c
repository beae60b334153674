/* bench_util.c - clocks, figures, files, configs and child processes for the
 * benchmark. Never writes outside the benchmark's temp directory. */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- figures ---- */

void bench_fig_add(struct bench_fig *f, double v)
{
    if (f->n < BENCH_MAX_RUNS)
        f->v[f->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_fig_median(const struct bench_fig *f)
{
    if (f->n == 0)
        return 0;
    double v[BENCH_MAX_RUNS];
    memcpy(v, f->v, (size_t)f->n * sizeof v[0]);
    qsort(v, (size_t)f->n, sizeof v[0], cmp_double);
    return f->n % 2 ? v[f->n / 2] : (v[f->n / 2 - 1] + v[f->n / 2]) / 2;
}

double bench_fig_min(const struct bench_fig *f)
{
    double m = f->n ? f->v[0] : 0;
    for (int i = 1; i < f->n; i++)
        m = f->v[i] < m ? f->v[i] : m;
    return m;
}

double bench_fig_max(const struct bench_fig *f)
{
    double m = f->n ? f->v[0] : 0;
    for (int i = 1; i < f->n; i++)
        m = f->v[i] > m ? f->v[i] : m;
    return m;
}

/* ---- clocks ---- */

double bench_mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double bench_wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void bench_sleep(double s)
{
    if (s <= 0)
        return;
    struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* ---- files ---- */

int bench_copy(const char *from, const char *to, struct err *e)
{
    int in = open(from, O_RDONLY), out = -1;
    char *buf = malloc(1 << 20);
    int rc = 0;
    if (in < 0 || !buf) {
        rc = err_set(e, ERR_FAIL, "%s: %s", from, strerror(errno));
        goto done;
    }
    bench_remove_db(to);
    if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
        rc = err_set(e, ERR_FAIL, "%s: %s", to, strerror(errno));
        goto done;
    }
    ssize_t n;
    while ((n = read(in, buf, 1 << 20)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = err_set(e, ERR_FAIL, "%s: %s", to, strerror(errno));
            goto done;
        }
    if (n < 0)
        rc = err_set(e, ERR_FAIL, "%s: %s", from, strerror(errno));
done:
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && rc == 0)
        rc = err_set(e, ERR_FAIL, "%s: %s", to, strerror(errno));
    free(buf);
    return rc;
}

void bench_remove_db(const char *path)
{
    char p[512];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* ---- configs ---- */

static int replace_str(char **field, const char *value, struct err *e)
{
    char *s = strdup(value);
    if (!s)
        return err_set(e, ERR_FAIL, "out of memory");
    free(*field);
    *field = s;
    return 0;
}

int bench_config(const struct bench_opts *o, const char *db, int workers, struct config **out,
                 struct err *e)
{
    char path[512];
    snprintf(path, sizeof path, "%s/configs/fupin.yaml", o->source_dir);
    struct config *cfg = NULL;
    int rc = config_load(path, &cfg, e);
    if (rc)
        return rc;
    if ((rc = replace_str(&cfg->database, db, e)) != 0 ||
        (rc = replace_str(&cfg->plugin_dir, o->plugin_dir, e)) != 0) {
        config_free(cfg);
        return rc;
    }
    cfg->workers = workers;
    *out = cfg;
    return 0;
}

/* The shipped file with a few path lines swapped: every other key (params,
 * limits, batch size, poll interval) stays exactly as shipped. */
int bench_write_config(const struct bench_opts *o, const char *path, const char *db,
                       const char *policies_dir, struct err *e)
{
    char src[512];
    snprintf(src, sizeof src, "%s/configs/fupin.yaml", o->source_dir);
    FILE *in = fopen(src, "r"), *out = NULL;
    int rc = 0;
    if (!in)
        return err_set(e, ERR_FAIL, "%s: %s", src, strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || !(out = fdopen(fd, "w"))) {
        rc = err_set(e, ERR_FAIL, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto done;
    }
    char line[1024], section[64] = "";
    while (fgets(line, sizeof line, in)) {
        if (line[0] != ' ' && line[0] != '#' && strchr(line, ':'))
            snprintf(section, sizeof section, "%.*s", (int)(strchr(line, ':') - line), line);
        if (strncmp(line, "database:", 9) == 0)
            fprintf(out, "database: \"%s\"\n", db);
        else if (strncmp(line, "policies:", 9) == 0)
            fprintf(out, "policies: \"%s\"\n", policies_dir);
        else if (strncmp(line, "lua:", 4) == 0)
            fprintf(out, "lua: \"%s/lua\"\n", o->source_dir);
        else if (strncmp(line, "policy_tests:", 13) == 0)
            fprintf(out, "policy_tests: \"%s/tests/policies\"\n", o->source_dir);
        else if (strcmp(section, "plugins") == 0 && strncmp(line, "  dir:", 6) == 0)
            fprintf(out, "  dir: \"%s\"\n", o->plugin_dir);
        else if (strcmp(section, "channels") == 0 && strncmp(line, "    dir:", 8) == 0)
            fprintf(out, "    dir: \"%s/spool\"\n", o->tmp);
        else
            fputs(line, out);
    }
    if (ferror(in))
        rc = err_set(e, ERR_FAIL, "%s: read error", src);
done:
    fclose(in);
    if (out && fclose(out) != 0 && rc == 0)
        rc = err_set(e, ERR_FAIL, "%s: %s", path, strerror(errno));
    return rc;
}

/* ---- child processes ---- */

pid_t bench_spawn(char *const argv[], const char *log, struct err *e)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        err_set(e, ERR_FAIL, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (log) {
            int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
        }
        execv(argv[0], argv);
        fprintf(stderr, "fupin-bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

int bench_wait(pid_t pid, double timeout_s, int *status, struct rusage *ru)
{
    struct rusage dummy;
    double t0 = bench_mono();
    int sent = 0;
    for (;;) {
        pid_t r = wait4(pid, status, timeout_s > 0 ? WNOHANG : 0, ru ? ru : &dummy);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return ERR_FAIL;
        double waited = bench_mono() - t0;
        if (timeout_s > 0 && waited > timeout_s && sent == 0) {
            kill(pid, SIGTERM);
            sent = 1;
        } else if (timeout_s > 0 && waited > timeout_s + 10 && sent == 1) {
            kill(pid, SIGKILL);
            sent = 2;
        }
        bench_sleep(0.01);
    }
}

int bench_copy_policies(const char *from, const char *to, struct err *e)
{
    if (mkdir(to, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_FAIL, "%s: %s", to, strerror(errno));
    DIR *d = opendir(from);
    if (!d)
        return err_set(e, ERR_FAIL, "%s: %s", from, strerror(errno));
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".lua") != 0)
            continue;
        char a[768], b[768];
        snprintf(a, sizeof a, "%s/%s", from, de->d_name);
        snprintf(b, sizeof b, "%s/%s", to, de->d_name);
        rc = bench_copy(a, b, e);
    }
    closedir(d);
    return rc;
}

void bench_edited_dir(const char *db, char *out, size_t size)
{
    const char *slash = strrchr(db, '/');
    snprintf(out, size, "%.*s/edited/policies", slash ? (int)(slash - db) : 1, slash ? db : ".");
}

int bench_edit_policies(const struct bench_opts *o, const char *db, struct err *e)
{
    char src[512], dir[600], path[700];
    snprintf(src, sizeof src, "%s/policies", o->source_dir);
    bench_edited_dir(db, dir, sizeof dir);
    /* Named policies/ like the shipped one: a policy's source label is
     * "lua:policies/NAME.lua@HASH", and only its hash is to change. */
    *strrchr(dir, '/') = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_FAIL, "%s: %s", dir, strerror(errno));
    bench_edited_dir(db, dir, sizeof dir);
    int rc = bench_copy_policies(src, dir, e);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/industry.lua", dir);
    FILE *f = fopen(path, "a");
    if (!f || fputs("-- edited by the benchmark\n", f) < 0 || fclose(f) != 0)
        return err_set(e, ERR_FAIL, "%s: %s", path, strerror(errno));
    return 0;
}
