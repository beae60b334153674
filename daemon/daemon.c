/* daemon.c - the libuv loop of `fupin run`. Wake-ups (file events, the
 * data_version poll) only nudge the evaluation thread to read the journal
 * after the cursor: they are never the source of truth. Policy and config
 * reloads are checked off the loop and handed to the evaluation thread, which
 * swaps them in between batches. In `reload: review` mode a checked policy
 * edit is only staged (rule_stage.h) and the live set is the one activated
 * in the database. Writes nothing but the rule history and staged changes. */
#include "daemon.h"
#include "daemon_internal.h"
#include "i18n.h"
#include "log.h"
#include "rule_history.h"
#include "rule_stage.h"
#include "stop.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define LAST_RESORT_S 4 /* SIGTERM with a reload check stuck: exit after this */

/* ---- loop callbacks ---- */

static void on_debounce(uv_timer_t *t)
{
    struct daemon *d = t->data;
    if (d->n_changed)
        daemon_start_job(d, 0);
}

static void on_policy_event(uv_fs_event_t *h, const char *file, int events, int status)
{
    struct daemon *d = h->data;
    size_t len = file ? strlen(file) : 0;
    /* Editors' swap and backup files are not policies. */
    if (status < 0 || len < 5 || file[0] == '.' || strcmp(file + len - 4, ".lua") != 0 ||
        len >= sizeof d->changed[0])
        return;
    int known = 0;
    for (int i = 0; i < d->n_changed; i++)
        known |= strcmp(d->changed[i], file) == 0;
    if (!known && d->n_changed < MAX_CHANGED)
        snprintf(d->changed[d->n_changed++], sizeof d->changed[0], "%s", file);
    /* Saving is often several events (truncate, write, rename): wait for
     * the burst to end. */
    uv_timer_start(&d->debounce, on_debounce, 100, 0);
}

static void on_poll(uv_timer_t *t)
{
    struct daemon *d = t->data;
    int64_t v = store_data_version(d->probe);
    if (v != d->data_version) {
        d->data_version = v;
        daemon_nudge(d);
    }
}

static void on_recheck(uv_timer_t *t)
{
    struct daemon *d = t->data;
    on_poll(t);
    if (--d->rechecks > 0)
        uv_timer_start(&d->recheck, on_recheck, 60, 0);
}

static void on_db_event(uv_fs_event_t *h, const char *file, int events, int status);

static void resume_db_watch(struct daemon *d)
{
    if (!atomic_exchange(&d->db_paused, 0))
        return;
    if (uv_fs_event_start(&d->db_watch, on_db_event, d->db_dir, 0) != 0)
        d->watching_db = 0; /* the poll alone, as when it could not start */
    daemon_nudge(d);        /* what was committed while it was stopped */
}

static void on_db_resume(uv_async_t *a)
{
    resume_db_watch(a->data);
}

static void on_db_event(uv_fs_event_t *h, const char *file, int events, int status)
{
    struct daemon *d = h->data;
    if (status < 0 || !file)
        return;
    if (atomic_load(&d->eval_busy)) {
        uv_fs_event_stop(&d->db_watch);
        atomic_store(&d->db_paused, 1);
        /* Gone idle in between, without seeing the pause: resume now. */
        if (!atomic_load(&d->eval_busy))
            resume_db_watch(d);
        return;
    }
    size_t n = strlen(d->db_base);
    if (strncmp(file, d->db_base, n) != 0 || (file[n] != 0 && strcmp(file + n, "-wal") != 0))
        return;
    daemon_nudge(d);
    /* The WAL is written before the commit is published in the -shm index
     * (memory-mapped: no file event), so the nudge can come too early to
     * see it; look again once the writer is done. */
    d->rechecks = 4;
    uv_timer_start(&d->recheck, on_recheck, 10, 0);
}

static void on_close(uv_handle_t *h)
{
    (void)h;
}

static void close_all(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, on_close);
}

