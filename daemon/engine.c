/* engine.c - the evaluation pipeline, one batch at a time: journal or pending
 * marks -> household ids -> snapshots (worker threads, each on its own read
 * connection) -> policy_runner_eval -> store_reconcile -> one commit that also
 * moves the cursor. While batch k is written the workers already evaluate
 * batch k+1 (nothing of it is written until batch k has committed). Never
 * commits findings without the cursor move that covers them, and never moves
 * the cursor without the findings. A pass of pending marks runs only the
 * policies of its scope (those whose fingerprint changed) and never touches
 * another policy's findings. */
#include "engine.h"
#include "i18n.h"
#include "log.h"
#include "store.h"
#include "store_alert.h"
#include "store_engine.h"
#include "store_findings.h"
#include "store_journal.h"
#include "store_journal_lists.h"
#include "worker.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A batch's households and where it came from: journal rows after cursor up
 * to upto (is_journal), else pending marks. */
struct batch {
    struct worker_item *slots; /* one household each: what its worker found, for the writer */
    int64_t *ids;
    int n;
    int64_t cursor, upto;
    int is_journal;
    /* Policies to run (bit i: set->policies[i]; policies from 64 on always
     * run): for pending marks those of the pending pass's scope; a journal
     * batch has one per household (its slot's scope), those reading what
     * changed in it. */
    uint64_t scope;
    uint32_t *changed; /* journal: per slot, what changed (store_journal_lists) */
    int64_t *quality;  /* households with a live data_quality alert (slot_reads) */
};

_Static_assert(STORE_JOURNAL_ROW == POLICY_SET_ROW, "a row change must read as one to policies");

struct worker {
    struct engine *en;
    struct batch *batch; /* what worker_run evaluates */
    int index;
    int running; /* a thread was started and is not joined yet */
    struct store *rd;
    struct snapshot_reader *reader;
    struct snapshot snap;
    struct policy_runner *runner;
    pthread_t thread;
    int rc;
    struct err e;
    struct worker_proc *proc; /* process mode: the worker process, NULL until started */
    int start_failures;       /* failed starts in a row */
};

/* A policy version that killed workers: when, the last three times. */
struct kill_record {
    char source[320];
    time_t at[3];
    int n, quarantined, alerted;
};

struct engine {
    const struct config *cfg;
    struct store *w;
    struct policy_set *set;
    struct worker *workers;
    int n_workers, used; /* workers given the batch being evaluated */
    /* b[cur] is the batch being written; b[cur ^ 1] is evaluated by the
     * worker threads meanwhile when inflight. */
    struct batch b[2];
    int cur, inflight;
    int64_t *live; /* households of the batch being written with a live alert */
    int n_live;    /* -1: not known, look each one up */
    int cap;
    int batch; /* households per batch (<= cap) */
    char today[11];
    /* Process mode (engine_spawn_workers): the binary to run as workers and
     * the copy of the Lua policies they load; NULL exe: in-process threads. */
    char *exe;
    char lua_dir[4096];
    const atomic_int *stop; /* engine_step's, for the workers' waits */
    pthread_mutex_t mu;     /* guards what follows, shared by the worker threads */
    struct kill_record *kills;
    size_t n_kills;
    int broken; /* workers cannot be started: engine_broken */
    char broken_msg[256];
};

void engine_now(char out[20])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- what a pass runs ---- */

/* engine_meta keys: each policy's fingerprint (policy_set_fingerprint) as of
 * its last marking, and the scope of the pending marks: "*" (every policy)
 * or the names of the policies they are for, comma-separated. */
#define FP_PREFIX "policy_fingerprint:"
#define SCOPE_KEY "pending_policies"
#define MAX_FPS 256

static uint64_t all_policies(const struct engine *en)
{
    return en->set->n_policies >= 64 ? ~0ull : (1ull << en->set->n_policies) - 1;
}

static int in_list(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, name, len) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* The mask of a scope text; no scope (marks made by an older fupin) or "*"
 * mean every policy. */
static uint64_t scope_mask(const struct engine *en, const char *scope)
{
    if (!scope[0] || strcmp(scope, "*") == 0)
        return ~0ull;
    uint64_t mask = 0;
    for (size_t i = 0; i < en->set->n_policies && i < 64; i++)
        if (in_list(scope, en->set->policies[i].name))
            mask |= 1ull << i;
    return mask;
}

/* The scope of the pending marks, read with them (another fupin process may
 * have marked since). */
static int pending_scope(struct engine *en, uint64_t *mask, struct err *e)
{
    char scope[1024];
    int rc = store_meta_get(en->w, SCOPE_KEY, scope, sizeof scope, e);
    *mask = rc ? 0 : scope_mask(en, scope);
    return rc;
}

/* Widens the pending scope by names ("*": every policy) and marks every
 * household, in the caller's transaction. Marks left from an unfinished
 * pass keep their own scope by the union; once none is left the old scope
 * is forgotten. */
