/* runlock.c - the one-daemon-per-database lock (see runlock.h). flock(2)
 * locks, not fcntl(2) ones: SQLite holds fcntl locks on the database files
 * and closing any descriptor of a file drops all of a process's fcntl locks
 * on it, so the two kinds must not meet; a separate file keeps them apart
 * anyway. */
#include "runlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct runlock {
    int fd;
};

/* The pid the holder wrote, or 0 when the file says nothing readable (the
 * holder may be between its lock and its write). */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    return end != buf && pid > 0 ? pid : 0;
}

int runlock_take(const char *database, struct runlock **out, struct err *e)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s.lock", database) >= (int)sizeof path)
        return err_set(e, ERR_FAIL, "%s: path too long for its lock file", database);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, ERR_FAIL, "%s: cannot open: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        int saved = errno;
        long pid = busy ? holder_pid(fd) : 0;
        close(fd);
        if (!busy)
            return err_set(e, ERR_FAIL, "%s: cannot lock: %s", path, strerror(saved));
        if (pid)
            return err_set(e, ERR_FAIL,
                           "%s: another fupin daemon (pid %ld) is already running on this "
                           "database (lock %s)",
                           database, pid, path);
        return err_set(e, ERR_FAIL,
                       "%s: another fupin daemon is already running on this database (lock %s)",
                       database, path);
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    /* The pid only makes the message above better: a failed write is no
     * reason to refuse to run. */
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
        (void)ftruncate(fd, 0);
    struct runlock *l = malloc(sizeof *l);
    if (!l) {
        close(fd);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    l->fd = fd;
    *out = l;
    return 0;
}

void runlock_release(struct runlock *l)
{
    if (!l)
        return;
    close(l->fd); /* closing the only descriptor releases the flock */
    free(l);
}
