/* engine_internal.h - what the engine's files share: the batch, worker
 * and engine structs, and the functions one file offers the others
 * (engine.c: the pipeline and the writer; engine_marks.c: scopes,
 * fingerprints and marks; engine_workers.c: the worker threads and
 * processes). Not for outside daemon/. */
#ifndef FUPIN_ENGINE_INTERNAL_H
#define FUPIN_ENGINE_INTERNAL_H

#include "engine.h"
#include "store.h"
#include "store_journal.h"
#include "worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
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
    struct store_tally *tally; /* engine_set_tally's, or NULL */
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

/* engine_marks.c */
/* Every policy of the set as a scope mask. */
uint64_t engine_all_policies(const struct engine *en);
/* The scope of the pending marks, read with them (another fupin process
 * may have marked since). */
int engine_pending_scope(struct engine *en, uint64_t *mask, struct err *e);
/* Records every policy's fingerprint (in the caller's transaction). */
int engine_record_all_fingerprints(struct engine *en, struct err *e);

/* engine_workers.c */
int engine_worker_init(struct engine *en, struct worker *w, int index, struct err *e);
void engine_worker_free(struct worker *w);
/* Hands batch b to the workers (threads, or their processes); async: on
 * their own threads while the caller writes the batch before. */
void engine_eval_start(struct engine *en, struct batch *b, int async);
/* Waits for the workers of the batch in flight; their first error. */
int engine_eval_join(struct engine *en, struct err *e);
/* Waits for a batch in flight and forgets it (nothing of it is written). */
void engine_drain(struct engine *en);
/* Evaluates slots from..to of b on w's worker process (started if need
 * be), as a batch share; the results land in the slots. */
int engine_run_share_proc(struct engine *en, struct worker *w, struct batch *b, int from, int to,
                          struct err *e);
/* Starts w's worker process unless it runs (process mode). */
int engine_proc_ensure(struct engine *en, struct worker *w, struct err *e);
/* Raises the policy_error alert of each newly quarantined policy, once. */
void engine_alert_quarantined(struct engine *en);
/* The milliseconds since t0 (CLOCK_MONOTONIC). */
double engine_ms_since(const struct timespec *t0);

#endif
