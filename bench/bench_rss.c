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

/* A "Key:   N kB" line of /proc/PID/status in MiB; -1 when absent (a
 * process that is gone or a kernel thread). */
static double status_kb(pid_t pid, const char *key, pid_t *ppid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t klen = strlen(key);
    double v = -1;
    while (fgets(line, sizeof line, f)) {
        long n;
        if (ppid && strncmp(line, "PPid:", 5) == 0 && sscanf(line + 5, "%ld", &n) == 1)
            *ppid = (pid_t)n;
        else if (key[0] && strncmp(line, key, klen) == 0 && line[klen] == ':' &&
                 sscanf(line + klen + 1, "%ld", &n) == 1)
            v = (double)n / 1024.0;
    }
    fclose(f);
    return v;
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

int bench_rss_read(pid_t root, struct bench_rss *r, struct err *e)
{
    memset(r, 0, sizeof *r);
    /* No /proc/PID/task/TID/children without CONFIG_PROC_CHILDREN: the
     * children are found by their PPid. The daemon spawns its workers from
     * its engine threads, and a child's PPid is the process either way. */
    DIR *d = opendir("/proc");
    if (!d)
        return err_set(e, ERR_FAIL, "/proc: %s", strerror(errno));
    pid_t pids[BENCH_RSS_MAX];
    int n = 0;
    pids[n++] = root;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid_t pid = (pid_t)atol(de->d_name), ppid = 0;
        if (pid == root)
            continue;
        status_kb(pid, "", &ppid);
        if (ppid != root)
            continue;
        if (n < BENCH_RSS_MAX)
            pids[n++] = pid;
        else
            r->dropped++;
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        struct bench_rss_proc *p = &r->procs[r->n];
        p->pid = pids[i];
        p->hwm = status_kb(pids[i], "VmHWM", NULL);
        p->rss = status_kb(pids[i], "VmRSS", NULL);
        if (p->hwm < 0 || p->rss < 0) {
            if (i == 0)
                return err_set(e, ERR_FAIL, "/proc/%d/status: no VmHWM (process gone?)", (int)root);
            continue; /* a child that exited between the scan and the read */
        }
        proc_label(pids[i], p->label, sizeof p->label);
        r->hwm_sum += p->hwm;
        r->rss_sum += p->rss;
        r->n++;
    }
    return 0;
}