static int mark_scope(struct engine *en, const char *names, struct err *e)
{
    char scope[1024] = "";
    int64_t left = 0;
    int rc = store_pending_count(en->w, &left, e);
    if (rc == 0 && left > 0)
        rc = store_meta_get(en->w, SCOPE_KEY, scope, sizeof scope, e);
    if (rc)
        return rc;
    if (left > 0 && !scope[0])
        snprintf(scope, sizeof scope, "*");
    if (strcmp(names, "*") == 0 || strcmp(scope, "*") == 0) {
        snprintf(scope, sizeof scope, "*");
    } else {
        for (const char *p = names; *p;) {
            size_t n = strcspn(p, ",");
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p);
            size_t len = strlen(scope);
            if (!in_list(scope, name) && len + n + 2 < sizeof scope)
                snprintf(scope + len, sizeof scope - len, "%s%s", len ? "," : "", name);
            else if (!in_list(scope, name))
                snprintf(scope, sizeof scope, "*"); /* too many names: all */
            p += n + (p[n] == ',');
        }
    }
    if ((rc = store_pending_mark_all(en->w, e)) != 0)
        return rc;
    return store_meta_set(en->w, SCOPE_KEY, scope, e);
}

/* Records the fingerprint of policy i; with the combined one that says "the
 * engine has recorded its policies" to outside tools. */
static int record_fingerprint(struct engine *en, size_t i, struct err *e)
{
    char key[96], fp[17];
    snprintf(key, sizeof key, FP_PREFIX "%s", en->set->policies[i].name);
    policy_set_fingerprint(en->set, i, fp);
    int rc = store_meta_set(en->w, key, fp, e);
    return rc ? rc : store_meta_set(en->w, "policy_fingerprint", "per-policy", e);
}

static int record_all_fingerprints(struct engine *en, struct err *e)
{
    int rc = 0;
    for (size_t i = 0; i < en->set->n_policies && !rc; i++)
        rc = record_fingerprint(en, i, e);
    return rc;
}

/* ---- workers ---- */

static void worker_free(struct worker *w)
{
    policy_runner_free(w->runner);
    snapshot_free(&w->snap);
    snapshot_reader_free(w->reader);
    store_close(w->rd);
    memset(w, 0, sizeof *w);
}

static int worker_init(struct engine *en, struct worker *w, int index, struct err *e)
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

static int run_share_proc(struct engine *en, struct worker *w, struct batch *b, int from, int to,
                          struct err *e);

/* Each worker takes its share (a run of consecutive slots) of the batch,
 * inside one read transaction so all of its snapshots come from one state. */
