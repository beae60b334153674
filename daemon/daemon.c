/* daemon.c - the libuv loop of `fupin run`. Wake-ups (file events, the
 * data_version poll) only nudge the evaluation thread to read the journal
 * after the cursor: they are never the source of truth. Policy and config
 * reloads are checked off the loop and handed to the evaluation thread, which
 * swaps them in between batches. In `reload: review` mode a checked policy
 * edit is only staged (rule_stage.h) and the live set is the one activated
 * in the database. Writes nothing but the rule history and staged changes. */
#include "daemon.h"
#include "casefile.h"
#include "i18n.h"
#include "log.h"
#include "nightly_timer.h"
#include "rule_history.h"
#include "rule_stage.h"
#include "stop.h"
#include "store.h"
#include "web_server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define MAX_CHANGED 16
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 5000
#define LAST_RESORT_S 4 /* SIGTERM with a reload check stuck: exit after this */

/* What the loop hands the evaluation thread; applied between batches. */
enum msg_kind { MSG_POLICIES, MSG_CONFIG, MSG_POLICY_ALERT };

struct msg {
    enum msg_kind kind;
    struct policy_set *set; /* MSG_POLICIES, MSG_CONFIG: owned by the message */
    struct config *cfg;     /* MSG_CONFIG */
    char files[MAX_CHANGED][128];
    int n_files;
    char text[512]; /* MSG_POLICY_ALERT */
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
    char blame[128];        /* the file at fault */
    char error[512];        /* "" on success */
};

struct daemon {
    uv_loop_t loop;
    const char *config_path;
    struct config *cfg; /* the loop's current config */
    struct engine *en;

    uv_signal_t sig_term, sig_int, sig_hup;
    uv_async_t halt; /* the evaluation thread gives up: stop the loop */
    char fatal[256]; /* why, set before halt is sent; "" otherwise */
    uv_fs_event_t db_watch, policy_watch;
    uv_timer_t poll_timer, debounce, recheck;
    int rechecks; /* left after a file event */
    int watching_db, watching_policies;
    struct store *probe;           /* read connection for PRAGMA data_version */
    struct nightly_timer *nightly; /* the nightly job's schedule; NULL if it could not start */
    int64_t data_version;
    char db_base[256];

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
    char live_dir[1100];
    int64_t live_gen;
    uint64_t gen_checked_at; /* evaluation thread: the last look for an activation */

    struct web_server *web; /* the console (http:), on its own threads; NULL when off */
};

/* ---- loop -> evaluation thread ---- */

