/* engine.h - one batch at a time: journal (or pending marks) -> households ->
 * snapshots -> every policy (pending marks: those of their scope) ->
 * reconciliation -> one commit with the cursor.
 * Owns one write connection and N evaluation workers: threads (each with its
 * own read connection, snapshot reader and policy runner), or after
 * engine_spawn_workers, threads that each drive a worker process. Not thread-safe: one thread
 * drives an engine; the workers are internal. Knows nothing of the event loop. */
#ifndef FUPIN_ENGINE_H
#define FUPIN_ENGINE_H

#include "config.h"
#include "err.h"
#include "policy_set.h"
#include "stop.h"
#include "store_snapshot.h"
#include "store_tally.h"

#include <stddef.h>
#include <stdint.h>

struct engine;

/* What one batch (or a run of batches) did. */
struct engine_stats {
    long households; /* evaluated (including gone and malformed) */
    long inserted, updated, withdrawn, unchanged;
    long gone;      /* household deleted: findings withdrawn */
    long malformed; /* data-quality alert raised, findings left as they were */
    long errors;    /* policy errors (that policy's findings left as they were) */
    double ms;
};

/* Opens the database for writing and starts cfg->workers evaluators on set.
 * cfg is borrowed and must outlive the engine (or the next engine_set_config);
 * set is owned by the engine from now on, also on failure. */
int engine_open(const struct config *cfg, struct policy_set *set, struct engine **out,
                struct err *e);
void engine_close(struct engine *en);

/* Evaluates one batch: up to batch_size households from the journal after the
 * cursor, else from the pending marks. Returns the number of households done
 * (0: nothing to do) or a negative code; on failure nothing was written and
 * the same batch is redone next time. *stop (may be NULL) is checked while
 * waiting for the write lock (ERR_STOPPED). stats (may be NULL) is added to.
 * While it writes, the workers go on evaluating the next batch, which the
 * next call writes (every other engine_* call drops it first: redone). */
int engine_step(struct engine *en, const atomic_int *stop, struct engine_stats *stats,
                struct err *e);

/* Marks every household for re-evaluation by every policy and records each
 * policy's fingerprint (policy_set_fingerprint), in one transaction. */
int engine_mark_all(struct engine *en, const atomic_int *stop, struct err *e);
/* Marks every household for re-evaluation by the policies whose fingerprint
 * changed since it was recorded (and gone ones, whose findings are then
 * withdrawn) and records the new ones; the other policies' findings are left
 * as they are. changed (may be NULL) gets their names, comma-separated, ""
 * when none changed (nothing marked). */
int engine_mark_changed(struct engine *en, const atomic_int *stop, char *changed, size_t size,
                        struct err *e);
/* At start-up: engine_begin_full when every policy's fingerprint changed
 * (first start), else engine_mark_changed when some did (a policy or config
 * change while stopped). *marked (may be NULL) says whether it marked. */
int engine_mark_if_changed(struct engine *en, const atomic_int *stop, int *marked, struct err *e);
/* Read-only: the names of the policies engine_mark_if_changed would mark
 * for (fingerprint changed, or gone), comma-separated into names; "" when
 * none, "*" when they do not fit. */
int engine_changed_policies(struct engine *en, char *names, size_t size, struct err *e);
/* For `fupin eval --all --policy NAME`: marks every household for
 * re-evaluation by that policy only and records its fingerprint.
 * ERR_NOTFOUND when no loaded policy has that name. */
int engine_begin_policy(struct engine *en, const char *name, const atomic_int *stop, struct err *e);
/* For `fupin eval --all`: in one transaction, moves the cursor to the end of
 * the journal (whatever it holds is about to be evaluated anyway), withdraws
 * the findings of households that no longer exist, and marks every household. */
int engine_begin_full(struct engine *en, const atomic_int *stop, struct err *e);

/* From now on, every change the writer makes to a finding of the policies
 * tally wants is counted there (a reload's difference, store_tally.h);
 * NULL stops counting. The caller keeps and frees the tally. */
void engine_set_tally(struct engine *en, struct store_tally *tally);

/* Replaces the policies between batches (hot reload); the engine takes new_set
 * and frees the old one. Does not mark anything: call engine_mark_all. */
int engine_set_policies(struct engine *en, struct policy_set *new_set, struct err *e);
/* Replaces config and policies (SIGHUP). The old config is the caller's to
 * free once this returns. */
int engine_set_config(struct engine *en, const struct config *cfg, struct policy_set *new_set,
                      struct err *e);
const struct policy_set *engine_policies(const struct engine *en);

/* From now on evaluates in engine.workers worker processes running exe
 * (`fupin worker`, see worker.h) instead of threads of this process, and
 * starts them. A worker that crashes or overruns the hard deadline
 * (limits.wall_ms x engine.worker_deadline_factor) is killed and
 * restarted; the policy it was on gets a policy_error on that household
 * only. ERR_FAIL when workers cannot be started (then engine_broken). */
int engine_spawn_workers(struct engine *en, const char *exe, struct err *e);
/* Nonzero (with the cause in e) once workers failed to start too many times
 * in a row: the daemon cannot evaluate anything and should exit. */
int engine_broken(struct engine *en, struct err *e);

/* Evaluates one household now and writes its findings (eval --household).
 * res is reset first and holds the result. Returns 0; ERR_NOTFOUND when there
 * is no such household (its stored findings are withdrawn); ERR_INVALID for a
 * malformed record (a data-quality alert is written); other negative codes on
 * failure. e says which in every case. */
int engine_eval_one(struct engine *en, int64_t id, struct eval_result *res, struct err *e);
/* Reads one household into snap and evaluates it into res without writing
 * (explain; set res->trace first to get the parameters). Same returns as
 * engine_eval_one. snap is the caller's (snapshot_free). */
int engine_explain(struct engine *en, int64_t id, struct snapshot *snap, struct eval_result *res,
                   struct err *e);

/* Raises (msg != NULL) or resolves (msg == NULL) the policy_error alert of a
 * policy file, routed to the city, in its own transaction. */
int engine_policy_alert(struct engine *en, const char *file, const char *msg, struct err *e);

/* "YYYY-MM-DD HH:MM:SS" UTC. */
void engine_now(char out[20]);

#endif
