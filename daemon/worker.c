/* worker.c - the worker process (worker_main) and its supervisor side
 * (worker_proc_*): spawning, the frames of a batch, the hard deadline.
 * Never writes to the database: a worker opens it read-only, and a result
 * only becomes findings when the daemon commits it. */
/* memfd_create: Linux, the only system fupin targets. */
#define _GNU_SOURCE
#include "worker.h"
#include "frame.h"
#include "log.h"
#include "store.h"
#include "store_snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { TAG_HELLO = 1, TAG_BATCH = 2, TAG_RESULT = 3 };

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

/* ---- the worker process ---- */

/* Policies go by their index in the worker's set; the daemon maps them to
 * its own by name and source (the HELLO). n_policies: not a loaded one. */
static uint32_t index_of(const struct policy_set *set, const char *name)
{
    uint32_t k = 0;
    while (k < set->n_policies && set->policies[k].name != name)
        k++;
    return k;
}

static void put_result(struct frame_buf *b, const struct policy_set *set,
                       const struct worker_item *it)
{
    const struct eval_result *r = &it->res;
    frame_begin(b, TAG_RESULT);
    frame_put_u8(b, it->outcome);
    frame_put_str(b, it->msg);
    frame_put_u32(b, (uint32_t)r->n_findings);
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct finding *f = &r->findings[i];
        frame_put_u32(b, index_of(set, f->policy));
        frame_put_i64(b, f->member_id);
        frame_put_str(b, f->measure);
        frame_put_u8(b, f->kind);
        frame_put_u8(b, (unsigned)f->has_amount);
        frame_put_f64(b, f->amount);
        frame_put_str(b, f->reason);
    }
    frame_put_u32(b, (uint32_t)r->n_alerts);
    for (size_t i = 0; i < r->n_alerts; i++) {
        const struct policy_alert *a = &r->alerts[i];
        frame_put_u32(b, index_of(set, a->policy));
        frame_put_str(b, a->kind);
        frame_put_u8(b, a->severity);
        frame_put_str(b, a->message);
    }
    /* Errors of policies the worker could not load are the daemon's to
     * add (it knows its own missing ones): only loaded policies' here. */
    uint32_t n_err = 0;
    for (size_t i = 0; i < r->n_errors; i++)
        n_err += index_of(set, r->errors[i].policy) < set->n_policies;
    frame_put_u32(b, n_err);
    for (size_t i = 0; i < r->n_errors; i++) {
        uint32_t k = index_of(set, r->errors[i].policy);
        if (k < set->n_policies) {
            frame_put_u32(b, k);
            frame_put_str(b, r->errors[i].msg);
        }
    }
}

struct worker_state {
    struct config *cfg;
    struct policy_set *set;
    struct store *rd;
    struct snapshot_reader *reader;
    struct snapshot snap;
    struct policy_runner *runner;
    struct frame_buf in, out;
    struct worker_item item;
};

/* One batch: read in one read transaction that begins after the daemon
 * chose the batch. The daemon reads the journal up to position P and only
 * then sends the batch; the triggers write the journal in the same
 * transaction as the change, so a snapshot begun after the batch arrived
 * sees at least every change up to P, and committing the cursor at P never
 * passes a change this evaluation did not see. A worker restarted mid-batch
 * begins later still, which only makes its snapshot newer. */
static int serve_batch(struct worker_state *ws, int fd, struct err *e)
{
    struct frame_buf *in = &ws->in;
    char today[11];
    snprintf(today, sizeof today, "%s", frame_get_str(in));
    int ranged = (int)frame_get_u8(in);
    uint32_t n = frame_get_u32(in);
    if (in->bad || n > FRAME_MAX / 16)
        return err_set(e, ERR_INVALID, "bad batch frame");
    int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
    uint64_t *skip = malloc((n ? n : 1) * sizeof *skip);
    int rc = ids && skip ? 0 : err_set(e, ERR_FAIL, "out of memory");
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        ids[i] = frame_get_i64(in);
        skip[i] = (uint64_t)frame_get_i64(in);
    }
    if (rc == 0 && in->bad)
        rc = err_set(e, ERR_INVALID, "bad batch frame");
    if (rc == 0)
        rc = store_begin_read(ws->rd, e);
    int in_range =
        rc == 0 && ranged && n > 1 && snapshot_range_begin(ws->reader, ids[0], ids[n - 1], e) == 0;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        struct worker_item *it = &ws->item;
        eval_result_reset(&it->res);
        it->res.household_id = ids[i];
        it->msg[0] = 0;
        struct err se = {{0}};
        int r = snapshot_read(ws->reader, ids[i], today, &ws->snap, &se);
        if (r == ERR_NOTFOUND) {
            it->outcome = OUTCOME_GONE;
        } else if (r == ERR_INVALID) {
            it->outcome = OUTCOME_MALFORMED;
            snprintf(it->msg, sizeof it->msg, "%s", se.msg);
        } else if (r) {
            rc = err_set(e, r, "%s", se.msg);
            break;
        } else {
            it->outcome = OUTCOME_OK;
            policy_runner_eval_except(ws->runner, &ws->snap.hh, &it->res, skip[i]);
        }
        put_result(&ws->out, ws->set, it);
        rc = frame_send(fd, &ws->out, e);
    }
    if (in_range)
        snapshot_range_end(ws->reader);
    store_rollback(ws->rd);
    free(ids);
    free(skip);
    return rc;
}

