/* bench_rss.c - the memory of a process and its children as Linux reports
 * it in /proc: each one's high-water mark (VmHWM) and current RSS (VmRSS).
 * Only reads /proc; never signals or waits on the processes it reads. */
#include "bench.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* VmHWM and VmRSS (in MiB) and PPid of /proc/PID/status, in one read;
 * the sizes stay -1 when absent (a kernel thread). Nonzero when the
 * process is gone. */
static int read_status(pid_t pid, double *hwm, double *rss, pid_t *ppid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    *hwm = *rss = -1;
    *ppid = 0;
    while (fgets(line, sizeof line, f)) {
        long n;
        if (sscanf(line, "PPid: %ld", &n) == 1)
            *ppid = (pid_t)n;
        else if (sscanf(line, "VmHWM: %ld", &n) == 1)
            *hwm = (double)n / 1024.0;
        else if (sscanf(line, "VmRSS: %ld", &n) == 1)
            *rss = (double)n / 1024.0;
    }
    fclose(f);
    return 0;
}

/* The first word of the process's command line after the program: for
 * `fupin -c FILE worker ...` the command ("worker"), else the program. */
static void proc_label(pid_t pid, char *buf, size_t size)
{
    char path[64], cmd[512];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    snprintf(buf, size, "?");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(cmd, 1, sizeof cmd - 1, f);
    fclose(f);
    cmd[n] = 0;
    /* argv[0], then skip options and their values ("-c FILE"). */
    const char *end = cmd + n, *p = cmd;
    const char *prog = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
    p += strlen(p) + 1;
    while (p < end && p[0] == '-') {
        p += strlen(p) + 1;
        if (p < end)
            p += strlen(p) + 1;
    }
    const char *w = p < end && *p ? p : prog;
    size_t k = strlen(w) < size ? strlen(w) : size - 1;
    memcpy(buf, w, k);
    buf[k] = 0;
}

/* Adds pid's figures to r (a process without them, a kernel thread, is
 * left out). */
static void add_proc(struct bench_rss *r, pid_t pid, double hwm, double rss)
{
    if (hwm < 0 || rss < 0)
        return;
    if (r->n == BENCH_RSS_MAX) {
        r->dropped++;
        return;
    }
    struct bench_rss_proc *p = &r->procs[r->n++];
    p->pid = pid;
    p->hwm = hwm;
    p->rss = rss;
    proc_label(pid, p->label, sizeof p->label);
    r->hwm_sum += hwm;
    r->rss_sum += rss;
}

int bench_rss_read(pid_t root, struct bench_rss *r, struct err *e)
{
    memset(r, 0, sizeof *r);
    double hwm, rss;
    pid_t ppid;
    if (read_status(root, &hwm, &rss, &ppid) != 0 || hwm < 0)
        return err_set(e, ERR_FAIL, "/proc/%d/status: no VmHWM (process gone?)", (int)root);
    add_proc(r, root, hwm, rss);
    /* No /proc/PID/task/TID/children without CONFIG_PROC_CHILDREN: the
     * children are found by their PPid. The daemon spawns its workers from
     * its engine threads, and a child's PPid is the process either way. */
    DIR *d = opendir("/proc");
    if (!d)
        return err_set(e, ERR_FAIL, "/proc: %s", strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid_t pid = (pid_t)atol(de->d_name);
        if (pid != root && read_status(pid, &hwm, &rss, &ppid) == 0 && ppid == root)
            add_proc(r, pid, hwm, rss);
    }
    closedir(d);
    return 0;
}
