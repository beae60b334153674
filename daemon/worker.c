/* worker.c - the supervisor side of the worker processes (worker_proc_*):
 * spawning, the frames of a batch, the hard deadline, the kill. Never lets
 * a worker's result past the emitter's checks; the worker itself is
 * worker_main.c, the copy of the policies worker_snapshot.c. */
/* memfd_create: Linux, the only system fupin targets. */
#define _GNU_SOURCE
#include "worker.h"
#include "frame.h"
#include "i18n.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define HELLO_MS 60000
/* Between policy calls a worker reads the database and encodes results:
 * silence longer than this (and the deadline) means it hangs there. */
#define SILENCE_MS 30000

struct worker_proc {
    pid_t pid;
    int fd;
    struct policy_progress *pg; /* shared with the worker */
    const struct policy_set *set;
    int *map; /* the worker's policy index -> the daemon's, -1: unknown */
    int n_map;
    uint64_t unavailable;
    int deadline_ms;
    struct frame_buf buf;
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the supervisor side ---- */

int worker_proc_pid(const struct worker_proc *w)
{
    return w ? (int)w->pid : 0;
}

uint64_t worker_proc_unavailable(const struct worker_proc *w)
{
    return w ? w->unavailable : 0;
}

/* Reaps w and says how it ended. */
static void reap(struct worker_proc *w, char *what, size_t size)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid(w->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (r != w->pid)
        snprintf(what, size, "%s", _("ended (not reaped)"));
    else if (WIFSIGNALED(status))
        snprintf(what, size, _("killed by signal %d (%s)"), WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(what, size, _("exited with status %d"), WEXITSTATUS(status));
    w->pid = 0;
}

static void proc_free(struct worker_proc *w)
{
    if (w->fd >= 0)
        close(w->fd);
    if (w->pg)
        munmap(w->pg, sizeof *w->pg);
    free(w->map);
    frame_buf_free(&w->buf);
    free(w);
}

void worker_proc_kill(struct worker_proc *w)
{
    if (!w)
        return;
    if (w->pid > 0) {
        char ignored[160];
        kill(w->pid, SIGKILL);
        reap(w, ignored, sizeof ignored);
    }
    proc_free(w);
}

static int read_hello(struct worker_proc *w, const atomic_int *stop, struct err *e)
{
    unsigned tag;
    int rc = ERR_BUSY;
    /* Loading can take a while (every policy compiled, every plugin's
     * init); a stop request must not wait for it. */
    for (int waited = 0; rc == ERR_BUSY && waited < HELLO_MS; waited += 100) {
        if (stop_requested(stop))
            return err_set(e, ERR_STOPPED, _("stopped"));
        rc = frame_recv(w->fd, &w->buf, &tag, 100, e);
    }
    if (rc == ERR_BUSY)
        return err_set(e, ERR_FAIL, _("no answer within %d s"), HELLO_MS / 1000);
    if (rc) {
        char how[160];
        kill(w->pid, SIGKILL);
        reap(w, how, sizeof how);
        return err_set(e, ERR_FAIL, _("it %s before it was ready (its log line says why)"), how);
    }
    if (tag != WORKER_HELLO)
        return err_set(e, ERR_FAIL, _("unexpected frame %u instead of its greeting"), tag);
    uint32_t n = frame_get_u32(&w->buf);
    if (w->buf.bad || n > 4096)
        return err_set(e, ERR_FAIL, _("bad greeting"));
    if (!(w->map = malloc((n ? n : 1) * sizeof *w->map)))
        return err_set(e, ERR_FAIL, _("out of memory"));
    w->n_map = (int)n;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        const char *name = frame_get_str(&w->buf), *source = frame_get_str(&w->buf);
        w->map[i] = -1;
        for (size_t k = 0; k < w->set->n_policies; k++)
            if (strcmp(w->set->policies[k].name, name) == 0 &&
                strcmp(w->set->policies[k].source, source) == 0)
                w->map[i] = (int)k;
        if (w->map[i] >= 0 && w->map[i] < 64)
            seen |= 1ull << w->map[i];
    }
    if (w->buf.bad)
        return err_set(e, ERR_FAIL, _("bad greeting"));
    for (size_t k = 0; k < w->set->n_policies && k < 64; k++)
        if (!(seen >> k & 1)) {
            w->unavailable |= 1ull << k;
            log_event(LOG_WARN, "worker.version_mismatch",
                      "worker %d does not run %s in the daemon's version: its results are "
                      "policy errors until the next reload",
                      (int)w->pid, w->set->policies[k].source);
        }
    return 0;
}

int worker_proc_start(const struct worker_spawn *sp, struct worker_proc **out, struct err *e)
{
    *out = NULL;
    struct worker_proc *w = calloc(1, sizeof *w);
    if (!w)
        return err_set(e, ERR_FAIL, _("out of memory"));
    w->fd = -1;
    w->set = sp->set;
    w->deadline_ms = sp->deadline_ms;
    int sv[2] = {-1, -1}, mfd = -1, rc = 0;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int have_fa = 0, have_attr = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        rc = err_set(e, ERR_FAIL, _("socketpair: %s"), strerror(errno));
        goto done;
    }
    w->fd = sv[0];
    if ((mfd = memfd_create("fupin-progress", MFD_CLOEXEC)) < 0 ||
        ftruncate(mfd, sizeof *w->pg) != 0) {
        rc = err_set(e, ERR_FAIL, _("progress page: %s"), strerror(errno));
        goto done;
    }
    void *pg = mmap(NULL, sizeof *w->pg, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (pg == MAP_FAILED) {
        rc = err_set(e, ERR_FAIL, _("progress page: %s"), strerror(errno));
        goto done;
    }
    w->pg = pg;
    /* dup2 onto 3 and 4 clears close-on-exec there; every other descriptor
     * of the daemon (the database, the other workers' sockets) stays
     * behind, so one worker's death is seen as EOF at once. */
    posix_spawn_file_actions_init(&fa);
    have_fa = 1;
    posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
    posix_spawn_file_actions_adddup2(&fa, mfd, 4);
    posix_spawnattr_init(&attr);
    have_attr = 1;
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    int defaults[] = {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGALRM};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        sigaddset(&dflt, defaults[i]);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    /* The copy of the config the daemon holds (worker_snapshot_policies),
     * never the file, which may have been edited since it was loaded. */
    const struct config *root = sp->set->cfg->base ? sp->set->cfg->base : sp->set->cfg;
    char copy[4200] = "";
    const char *slash = strrchr(sp->lua_dir, '/');
    int have_copy = root->text && root->dir && slash;
    if (have_copy)
        snprintf(copy, sizeof copy, "%.*s/" WORKER_CONFIG_COPY, (int)(slash - sp->lua_dir),
                 sp->lua_dir);
    char *argv[] = {(char *)"fupin",
                    (char *)"-c",
                    (char *)sp->config_path,
                    (char *)"worker",
                    (char *)"--fd",
                    (char *)"3",
                    (char *)"--progress",
                    (char *)"4",
                    (char *)"--policies",
                    (char *)sp->lua_dir,
                    (char *)(have_copy ? "--config-copy" : NULL),
                    copy,
                    (char *)"--config-dir",
                    (char *)root->dir,
                    NULL};
    int sr = posix_spawn(&w->pid, sp->exe, &fa, &attr, argv, environ);
    if (sr != 0) {
        w->pid = 0;
        rc = err_set(e, ERR_FAIL, _("cannot start %s: %s"), sp->exe, strerror(sr));
        goto done;
    }
    close(sv[1]);
    sv[1] = -1;
    rc = read_hello(w, sp->stop, e);
done:
    if (have_fa)
        posix_spawn_file_actions_destroy(&fa);
    if (have_attr)
        posix_spawnattr_destroy(&attr);
    if (sv[1] >= 0)
        close(sv[1]);
    if (mfd >= 0)
        close(mfd);
    if (rc) {
        if (w->pid > 0) {
            char what[160];
            kill(w->pid, SIGKILL);
            reap(w, what, sizeof what);
        }
        proc_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int worker_result_decode(struct frame_buf *b, const struct policy_set *set, const int *map,
                         int n_map, struct worker_item *it, struct err *e)
{
    struct eval_result *res = &it->res;
    eval_result_reset(res);
    res->household_id = it->id;
    unsigned outcome = frame_get_u8(b);
    snprintf(it->msg, sizeof it->msg, "%s", frame_get_str(b));
    if (outcome > OUTCOME_MALFORMED)
        return err_set(e, ERR_INVALID, _("bad outcome %u"), outcome);
    it->outcome = (enum worker_outcome)outcome;
#define POLICY_AT(k)                                                                               \
    ((k) < (uint32_t)n_map && map[k] >= 0 && (size_t)map[k] < set->n_policies                      \
         ? &set->policies[map[k]]                                                                  \
         : NULL)
    uint32_t n = frame_get_u32(b);
    for (uint32_t i = 0; i < n && !b->bad; i++) {
        uint32_t k = frame_get_u32(b);
        struct fupin_finding f = {.member_id = frame_get_i64(b)};
        f.measure = frame_get_str(b);
        unsigned kind = frame_get_u8(b);
        f.has_amount = (int)frame_get_u8(b);
        f.amount = frame_get_f64(b);
        f.reason = frame_get_str(b);
        const struct policy *p = POLICY_AT(k);
        if (!p || kind > FINDING_FLAG)
            return err_set(e, ERR_INVALID, _("finding of an unknown policy or kind"));
        /* The emitter checks it again: a worker is not trusted more than
         * the policy it ran. */
        struct fupin_out out = {.res = res, .policy = p};
        if (policy_out_finding(&out, (enum finding_kind)kind, &f) != FUPIN_OK)
            return err_set(e, ERR_INVALID, _("finding refused: %s"), out.err.msg);
    }
    n = frame_get_u32(b);
    for (uint32_t i = 0; i < n && !b->bad; i++) {
        uint32_t k = frame_get_u32(b);
        const char *kind = frame_get_str(b);
        unsigned sev = frame_get_u8(b);
        const char *message = frame_get_str(b);
        const struct policy *p = POLICY_AT(k);
        if (!p || sev > SEVERITY_CRITICAL)
            return err_set(e, ERR_INVALID, _("alert of an unknown policy or severity"));
        struct fupin_out out = {.res = res, .policy = p};
        if (policy_out_alert(&out, kind, severity_name((enum severity)sev), message) != FUPIN_OK)
            return err_set(e, ERR_INVALID, _("alert refused: %s"), out.err.msg);
    }
    n = frame_get_u32(b);
    for (uint32_t i = 0; i < n && !b->bad; i++) {
        uint32_t k = frame_get_u32(b);
        const char *msg = frame_get_str(b);
        const struct policy *p = POLICY_AT(k);
        if (!p)
            return err_set(e, ERR_INVALID, _("error of an unknown policy"));
        if (eval_result_add_error(res, p->name, p->source, msg))
            return err_set(e, ERR_FAIL, _("out of memory"));
    }
#undef POLICY_AT
    if (b->bad || b->pos != b->len)
        return err_set(e, ERR_INVALID, _("malformed result frame"));
    return 0;
}

/* What the progress page says the worker was on, in the daemon's indexes. */
static void blame(const struct worker_proc *w, struct worker_death *d)
{
    d->household = atomic_load(&w->pg->household);
    int k = atomic_load(&w->pg->policy);
    d->policy = atomic_load(&w->pg->started_ns) && k >= 0 && k < w->n_map ? w->map[k] : -1;
}

static int died(struct worker_proc **wp, struct worker_death *d, const char *why, struct err *e)
{
    struct worker_proc *w = *wp;
    blame(w, d);
    char how[160];
    if (w->pid > 0)
        kill(w->pid, SIGKILL);
    int pid = (int)w->pid;
    reap(w, how, sizeof how);
    snprintf(d->what, sizeof d->what, "%s", why ? why : how);
    proc_free(w);
    *wp = NULL;
    if (!why)
        return err_set(e, ERR_FAIL, _("worker %d %s"), pid, how);
    return err_set(e, ERR_FAIL, _("worker %d %s (%s)"), pid, why, how);
}

/* skip (by the daemon's policy indices) by the worker's: they differ when
 * the worker lacks one of the daemon's policies. A policy the daemon does
 * not run in that version is skipped (its results would be dropped). */
static uint64_t worker_skip(const struct worker_proc *w, uint64_t skip)
{
    uint64_t out = 0;
    for (int k = 0; k < w->n_map && k < 64; k++) {
        int d = w->map[k];
        if (d < 0 || (d < 64 && (skip >> d & 1)))
            out |= 1ull << k;
    }
    return out;
}

int worker_proc_eval(struct worker_proc **wp, const char *today, struct worker_item *items, int n,
                     int ranged, const atomic_int *stop, int *done, struct worker_death *death,
                     struct err *e)
{
    struct worker_proc *w = *wp;
    *done = 0;
    memset(death, 0, sizeof *death);
    death->policy = -1;
    struct frame_buf *b = &w->buf;
    frame_begin(b, WORKER_BATCH);
    frame_put_str(b, today);
    frame_put_u8(b, (unsigned)ranged);
    frame_put_u32(b, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        frame_put_i64(b, items[i].id);
        frame_put_i64(b, (int64_t)worker_skip(w, items[i].skip | w->unavailable));
        frame_put_u32(b, items[i].lists);
    }
    struct err se;
    if (frame_send(w->fd, b, &se) != 0)
        return died(wp, death, _("did not take its batch"), e);
    uint64_t seq = atomic_load(&w->pg->seq);
    int64_t quiet_since = mono_ns();
    int64_t deadline_ns = (int64_t)w->deadline_ms * 1000000;
    int64_t silence_ns =
        (int64_t)(w->deadline_ms > SILENCE_MS ? w->deadline_ms : SILENCE_MS) * 1000000;
    while (*done < n) {
        unsigned tag;
        /* Short waits: the stop flag and the deadline are checked between. */
        int rc = frame_recv(w->fd, b, &tag, 100, &se);
        if (rc == ERR_BUSY) {
            if (stop_requested(stop)) {
                death->policy = -1;
                died(wp, death, _("stopped"), e);
                return err_set(e, ERR_STOPPED, _("stopped"));
            }
            int64_t now = mono_ns(), started = atomic_load(&w->pg->started_ns);
            uint64_t s = atomic_load(&w->pg->seq);
            if (s != seq) {
                seq = s;
                quiet_since = now;
            }
            if (started && now - started > deadline_ns) {
                char why[160];
                snprintf(why, sizeof why, _("overran the hard deadline of %d ms"), w->deadline_ms);
                return died(wp, death, why, e);
            }
            if (!started && now - quiet_since > silence_ns)
                return died(wp, death, _("stopped answering"), e);
            continue;
        }
        if (rc == ERR_FAIL || rc == ERR_CLOSED)
            return died(wp, death, NULL, e);
        if (rc)
            return died(wp, death, _("sent a broken frame"), e);
        if (tag != WORKER_RESULT ||
            worker_result_decode(b, w->set, w->map, w->n_map, &items[*done], &se) != 0)
            return died(wp, death, _("sent a bad result"), e);
        quiet_since = mono_ns();
        (*done)++;
    }
    return 0;
}
