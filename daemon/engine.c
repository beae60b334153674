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
#include "engine_internal.h"
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

_Static_assert(STORE_JOURNAL_ROW == POLICY_SET_ROW, "a row change must read as one to policies");

void engine_now(char out[20])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

double engine_ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
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
        return store_forget_household(en->w, s->id, now, en->tally, e);
    }
    if (s->outcome == OUTCOME_MALFORMED) {
        st->malformed++;
        /* Never the message in the log: it may quote the bad value. */
        log_event(LOG_WARN, "household.malformed",
                  "household %lld: malformed record; data_quality alert raised", (long long)s->id);
        int rc = store_data_quality_alert(en->w, s->id, s->msg, now, e);
        return rc ? rc : store_eval_audit(en->w, s->id, now, 0, s->msg, e);
    }
    struct reconcile_stats rs = {.tally = en->tally};
    int no_live =
        en->n_live >= 0 && !bsearch(&s->id, en->live, (size_t)en->n_live, sizeof *en->live, cmp_id);
    int partial = (scope & engine_all_policies(en)) != engine_all_policies(en);
    size_t real = partial ? add_out_of_scope(en, scope, &s->res) : s->res.n_errors;
    /* Out of the pass counts as failed: the digest keeps those policies'
     * part as it was. */
    int rc =
        store_reconcile_hinted(en->w, &s->res, now, no_live ? RECONCILE_NO_LIVE_ALERTS : 0, &rs, e);
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
        if ((s->scope & engine_all_policies(en)) == engine_all_policies(en))
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
        if (b->n && (rc = engine_pending_scope(en, &b->scope, e)) != 0)
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
        engine_eval_start(en, nb, 1);
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
            if ((rc = engine_eval_join(en, e)) != 0)
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
            engine_eval_start(en, b, 0);
            if ((rc = engine_eval_join(en, e)) != 0)
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
            stats->ms += engine_ms_since(&t0);
        engine_alert_quarantined(en);
        return b->n;
    }
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
    int rc = engine_run_share_proc(en, &en->workers[0], b, 0, 1, e);
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
        if ((rc = engine_worker_init(en, &en->workers[en->n_workers], en->n_workers, e)) != 0) {
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
        engine_worker_free(&en->workers[k]);
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

void engine_set_tally(struct engine *en, struct store_tally *tally)
{
    en->tally = tally;
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
        rc = engine_proc_ensure(en, &en->workers[k], e);
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