static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct batch *b = w->batch;
    int used = w->en->used;
    int from = (int)((long)b->n * w->index / used), to = (int)((long)b->n * (w->index + 1) / used);
    if (w->en->exe) {
        w->rc = run_share_proc(w->en, w, b, from, to, &w->e);
        return NULL;
    }
    w->rc = store_begin_read(w->rd, &w->e);
    /* Pending batches come in ascending ids: each worker reads its share's
     * lists in one pass per table. */
    int ranged = w->rc == 0 && !b->is_journal && to - from > 1;
    uint32_t lists = 0;
    for (int i = from; ranged && i < to; i++)
        lists |= b->slots[i].lists;
    if (ranged)
        w->rc = snapshot_range_begin_lists(w->reader, b->ids[from], b->ids[to - 1], lists, &w->e);
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
static int proc_ensure(struct engine *en, struct worker *w, struct err *e)
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
static int run_share_proc(struct engine *en, struct worker *w, struct batch *b, int from, int to,
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
        int rc = proc_ensure(en, w, e);
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
        struct worker_item *s = &b->slots[i];
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
static void eval_start(struct engine *en, struct batch *b, int async)
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

static int eval_join(struct engine *en, struct err *e)
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
static void engine_drain(struct engine *en)
{
    if (en->inflight) {
        struct err ignored;
        eval_join(en, &ignored);
    }
}

/* ---- the writer ---- */

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Which households of b have a live alert, in one range query, when b's ids
 * lie close together (a pending batch); otherwise n_live = -1. Most have
 * none, and then reconciliation has nothing to resolve. */
static int find_live_alerts(struct engine *en, const struct batch *b, struct err *e)
{
    en->n_live = -1;
    if (b->n < 2)
        return 0;
    int64_t lo = b->ids[0], hi = b->ids[0];
    for (int i = 1; i < b->n; i++) {
        lo = b->ids[i] < lo ? b->ids[i] : lo;
        hi = b->ids[i] > hi ? b->ids[i] : hi;
    }
    if ((uint64_t)hi - (uint64_t)lo > 4u * (uint64_t)b->n)
        return 0;
    return store_alert_households(en->w, lo, hi, en->cap, en->live, &en->n_live, e);
}

/* A policy the pass did not run is listed like a failed one, so that
 * reconciliation leaves its findings and alerts exactly as they were; it is
 * neither counted nor audited as an error. Returns how many real errors res
 * held (the ones before the added entries). */
static size_t add_out_of_scope(struct engine *en, uint64_t scope, struct eval_result *res)
{
    size_t real = res->n_errors;
    for (size_t i = 0; i < en->set->n_policies && i < 64; i++) {
        const struct policy *p = &en->set->policies[i];
        if (!(scope >> i & 1) && eval_result_add_error(res, p->name, p->source, "not in this pass"))
            break;
    }
    return real;
}

static int write_slot(struct engine *en, struct worker_item *s, uint64_t scope, const char *now,
                      struct engine_stats *st, struct err *e)
{
    st->households++;
    if (s->outcome == OUTCOME_GONE) {
        st->gone++;
        return store_forget_household(en->w, s->id, now, e);
    }
    if (s->outcome == OUTCOME_MALFORMED) {
        st->malformed++;
        /* Never the message in the log: it may quote the bad value. */
        log_event(LOG_WARN, "household.malformed",
                  "household %lld: malformed record; data_quality alert raised", (long long)s->id);
        int rc = store_data_quality_alert(en->w, s->id, s->msg, now, e);
        return rc ? rc : store_eval_audit(en->w, s->id, now, 0, s->msg, e);
    }
    struct reconcile_stats rs = {0};
    int no_live =
        en->n_live >= 0 && !bsearch(&s->id, en->live, (size_t)en->n_live, sizeof *en->live, cmp_id);
    int partial = (scope & all_policies(en)) != all_policies(en);
    size_t real = partial ? add_out_of_scope(en, scope, &s->res) : s->res.n_errors;
    int rc = store_reconcile_hinted(
        en->w, &s->res, now,
        (no_live ? RECONCILE_NO_LIVE_ALERTS : 0) | (partial ? RECONCILE_NO_DIGEST : 0), &rs, e);
    s->res.n_errors = real;
    if (rc)
        return rc;
    st->inserted += rs.inserted;
    st->updated += rs.updated;
    st->withdrawn += rs.withdrawn;
    st->unchanged += rs.unchanged;
    st->errors += (long)s->res.n_errors;
    /* The audit row describes a whole evaluation: a pass of some policies
     * leaves the last one standing. */
    if (partial)
        return 0;
    if (!s->res.n_errors)
        return store_eval_audit(en->w, s->id, now, (int)s->res.n_findings, NULL, e);
    char errors[4096] = "";
    for (size_t i = 0; i < s->res.n_errors; i++) {
        size_t len = strlen(errors);
        snprintf(errors + len, sizeof errors - len, "%s%s: %s", len ? "; " : "",
                 s->res.errors[i].policy, s->res.errors[i].msg);
    }
    return store_eval_audit(en->w, s->id, now, (int)s->res.n_findings, errors, e);
}

/* The batch's one transaction. ERR_BUSY here means "the cursor moved under
 * us" (another fupin process): nothing was written, read the batch again. */
static int write_batch(struct engine *en, struct batch *b, const atomic_int *stop,
                       struct engine_stats *st, struct err *e)
{
    int rc = store_begin(en->w, stop, e);
    if (rc)
        return rc;
    if (b->is_journal) {
        int64_t now_cursor;
        if ((rc = store_cursor_get(en->w, &now_cursor, e)) != 0)
            goto fail;
        if (now_cursor != b->cursor) {
            rc = err_set(e, ERR_BUSY, _("journal cursor moved by another process"));
            goto fail;
        }
    }
    if ((rc = find_live_alerts(en, b, e)) != 0)
        goto fail;
    char now[20];
    engine_now(now);
    struct engine_stats bs = {0};
    for (int i = 0; i < b->n; i++)
        if ((rc = write_slot(en, &b->slots[i], b->slots[i].scope, now, &bs, e)) != 0)
            goto fail;
    if (b->is_journal) {
        if ((rc = store_cursor_set(en->w, b->upto, e)) != 0 ||
            (rc = store_journal_trim(en->w, b->upto, e)) != 0)
            goto fail;
    }
    /* A household just evaluated needs no pending re-evaluation. */
    if (b->n && (rc = store_pending_clear(en->w, b->ids, b->n, e)) != 0)
        goto fail;
    if ((rc = store_commit(en->w, e)) != 0)
        goto fail;
    if (st) {
        st->households += bs.households;
        st->inserted += bs.inserted;
        st->updated += bs.updated;
        st->withdrawn += bs.withdrawn;
        st->unchanged += bs.unchanged;
        st->gone += bs.gone;
        st->malformed += bs.malformed;
        st->errors += bs.errors;
    }
    return 0;
fail:
    store_rollback(en->w);
    return rc;
}

/* What each slot of b runs and reads. A journal change re-runs the
 * policies that read what changed (a change to the household's own row:
 * every one); a pending pass its scope. A household reads the lists of the
 * policies it runs, and those that changed (so a malformed new row is still
 * seen, even by no policy); one run by every policy, or with a live
 * data_quality alert, reads every list, since a successful read resolves
 * that alert. */
static int slot_reads(struct engine *en, struct batch *b, struct err *e)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int i = 0; i < b->n; i++) {
        struct worker_item *s = &b->slots[i];
        s->scope = b->is_journal ? policy_set_readers(en->set, b->changed[i]) : b->scope;
        s->lists = policy_set_lists(en->set, ~s->scope) | (b->changed[i] & HOUSEHOLD_ALL_LISTS);
        /* A pass of every policy checks every record, as it always did
         * (a malformed row of a list no policy reads still raises its
         * data_quality alert there). */
        if ((s->scope & all_policies(en)) == all_policies(en))
            s->lists = HOUSEHOLD_ALL_LISTS;
        if (s->lists != HOUSEHOLD_ALL_LISTS) {
            lo = s->id < lo ? s->id : lo;
            hi = s->id > hi ? s->id : hi;
        }
    }
    if (lo > hi)
        return 0; /* every household is read whole anyway */
    int n_quality = 0;
    int rc = store_data_quality_households(en->w, lo, hi, en->cap, b->quality, &n_quality, e);
    for (int i = 0; rc == 0 && i < b->n; i++) {
        struct worker_item *s = &b->slots[i];
        if (n_quality < 0 ||
            bsearch(&s->id, b->quality, (size_t)n_quality, sizeof *b->quality, cmp_id))
            s->lists = HOUSEHOLD_ALL_LISTS;
    }
    return rc;
}

