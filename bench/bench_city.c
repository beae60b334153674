/* bench_city.c - the benchmark's cities: the demo generator at a given size
 * into a fresh file of the temp directory. Never fills an existing file. */
#include "bench.h"
#include "store_demo.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fill(const char *path, long households, struct err *e)
{
    bench_remove_db(path);
    struct store *st = NULL;
    int rc = store_open(path, STORE_CREATE, &st, e);
    if (rc)
        return rc;
    struct demo_options opt = {.seed = DEMO_DEFAULT_SEED, .households = households};
    struct demo_counts counts;
    double t0 = bench_mono();
    rc = demo_fill(st, &opt, &counts, e);
    store_close(st);
    if (rc == 0)
        fprintf(stderr,
                "fupin-bench: city of %ld households, %ld members, %ld tasks (%ld overdue): "
                "%.1f s\n",
                counts.households, counts.members, counts.tasks, counts.overdue_tasks,
                bench_mono() - t0);
    return rc;
}

int bench_city_create(const char *path, long households, struct err *e)
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
        struct err ce = {{0}};
        int rc = fill(path, households, &ce);
        _exit(write(fds[1], &ce, sizeof ce) == (ssize_t)sizeof ce && rc == 0 ? 0 : 1);
    }
    close(fds[1]);
    struct err ce = {{0}};
    ssize_t got = read(fds[0], &ce, sizeof ce);
    close(fds[0]);
    int status = 0;
    bench_wait(pid, 0, &status, NULL);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return err_set(e, ERR_FAIL, "%s: %s", path,
                   got == (ssize_t)sizeof ce ? ce.msg : "generator died");
}