static int worker_setup(struct worker_state *ws, const char *config_path, const char *lua_dir,
                        int progress_fd, struct err *e)
{
    int rc = config_load(config_path, &ws->cfg, e);
    if (rc)
        return rc;
    char *dir = strdup(lua_dir);
    if (!dir)
        return err_set(e, ERR_FAIL, "out of memory");
    free(ws->cfg->policies_dir);
    ws->cfg->policies_dir = dir;
    log_set_level(log_level_parse(ws->cfg->log_level) < 0
                      ? LOG_INFO
                      : (enum log_level)log_level_parse(ws->cfg->log_level));
    if ((rc = policy_set_load(ws->cfg, 0, &ws->set, e)) != 0 ||
        (rc = store_open(ws->cfg->database, STORE_READ, &ws->rd, e)) != 0 ||
        (rc = snapshot_reader_new(ws->rd, &ws->reader, e)) != 0 ||
        (rc = policy_runner_new(ws->set, &ws->runner, e)) != 0)
        return rc;
    void *pg = mmap(NULL, sizeof(struct policy_progress), PROT_READ | PROT_WRITE, MAP_SHARED,
                    progress_fd, 0);
    if (pg == MAP_FAILED)
        return err_set(e, ERR_FAIL, "cannot map the progress page: %s", strerror(errno));
    close(progress_fd);
    policy_runner_watch(ws->runner, pg);
    return 0;
}

/* Orphaned, a worker must not keep evaluating for nobody - not even when it
 * is stuck in a plugin's endless loop, where the socket's EOF is never read.
 * Not PR_SET_PDEATHSIG: that fires when the daemon's *thread* that started
 * the worker ends, and the daemon starts workers from short-lived threads. */
static void *watch_parent(void *arg)
{
    pid_t parent = *(const pid_t *)arg;
    for (;;) {
        struct timespec ts = {0, 250 * 1000000L};
        nanosleep(&ts, NULL);
        if (getppid() != parent)
            _exit(1);
    }
    return NULL;
}

