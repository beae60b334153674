/* engine.c - the evaluation pipeline, one batch at a time: journal or pending
 * marks -> household ids -> snapshots (worker threads, each on its own read
 * connection) -> policy_runner_eval -> store_reconcile -> one commit that also
 * moves the cursor. While batch k is written the workers already evaluate
 * batch k+1 (nothing of it is written until batch k has committed). Never
 * commits findings without the cursor move that covers them, and never moves
 * the cursor without the findings. */
#include "engine.h"
#include "log.h"
#include "store.h"
#include "store_alert.h"
#include "store_engine.h"
#include "store_findings.h"
#include "store_journal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum slot_status { SLOT_OK, SLOT_GONE, SLOT_MALFORMED };

/* One household of the batch: what its worker found, for the writer. */
struct slot {
    int64_t id;
    enum slot_status status;
    char msg[256]; /* SLOT_MALFORMED: the record at fault */
    struct eval_result res;
};

/* A batch's households and where it came from: journal rows after cursor up
 * to upto (is_journal), else pending marks. */
struct batch {
    struct slot *slots;
    int64_t *ids;
    int n;
    int64_t cursor, upto;
    int is_journal;
};

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

/* ---- fingerprint of what findings depend on besides the records ---- */

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s ? s : "", (s ? strlen(s) : 0) + 1);
}

/* Policy sources carry their content hash; params and as_of are hashed as
 * text so that an edited figure changes the fingerprint. */
static void fingerprint(const struct engine *en, char out[17])
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < en->set->n_policies; i++)
        h = fnv_str(h, en->set->policies[i].source);
    const struct config *cfg = en->cfg;
    for (size_t i = 0; i < cfg->n_params; i++) {
        const struct config_param *p = &cfg->params[i];
        char buf[64];
        h = fnv_str(h, p->key);
        snprintf(buf, sizeof buf, "%d %.17g", (int)p->type, p->number);
        h = fnv_str(h, buf);
        h = fnv_str(h, p->string);
        for (size_t y = 0; y < p->n_years; y++) {
            snprintf(buf, sizeof buf, "%d=%.17g", p->years[y], p->values[y]);
            h = fnv_str(h, buf);
        }
    }
    h = fnv_str(h, cfg->as_of);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
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
static int eval_slot(struct worker *w, struct slot *s, struct err *e)
{
    eval_result_reset(&s->res);
    s->res.household_id = s->id;
    s->msg[0] = 0;
    struct err se = {{0}};
    int rc = snapshot_read(w->reader, s->id, w->en->today, &w->snap, &se);
    if (rc == ERR_NOTFOUND) {
        s->status = SLOT_GONE;
        return 0;
    }
    if (rc == ERR_INVALID) {
        s->status = SLOT_MALFORMED;
        snprintf(s->msg, sizeof s->msg, "%s", se.msg);
        return 0;
    }
    if (rc)
        return err_set(e, rc, "%s", se.msg);
    s->status = SLOT_OK;
    policy_runner_eval(w->runner, &w->snap.hh, &s->res);
    return 0;
}

/* Each worker takes its share (a run of consecutive slots) of the batch,
 * inside one read transaction so all of its snapshots come from one state. */
static void *worker_run(void *arg)
{
    struct worker *w = arg;
    const struct batch *b = w->batch;
    int used = w->en->used;
    int from = (int)((long)b->n * w->index / used), to = (int)((long)b->n * (w->index + 1) / used);
    w->rc = store_begin_read(w->rd, &w->e);
    /* Pending batches come in ascending ids: each worker reads its share's
     * lists in one pass per table. */
    int ranged = w->rc == 0 && !b->is_journal && to - from > 1;
    if (ranged)
        w->rc = snapshot_range_begin(w->reader, b->ids[from], b->ids[to - 1], &w->e);
    for (int i = from; w->rc == 0 && i < to; i++)
        w->rc = eval_slot(w, &b->slots[i], &w->e);
    if (ranged)
        snapshot_range_end(w->reader);
    store_rollback(w->rd);
    return NULL;
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
            snprintf(w->e.msg, sizeof w->e.msg, "cannot start worker thread");
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

static int write_slot(struct engine *en, const struct slot *s, const char *now,
                      struct engine_stats *st, struct err *e)
{
    st->households++;
    if (s->status == SLOT_GONE) {
        st->gone++;
        return store_forget_household(en->w, s->id, now, e);
    }
    if (s->status == SLOT_MALFORMED) {
        st->malformed++;
        /* Never the message in the log: it may quote the bad value. */
        log_warn("household %lld: malformed record; data_quality alert raised", (long long)s->id);
        int rc = store_data_quality_alert(en->w, s->id, s->msg, now, e);
        return rc ? rc : store_eval_audit(en->w, s->id, now, 0, s->msg, e);
    }
    struct reconcile_stats rs = {0};
    int no_live = en->n_live >= 0 &&
                  !bsearch(&s->id, en->live, (size_t)en->n_live, sizeof *en->live, cmp_id);
    int rc = store_reconcile_hinted(en->w, &s->res, now, no_live, &rs, e);
    if (rc)
        return rc;
    st->inserted += rs.inserted;
    st->updated += rs.updated;
    st->withdrawn += rs.withdrawn;
    st->unchanged += rs.unchanged;
    st->errors += (long)s->res.n_errors;
    char errors[512] = "";
    for (size_t i = 0; i < s->res.n_errors; i++) {
        size_t len = strlen(errors);
        snprintf(errors + len, sizeof errors - len, "%s%s: %s", len ? "; " : "",
                 s->res.errors[i].policy, s->res.errors[i].msg);
    }
    return store_eval_audit(en->w, s->id, now, (int)s->res.n_findings, errors[0] ? errors : NULL,
                            e);
}

/* The batch's one transaction. ERR_BUSY here means "the cursor moved under
 * us" (another fupin process): nothing was written, read the batch again. */
static int write_batch(struct engine *en, const struct batch *b, const atomic_int *stop,
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
            rc = err_set(e, ERR_BUSY, "journal cursor moved by another process");
            goto fail;
        }
    }
    if ((rc = find_live_alerts(en, b, e)) != 0)
        goto fail;
    char now[20];
    engine_now(now);
    struct engine_stats bs = {0};
    for (int i = 0; i < b->n; i++)
        if ((rc = write_slot(en, &b->slots[i], now, &bs, e)) != 0)
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
    if (!b->is_journal) {
        b->n = 0;
        if (pending_ok &&
            (rc = store_pending_take_after(en->w, after, en->batch, b->ids, &b->n, e)) != 0)
            return rc;
    }
    for (int i = 0; i < b->n; i++)
        b->slots[i].id = b->ids[i];
    return 0;
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

