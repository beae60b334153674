/* preview_run.c - a candidate rule set evaluated over every household on
 * one read-only snapshot, compared with the stored findings household by
 * household (preview.c sums it up). Never writes the database: every
 * connection is read-only and stays inside one read transaction. */
#include "i18n.h"
#include "preview_run.h"
#include "store.h"
#include "store_preview.h"
#include "store_snapshot.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Households read per read pass (snapshot_range_begin): one query per table
 * for the batch instead of one per household. */
#define BATCH 256

struct run {
    struct store *st;
    struct snapshot_reader *reader;
    struct policy_runner *runner;
    struct snapshot snap;
    struct eval_result res;
    struct arena arena;
    struct stored_finding *rows;
    size_t n_rows, cap_rows;
    struct preview_stored *before;
    size_t cap_before;
};

static int compare_one(struct run *r, struct preview *p, int64_t id, const char *today,
                       struct err *e)
{
    struct err se = {{0}};
    int rc = snapshot_read(r->reader, id, today, &r->snap, &se);
    if (rc == ERR_INVALID || rc == ERR_NOTFOUND) {
        /* The engine leaves a malformed household's findings as they are,
         * and so would an activation. */
        preview_add_malformed(p);
        return 0;
    }
    if (rc) {
        *e = se;
        return rc;
    }
    eval_result_reset(&r->res);
    r->res.household_id = id;
    policy_runner_eval(r->runner, &r->snap.hh, &r->res);
    arena_reset(&r->arena);
    if ((rc = store_preview_findings(r->st, id, &r->arena, &r->rows, &r->n_rows, &r->cap_rows,
                                     e)) != 0)
        return rc;
    if (r->n_rows > r->cap_before) {
        struct preview_stored *nb = realloc(r->before, r->n_rows * sizeof *nb);
        if (!nb)
            return err_set(e, ERR_FAIL, "out of memory");
        r->before = nb;
        r->cap_before = r->n_rows;
    }
    for (size_t i = 0; i < r->n_rows; i++) {
        r->before[i].f = r->rows[i].f;
        r->before[i].state = r->rows[i].state == STORED_ACCEPTED   ? PREVIEW_ACCEPTED
                             : r->rows[i].state == STORED_REJECTED ? PREVIEW_REJECTED
                                                                   : PREVIEW_OPEN;
    }
    if (preview_add(p, &r->snap.hh, r->before, r->n_rows, &r->res) != 0)
        return err_set(e, ERR_FAIL, "out of memory");
    return 0;
}

static void run_free(struct run *r)
{
    free(r->rows);
    free(r->before);
    arena_free(&r->arena);
    eval_result_free(&r->res);
    snapshot_free(&r->snap);
    if (r->runner)
        policy_runner_free(r->runner);
    if (r->reader)
        snapshot_reader_free(r->reader);
    if (r->st) {
        store_rollback(r->st);
        store_close(r->st);
    }
    memset(r, 0, sizeof *r);
}

/* One connection in a read transaction that has read (so its snapshot is
 * fixed), a snapshot reader and a policy runner. */
static int run_open(struct run *r, const struct config *cfg, const struct policy_set *set,
                    struct err *e)
{
    int64_t id;
    int n, rc = store_open(cfg->database, STORE_READ, &r->st, e);
    if (rc == 0 && (rc = snapshot_reader_new(r->st, &r->reader, e)) == 0 &&
        (rc = policy_runner_new(set, &r->runner, e)) == 0 && (rc = store_begin_read(r->st, e)) == 0)
        rc = store_preview_households(r->st, 0, 1, &id, &n, e);
    if (rc)
        run_free(r);
    return rc;
}

/* The households are shared out in batches among the threads, as the
 * engine's evaluators share them: each takes the next batch after the
 * last one taken. */
struct shared {
    pthread_mutex_t mu;
    int64_t after;
    int stop;
};

struct worker {
    pthread_t thread;
    struct run r;
    struct preview p;
    struct shared *sh;
    const char *today;
    int rc;
    struct err e;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    int64_t ids[BATCH];
    for (;;) {
        int n = 0, rc = 0;
        pthread_mutex_lock(&w->sh->mu);
        if (!w->sh->stop) {
            rc = store_preview_households(w->r.st, w->sh->after, BATCH, ids, &n, &w->e);
            if (rc == 0 && n > 0)
                w->sh->after = ids[n - 1];
            else
                w->sh->stop = 1;
        }
        pthread_mutex_unlock(&w->sh->mu);
        if (rc || n == 0) {
            w->rc = rc;
            break;
        }
        if ((rc = snapshot_range_begin(w->r.reader, ids[0], ids[n - 1], &w->e)) == 0) {
            for (int i = 0; i < n && !rc; i++)
                rc = compare_one(&w->r, &w->p, ids[i], w->today, &w->e);
            snapshot_range_end(w->r.reader);
        }
        if (rc) {
            w->rc = rc;
            pthread_mutex_lock(&w->sh->mu);
            w->sh->stop = 1;
            pthread_mutex_unlock(&w->sh->mu);
            break;
        }
    }
    return NULL;
}

