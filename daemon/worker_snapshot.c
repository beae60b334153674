/* worker_snapshot.c - the copy of the Lua policies the daemon runs, for
 * its workers: exactly the versions the daemon loaded (checked by content
 * hash), beside the database, removed when the set is replaced. */
#include "i18n.h"
#include "log.h"
#include "worker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Copies src to dst when its content hash is the one in source ("...@h12"). */
static int copy_if_same(const char *src, const char *dst, const char *source)
{
    const char *at = strrchr(source, '@');
    FILE *f = fopen(src, "rb");
    if (!at || !f) {
        if (f)
            fclose(f);
        return -1;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char chunk[8192];
    size_t got;
    while (m && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, got, m);
    fclose(f);
    if (!m)
        return -1;
    fclose(m);
    char hash[17];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)fnv1a(text, len));
    int rc = -1;
    if (strncmp(hash, at + 1, 12) == 0) {
        int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            rc = write(fd, text, len) == (ssize_t)len ? 0 : -1;
            close(fd);
        }
    }
    free(text);
    return rc;
}

static void copy_as_is(const char *src, const char *dst)
{
    FILE *f = fopen(src, "rb");
    int fd = f ? open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    char chunk[8192];
    size_t got;
    while (fd >= 0 && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (write(fd, chunk, got) != (ssize_t)got)
            break;
    if (fd >= 0)
        close(fd);
    if (f)
        fclose(f);
}

/* Removes path and what it holds, not following symlinks; depth bounds
 * the walk (the folders here are three levels deep at most). */
static void remove_tree(const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode) && depth > 0) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char sub[4600];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            remove_tree(sub, depth - 1);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* The copies live beside the database ("<database>.workers/<pid>/"), a
 * folder fupin can write wherever it runs; a daemon killed with SIGKILL
 * leaves its own behind, swept here by the next start. */
static void sweep_dead(const char *workers)
{
    DIR *d = opendir(workers);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        /* Alive, or another user's (EPERM): not ours to remove. */
        if (pid <= 0 || *end || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", workers, de->d_name);
        remove_tree(path, 4);
    }
    if (d)
        closedir(d);
}

int worker_snapshot_policies(const struct policy_set *set, char *dir, size_t size, struct err *e)
{
    char top[4096];
    snprintf(top, sizeof top, "%s.workers", set->cfg->database);
    if (mkdir(top, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_FAIL, _("cannot create %s for the workers' policies: %s"), top,
                       strerror(errno));
    sweep_dead(top);
    size_t len = strlen(top);
    snprintf(top + len, sizeof top - len, "/%d", (int)getpid());
    if (mkdir(top, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_FAIL, _("cannot create %s: %s"), top, strerror(errno));
    len = strlen(top);
    snprintf(top + len, sizeof top - len, "/set-XXXXXX");
    if (!mkdtemp(top))
        return err_set(e, ERR_FAIL, _("cannot create a folder for the workers' policies: %s"),
                       strerror(errno));
    /* The config too, as the daemon accepted it: the file may since hold an
     * edit SIGHUP refused or was never asked to load. */
    const struct config *root = set->cfg->base ? set->cfg->base : set->cfg;
    if (root->text) {
        char copy[4200];
        snprintf(copy, sizeof copy, "%s/" WORKER_CONFIG_COPY, top);
        int fd = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        int ok = fd >= 0 && write(fd, root->text, root->text_len) == (ssize_t)root->text_len;
        int saved = errno;
        if (fd >= 0)
            close(fd);
        if (!ok) {
            unlink(copy);
            rmdir(top);
            return err_set(e, ERR_FAIL, _("cannot write %s: %s"), copy, strerror(saved));
        }
    }
    const char *pd = set->cfg->policies_dir, *base = strrchr(pd, '/');
    base = base && base[1] ? base + 1 : pd;
    snprintf(dir, size, "%s/%s", top, base);
    if (mkdir(dir, 0700) != 0) {
        int saved = errno;
        remove_tree(top, 1);
        return err_set(e, ERR_FAIL, _("cannot create %s: %s"), dir, strerror(saved));
    }
    for (size_t i = 0; i < set->n_policies; i++) {
        const struct policy *p = &set->policies[i];
        if (p->kind != POLICY_LUA)
            continue;
        const char *file = strrchr(p->source, '/'), *at = strrchr(p->source, '@');
        if (!file || !at || at < file)
            continue;
        char name[256], src[4096], dst[4600];
        snprintf(name, sizeof name, "%.*s", (int)(at - file - 1), file + 1);
        snprintf(src, sizeof src, "%s/%s", pd, name);
        snprintf(dst, sizeof dst, "%s/%s", dir, name);
        if (copy_if_same(src, dst, p->source) != 0)
            log_event(LOG_WARN, "worker.policy_stale",
                      "%s changed since it was loaded: the workers wait for its reload", p->source);
    }
    /* A file the daemon refused goes along as it is: the worker refuses it
     * too, and holds the params to the same (lenient) declarations. */
    for (size_t i = 0; i < set->n_missing; i++) {
        const char *file = set->missing[i].file;
        size_t flen = strlen(file);
        if (flen < 5 || strcmp(file + flen - 4, ".lua") != 0)
            continue;
        char src[4096], dst[4600];
        snprintf(src, sizeof src, "%s/%s", pd, file);
        snprintf(dst, sizeof dst, "%s/%s", dir, file);
        copy_as_is(src, dst);
    }
    return 0;
}

void worker_snapshot_remove(const char *dir)
{
    if (!dir || !dir[0])
        return;
    /* dir is <database>.workers/<pid>/set-XXXXXX/<policies>: remove the set,
     * then the pid and .workers folders when nothing else is left. */
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    char *slash = strrchr(path, '/');
    if (!slash)
        return;
    *slash = 0;
    remove_tree(path, 2);
    for (int up = 0; up < 2 && (slash = strrchr(path, '/')); up++) {
        *slash = 0;
        rmdir(path);
    }
}
