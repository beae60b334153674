/* engine_workers.c - the engine's workers: threads that read snapshots
 * on their own connections and, in process mode, hand them to worker
 * processes (worker.h) that run the policies; a version that keeps killing
 * workers is quarantined. */
#include "engine_internal.h"
#include "i18n.h"
#include "log.h"
#include "store_alert.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- workers ---- */

void engine_worker_free(struct worker *w)
{
    policy_runner_free(w->runner);
    snapshot_free(&w->snap);
    snapshot_reader_free(w->reader);
    store_close(w->rd);
    memset(w, 0, sizeof *w);
}

int engine_worker_init(struct engine *en, struct worker *w, int index, struct err *e)
{
    w->en = en;
    w->index = index;
    int rc = store_open(en->cfg->database, STORE_READ, &w->rd, e);
    if (rc == 0)
        rc = snapshot_reader_new(w->rd, &w->reader, e);
    if (rc == 0)
        rc = policy_runner_new(en->set, &w->runner, e);
    return rc;
}

/* Reads and evaluates one household into its slot. Only database failures
 * are errors: a deleted or malformed household is an outcome. */
static int eval_slot(struct worker *w, struct worker_item *s, uint64_t skip, struct err *e)
{
    eval_result_reset(&s->res);
    s->res.household_id = s->id;
    s->msg[0] = 0;
    struct err se = {{0}};
    int rc = snapshot_read_lists(w->reader, s->id, w->en->today, s->lists, &w->snap, &se);
    if (rc == ERR_NOTFOUND) {
        s->outcome = OUTCOME_GONE;
        return 0;
    }
    if (rc == ERR_INVALID) {
        s->outcome = OUTCOME_MALFORMED;
        snprintf(s->msg, sizeof s->msg, "%s", se.msg);
        return 0;
    }
    if (rc)
        return err_set(e, rc, "%s", se.msg);
    s->outcome = OUTCOME_OK;
    policy_runner_eval_except(w->runner, &w->snap.hh, &s->res, skip);
    return 0;
}

/* Each worker takes its share (a run of consecutive slots) of the batch,
 * inside one read transaction so all of its snapshots come from one state. */
static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct batch *b = w->batch;
    int used = w->en->used;
    int from = (int)((long)b->n * w->index / used), to = (int)((long)b->n * (w->index + 1) / used);
    if (w->en->exe) {
        w->rc = engine_run_share_proc(w->en, w, b, from, to, &w->e);
        return NULL;
    }
    w->rc = store_begin_read(w->rd, &w->e);
    /* Pending batches come in ascending ids: each worker reads its share's
     * lists in one pass per table. */
    int ranged = w->rc == 0 && !b->is_journal && to - from > 1;
    struct snapshot_range_plan plan = {0};
    for (int i = from; ranged && i < to; i++)
        snapshot_range_plan_add(&plan, b->slots[i].lists);
    if (ranged)
        w->rc = snapshot_range_begin_lists(w->reader, b->ids[from], b->ids[to - 1],
                                           snapshot_range_plan_lists(&plan), &w->e);
    for (int i = from; w->rc == 0 && i < to; i++)
        w->rc = eval_slot(w, &b->slots[i], ~b->slots[i].scope, &w->e);
    if (ranged)
        snapshot_range_end(w->reader);
    store_rollback(w->rd);
    return NULL;
}

/* ---- worker processes ---- */

#define MAX_START_FAILURES 5
#define KILL_WINDOW_S 600
#define KILLS_TO_QUARANTINE 3

/* "industry.lua" of "lua:policies/industry.lua@hash", "education.so" of
 * "plugin:education@1.0": the subject of the file's policy_error alert. */
static void policy_file(const struct policy *p, char *out, size_t size)
{
    if (p->kind == POLICY_PLUGIN) {
        snprintf(out, size, "%s.so", p->name);
        return;
    }
    const char *slash = strrchr(p->source, '/'), *at = strrchr(p->source, '@');
    const char *from = slash ? slash + 1 : p->source;
    int len = at && at > from ? (int)(at - from) : (int)strlen(from);
    snprintf(out, size, "%.*s", len, from);
}