/* Fills b with the journal rows after cursor, else (pending_ok) the pending
 * marks above after. */
static int batch_choose(struct engine *en, struct batch *b, int64_t cursor, int64_t after,
                        int pending_ok, struct err *e)
{
    b->n = 0;
    b->cursor = cursor;
    int rc = store_journal_read(en->w, cursor, en->batch, b->ids, &b->n, &b->upto, e);
    if (rc)
        return rc;
    b->is_journal = b->upto > cursor;
    b->scope = ~0ull;
    if (!b->is_journal) {
        b->n = 0;
        if (pending_ok &&
            (rc = store_pending_take_after(en->w, after, en->batch, b->ids, &b->n, e)) != 0)
            return rc;
        if (b->n && (rc = pending_scope(en, &b->scope, e)) != 0)
            return rc;
    }
    for (int i = 0; i < b->n; i++) {
        b->slots[i].id = b->ids[i];
        b->changed[i] = 0;
    }
    if (b->is_journal && b->n &&
        (rc = store_journal_lists(en->w, cursor, b->upto, b->ids, b->n, b->changed, e)) != 0)
        return rc;
    return slot_reads(en, b, e);
}

/* Chooses the batch after b as if b had committed (the journal from b's upto,
 * pending marks above b's last id) and starts evaluating it. After a journal
 * batch only more journal is taken: pending marks of b's households are not
 * cleared yet. Nothing here is an error: without a next batch the next step
 * reads afresh from the database. */
static void prefetch(struct engine *en, const struct batch *b)
{
    struct batch *nb = &en->b[en->cur ^ 1];
    struct err ignored;
    int64_t cursor = b->is_journal ? b->upto : b->cursor;
    int64_t after = b->is_journal || b->n == 0 ? INT64_MIN : b->ids[b->n - 1];
    if (batch_choose(en, nb, cursor, after, !b->is_journal, &ignored) == 0 && nb->n > 0)
        eval_start(en, nb, 1);
}

/* Raises the policy_error alert of each newly quarantined policy, once. */
static void alert_quarantined(struct engine *en)
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

int engine_step(struct engine *en, const atomic_int *stop, struct engine_stats *stats,
                struct err *e)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    en->stop = stop;
    for (int attempt = 0;; attempt++) {
        int rc;
        if (en->inflight) {
            /* A failed evaluation wrote nothing; the next step starts afresh. */
            if ((rc = eval_join(en, e)) != 0)
                return rc;
            en->cur ^= 1;
        } else {
            struct batch *b = &en->b[en->cur];
            int64_t cursor;
            rc = store_cursor_get(en->w, &cursor, e);
            if (rc == 0)
                rc = batch_choose(en, b, cursor, INT64_MIN, 1, e);
            if (rc)
                return rc;
            if (!b->is_journal && b->n == 0)
                return 0;
            eval_start(en, b, 0);
            if ((rc = eval_join(en, e)) != 0)
                return rc;
        }
        struct batch *b = &en->b[en->cur];
        prefetch(en, b);
        rc = write_batch(en, b, stop, stats, e);
        if (rc) {
            engine_drain(en);
            if (rc == ERR_BUSY && attempt < 3)
                continue;
            return rc;
        }
        if (stats)
            stats->ms += ms_since(&t0);
        alert_quarantined(en);
        return b->n;
    }
}