static void nudge(struct daemon *d)
{
    pthread_mutex_lock(&d->mu);
    d->wake = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void post(struct daemon *d, struct msg *m)
{
    pthread_mutex_lock(&d->mu);
    m->next = NULL;
    *d->queue_tail = m;
    d->queue_tail = &m->next;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void msg_free(struct msg *m)
{
    policy_set_free(m->set);
    config_free(m->cfg);
    free(m);
}

/* ---- the evaluation thread ---- */

static void mark_all(struct daemon *d, const char *why);

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Review mode: a change activated in the database since the live set was
 * loaded is written out and swapped in, then re-evaluated. */
static void take_activation(struct daemon *d)
{
    struct err e = {{0}};
    int64_t gen;
    /* A full pass is thousands of batches: look a few times a second, not
     * after each one (the idle wait wakes at least every second). */
    if (now_ms() - d->gen_checked_at < 250)
        return;
    d->gen_checked_at = now_ms();
    if (rule_stage_generation(d->engine_cfg, &gen, &e) != 0 || gen == d->live_gen)
        return;
    struct policy_set *set = NULL;
    /* No seeding here: disk_dir belongs to the loop thread (SIGHUP). */
    int rc = rule_stage_write_live(d->engine_cfg, NULL, d->live_dir, &gen, &e);
    if (!rc)
        rc = policy_set_load(d->engine_cfg, 0, &set, &e);
    if (!rc)
        rc = engine_set_policies(d->en, set, &e);
    /* Once per activation, also when it fails: retrying cannot help. */
    d->live_gen = gen;
    if (rc) {
        log_event(LOG_ERROR, "review.activate_failed",
                  "change %lld: cannot put it live, keeping the running version: %s",
                  (long long)gen, e.msg);
        return;
    }
    log_event(LOG_INFO, "review.activated", "change %lld is live", (long long)gen);
    char why[64];
    snprintf(why, sizeof why, "change %lld activated", (long long)gen);
    mark_all(d, why);
}

/* Only the policies whose source, params or version changed are run again. */
static void mark_all(struct daemon *d, const char *why)
{
    struct err e;
    /* What now runs joins the rule history (store_rules.h). */
    if (rule_history_record(engine_policies(d->en), "daemon", &e) != 0)
        log_event(LOG_WARN, "rules.record_failed", "%s: cannot record the rule versions: %s", why,
                  e.msg);
    char changed[512];
    if (engine_mark_changed(d->en, &d->stop_flag, changed, sizeof changed, &e) != 0)
        log_event(LOG_ERROR, "daemon.mark_failed",
                  "%s: cannot mark households for re-evaluation: %s", why, e.msg);
    else if (changed[0])
        log_event(LOG_INFO, "daemon.marked_all",
                  "%s: every household marked for re-evaluation by %s", why, changed);
    else
        log_event(LOG_INFO, "daemon.marked_all", "%s: no policy changed, nothing to re-evaluate",
                  why);
}

static const struct policy *policy_of_file(const struct policy_set *set, const char *file)
{
    char needle[160];
    snprintf(needle, sizeof needle, "/%s@", file);
    for (size_t i = 0; i < set->n_policies; i++)
        if (set->policies[i].kind == POLICY_LUA && strstr(set->policies[i].source, needle))
            return &set->policies[i];
    return NULL;
}

void daemon_alert_missing(struct engine *en)
{
    const struct policy_set *set = engine_policies(en);
    for (size_t i = 0; i < set->n_missing; i++) {
        struct err e;
        char text[600];
        snprintf(text, sizeof text,
                 _("policy %s is not running (its findings are kept as they were): %s"),
                 set->missing[i].file, set->missing[i].msg);
        if (engine_policy_alert(en, set->missing[i].file, text, &e) != 0)
            log_event(LOG_ERROR, "alert.raise_failed",
                      "cannot raise the policy_error alert for %s: %s", set->missing[i].file,
                      e.msg);
    }
}

static void apply(struct daemon *d, struct msg *m)
{
    struct err e = {{0}};
    if (m->kind == MSG_POLICY_ALERT) {
        if (engine_policy_alert(d->en, m->files[0], m->text, &e) != 0)
            log_event(LOG_ERROR, "alert.raise_failed",
                      "cannot raise the policy_error alert for %s: %s", m->files[0], e.msg);
    } else if (m->kind == MSG_POLICIES) {
        struct policy_set *set = m->set;
        m->set = NULL;
        if (engine_set_policies(d->en, set, &e) != 0) {
            log_event(LOG_ERROR, "reload.policy_failed",
                      "policy reload failed, keeping the running version: %s", e.msg);
            return;
        }
        for (int i = 0; i < m->n_files; i++) {
            const struct policy *p = policy_of_file(engine_policies(d->en), m->files[i]);
            if (p)
                log_event(LOG_INFO, "reload.policy_done", "policy %s reloaded: %s", p->name,
                          p->source);
            else
                log_event(LOG_INFO, "reload.policy_removed", "policy file %s removed", m->files[i]);
            if (engine_policy_alert(d->en, m->files[i], NULL, &e) != 0)
                log_event(LOG_WARN, "alert.resolve_failed",
                          "cannot resolve the policy_error alert for %s: %s", m->files[i], e.msg);
        }
        mark_all(d, "policies reloaded");
    } else {
        struct config *old = d->engine_cfg;
        struct policy_set *set = m->set;
        m->set = NULL;
        if (engine_set_config(d->en, m->cfg, set, &e) != 0) {
            log_event(LOG_ERROR, "reload.config_failed",
                      "config reload failed, keeping the running config: %s", e.msg);
            if (d->n_orphans < 8)
                d->orphans[d->n_orphans++] = m->cfg;
            m->cfg = NULL;
            return;
        }
        d->engine_cfg = m->cfg;
        m->cfg = NULL;
        config_free(old);
        log_event(LOG_INFO, "reload.config_done", "config reloaded from %s", d->engine_cfg->path);
        daemon_alert_missing(d->en);
        mark_all(d, "config reloaded");
    }
}

/* Batches written since the last log line: a full pass over a city is a
 * few thousand batches, so they are summed into one line every few seconds;
 * a lone batch (a change made by a case worker) is logged as soon as the
 * engine is idle again. */
struct batch_log {
    int batches;
    long households;
    struct engine_stats st;
    uint64_t since;
};

static void log_batches(struct batch_log *bl)
{
    if (!bl->batches)
        return;
    const struct engine_stats *st = &bl->st;
    log_event(LOG_INFO, "batch.done",
              "batch: %ld households in %d transaction%s, findings %ld inserted, %ld updated, "
              "%ld withdrawn, %ld unchanged; %ld gone, %ld malformed, %ld policy errors; %.0f ms",
              bl->households, bl->batches, bl->batches == 1 ? "" : "s", st->inserted, st->updated,
              st->withdrawn, st->unchanged, st->gone, st->malformed, st->errors, st->ms);
    memset(bl, 0, sizeof *bl);
}

static void add_batch(struct batch_log *bl, int n, const struct engine_stats *st)
{
    if (!bl->batches)
        bl->since = now_ms();
    bl->batches++;
    bl->households += n;
    bl->st.inserted += st->inserted;
    bl->st.updated += st->updated;
    bl->st.withdrawn += st->withdrawn;
    bl->st.unchanged += st->unchanged;
    bl->st.gone += st->gone;
    bl->st.malformed += st->malformed;
    bl->st.errors += st->errors;
    bl->st.ms += st->ms;
    if (now_ms() - bl->since >= 5000)
        log_batches(bl);
}

static void *eval_thread(void *arg)
{
    struct daemon *d = arg;
    uint64_t retry_at = 0;
    long backoff = 0;
    int idle_logged = 0; /* the catch-up on start is over */
    struct batch_log batches = {0};
    char last_error[256] = "";
    for (;;) {
        pthread_mutex_lock(&d->mu);
        while (!d->stop && !d->queue && !d->wake && !(retry_at && now_ms() >= retry_at)) {
            uint64_t wait = retry_at ? retry_at - now_ms() : 1000;
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            uint64_t ns = (uint64_t)until.tv_nsec + (wait ? wait : 1) * 1000000u;
            until.tv_sec += (time_t)(ns / 1000000000u);
            until.tv_nsec = (long)(ns % 1000000000u);
            pthread_cond_timedwait(&d->cv, &d->mu, &until);
        }
        if (d->stop) {
            pthread_mutex_unlock(&d->mu);
            break;
        }
        struct msg *msgs = d->queue;
        d->queue = NULL;
        d->queue_tail = &d->queue;
        d->wake = 0;
        pthread_mutex_unlock(&d->mu);

        while (msgs) {
            struct msg *next = msgs->next;
            apply(d, msgs);
            msg_free(msgs);
            msgs = next;
        }
        if (d->review)
            take_activation(d);
        /* After a failure, wake-ups wait for the backoff: a full disk is not
         * helped by retrying on every file event. */
        if (retry_at && now_ms() < retry_at)
            continue;

        struct engine_stats st = {0};
        struct err e = {{0}};
        int n = engine_step(d->en, &d->stop_flag, &st, &e);
        if (n == ERR_STOPPED)
            break;
        struct err be;
        if (n < 0 && engine_broken(d->en, &be)) {
            /* Nothing can be evaluated any more: better a clear exit for
             * the service manager than a daemon that only pretends. */
            log_event(LOG_ERROR, "daemon.fatal", "%s: stopping", be.msg);
            pthread_mutex_lock(&d->mu);
            snprintf(d->fatal, sizeof d->fatal, "%s", be.msg);
            pthread_mutex_unlock(&d->mu);
            uv_async_send(&d->halt);
            break;
        }
        if (n < 0) {
            backoff = backoff ? (backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2)
                              : BACKOFF_MIN_MS;
            retry_at = now_ms() + (uint64_t)backoff;
            if (strcmp(last_error, e.msg) != 0) {
                log_event(LOG_ERROR, "batch.write_failed",
                          "batch not written (cursor kept, will retry): %s", e.msg);
                snprintf(last_error, sizeof last_error, "%s", e.msg);
            }
            continue;
        }
        if (retry_at) {
            log_event(LOG_INFO, "batch.write_resumed", "database writable again: resuming");
            retry_at = 0;
            backoff = 0;
            last_error[0] = 0;
        }
        if (n > 0) {
            add_batch(&batches, n, &st);
            nudge(d); /* there may be more: come back after checking messages */
            continue;
        }
        log_batches(&batches);
        if (!idle_logged) {
            log_event(LOG_INFO, "daemon.caught_up", "caught up; watching for changes");
            idle_logged = 1;
        }
    }
    log_batches(&batches);
    return NULL;
}

/* ---- reloads, checked off the loop ---- */

static int run_cases(struct job *j, const struct policy *p)
{
    const char *dir = j->cfg->policy_tests_dir;
    if (!dir || access(dir, F_OK) != 0)
        return 0;
    char *report = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&report, &len);
    struct casefile_totals totals = {0};
    struct err e = {{0}};
    int rc = casefile_run_path(dir, j->set, p->name, f, &totals, &e);
    if (f)
        fclose(f);
    if (rc) {
        snprintf(j->error, sizeof j->error, _("%.200s: test cases unreadable: %.250s"), p->source,
                 e.msg);
    } else if (totals.failed) {
        /* The first failed case's line: it starts with the word of the
         * current language, and a case name may contain anything. */
        const char *fail = NULL, *tag = casefile_fail_tag();
        for (const char *line = report; !fail && line && *line;) {
            if (strncmp(line, tag, strlen(tag)) == 0)
                fail = line;
            line += strcspn(line, "\n");
            line += *line == '\n';
        }
        int flen = fail ? (int)strcspn(fail, "\n") : 0;
        snprintf(j->error, sizeof j->error, _("%s: %d of its test cases fail: %.*s"), p->source,
                 totals.failed, flen > 300 ? 300 : flen, fail ? fail : "");
        rc = ERR_INVALID;
    }
    free(report);
    return rc;
}

static void job_check(struct job *j, const struct config *cfg);

static void job_work(uv_work_t *req)
{
    struct job *j = req->data;
    struct err e = {{0}};
    struct config *cand = NULL;
    if (j->is_config) {
        if (config_load(j->d->config_path, &j->cfg, &e) != 0) {
            j->cfg = NULL;
            snprintf(j->error, sizeof j->error, "config: %s", e.msg);
            return;
        }
        /* Review mode: the new config, too, runs the live texts. */
        char *live = j->d->review ? strdup(j->d->live_dir) : NULL;
        if (live) {
            j->disk_dir = j->cfg->policies_dir;
            j->cfg->policies_dir = live;
        }
    } else if (j->d->review) {
        /* The edited files are checked from the policy folder, as in auto. */
        if (config_candidate(j->cfg, j->d->disk_dir, NULL, NULL, &cand, &e) != 0) {
            snprintf(j->error, sizeof j->error, "%s", e.msg);
            return;
        }
    }
    job_check(j, cand ? cand : j->cfg);
    if (cand && !j->error[0]) {
        if (rule_stage_propose(cand, j->d->disk_dir, j->files, j->n_files, &j->staged, &e) != 0)
            snprintf(j->error, sizeof j->error, _("cannot stage the change: %s"), e.msg);
    }
    if (cand) {
        policy_set_free(j->set);
        j->set = NULL;
        config_free(cand);
    }
}

static void job_check(struct job *j, const struct config *cfg)
{
    struct err e = {{0}};
    /* Not strict: a policy that was already broken (or a refused plugin)
     * must not block reloading the others; only the changed files must load.
     * The params: are held to the declarations in either mode: a reloaded
     * config with a bad param is refused here and the running one stays. */
    if (policy_set_load(cfg, 0, &j->set, &e) != 0) {
        j->set = NULL;
        snprintf(j->error, sizeof j->error, "%s%s", j->is_config ? "config: " : "", e.msg);
        /* Blame the changed file the message names, else the first one. */
        for (int i = 0; i < j->n_files; i++)
            if (strstr(e.msg, j->files[i])) {
                snprintf(j->blame, sizeof j->blame, "%s", j->files[i]);
                return;
            }
        return;
    }
    for (int i = 0; i < j->n_files; i++) {
        const struct policy_missing *miss = policy_set_missing(j->set, j->files[i]);
        if (miss) {
            snprintf(j->error, sizeof j->error, "%s", miss->msg);
            snprintf(j->blame, sizeof j->blame, "%s", j->files[i]);
            policy_set_free(j->set);
            j->set = NULL;
            return;
        }
    }
    for (int i = 0; i < j->n_files; i++) {
        const struct policy *p = policy_of_file(j->set, j->files[i]);
        if (p && run_cases(j, p) != 0) {
            snprintf(j->blame, sizeof j->blame, "%s", j->files[i]);
            return;
        }
    }
}

static void start_job(struct daemon *d, int is_config);
static void rewatch_policies(struct daemon *d);

static void job_done(uv_work_t *req, int status)
{
    struct job *j = req->data;
    struct daemon *d = j->d;
    d->job_running = 0;
    if (j->error[0]) {
        if (!j->blame[0] && j->n_files)
            snprintf(j->blame, sizeof j->blame, "%s", j->files[0]);
        if (j->is_config) {
            log_event(LOG_ERROR, "reload.config_refused", "%s (keeping the running config)",
                      j->error);
        } else {
            log_event(LOG_ERROR, "reload.policy_refused",
                      "policy reload refused, the running version stays: %s", j->error);
            struct msg *m = calloc(1, sizeof *m);
            if (m) {
                m->kind = MSG_POLICY_ALERT;
                snprintf(m->files[0], sizeof m->files[0], "%s", j->blame);
                snprintf(m->text, sizeof m->text, "%s", j->error);
                post(d, m);
            }
        }
        policy_set_free(j->set);
        if (j->is_config)
            config_free(j->cfg);
        free(j->disk_dir);
    } else if (!j->is_config && d->review) {
        if (j->staged)
            log_event(LOG_INFO, "review.staged",
                      "change %lld staged (%s%s): the running version stays until "
                      "`fupin change activate %lld`",
                      (long long)j->staged, j->files[0], j->n_files > 1 ? " and more" : "",
                      (long long)j->staged);
        else
            log_event(LOG_INFO, "review.not_staged",
                      "%s: same as the live version or proposed before: nothing staged",
                      j->files[0]);
    } else {
        struct msg *m = calloc(1, sizeof *m);
        if (!m) {
            log_event(LOG_ERROR, "reload.dropped", "out of memory: reload dropped");
            policy_set_free(j->set);
            if (j->is_config)
                config_free(j->cfg);
            free(j->disk_dir);
        } else {
            m->kind = j->is_config ? MSG_CONFIG : MSG_POLICIES;
            m->set = j->set;
            if (j->is_config) {
                /* prev stays alive until the message below is applied. */
                struct config *prev = d->cfg;
                m->cfg = j->cfg;
                d->cfg = j->cfg; /* later reloads build on the new config */
                struct err ne = {{0}};
                if (d->nightly && nightly_timer_reload(d->nightly, j->cfg, &ne) != 0)
                    log_event(LOG_ERROR, "nightly.schedule_kept",
                              "nightly schedule kept as it was: %s", ne.msg);
                const char *was = prev->http_listen, *now = j->cfg->http_listen;
                if (strcmp(prev->database, j->cfg->database) != 0 ||
                    prev->workers != j->cfg->workers || !was != !now ||
                    (was && strcmp(was, now) != 0))
                    log_event(LOG_WARN, "reload.needs_restart",
                              "config: database, engine.workers and http: take effect on "
                              "restart");
                int moved = strcmp(prev->policies_dir, j->cfg->policies_dir) != 0;
                if (j->disk_dir) {
                    moved = strcmp(d->disk_dir, j->disk_dir) != 0;
                    free(d->disk_dir);
                    d->disk_dir = j->disk_dir;
                }
                if (moved)
                    rewatch_policies(d);
            }
            memcpy(m->files, j->files, sizeof m->files);
            m->n_files = j->n_files;
            post(d, m);
        }
    }
    free(j);
    if (status == UV_ECANCELED || d->stop)
        return;
    if (d->config_again)
        start_job(d, 1);
    else if (d->n_changed)
        start_job(d, 0);
}

static void start_job(struct daemon *d, int is_config)
{
    if (d->job_running) {
        if (is_config)
            d->config_again = 1;
        return;
    }
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        log_event(LOG_ERROR, "reload.dropped", "out of memory: reload dropped");
        return;
    }
    j->d = d;
    j->req.data = j;
    j->is_config = is_config;
    j->cfg = is_config ? NULL : d->cfg;
    if (is_config) {
        d->config_again = 0;
    } else {
        memcpy(j->files, d->changed, sizeof j->files);
        j->n_files = d->n_changed;
        d->n_changed = 0;
    }
    if (uv_queue_work(&d->loop, &j->req, job_work, job_done) != 0) {
        log_event(LOG_ERROR, "reload.dropped", "cannot queue the reload");
        free(j);
        return;
    }
    d->job_running = 1;
    if (is_config)
        log_event(LOG_INFO, "reload.config_checking", "checking the config %s", d->config_path);
    else
        log_event(LOG_INFO, "reload.policy_checking", "checking the changed policy file%s %s%s",
                  j->n_files > 1 ? "s" : "", j->files[0], j->n_files > 1 ? " and more" : "");
}

