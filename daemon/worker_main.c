/* worker_main.c - the worker process, `fupin worker`: loads the config,
 * the policies the daemon runs and the plugins, and answers batches with
 * results over its socket (worker.h). Only reads the database: one read
 * transaction per batch on its own read-only connection. */
#include "frame.h"
#include "i18n.h"
#include "log.h"
#include "store.h"
#include "store_snapshot.h"
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Policies go by their index in the worker's set; the daemon maps them to
 * its own by name and source (the HELLO). n_policies: not a loaded one. */
static uint32_t index_of(const struct policy_set *set, const char *name)
{
    uint32_t k = 0;
    while (k < set->n_policies && set->policies[k].name != name)
        k++;
    return k;
}

/* Results go out in bursts of about this many bytes: one write (and one
 * read by the daemon) per burst, not per household. A death loses the
 * burst being built; the daemon evaluates those households again. */
#define BURST (32u << 10)

/* Writes its RESULT frame's payload into b (begun by the caller). */
static void put_result(struct frame_buf *b, const struct policy_set *set,
                       const struct worker_item *it)
{
    const struct eval_result *r = &it->res;
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
        return err_set(e, ERR_INVALID, _("bad batch frame"));
    int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
    uint64_t *skip = malloc((n ? n : 1) * sizeof *skip);
    uint32_t *lists = malloc((n ? n : 1) * sizeof *lists);
    struct snapshot_range_plan plan = {0};
    int rc = ids && skip && lists ? 0 : err_set(e, ERR_FAIL, _("out of memory"));
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        ids[i] = frame_get_i64(in);
        skip[i] = (uint64_t)frame_get_i64(in);
        lists[i] = frame_get_u32(in);
        snapshot_range_plan_add(&plan, lists[i]);
    }
    if (rc == 0 && in->bad)
        rc = err_set(e, ERR_INVALID, _("bad batch frame"));
    if (rc == 0)
        rc = store_begin_read(ws->rd, e);
    int in_range = rc == 0 && ranged && n > 1 &&
                   snapshot_range_begin_lists(ws->reader, ids[0], ids[n - 1],
                                              snapshot_range_plan_lists(&plan), e) == 0;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        struct worker_item *it = &ws->item;
        eval_result_reset(&it->res);
        it->res.household_id = ids[i];
        it->msg[0] = 0;
        struct err se = {{0}};
        policy_runner_begin(ws->runner, ids[i]);
        int r = snapshot_read_lists(ws->reader, ids[i], today, lists[i], &ws->snap, &se);
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
        if (i > 0 && ws->out.len < BURST) {
            frame_next(&ws->out, WORKER_RESULT);
        } else {
            if (i > 0 && (rc = frame_send(fd, &ws->out, e)) != 0)
                break;
            frame_begin(&ws->out, WORKER_RESULT);
        }
        put_result(&ws->out, ws->set, it);
    }
    if (rc == 0 && n > 0)
        rc = frame_send(fd, &ws->out, e);
    /* Between batches a death names no household (not this batch's last
     * one, which may come again in the next). */
    policy_runner_begin(ws->runner, 0);
    if (in_range)
        snapshot_range_end(ws->reader);
    store_rollback(ws->rd);
    free(ids);
    free(skip);
    free(lists);
    return rc;
}

static int worker_setup(struct worker_state *ws, const char *config_path, const char *copy,
                        const char *copy_dir, const char *lua_dir, int progress_fd, struct err *e)
{
    int rc = copy ? config_load_copy(copy, config_path, copy_dir, &ws->cfg, e)
                  : config_load(config_path, &ws->cfg, e);
    if (rc)
        return rc;
    char *dir = strdup(lua_dir);
    if (!dir)
        return err_set(e, ERR_FAIL, _("out of memory"));
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
        return err_set(e, ERR_FAIL, _("cannot map the progress page: %s"), strerror(errno));
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

int worker_main(const char *config_path, const char *copy, const char *copy_dir,
                const char *lua_dir, int fd, int progress_fd)
{
    static pid_t parent;
    parent = getppid();
    pthread_t watcher;
    if (pthread_create(&watcher, NULL, watch_parent, &parent) != 0) {
        log_event(LOG_ERROR, "worker.parent_watch_failed", "worker %d: cannot watch the daemon",
                  (int)getpid());
        return 1;
    }
    pthread_detach(watcher);
    struct worker_state ws = {0};
    struct err e = {{0}};
    int rc = worker_setup(&ws, config_path, copy, copy_dir, lua_dir, progress_fd, &e);
    if (rc) {
        log_event(LOG_ERROR, "worker.start_failed", "worker %d: cannot start: %s", (int)getpid(),
                  e.msg);
        return 1;
    }
    frame_begin(&ws.out, WORKER_HELLO);
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
        if (tag != WORKER_BATCH) {
            rc = err_set(&e, ERR_INVALID, _("unexpected frame %u"), tag);
            break;
        }
        rc = serve_batch(&ws, fd, &e);
    }
    /* The daemon hanging up between batches is how a worker is told to go. */
    int code = rc == ERR_CLOSED ? 0 : 1;
    if (code)
        log_event(LOG_ERROR, "worker.exit", "worker %d: stopping: %s", (int)getpid(), e.msg);
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