int worker_main(const char *config_path, const char *lua_dir, int fd, int progress_fd)
{
    static pid_t parent;
    parent = getppid();
    pthread_t watcher;
    if (pthread_create(&watcher, NULL, watch_parent, &parent) != 0) {
        log_error("worker %d: cannot watch the daemon", (int)getpid());
        return 1;
    }
    pthread_detach(watcher);
    struct worker_state ws = {0};
    struct err e = {{0}};
    int rc = worker_setup(&ws, config_path, lua_dir, progress_fd, &e);
    if (rc) {
        log_error("worker %d: cannot start: %s", (int)getpid(), e.msg);
        return 1;
    }
    frame_begin(&ws.out, TAG_HELLO);
    frame_put_u32(&ws.out, (uint32_t)ws.set->n_policies);
    for (size_t i = 0; i < ws.set->n_policies; i++) {
        frame_put_str(&ws.out, ws.set->policies[i].name);
        frame_put_str(&ws.out, ws.set->policies[i].source);
    }
    rc = frame_send(fd, &ws.out, &e);
    while (rc == 0) {
        unsigned tag;
        if ((rc = frame_recv(fd, &ws.in, &tag, -1, &e)) != 0)
            break;
        if (tag != TAG_BATCH) {
            rc = err_set(&e, ERR_INVALID, "unexpected frame %u", tag);
            break;
        }
        rc = serve_batch(&ws, fd, &e);
    }
    int code = rc == ERR_FAIL && strstr(e.msg, "closed") ? 0 : 1;
    if (code)
        log_error("worker %d: stopping: %s", (int)getpid(), e.msg);
    /* The process ends here: the kernel reclaims the rest faster than
     * freeing it would, but the read connection is closed properly. */
    policy_runner_free(ws.runner);
    snapshot_free(&ws.snap);
    snapshot_reader_free(ws.reader);
    store_close(ws.rd);
    eval_result_free(&ws.item.res);
    policy_set_free(ws.set);
    config_free(ws.cfg);
    frame_buf_free(&ws.in);
    frame_buf_free(&ws.out);
    return code;
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
        snprintf(what, size, "ended (not reaped)");
    else if (WIFSIGNALED(status))
        snprintf(what, size, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(what, size, "exited with status %d", WEXITSTATUS(status));
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
            return err_set(e, ERR_STOPPED, "stopped");
        rc = frame_recv(w->fd, &w->buf, &tag, 100, e);
    }
    if (rc == ERR_BUSY)
        return err_set(e, ERR_FAIL, "no answer within %d s", HELLO_MS / 1000);
    if (rc) {
        char how[160];
        kill(w->pid, SIGKILL);
        reap(w, how, sizeof how);
        return err_set(e, ERR_FAIL, "it %s before it was ready (its log line says why)", how);
    }
    if (tag != TAG_HELLO)
        return err_set(e, ERR_FAIL, "unexpected frame %u instead of its greeting", tag);
    uint32_t n = frame_get_u32(&w->buf);
    if (w->buf.bad || n > 4096)
        return err_set(e, ERR_FAIL, "bad greeting");
    if (!(w->map = malloc((n ? n : 1) * sizeof *w->map)))
        return err_set(e, ERR_FAIL, "out of memory");
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
        return err_set(e, ERR_FAIL, "bad greeting");
    for (size_t k = 0; k < w->set->n_policies && k < 64; k++)
        if (!(seen >> k & 1)) {
            w->unavailable |= 1ull << k;
            log_warn("worker %d does not run %s in the daemon's version: its results are "
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
        return err_set(e, ERR_FAIL, "out of memory");
    w->fd = -1;
    w->set = sp->set;
    w->deadline_ms = sp->deadline_ms;
    int sv[2] = {-1, -1}, mfd = -1, rc = 0;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int have_fa = 0, have_attr = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        rc = err_set(e, ERR_FAIL, "socketpair: %s", strerror(errno));
        goto done;
    }
    w->fd = sv[0];
    if ((mfd = memfd_create("fupin-progress", MFD_CLOEXEC)) < 0 ||
        ftruncate(mfd, sizeof *w->pg) != 0) {
        rc = err_set(e, ERR_FAIL, "progress page: %s", strerror(errno));
        goto done;
    }
    void *pg = mmap(NULL, sizeof *w->pg, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (pg == MAP_FAILED) {
        rc = err_set(e, ERR_FAIL, "progress page: %s", strerror(errno));
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
                    NULL};
    int sr = posix_spawn(&w->pid, sp->exe, &fa, &attr, argv, environ);
    if (sr != 0) {
        w->pid = 0;
        rc = err_set(e, ERR_FAIL, "cannot start %s: %s", sp->exe, strerror(sr));
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

/* One RESULT frame into it; ERR_INVALID when it does not hold together. */
static int take_result(struct worker_proc *w, struct worker_item *it, struct err *e)
{
    struct frame_buf *b = &w->buf;
    struct eval_result *res = &it->res;
    eval_result_reset(res);
    res->household_id = it->id;
    unsigned outcome = frame_get_u8(b);
    snprintf(it->msg, sizeof it->msg, "%s", frame_get_str(b));
    if (outcome > OUTCOME_MALFORMED)
        return err_set(e, ERR_INVALID, "bad outcome %u", outcome);
    it->outcome = (enum worker_outcome)outcome;
#define POLICY_AT(k)                                                                               \
    ((k) < (uint32_t)w->n_map && w->map[k] >= 0 ? &w->set->policies[w->map[k]] : NULL)
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
            return err_set(e, ERR_INVALID, "finding of an unknown policy or kind");
        /* The emitter checks it again: a worker is not trusted more than
         * the policy it ran. */
        struct fupin_out out = {.res = res, .policy = p};
        if (policy_out_finding(&out, (enum finding_kind)kind, &f) != FUPIN_OK)
            return err_set(e, ERR_INVALID, "finding refused: %s", out.err.msg);
    }
    n = frame_get_u32(b);
    for (uint32_t i = 0; i < n && !b->bad; i++) {
        uint32_t k = frame_get_u32(b);
        const char *kind = frame_get_str(b);
        unsigned sev = frame_get_u8(b);
        const char *message = frame_get_str(b);
        const struct policy *p = POLICY_AT(k);
        if (!p || sev > SEVERITY_CRITICAL)
            return err_set(e, ERR_INVALID, "alert of an unknown policy or severity");
        struct fupin_out out = {.res = res, .policy = p};
        if (policy_out_alert(&out, kind, severity_name((enum severity)sev), message) != FUPIN_OK)
            return err_set(e, ERR_INVALID, "alert refused: %s", out.err.msg);
    }
    n = frame_get_u32(b);
    for (uint32_t i = 0; i < n && !b->bad; i++) {
        uint32_t k = frame_get_u32(b);
        const char *msg = frame_get_str(b);
        const struct policy *p = POLICY_AT(k);
        if (!p)
            return err_set(e, ERR_INVALID, "error of an unknown policy");
        if (eval_result_add_error(res, p->name, p->source, msg))
            return err_set(e, ERR_FAIL, "out of memory");
    }
#undef POLICY_AT
    if (b->bad || b->pos != b->len)
        return err_set(e, ERR_INVALID, "malformed result frame");
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
        return err_set(e, ERR_FAIL, "worker %d %s", pid, how);
    return err_set(e, ERR_FAIL, "worker %d %s (%s)", pid, why, how);
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
    frame_begin(b, TAG_BATCH);
    frame_put_str(b, today);
    frame_put_u8(b, (unsigned)ranged);
    frame_put_u32(b, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        frame_put_i64(b, items[i].id);
        frame_put_i64(b, (int64_t)(items[i].skip | w->unavailable));
    }
    struct err se;
    if (frame_send(w->fd, b, &se) != 0)
        return died(wp, death, "did not take its batch", e);
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
                died(wp, death, "stopped", e);
                return err_set(e, ERR_STOPPED, "stopped");
            }
            int64_t now = mono_ns(), started = atomic_load(&w->pg->started_ns);
            uint64_t s = atomic_load(&w->pg->seq);
            if (s != seq) {
                seq = s;
                quiet_since = now;
            }
            if (started && now - started > deadline_ns) {
                char why[160];
                snprintf(why, sizeof why, "overran the hard deadline of %d ms", w->deadline_ms);
                return died(wp, death, why, e);
            }
            if (!started && now - quiet_since > silence_ns)
                return died(wp, death, "stopped answering", e);
            continue;
        }
        if (rc == ERR_FAIL)
            return died(wp, death, NULL, e);
        if (rc)
            return died(wp, death, "sent a broken frame", e);
        if (tag != TAG_RESULT || take_result(w, &items[*done], &se) != 0)
            return died(wp, death, "sent a bad result", e);
        quiet_since = mono_ns();
        (*done)++;
    }
    return 0;
}

/* ---- the policies the daemon runs, for its workers ---- */

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
        return err_set(e, ERR_FAIL, "cannot create %s for the workers' policies: %s", top,
                       strerror(errno));
    sweep_dead(top);
    size_t len = strlen(top);
    snprintf(top + len, sizeof top - len, "/%d", (int)getpid());
    if (mkdir(top, 0700) != 0 && errno != EEXIST)
        return err_set(e, ERR_FAIL, "cannot create %s: %s", top, strerror(errno));
    len = strlen(top);
    snprintf(top + len, sizeof top - len, "/set-XXXXXX");
    if (!mkdtemp(top))
        return err_set(e, ERR_FAIL, "cannot create a folder for the workers' policies: %s",
                       strerror(errno));
    const char *pd = set->cfg->policies_dir, *base = strrchr(pd, '/');
    base = base && base[1] ? base + 1 : pd;
    snprintf(dir, size, "%s/%s", top, base);
    if (mkdir(dir, 0700) != 0) {
        int saved = errno;
        rmdir(top);
        return err_set(e, ERR_FAIL, "cannot create %s: %s", dir, strerror(saved));
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
            log_warn("%s changed since it was loaded: the workers wait for its reload", p->source);
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