/* ---- marks ---- */

static int mark_all_in_tx(struct engine *en, struct err *e)
{
    int rc = mark_scope(en, "*", e);
    return rc ? rc : record_all_fingerprints(en, e);
}

int engine_mark_all(struct engine *en, const atomic_int *stop, struct err *e)
{
    engine_drain(en);
    int rc = store_begin(en->w, stop, e);
    if (rc)
        return rc;
    if ((rc = mark_all_in_tx(en, e)) == 0)
        return store_commit(en->w, e);
    store_rollback(en->w);
    return rc;
}

/* Appends name; a list that would not fit becomes "*" (every policy), never
 * a cut name that would match none. */
static void list_add(char *names, size_t size, const char *name)
{
    size_t len = strlen(names);
    if (strcmp(names, "*") == 0)
        return;
    if (len + strlen(name) + 2 > size)
        snprintf(names, size, "*");
    else
        snprintf(names + len, size - len, "%s%s", len ? "," : "", name);
}

/* The policies whose fingerprint differs from the stored one, and those
 * with a stored one that are gone (neither loaded nor missing: their
 * findings are withdrawn by the pass, since no policy says them any more),
 * comma-separated into names; *n_current counts the loaded ones among them.
 * *n_stale counts stored rows to delete: the gone ones', and those of
 * missing policies, which did not run on what changed meanwhile, so their
 * return must count as a change. With forget they are deleted (in a
 * transaction). */
static int changed_policies(struct engine *en, int forget, char *names, size_t size,
                            size_t *n_current, size_t *n_stale, struct err *e)
{
    struct store_meta_row *rows = calloc(MAX_FPS, sizeof *rows);
    if (!rows)
        return err_set(e, ERR_FAIL, "out of memory");
    int n = 0;
    int rc = store_meta_prefixed(en->w, FP_PREFIX, MAX_FPS, rows, &n, e);
    if (n < 0)
        n = MAX_FPS; /* more than a set ever holds: the rest wait a turn */
    names[0] = 0;
    *n_current = *n_stale = 0;
    for (size_t i = 0; rc == 0 && i < en->set->n_policies; i++) {
        const struct policy *p = &en->set->policies[i];
        char fp[17];
        policy_set_fingerprint(en->set, i, fp);
        int same = 0;
        for (int k = 0; k < n && !same; k++)
            same = strcmp(rows[k].name, p->name) == 0 && strcmp(rows[k].value, fp) == 0;
        if (!same) {
            list_add(names, size, p->name);
            (*n_current)++;
        }
    }
    for (int k = 0; rc == 0 && k < n; k++) {
        if (policy_set_find(en->set, rows[k].name))
            continue;
        int missing = 0;
        for (size_t i = 0; i < en->set->n_missing && !missing; i++)
            missing = strcmp(en->set->missing[i].name, rows[k].name) == 0;
        if (!missing)
            list_add(names, size, rows[k].name);
        (*n_stale)++;
        if (forget) {
            char key[96];
            snprintf(key, sizeof key, FP_PREFIX "%s", rows[k].name);
            rc = store_meta_delete(en->w, key, e);
        }
    }
    free(rows);
    return rc;
}

int engine_mark_changed(struct engine *en, const atomic_int *stop, char *changed, size_t size,
                        struct err *e)
{
    engine_drain(en);
    char names[1024];
    size_t n_current = 0, n_stale = 0;
    if (changed && size)
        changed[0] = 0;
    int rc = store_begin(en->w, stop, e);
    if (rc)
        return rc;
    if ((rc = changed_policies(en, 1, names, sizeof names, &n_current, &n_stale, e)) != 0)
        goto fail;
    if (!names[0])
        return n_stale ? store_commit(en->w, e) : (store_rollback(en->w), 0);
    if (changed && size)
        snprintf(changed, size, "%s", names);
    if ((rc = mark_scope(en, names, e)) != 0 || (rc = record_all_fingerprints(en, e)) != 0)
        goto fail;
    return store_commit(en->w, e);
fail:
    store_rollback(en->w);
    return rc;
}

int engine_mark_if_changed(struct engine *en, const atomic_int *stop, int *marked, struct err *e)
{
    char names[1024];
    size_t n_current = 0, n_stale = 0;
    if (marked)
        *marked = 0;
    engine_drain(en);
    int rc = store_begin_read(en->w, e);
    if (rc)
        return rc;
    rc = changed_policies(en, 0, names, sizeof names, &n_current, &n_stale, e);
    store_rollback(en->w);
    if (rc || (!names[0] && !n_stale))
        return rc;
    if (!names[0])
        return engine_mark_changed(en, stop, NULL, 0, e);
    if (marked)
        *marked = 1;
    /* Everything is about to be evaluated: the journal so far adds nothing
     * (and after `fupin init --demo` it holds the whole city once more). */
    if (n_current == en->set->n_policies)
        return engine_begin_full(en, stop, e);
    return engine_mark_changed(en, stop, NULL, 0, e);
}