/* Opens n runs that all read the same state of the database: another
 * program's commit between the first and the last would show as a change
 * of data_version on probe, and then they are opened again. After a few
 * tries one run is opened, which is always consistent with itself. */
static int open_runs(struct store *probe, const struct config *cfg, const struct policy_set *set,
                     struct worker *w, int *n, struct err *e)
{
    for (int attempt = 0; attempt < 5 && *n > 1; attempt++) {
        int64_t v0 = store_data_version(probe);
        int rc = 0, k = 0;
        for (; k < *n && !rc; k++)
            rc = run_open(&w[k].r, cfg, set, e);
        if (rc) {
            while (k-- > 0)
                run_free(&w[k].r);
            return rc;
        }
        if (store_data_version(probe) == v0)
            return 0;
        for (k = 0; k < *n; k++)
            run_free(&w[k].r);
    }
    *n = 1;
    return run_open(&w[0].r, cfg, set, e);
}

/* Every household in id order, streamed in batches through engine.workers
 * threads, on one state of the database read without writing. */
static int compare_all(const struct config *cfg, const struct policy_set *set, struct preview *p,
                       struct err *e)
{
    char today[11];
    config_today(cfg, today);
    struct store *probe;
    int rc = store_open(cfg->database, STORE_READ, &probe, e);
    if (rc)
        return rc;
    int n = cfg->workers > 0 ? cfg->workers : 1;
    struct worker *w = calloc((size_t)n, sizeof *w);
    struct shared sh = {.mu = PTHREAD_MUTEX_INITIALIZER};
    if (!w) {
        store_close(probe);
        return err_set(e, ERR_FAIL, "out of memory");
    }
    if ((rc = open_runs(probe, cfg, set, w, &n, e)) != 0)
        goto out;
    int started = 0;
    for (; started < n; started++) {
        w[started].sh = &sh;
        w[started].today = today;
        preview_init(&w[started].p);
        if (pthread_create(&w[started].thread, NULL, work, &w[started]) != 0) {
            pthread_mutex_lock(&sh.mu);
            sh.stop = 1;
            pthread_mutex_unlock(&sh.mu);
            rc = err_set(e, ERR_FAIL, "cannot start a thread");
            break;
        }
    }
    for (int i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
        if (w[i].rc && !rc) {
            rc = w[i].rc;
            *e = w[i].e;
        }
        if (preview_merge(p, &w[i].p) != 0 && !rc)
            rc = err_set(e, ERR_FAIL, "out of memory");
    }
    /* Officers read places by name; the codes stay beside them. */
    for (size_t i = 0; i < p->n_regions && !rc; i++) {
        const struct preview_group *g = &p->regions[i];
        char name[128];
        if ((rc = store_preview_region_name(w[0].r.st, g->b[0] ? g->b : g->a, name, sizeof name,
                                            e)) == 0)
            rc = preview_set_label(p, i, name);
    }
out:
    for (int i = 0; i < n; i++)
        run_free(&w[i].r);
    free(w);
    store_close(probe);
    return rc;
}

int preview_run(const struct config *cfg, const struct policy_set *set, struct preview *p,
                struct err *e)
{
    int rc = compare_all(cfg, set, p, e);
    if (rc == 0 && p->failed)
        rc = err_set(e, ERR_FAIL, "out of memory: the preview is incomplete");
    if (rc == 0)
        preview_finish(p);
    return rc;
}

int preview_candidate(const struct config *cfg, const char *policies_dir, const char *plugin_dir,
                      const char *params_path, struct preview *p, struct err *e)
{
    struct config *cand = NULL;
    struct policy_set *set = NULL;
    /* Strict, as `fupin check` loads: a candidate that does not load is
     * broken, never half previewed. */
    int rc = config_candidate(cfg, policies_dir, plugin_dir, params_path, &cand, e);
    if (rc == 0)
        rc = policy_set_load(cand, 1, &set, e);
    if (rc == 0)
        rc = preview_run(cfg, set, p, e);
    policy_set_free(set);
    config_free(cand);
    return rc;
}