static void stop_all(struct daemon *d)
{
    pthread_mutex_lock(&d->mu);
    d->stop = 1;
    stop_request(&d->stop_flag);
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    /* The timer frees itself from its close callbacks: stop it before the
     * walk closes whatever handles are left. */
    nightly_timer_stop(d->nightly);
    d->nightly = NULL;
    uv_walk(&d->loop, close_all, NULL);
}

/* A reload is checked in this process (the new file is compiled and its
 * own cases run, under the Lua budgets): a file that hangs where no budget
 * reaches would keep the loop from ever returning. SIGTERM must end the
 * daemon anyway; nothing is lost by ending it hard, since every batch
 * commits atomically with its cursor and the workers die with us. */
static void *last_resort(void *arg)
{
    (void)arg;
    struct timespec ts = {LAST_RESORT_S, 0};
    while (nanosleep(&ts, &ts) != 0)
        ;
    log_event(LOG_ERROR, "daemon.stuck_exit",
              "a reload check is stuck in policy code: exiting without waiting for it");
    _exit(0);
    return NULL;
}

static void arm_last_resort(struct daemon *d)
{
    if (!d->job_running)
        return;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, last_resort, NULL) != 0)
        log_event(LOG_WARN, "daemon.no_last_resort", "cannot arm the shutdown's last resort");
    pthread_attr_destroy(&attr);
}

static void on_halt(uv_async_t *a)
{
    stop_all(a->data);
}

static void on_reconfig(uv_async_t *a)
{
    daemon_start_job(a->data, 1);
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct daemon *d = s->data;
    if (signum == SIGHUP) {
        log_event(LOG_INFO, "daemon.sighup", "SIGHUP: reloading the config from %s",
                  d->config_path);
        daemon_start_job(d, 1);
        return;
    }
    /* The workers are killed, whatever policy they are in: the batch in
     * flight is redone by the next start (nothing of it was committed). */
    log_event(LOG_INFO, "daemon.stopping", "%s: stopping the workers and the batch in flight",
              signum == SIGTERM ? "SIGTERM" : "SIGINT");
    arm_last_resort(d);
    stop_all(d);
}

/* ---- setup ---- */

static int watch_db(struct daemon *d, struct err *e)
{
    const char *path = d->cfg->database;
    const char *slash = strrchr(path, '/');
    char dir[1024];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
    else
        snprintf(dir, sizeof dir, ".");
    snprintf(d->db_base, sizeof d->db_base, "%s", slash ? slash + 1 : path);
    snprintf(d->db_dir, sizeof d->db_dir, "%s", dir);
    int rc = uv_fs_event_init(&d->loop, &d->db_watch);
    if (rc == 0) {
        d->db_watch.data = d;
        d->watching_db = 1;
        rc = uv_fs_event_start(&d->db_watch, on_db_event, d->db_dir, 0);
    }
    if (rc)
        log_event(LOG_WARN, "daemon.watch_db_failed",
                  "cannot watch %s (%s): relying on the %d ms poll", dir, uv_strerror(rc),
                  d->cfg->poll_ms);
    return 0;
}

/* The folder people edit: in review mode not the one the policies load from. */
static const char *watched_dir(const struct daemon *d)
{
    return d->review ? d->disk_dir : d->cfg->policies_dir;
}

static int watch_policies(struct daemon *d)
{
    int rc = uv_fs_event_init(&d->loop, &d->policy_watch);
    if (rc == 0) {
        d->policy_watch.data = d;
        d->watching_policies = 1;
        rc = uv_fs_event_start(&d->policy_watch, on_policy_event, watched_dir(d), 0);
    }
    if (rc)
        log_event(LOG_WARN, "daemon.watch_policies_failed",
                  "cannot watch %s (%s): policy changes need a SIGHUP", watched_dir(d),
                  uv_strerror(rc));
    return 0;
}