static struct kill_record *kill_record(struct engine *en, const char *source, int create)
{
    for (size_t i = 0; i < en->n_kills; i++)
        if (strcmp(en->kills[i].source, source) == 0)
            return &en->kills[i];
    if (!create)
        return NULL;
    struct kill_record *k = realloc(en->kills, (en->n_kills + 1) * sizeof *k);
    if (!k)
        return NULL;
    en->kills = k;
    k = &en->kills[en->n_kills++];
    memset(k, 0, sizeof *k);
    snprintf(k->source, sizeof k->source, "%s", source);
    return k;
}

/* A policy version killed a worker: the third time within ten minutes it
 * is quarantined until its content hash (part of source) changes. */
static void note_kill(struct engine *en, const struct policy *p)
{
    pthread_mutex_lock(&en->mu);
    struct kill_record *k = kill_record(en, p->source, 1);
    if (k && !k->quarantined) {
        time_t now = time(NULL);
        memmove(k->at + 1, k->at, sizeof k->at - sizeof k->at[0]);
        k->at[0] = now;
        k->n = k->n < KILLS_TO_QUARANTINE ? k->n + 1 : KILLS_TO_QUARANTINE;
        if (k->n == KILLS_TO_QUARANTINE && now - k->at[KILLS_TO_QUARANTINE - 1] <= KILL_WINDOW_S) {
            k->quarantined = 1;
            log_event(LOG_ERROR, "worker.policy_quarantined",
                      "policy %s killed a worker %d times within %d minutes: quarantined until "
                      "the file changes",
                      p->source, KILLS_TO_QUARANTINE, KILL_WINDOW_S / 60);
        }
    }
    pthread_mutex_unlock(&en->mu);
}

static uint64_t quarantine_mask(struct engine *en)
{
    uint64_t mask = 0;
    pthread_mutex_lock(&en->mu);
    for (size_t i = 0; i < en->set->n_policies && i < 64; i++) {
        const struct kill_record *k = kill_record(en, en->set->policies[i].source, 0);
        if (k && k->quarantined)
            mask |= 1ull << i;
    }
    pthread_mutex_unlock(&en->mu);
    return mask;
}