/* ---- loop callbacks ---- */

static void on_debounce(uv_timer_t *t)
{
    struct daemon *d = t->data;
    if (d->n_changed)
        start_job(d, 0);
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
        nudge(d);
    }
}

static void on_recheck(uv_timer_t *t)
{
    struct daemon *d = t->data;
    on_poll(t);
    if (--d->rechecks > 0)
        uv_timer_start(&d->recheck, on_recheck, 60, 0);
}

static void on_db_event(uv_fs_event_t *h, const char *file, int events, int status)
{
    struct daemon *d = h->data;
    if (status < 0 || !file)
        return;
    size_t n = strlen(d->db_base);
    if (strncmp(file, d->db_base, n) != 0 || (file[n] != 0 && strcmp(file + n, "-wal") != 0))
        return;
    nudge(d);
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

static void on_signal(uv_signal_t *s, int signum)
{
    struct daemon *d = s->data;
    if (signum == SIGHUP) {
        log_event(LOG_INFO, "daemon.sighup", "SIGHUP: reloading the config from %s",
                  d->config_path);
        start_job(d, 1);
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
    int rc = uv_fs_event_init(&d->loop, &d->db_watch);
    if (rc == 0) {
        d->db_watch.data = d;
        d->watching_db = 1;
        rc = uv_fs_event_start(&d->db_watch, on_db_event, dir, 0);
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
static void rewatch_policies(struct daemon *d)
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
static int start_review(struct daemon *d, struct config *cfg, struct err *e)
{
    rule_stage_dir(cfg, cfg->policies_dir, d->live_dir, sizeof d->live_dir);
    int64_t gen = 0;
    int rc = rule_stage_write_live(cfg, cfg->policies_dir, d->live_dir, &gen, e);
    if (rc)
        return rc;
    char *live = strdup(d->live_dir);
    if (!live)
        return err_set(e, ERR_FAIL, _("out of memory"));
    /* The engine's current set borrows the old string: it stays alive as
     * disk_dir, owned by the daemon. */
    d->disk_dir = cfg->policies_dir;
    cfg->policies_dir = live;
    struct policy_set *set = NULL;
    rc = policy_set_load(cfg, 0, &set, e);
    if (!rc)
        rc = engine_set_policies(d->en, set, e);
    if (rc) {
        cfg->policies_dir = d->disk_dir;
        d->disk_dir = NULL;
        free(live);
        return rc;
    }
    d->review = 1;
    d->live_gen = gen;
    log_event(LOG_INFO, "review.started",
              "reload: review: running the live rule set of the database (change %lld); "
              "edits in %s are staged",
              (long long)gen, d->disk_dir);
    daemon_alert_missing(d->en);
    mark_all(d, "review: live rule set loaded");
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
        int rc = start_review(d, *cfg, e);
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
        if (pthread_create(&d->thread, NULL, eval_thread, d) != 0)
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
        msg_free(d->queue);
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
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d);
    if (rc == 0 && fatal[0])
        rc = err_set(e, ERR_FAIL, "%s", fatal);
    else if (rc == 0)
        log_event(LOG_INFO, "daemon.stopped", "stopped");
    return rc;
}