int engine_changed_policies(struct engine *en, char *names, size_t size, struct err *e)
{
    size_t n_current = 0, n_stale = 0;
    engine_drain(en);
    int rc = store_begin_read(en->w, e);
    if (rc)
        return rc;
    rc = changed_policies(en, 0, names, size, &n_current, &n_stale, e);
    store_rollback(en->w);
    return rc;
}

int engine_begin_policy(struct engine *en, const char *name, const atomic_int *stop, struct err *e)
{
    const struct policy *p = policy_set_find(en->set, name);
    if (!p)
        return err_set(e, ERR_NOTFOUND, "no policy named %s", name);
    engine_drain(en);
    int rc = store_begin(en->w, stop, e);
    if (rc)
        return rc;
    if ((rc = mark_scope(en, name, e)) != 0 ||
        (rc = record_fingerprint(en, (size_t)(p - en->set->policies), e)) != 0) {
        store_rollback(en->w);
        return rc;
    }
    return store_commit(en->w, e);
}

int engine_begin_full(struct engine *en, const atomic_int *stop, struct err *e)
{
    engine_drain(en);
    int64_t *ids = en->b[0].ids;
    int rc = store_begin(en->w, stop, e);
    if (rc)
        return rc;
    int64_t end;
    char now[20];
    engine_now(now);
    if ((rc = store_journal_end(en->w, &end, e)) != 0 ||
        (rc = store_cursor_set(en->w, end, e)) != 0 ||
        (rc = store_journal_trim(en->w, end, e)) != 0)
        goto fail;
    for (;;) {
        int n = 0;
        if ((rc = store_orphan_households(en->w, en->cap, ids, &n, e)) != 0)
            goto fail;
        for (int i = 0; i < n; i++)
            if ((rc = store_forget_household(en->w, ids[i], now, e)) != 0)
                goto fail;
        if (n < en->cap)
            break;
    }
    if ((rc = mark_all_in_tx(en, e)) != 0)
        goto fail;
    return store_commit(en->w, e);
fail:
    store_rollback(en->w);
    return rc;
}

/* ---- one household ---- */

static int read_one(struct engine *en, int64_t id, struct snapshot *snap, struct eval_result *res,
                    struct err *e)
{
    engine_drain(en);
    struct worker *w = &en->workers[0];
    config_today(en->cfg, en->today);
    eval_result_reset(res);
    res->household_id = id;
    int rc = store_begin_read(w->rd, e);
    if (rc)
        return rc;
    rc = snapshot_read(w->reader, id, en->today, snap, e);
    if (rc == 0)
        policy_runner_eval(w->runner, &snap->hh, res);
    else if (rc == ERR_NOTFOUND)
        err_set(e, rc, _("no household %lld"), (long long)id);
    store_rollback(w->rd);
    return rc;
}

int engine_explain(struct engine *en, int64_t id, struct snapshot *snap, struct eval_result *res,
                   struct err *e)
{
    return read_one(en, id, snap, res, e);
}

/* engine_eval_one on a worker process: the same path as a batch of one. */
static int eval_one_proc(struct engine *en, int64_t id, struct eval_result *res, struct err *e)
{
    engine_drain(en);
    config_today(en->cfg, en->today);
    struct batch *b = &en->b[0];
    struct worker_item *s = &b->slots[0];
    s->id = b->ids[0] = id;
    b->n = 1;
    b->is_journal = 0;
    b->scope = s->scope = ~0ull;
    s->lists = HOUSEHOLD_ALL_LISTS;
    int rc = run_share_proc(en, &en->workers[0], b, 0, 1, e);
    if (rc) {
        b->n = 0;
        return rc;
    }
    struct err we;
    int wrc = write_batch(en, b, en->stop, NULL, &we);
    b->n = 0;
    /* The caller takes the result; the slot keeps the caller's buffers. */
    eval_result_reset(res);
    struct eval_result swap = *res;
    *res = s->res;
    s->res = swap;
    if (wrc)
        return err_set(e, wrc, "%s", we.msg);
    if (s->outcome == OUTCOME_GONE)
        return err_set(e, ERR_NOTFOUND, _("no household %lld"), (long long)id);
    if (s->outcome == OUTCOME_MALFORMED)
        return err_set(e, ERR_INVALID, "%s", s->msg);
    return 0;
}