/* policies: moved on SIGHUP: watch the new folder. */
void daemon_rewatch_policies(struct daemon *d)
{
    if (d->watching_policies) {
        uv_fs_event_stop(&d->policy_watch);
        int rc = uv_fs_event_start(&d->policy_watch, on_policy_event, watched_dir(d), 0);
        if (rc)
            log_event(LOG_WARN, "daemon.watch_policies_failed",
                      "cannot watch %s (%s): policy changes need a SIGHUP", watched_dir(d),
                      uv_strerror(rc));
    }
}

static int setup(struct daemon *d, struct err *e)
{
    int rc;
    if ((rc = uv_loop_init(&d->loop)) != 0)
        return err_set(e, ERR_FAIL, _("event loop: %s"), uv_strerror(rc));
    if ((rc = store_open(d->cfg->database, STORE_READ, &d->probe, e)) != 0)
        return rc;
    d->data_version = store_data_version(d->probe);
    if ((rc = uv_async_init(&d->loop, &d->halt, on_halt)) != 0)
        return err_set(e, ERR_FAIL, _("event loop: %s"), uv_strerror(rc));
    d->halt.data = d;
    if ((rc = uv_async_init(&d->loop, &d->reconfig, on_reconfig)) != 0)
        return err_set(e, ERR_FAIL, _("event loop: %s"), uv_strerror(rc));
    d->reconfig.data = d;
    if ((rc = uv_async_init(&d->loop, &d->db_resume, on_db_resume)) != 0)
        return err_set(e, ERR_FAIL, _("event loop: %s"), uv_strerror(rc));
    d->db_resume.data = d;
    uv_signal_t *sigs[] = {&d->sig_term, &d->sig_int, &d->sig_hup};
    int nums[] = {SIGTERM, SIGINT, SIGHUP};
    for (int i = 0; i < 3; i++) {
        uv_signal_init(&d->loop, sigs[i]);
        sigs[i]->data = d;
        if ((rc = uv_signal_start(sigs[i], on_signal, nums[i])) != 0)
            return err_set(e, ERR_FAIL, _("signal handler: %s"), uv_strerror(rc));
    }
    uv_timer_init(&d->loop, &d->poll_timer);
    uv_timer_init(&d->loop, &d->debounce);
    uv_timer_init(&d->loop, &d->recheck);
    d->poll_timer.data = d->debounce.data = d->recheck.data = d;
    uint64_t poll = d->cfg->poll_ms > 0 ? (uint64_t)d->cfg->poll_ms : 500;
    uv_timer_start(&d->poll_timer, on_poll, poll, poll);
    watch_db(d, e);
    watch_policies(d);
    /* The nightly job shares this loop; the daemon is still useful
     * without it, so a failure is logged, not fatal. */
    struct err ne = {{0}};
    if (nightly_timer_start(&d->loop, d->cfg, &d->nightly, &ne) != 0) {
        d->nightly = NULL;
        log_event(LOG_ERROR, "nightly.not_scheduled", "nightly job not scheduled: %s", ne.msg);
    }
    return 0;
}

/* reload: review. From here on the daemon runs the texts the database
 * holds as live (the policy folder's, the first time), never the folder:
 * the engine's set is replaced by the one loaded from live_dir. */
static int start_review(struct daemon *d, struct config **cfg, struct err *e)
{
    rule_stage_dir(*cfg, (*cfg)->policies_dir, d->live_dir, sizeof d->live_dir);
    int64_t gen = 0;
    struct config *live = NULL;
    struct policy_set *set = NULL;
    d->disk_dir = strdup((*cfg)->policies_dir);
    d->disk_plugin_dir = strdup((*cfg)->plugin_dir);
    char plugins[1100];
    rule_stage_plugin_dir(d->live_dir, plugins, sizeof plugins);
    int rc = 0;
    /* Before any thread reads the environment: from here on every config
     * this process loads, and every worker it starts, loads the activated
     * plugins. */
    if (!d->disk_dir || !d->disk_plugin_dir || setenv("FUPIN_PLUGIN_DIR", plugins, 1) != 0)
        rc = err_set(e, ERR_FAIL, _("out of memory"));
    if (!rc)
        rc = rule_stage_live_config(*cfg, d->disk_dir, d->disk_plugin_dir, d->live_dir, &live, &gen,
                                    e);
    if (!rc)
        rc = policy_set_load(live, 0, &set, e);
    if (!rc)
        rc = engine_set_config(d->en, live, set, e); /* takes set, also on failure */
    if (rc) {
        config_free(live);
        free(d->disk_dir);
        free(d->disk_plugin_dir);
        d->disk_dir = d->disk_plugin_dir = NULL;
        return rc;
    }
    /* The file's config is no longer the engine's: the live one runs. */
    config_free(*cfg);
    *cfg = d->cfg = d->engine_cfg = live;
    d->review = 1;
    d->live_gen = gen;
    log_event(LOG_INFO, "review.started",
              "reload: review: running the live rule set of the database (change %lld); "
              "edits in %s are staged",
              (long long)gen, d->disk_dir);
    daemon_alert_missing(d->en);
    daemon_mark_all(d, "review: live rule set loaded");
    return 0;
}