/* Sleeps ms unless a stop is requested first. */
static int nap(struct engine *en, int ms)
{
    for (int t = 0; t < ms; t += 50) {
        if (stop_requested(en->stop))
            return ERR_STOPPED;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Starts w's process if it has none, with back-off between failed starts;
 * after MAX_START_FAILURES in a row the engine is broken (engine_broken). */
int engine_proc_ensure(struct engine *en, struct worker *w, struct err *e)
{
    while (!w->proc) {
        pthread_mutex_lock(&en->mu);
        int broken = en->broken;
        pthread_mutex_unlock(&en->mu);
        if (broken)
            return err_set(e, ERR_FAIL, "%s", en->broken_msg);
        /* Both keys may be large: cap the product at a day (no int overflow). */
        long deadline = (long)en->cfg->lua_wall_ms * en->cfg->worker_deadline_factor;
        struct worker_spawn sp = {.exe = en->exe,
                                  .config_path = en->cfg->path,
                                  .lua_dir = en->lua_dir,
                                  .set = en->set,
                                  .deadline_ms = deadline < 86400000L ? (int)deadline : 86400000,
                                  .stop = en->stop};
        struct err se = {{0}};
        int rc = worker_proc_start(&sp, &w->proc, &se);
        if (rc == 0) {
            w->start_failures = 0;
            log_event(LOG_DEBUG, "worker.started", "worker %d started (pid %d)", w->index,
                      worker_proc_pid(w->proc));
            return 0;
        }
        w->proc = NULL;
        if (rc == ERR_STOPPED)
            return err_set(e, ERR_STOPPED, _("stopped"));
        if (++w->start_failures >= MAX_START_FAILURES) {
            pthread_mutex_lock(&en->mu);
            en->broken = 1;
            snprintf(en->broken_msg, sizeof en->broken_msg,
                     _("cannot start evaluation workers (%d failed starts in a row): %.180s"),
                     w->start_failures, se.msg);
            pthread_mutex_unlock(&en->mu);
            return err_set(e, ERR_FAIL, "%s", en->broken_msg);
        }
        log_event(LOG_ERROR, "worker.start_failed", "worker %d could not start (%s); trying again",
                  w->index, se.msg);
        if (nap(en, 100 << w->start_failures))
            return err_set(e, ERR_STOPPED, _("stopped"));
    }
    return 0;
}

/* The errors (and, for a kill, the alert) of the policies a worker was told
 * to skip on s: they keep their stored findings. */
static void add_skip_errors(struct engine *en, struct worker_item *s, uint64_t quarantined,
                            uint64_t scope)
{
    for (size_t i = 0; i < en->set->n_policies && i < 64; i++) {
        /* Outside the pass: recorded by write_slot, not as an error. */
        if (!(s->skip >> i & 1) || (!(scope >> i & 1) && !(s->killed >> i & 1)))
            continue;
        const struct policy *p = &en->set->policies[i];
        char msg[256];
        if (s->killed >> i & 1) {
            char file[160], text[600];
            policy_file(p, file, sizeof file);
            snprintf(msg, sizeof msg,
                     _("the worker crashed or overran while running this policy and was "
                       "restarted (worker %s)"),
                     s->why);
            snprintf(text, sizeof text,
                     _("policy file %s made a worker be killed on household #%lld (%s); this "
                       "policy's earlier findings for the household stay as they were. policy "
                       "%.100s killed a worker on household %lld"),
                     file, (long long)s->id, s->why, p->source, (long long)s->id);
            struct fupin_out out = {.res = &s->res, .policy = p};
            policy_out_alert(&out, "policy_error", "warning", text);
        } else if (quarantined >> i & 1) {
            snprintf(msg, sizeof msg,
                     _("quarantined: this version killed workers %d times within %d minutes; "
                       "lifted when the file changes"),
                     KILLS_TO_QUARANTINE, KILL_WINDOW_S / 60);
        } else {
            snprintf(msg, sizeof msg, "%s",
                     _("the worker does not run the daemon's version of this policy yet; "
                       "waiting for its reload"));
        }
        eval_result_add_error(&s->res, p->name, p->source, msg);
    }
    for (size_t i = 0; i < en->set->n_missing; i++) {
        const struct policy_missing *m = &en->set->missing[i];
        char msg[256];
        snprintf(msg, sizeof msg, _("not loaded: %.200s"), m->msg);
        if (eval_result_add_error(&s->res, m->name, m->source, msg))
            break;
    }
}

/* Evaluates slots [from, to) of b on w's process, restarting it whenever it
 * dies: the policy it was on gets a policy_error on that household only and
 * the rest of the household and of the share is evaluated again. */
int engine_run_share_proc(struct engine *en, struct worker *w, struct batch *b, int from, int to,
                          struct err *e)
{
    uint64_t quarantined = quarantine_mask(en);
    for (int i = from; i < to; i++) {
        b->slots[i].skip = quarantined | ~b->slots[i].scope;
        b->slots[i].killed = 0;
        b->slots[i].attempts = 0;
        b->slots[i].why[0] = 0;
    }
    uint64_t all = en->set->n_policies >= 64 ? ~0ull : (1ull << en->set->n_policies) - 1;
    int deaths = 0;
    for (int i = from; i < to;) {
        int rc = engine_proc_ensure(en, w, e);
        if (rc)
            return rc;
        uint64_t unavailable = worker_proc_unavailable(w->proc);
        for (int k = i; k < to; k++)
            b->slots[k].skip |= unavailable;
        int done = 0;
        struct worker_death death;
        rc = worker_proc_eval(&w->proc, en->today, &b->slots[i], to - i, !b->is_journal, en->stop,
                              &done, &death, e);
        for (int k = i; k < i + done; k++)
            if (b->slots[k].outcome == OUTCOME_OK)
                add_skip_errors(en, &b->slots[k], quarantined, b->slots[k].scope);
        i += done;
        if (rc == 0)
            break;
        if (rc == ERR_STOPPED || i >= to)
            return rc == ERR_STOPPED ? rc : 0;
        /* Results come in bursts: the household the worker died on may lie
         * past the first one not answered (those are only sent again). */
        struct worker_item *s = &b->slots[i];
        for (int k = i; k < to; k++)
            if (b->slots[k].id == death.household) {
                s = &b->slots[k];
                break;
            }
        const struct policy *p =
            death.policy >= 0 && death.household == s->id ? &en->set->policies[death.policy] : NULL;
        if (p && death.policy < 64) {
            s->skip |= 1ull << death.policy;
            s->killed |= 1ull << death.policy;
            snprintf(s->why, sizeof s->why, "%s", death.what);
            log_event(LOG_ERROR, "worker.policy_crashed",
                      "household %lld: policy %s: %s; the worker is restarted and the household's "
                      "other policies run again",
                      (long long)s->id, p->source, e->msg);
            note_kill(en, p);
        } else if (++s->attempts >= 2) {
            /* It dies on this household outside any policy call: give up on
             * the household (every policy keeps its findings), not the batch. */
            s->skip = s->killed = all;
            snprintf(s->why, sizeof s->why, "%s", death.what);
            log_event(LOG_ERROR, "worker.household_failed",
                      "household %lld: %s twice outside any policy; every policy recorded as "
                      "failed on it",
                      (long long)s->id, e->msg);
        } else {
            log_event(LOG_ERROR, "worker.died", "household %lld: %s; restarting the worker",
                      (long long)s->id, e->msg);
        }
        if (++deaths > 1 && nap(en, 50 << (deaths < 7 ? deaths : 7)))
            return err_set(e, ERR_STOPPED, _("stopped"));
    }
    return 0;
}

/* Starts the workers on b: on threads only (async: the caller goes on to
 * write the previous batch), or with worker 0 on the calling thread. A
 * thread that could not start leaves its share undone, reported by
 * eval_join. */
void engine_eval_start(struct engine *en, struct batch *b, int async)
{
    config_today(en->cfg, en->today);
    en->used = en->n_workers < b->n ? en->n_workers : b->n;
    for (int k = 0; k < en->used; k++) {
        struct worker *w = &en->workers[k];
        w->batch = b;
        w->rc = 0;
        w->running = 0;
    }
    for (int k = async ? 0 : 1; k < en->used; k++) {
        struct worker *w = &en->workers[k];
        if (pthread_create(&w->thread, NULL, worker_run, w) == 0) {
            w->running = 1;
        } else {
            w->rc = ERR_FAIL;
            snprintf(w->e.msg, sizeof w->e.msg, "%s", _("cannot start worker thread"));
        }
    }
    en->inflight = async;
    if (!async && en->used > 0)
        worker_run(&en->workers[0]);
}

int engine_eval_join(struct engine *en, struct err *e)
{
    for (int k = 0; k < en->used; k++) {
        if (en->workers[k].running)
            pthread_join(en->workers[k].thread, NULL);
        en->workers[k].running = 0;
    }
    en->inflight = 0;
    for (int k = 0; k < en->used; k++)
        if (en->workers[k].rc)
            return err_set(e, en->workers[k].rc, "%s", en->workers[k].e.msg);
    return 0;
}

/* Waits for and drops the batch evaluated ahead, if any: nothing of it was
 * written, so the cursor and pending marks in the database redo it. */
void engine_drain(struct engine *en)
{
    if (en->inflight) {
        struct err ignored;
        engine_eval_join(en, &ignored);
    }
}

/* Raises the policy_error alert of each newly quarantined policy, once. */
void engine_alert_quarantined(struct engine *en)
{
    if (!en->exe)
        return;
    for (size_t i = 0; i < en->set->n_policies; i++) {
        const struct policy *p = &en->set->policies[i];
        pthread_mutex_lock(&en->mu);
        struct kill_record *k = kill_record(en, p->source, 0);
        int due = k && k->quarantined && !k->alerted;
        if (due)
            k->alerted = 1;
        pthread_mutex_unlock(&en->mu);
        if (!due)
            continue;
        char file[160], text[800];
        struct err e;
        policy_file(p, file, sizeof file);
        snprintf(text, sizeof text,
                 _("the current version of policy file %s killed workers (crashed or overran) "
                   "within %d minutes %d times and is quarantined: every household keeps this "
                   "policy's earlier findings; changing the file lifts it. policy %.200s "
                   "quarantined"),
                 file, KILL_WINDOW_S / 60, KILLS_TO_QUARANTINE, p->source);
        if (engine_policy_alert(en, file, text, &e) != 0)
            log_event(LOG_ERROR, "alert.raise_failed",
                      "cannot raise the quarantine alert for %s: %s", file, e.msg);
    }
}