int engine_eval_one(struct engine *en, int64_t id, struct eval_result *res, struct err *e)
{
    if (en->exe)
        return eval_one_proc(en, id, res, e);
    struct batch *b = &en->b[0];
    struct worker_item *s = &b->slots[0];
    int rc = read_one(en, id, &en->workers[0].snap, res, e);
    if (rc && rc != ERR_NOTFOUND && rc != ERR_INVALID)
        return rc;
    /* The slot borrows res for the writer; hand it back untouched. */
    struct eval_result saved = s->res;
    s->id = id;
    s->outcome = rc == ERR_NOTFOUND  ? OUTCOME_GONE
                 : rc == ERR_INVALID ? OUTCOME_MALFORMED
                                     : OUTCOME_OK;
    snprintf(s->msg, sizeof s->msg, "%s", rc == ERR_INVALID ? e->msg : "");
    s->res = *res;
    b->ids[0] = id;
    b->n = 1;
    b->is_journal = 0;
    b->scope = s->scope = ~0ull;
    s->lists = HOUSEHOLD_ALL_LISTS;
    struct err we;
    int wrc = write_batch(en, b, NULL, NULL, &we);
    *res = s->res;
    s->res = saved;
    b->n = 0;
    if (wrc)
        return err_set(e, wrc, "%s", we.msg);
    return rc;
}

/* ---- policy alerts ---- */

int engine_policy_alert(struct engine *en, const char *file, const char *msg, struct err *e)
{
    char subject[160], city[64], now[20], text[1024];
    snprintf(subject, sizeof subject, "policy:%s", file);
    if (msg) {
        /* Built from messages cut to their buffers by bytes ("%.200s"). */
        snprintf(text, sizeof text, "%s", msg);
        policy_utf8_repair(text);
        msg = text;
    }
    engine_now(now);
    int rc = store_begin(en->w, NULL, e);
    if (rc)
        return rc;
    if (msg) {
        if ((rc = store_region_city(en->w, city, sizeof city, e)) != 0)
            goto fail;
        struct alert_spec a = {.kind = "policy_error",
                               .subject = subject,
                               .severity = SEVERITY_WARNING,
                               .region = city[0] ? city : NULL,
                               .level = "city",
                               .message = msg,
                               .source = "engine"};
        rc = store_alert_raise(en->w, &a, now, NULL, e);
    } else {
        rc = store_alert_resolve(en->w, "policy_error", subject, now, e);
    }
    if (rc)
        goto fail;
    return store_commit(en->w, e);
fail:
    store_rollback(en->w);
    return rc;
}

/* ---- lifecycle ---- */

static int slots_alloc(struct engine *en, int cap, struct err *e)
{
    if (cap <= en->cap)
        return 0;
    for (int k = 0; k < 2; k++) {
        struct batch *b = &en->b[k];
        struct worker_item *s = realloc(b->slots, (size_t)cap * sizeof *s);
        if (!s)
            return err_set(e, ERR_FAIL, _("out of memory"));
        memset(s + en->cap, 0, (size_t)(cap - en->cap) * sizeof *s);
        b->slots = s;
        int64_t *ids = realloc(b->ids, (size_t)cap * sizeof *ids);
        if (!ids)
            return err_set(e, ERR_FAIL, _("out of memory"));
        b->ids = ids;
        uint32_t *changed = realloc(b->changed, (size_t)cap * sizeof *changed);
        if (!changed)
            return err_set(e, ERR_FAIL, _("out of memory"));
        b->changed = changed;
        int64_t *quality = realloc(b->quality, (size_t)cap * sizeof *quality);
        if (!quality)
            return err_set(e, ERR_FAIL, _("out of memory"));
        b->quality = quality;
    }
    int64_t *live = realloc(en->live, (size_t)cap * sizeof *live);
    if (!live)
        return err_set(e, ERR_FAIL, _("out of memory"));
    en->live = live;
    en->cap = cap;
    return 0;
}

static void runners_free(struct engine *en)
{
    for (int k = 0; k < en->n_workers; k++) {
        policy_runner_free(en->workers[k].runner);
        en->workers[k].runner = NULL;
    }
}

int engine_open(const struct config *cfg, struct policy_set *set, struct engine **out,
                struct err *e)
{
    *out = NULL;
    struct engine *en = calloc(1, sizeof *en);
    if (!en) {
        policy_set_free(set);
        return err_set(e, ERR_FAIL, _("out of memory"));
    }
    en->cfg = cfg;
    en->set = set;
    pthread_mutex_init(&en->mu, NULL);
    int rc = store_open(cfg->database, STORE_WRITE, &en->w, e);
    if (rc)
        goto fail;
    en->batch = cfg->batch_size > 0 ? cfg->batch_size : 256;
    if ((rc = slots_alloc(en, en->batch, e)) != 0)
        goto fail;
    int n = cfg->workers > 0 ? cfg->workers : 1;
    if (!(en->workers = calloc((size_t)n, sizeof *en->workers))) {
        rc = err_set(e, ERR_FAIL, _("out of memory"));
        goto fail;
    }
    for (en->n_workers = 0; en->n_workers < n; en->n_workers++) {
        if ((rc = worker_init(en, &en->workers[en->n_workers], en->n_workers, e)) != 0) {
            en->n_workers++; /* so engine_close frees the half-made one */
            goto fail;
        }
    }
    *out = en;
    return 0;
fail:
    engine_close(en);
    return rc;
}