int engine_step(struct engine *en, const atomic_int *stop, struct engine_stats *stats,
                struct err *e)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
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
        const struct batch *b = &en->b[en->cur];
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
        return b->n;
    }
}

/* ---- marks ---- */

static int mark_all_in_tx(struct engine *en, struct err *e)
{
    char fp[17];
    fingerprint(en, fp);
    int rc = store_pending_mark_all(en->w, e);
    return rc ? rc : store_meta_set(en->w, "policy_fingerprint", fp, e);
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

int engine_mark_if_changed(struct engine *en, const atomic_int *stop, int *marked, struct err *e)
{
    char fp[17], stored[64];
    fingerprint(en, fp);
    if (marked)
        *marked = 0;
    int rc = store_meta_get(en->w, "policy_fingerprint", stored, sizeof stored, e);
    if (rc || strcmp(fp, stored) == 0)
        return rc;
    if (marked)
        *marked = 1;
    /* Everything is about to be evaluated: the journal so far adds nothing
     * (and after `fupin init --demo` it holds the whole city once more). */
    return engine_begin_full(en, stop, e);
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
        err_set(e, rc, "no household %lld", (long long)id);
    store_rollback(w->rd);
    return rc;
}

int engine_explain(struct engine *en, int64_t id, struct snapshot *snap, struct eval_result *res,
                   struct err *e)
{
    return read_one(en, id, snap, res, e);
}

int engine_eval_one(struct engine *en, int64_t id, struct eval_result *res, struct err *e)
{
    struct batch *b = &en->b[0];
    struct slot *s = &b->slots[0];
    int rc = read_one(en, id, &en->workers[0].snap, res, e);
    if (rc && rc != ERR_NOTFOUND && rc != ERR_INVALID)
        return rc;
    /* The slot borrows res for the writer; hand it back untouched. */
    struct eval_result saved = s->res;
    s->id = id;
    s->status = rc == ERR_NOTFOUND ? SLOT_GONE : rc == ERR_INVALID ? SLOT_MALFORMED : SLOT_OK;
    snprintf(s->msg, sizeof s->msg, "%s", rc == ERR_INVALID ? e->msg : "");
    s->res = *res;
    b->ids[0] = id;
    b->n = 1;
    b->is_journal = 0;
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
    char subject[160], city[64], now[20];
    snprintf(subject, sizeof subject, "policy:%s", file);
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
        struct slot *s = realloc(b->slots, (size_t)cap * sizeof *s);
        if (!s)
            return err_set(e, ERR_FAIL, "out of memory");
        memset(s + en->cap, 0, (size_t)(cap - en->cap) * sizeof *s);
        b->slots = s;
        int64_t *ids = realloc(b->ids, (size_t)cap * sizeof *ids);
        if (!ids)
            return err_set(e, ERR_FAIL, "out of memory");
        b->ids = ids;
    }
    int64_t *live = realloc(en->live, (size_t)cap * sizeof *live);
    if (!live)
        return err_set(e, ERR_FAIL, "out of memory");
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
        return err_set(e, ERR_FAIL, "out of memory");
    }
    en->cfg = cfg;
    en->set = set;
    int rc = store_open(cfg->database, STORE_WRITE, &en->w, e);
    if (rc)
        goto fail;
    en->batch = cfg->batch_size > 0 ? cfg->batch_size : 256;
    if ((rc = slots_alloc(en, en->batch, e)) != 0)
        goto fail;
    int n = cfg->workers > 0 ? cfg->workers : 1;
    if (!(en->workers = calloc((size_t)n, sizeof *en->workers))) {
        rc = err_set(e, ERR_FAIL, "out of memory");
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
    for (int k = 0; k < en->n_workers; k++)
        worker_free(&en->workers[k]);
    free(en->workers);
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < en->cap; i++)
            eval_result_free(&en->b[k].slots[i].res);
        free(en->b[k].slots);
        free(en->b[k].ids);
    }
    free(en->live);
    policy_set_free(en->set);
    store_close(en->w);
    free(en);
}

int engine_set_policies(struct engine *en, struct policy_set *new_set, struct err *e)
{
    /* A batch evaluated ahead ran the old policies. */
    engine_drain(en);
    /* Build every new runner before dropping an old one, so a failure leaves
     * the engine running the old set. */
    struct policy_runner **runners = calloc((size_t)en->n_workers, sizeof *runners);
    int rc = runners ? 0 : err_set(e, ERR_FAIL, "out of memory");
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
