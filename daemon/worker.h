/* worker.h - evaluation in supervised worker processes. The daemon never
 * runs policy or plugin code itself: each worker is `fupin worker`, started
 * with fork+exec (posix_spawn) of the daemon's own binary, never a bare
 * fork - the daemon has threads (libuv's pool, the evaluation thread) and
 * open SQLite connections, and SQLite's POSIX lock bookkeeping and any
 * mutex held by another thread would be carried into a forked child. The
 * worker loads the config, the Lua policies the daemon runs (copied into a
 * private folder: see worker_snapshot_policies) and the plugins, opens its
 * own read-only connection, and answers batches over a socketpair in framed
 * messages (base/frame.h). Before every policy call it publishes "household
 * H, policy P" into a shared page, so when it crashes or overruns the hard
 * deadline the supervisor knows what to blame. Workers only read; the
 * daemon alone reconciles and commits. */
#ifndef FUPIN_WORKER_H
#define FUPIN_WORKER_H

#include "err.h"
#include "policy_set.h"
#include "stop.h"

#include <stdint.h>

enum worker_outcome { OUTCOME_OK, OUTCOME_GONE, OUTCOME_MALFORMED };

/* The frames of the protocol: HELLO (worker: its policies' names and
 * sources), BATCH (daemon: today, ids, what to skip and which lists to
 * read), RESULT (worker: one per household, in order, sent in bursts). */
enum { WORKER_HELLO = 1, WORKER_BATCH = 2, WORKER_RESULT = 3 };

/* One household of a batch as the supervisor tracks it. */
struct worker_item {
    int64_t id;
    /* The pass on this household: the policies it runs (bits by index; from
     * 64 on always) and the lists it reads (HOUSEHOLD_LIST_BITs). */
    uint64_t scope;
    uint32_t lists;
    uint64_t skip; /* policies (bits by index) not to run: out of scope, killed a worker, or
                      quarantined */
    enum worker_outcome outcome;
    char msg[256]; /* OUTCOME_MALFORMED: the record at fault */
    struct eval_result res;
    /* the supervisor's: policies that killed a worker on this household */
    uint64_t killed;
    int attempts; /* deaths outside any policy call on this household */
    char why[160];
};

/* Why a worker died: what it was doing (policy -1 when between calls). */
struct worker_death {
    int64_t household;
    int policy; /* index into the daemon's set->policies, or -1 */
    char what[160];
};

struct worker_proc;
struct frame_buf;

/* Decodes the RESULT frame in b (b->pos at its payload) into it. map turns
 * the worker's policy indexes (its HELLO order) into set's, -1 for one the
 * daemon lacks. Every finding and alert passes the emitter's checks again:
 * a worker is trusted no more than the policies it ran. ERR_INVALID when
 * the frame does not hold together (the supervisor treats the worker as
 * crashed). */
int worker_result_decode(struct frame_buf *b, const struct policy_set *set, const int *map,
                         int n_map, struct worker_item *it, struct err *e);

struct worker_spawn {
    const char *exe;         /* the fupin binary */
    const char *config_path; /* the config the daemon loaded */
    const char *lua_dir;     /* the policies the daemon runs (worker_snapshot_policies) */
    const struct policy_set *set;
    int deadline_ms;        /* one policy call longer than this: SIGKILL */
    const atomic_int *stop; /* may be NULL: waiting for the worker to load ends when set */
};

/* Starts one worker and waits for it to load (at most a minute). ERR_FAIL
 * with the cause when it cannot start or load, ERR_STOPPED when sp->stop. *out is the caller's
 * (worker_proc_kill). */
int worker_proc_start(const struct worker_spawn *sp, struct worker_proc **out, struct err *e);
/* SIGKILL, reap and free (NULL is fine). */
void worker_proc_kill(struct worker_proc *w);
int worker_proc_pid(const struct worker_proc *w);
/* Policies of the daemon's set the worker does not run in the same version
 * (a file changed between the daemon's load and the copy): as bits. */
uint64_t worker_proc_unavailable(const struct worker_proc *w);

/* Evaluates items[0..n) on w as of today, each reading its lists and
 * running what its skip leaves; *done says how many got their
 * result (res reset and filled, outcome, msg). Returns 0 when all did.
 * ERR_FAIL when the worker crashed, sent a bad frame or overran the
 * deadline: it is killed and freed (*wp = NULL) and death says what it was
 * on. ERR_STOPPED (worker killed too) as soon as *stop is set. */
int worker_proc_eval(struct worker_proc **wp, const char *today, struct worker_item *items, int n,
                     int ranged, const atomic_int *stop, int *done, struct worker_death *death,
                     struct err *e);

/* Copies the Lua files of set, exactly in the version set runs (checked by
 * content hash), into a new private folder under "<database>.workers/<pid>/"
 * whose last component matches the policies folder, so messages and sources
 * read the same; first removes what dead daemons left there. Writes its path
 * into dir (size >= 4096). A file changed since the load is left out: the
 * worker then reports that policy unavailable. */
int worker_snapshot_policies(const struct policy_set *set, char *dir, size_t size, struct err *e);
/* Removes such a folder, and the ones above it when empty (dir "" is fine). */
void worker_snapshot_remove(const char *dir);

/* The copy of the daemon's config text beside each set's policies folder. */
#define WORKER_CONFIG_COPY "config.yaml"

/* The worker process: `fupin worker`. Loads the config from copy (named
 * config_path, relative paths against copy_dir: config_load_copy), or from
 * config_path when copy is NULL. Returns the exit code. */
int worker_main(const char *config_path, const char *copy, const char *copy_dir,
                const char *lua_dir, int fd, int progress_fd);

#endif