void engine_close(struct engine *en)
{
    if (!en)
        return;
    engine_drain(en);
    for (int k = 0; k < en->n_workers; k++) {
        worker_proc_kill(en->workers[k].proc);
        worker_free(&en->workers[k]);
    }
    free(en->workers);
    worker_snapshot_remove(en->lua_dir);
    free(en->exe);
    free(en->kills);
    pthread_mutex_destroy(&en->mu);
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < en->cap; i++)
            eval_result_free(&en->b[k].slots[i].res);
        free(en->b[k].slots);
        free(en->b[k].ids);
        free(en->b[k].changed);
        free(en->b[k].quality);
    }
    free(en->live);
    policy_set_free(en->set);
    store_close(en->w);
    free(en);
}

/* Process mode: the workers are rolled - killed now, started on the new
 * set's copy when the next batch needs them. */
static int roll_workers(struct engine *en, struct policy_set *new_set, struct err *e)
{
    char dir[4096];
    int rc = worker_snapshot_policies(new_set, dir, sizeof dir, e);
    if (rc) {
        policy_set_free(new_set);
        return rc;
    }
    for (int k = 0; k < en->n_workers; k++) {
        worker_proc_kill(en->workers[k].proc);
        en->workers[k].proc = NULL;
    }
    worker_snapshot_remove(en->lua_dir);
    snprintf(en->lua_dir, sizeof en->lua_dir, "%s", dir);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < en->cap; i++)
            eval_result_reset(&en->b[k].slots[i].res);
    policy_set_free(en->set);
    en->set = new_set;
    return 0;
}

int engine_set_policies(struct engine *en, struct policy_set *new_set, struct err *e)
{
    /* A batch evaluated ahead ran the old policies. */
    engine_drain(en);
    if (en->exe)
        return roll_workers(en, new_set, e);
    /* Build every new runner before dropping an old one, so a failure leaves
     * the engine running the old set. */
    struct policy_runner **runners = calloc((size_t)en->n_workers, sizeof *runners);
    int rc = runners ? 0 : err_set(e, ERR_FAIL, _("out of memory"));
    for (int k = 0; rc == 0 && k < en->n_workers; k++)
        rc = policy_runner_new(new_set, &runners[k], e);
    if (rc) {
        for (int k = 0; runners && k < en->n_workers; k++)
            policy_runner_free(runners[k]);
        free(runners);
        policy_set_free(new_set);
        return rc;
    }
    runners_free(en);
    for (int k = 0; k < en->n_workers; k++)
        en->workers[k].runner = runners[k];
    free(runners);
    /* Results of the last batch point into the old set's names. */
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < en->cap; i++)
            eval_result_reset(&en->b[k].slots[i].res);
    policy_set_free(en->set);
    en->set = new_set;
    return 0;
}

int engine_set_config(struct engine *en, const struct config *cfg, struct policy_set *new_set,
                      struct err *e)
{
    engine_drain(en);
    int batch = cfg->batch_size > 0 ? cfg->batch_size : 256;
    int rc = slots_alloc(en, batch, e);
    if (rc) {
        policy_set_free(new_set);
        return rc;
    }
    const struct config *old = en->cfg;
    en->cfg = cfg;
    if ((rc = engine_set_policies(en, new_set, e)) != 0) {
        en->cfg = old;
        return rc;
    }
    en->batch = batch;
    return 0;
}

const struct policy_set *engine_policies(const struct engine *en)
{
    return en->set;
}

int engine_spawn_workers(struct engine *en, const char *exe, struct err *e)
{
    engine_drain(en);
    if (!(en->exe = strdup(exe)))
        return err_set(e, ERR_FAIL, _("out of memory"));
    int rc = worker_snapshot_policies(en->set, en->lua_dir, sizeof en->lua_dir, e);
    if (rc) {
        free(en->exe);
        en->exe = NULL;
        return rc;
    }
    /* This process runs no policy from now on: drop the in-process runners. */
    runners_free(en);
    for (int k = 0; rc == 0 && k < en->n_workers; k++)
        rc = proc_ensure(en, &en->workers[k], e);
    return rc;
}

int engine_broken(struct engine *en, struct err *e)
{
    pthread_mutex_lock(&en->mu);
    int broken = en->broken;
    if (broken)
        err_set(e, ERR_FAIL, "%s", en->broken_msg);
    pthread_mutex_unlock(&en->mu);
    return broken;
}
