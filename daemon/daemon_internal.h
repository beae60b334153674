/* daemon_internal.h - what the daemon's three files share: the loop
 * (daemon.c), the evaluation thread (eval_thread.c) and the reload checks
 * run on the loop's thread pool (reload_job.c). Not for outside daemon/. */
#ifndef FUPIN_DAEMON_INTERNAL_H
#define FUPIN_DAEMON_INTERNAL_H

#include "config.h"
#include "engine.h"
#include "nightly_timer.h"
#include "policy_set.h"
#include "store.h"
#include "web_server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <uv.h>

#define MAX_CHANGED 16

/* What the loop hands the evaluation thread; applied between batches. */
enum msg_kind { MSG_POLICIES, MSG_CONFIG, MSG_POLICY_ALERT };

struct msg {
    enum msg_kind kind;
    struct policy_set *set; /* MSG_POLICIES, MSG_CONFIG: owned by the message */
    struct config *cfg;     /* MSG_CONFIG */
    char files[MAX_CHANGED][128];
    int n_files;
    char text[512]; /* MSG_POLICY_ALERT */
    int64_t gen;    /* review mode, MSG_CONFIG: the activation its rule set is */
    struct msg *next;
};

/* A reload checked on the thread pool: policies (changed files) or config. */
struct job {
    uv_work_t req;
    struct daemon *d;
    int is_config;
    struct config *cfg; /* the config to load policies with (or the new one) */
    char files[MAX_CHANGED][128];
    int n_files;
    struct policy_set *set; /* result */
    char *disk_dir;         /* review mode, config jobs: the new config's policy folder */
    int64_t staged;         /* review mode: the change proposed (0: none) */
    int64_t gen;            /* review mode, config jobs: the activation loaded */
    char blame[128];        /* the file at fault */
    char error[512];        /* "" on success */
};

struct daemon {
    uv_loop_t loop;
    const char *config_path;
    struct config *cfg; /* the loop's current config */
    struct engine *en;

    uv_signal_t sig_term, sig_int, sig_hup;
    uv_async_t halt;     /* the evaluation thread gives up: stop the loop */
    uv_async_t reconfig; /* review: an activation changed the params: reload the config */
    char fatal[256];     /* why, set before halt is sent; "" otherwise */
    uv_fs_event_t db_watch, policy_watch;
    uv_timer_t poll_timer, debounce, recheck;
    int rechecks; /* left after a file event */
    int watching_db, watching_policies;
    /* While the evaluation thread writes, every write of its own to the
     * WAL is a file event of the database folder (a wake-up of the loop,
     * and the kernel's queuing in the writer's write calls: a tenth of the
     * writer's time in a pass). The first event seen while it is busy
     * stops the watch; going idle with the watch stopped, the evaluation
     * thread sends db_resume, which starts it again and looks once. The
     * journal is read before every batch, so a change made meanwhile is
     * not missed; the data_version poll stays as it was. */
    atomic_int eval_busy, db_paused;
    uv_async_t db_resume;
    struct store *probe;           /* read connection for PRAGMA data_version */
    struct nightly_timer *nightly; /* the nightly job's schedule; NULL if it could not start */
    int64_t data_version;
    char db_base[256];
    char db_dir[1024]; /* the folder watched for the database's changes */

    char changed[MAX_CHANGED][128]; /* policy files changed, not yet checked */
    int n_changed;
    int job_running, config_again;

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;               /* on CLOCK_MONOTONIC */
    int wake, stop;                  /* under mu */
    atomic_int stop_flag;            /* read by store_begin's wait without the lock */
    struct msg *queue, **queue_tail; /* under mu */
    struct config *engine_cfg;       /* the evaluation thread's */
    struct config *orphans[8];       /* configs the engine refused; freed at exit */
    int n_orphans;

    /* reload: review. The configs' policies_dir then names live_dir, where
     * the live texts from the database are written; disk_dir is the policy
     * folder people edit (owned). live_gen: the activation that is live. */
    int review;
    char *disk_dir;
    char *disk_plugin_dir; /* the plugin folder people install into (owned) */
    char live_dir[1100];
    int64_t live_gen;
    uint64_t gen_checked_at; /* evaluation thread: the last look for an activation */
    int gen_recheck;         /* evaluation thread: a look was put off */
    /* reload: auto, evaluation thread: the reload whose difference is
     * measured once the re-evaluation is done (0: none). */
    struct store *diff_st;          /* the reload's record (NULL: nothing measured) */
    struct store_tally *diff_tally; /* its difference, counted by the engine */
    int64_t diff_id;
    char diff_since[20];
    char diff_policies[512];

    struct web_server *web; /* the console (http:), on its own threads; NULL when off */
};

/* Loop -> evaluation thread (eval_thread.c): wake it, queue a message for
 * it (applied between batches), free a message. */
void daemon_nudge(struct daemon *d);
void daemon_post(struct daemon *d, struct msg *m);
void daemon_msg_free(struct msg *m);
/* The evaluation thread's body (pthread_create's start routine). */
void *daemon_eval_thread(void *arg);
/* Marks for re-evaluation what the policies that changed read, and records
 * the versions that now run; on the evaluation thread (or before it starts). */
void daemon_mark_all(struct daemon *d, const char *why);
/* The Lua policy of set loaded from file (a name in the policy folder). */
const struct policy *daemon_policy_of_file(const struct policy_set *set, const char *file);

/* Reloads (reload_job.c), on the loop: checks a config (is_config) or the
 * changed policy files on the thread pool, then hands the result over. */
void daemon_start_job(struct daemon *d, int is_config);
/* The loop (daemon.c): policies: moved on SIGHUP, watch the new folder. */
void daemon_rewatch_policies(struct daemon *d);

#endif