int daemon_run(const char *config_path, struct config **cfg, struct engine *en, struct err *e)
{
    struct daemon *d = calloc(1, sizeof *d);
    if (!d)
        return err_set(e, ERR_FAIL, _("out of memory"));
    d->config_path = config_path;
    d->cfg = d->engine_cfg = *cfg;
    d->en = en;
    d->queue_tail = &d->queue;
    /* One thread API across the tree (pthreads); the wait is timed on the
     * monotonic clock so a clock change cannot stall it. */
    pthread_mutex_init(&d->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cv, &ca);
    pthread_condattr_destroy(&ca);
    if ((*cfg)->reload && strcmp((*cfg)->reload, "review") == 0) {
        int rc = start_review(d, cfg, e);
        if (rc) {
            pthread_cond_destroy(&d->cv);
            pthread_mutex_destroy(&d->mu);
            free(d);
            return rc;
        }
    }
    int rc = setup(d, e);
    /* After the store is open; its threads never touch the loop. */
    if (rc == 0 && d->cfg->http_listen && (rc = web_server_start(config_path, &d->web, e)) != 0)
        log_event(LOG_ERROR, "web.start_failed", "%s", e->msg);
    int thread_started = 0;
    if (rc == 0) {
        d->wake = 1; /* catch up on whatever happened while we were away */
        if (pthread_create(&d->thread, NULL, daemon_eval_thread, d) != 0)
            rc = err_set(e, ERR_FAIL, _("cannot start the evaluation thread"));
        else
            thread_started = 1;
    }
    if (rc == 0) {
        log_event(LOG_INFO, "daemon.started",
                  "fupin %s watching %s (policies %s, %d worker processes)", FUPIN_VERSION,
                  d->cfg->database, d->cfg->policies_dir, d->cfg->workers);
        uv_run(&d->loop, UV_RUN_DEFAULT);
    } else {
        d->stop = 1;
        stop_request(&d->stop_flag);
        uv_walk(&d->loop, close_all, NULL);
        uv_run(&d->loop, UV_RUN_DEFAULT);
    }
    web_server_stop(d->web);
    if (thread_started)
        pthread_join(d->thread, NULL);
    uv_loop_close(&d->loop);
    while (d->queue) {
        struct msg *next = d->queue->next;
        daemon_msg_free(d->queue);
        d->queue = next;
    }
    for (int i = 0; i < d->n_orphans; i++)
        config_free(d->orphans[i]);
    /* A config that never reached the engine was freed with its message
     * or as an orphan: the engine's is the one to hand back. */
    *cfg = d->engine_cfg;
    char fatal[256];
    snprintf(fatal, sizeof fatal, "%s", d->fatal);
    store_close(d->probe);
    free(d->disk_dir);
    free(d->disk_plugin_dir);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d);
    if (rc == 0 && fatal[0])
        rc = err_set(e, ERR_FAIL, "%s", fatal);
    else if (rc == 0)
        log_event(LOG_INFO, "daemon.stopped", "stopped");
    return rc;
}
