/* eval_thread.c - the daemon's evaluation thread: it applies what the
 * loop hands it (reloaded policies and configs, policy alerts) between
 * batches, takes activations in review mode, and drives the engine until
 * it is caught up, backing off while the database refuses writes. */
#include "daemon.h"
#include "daemon_internal.h"
#include "i18n.h"
#include "log.h"
#include "rule_history.h"
#include "rule_stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 5000

/* ---- loop -> evaluation thread ---- */

void daemon_nudge(struct daemon *d)
{
    pthread_mutex_lock(&d->mu);
    d->wake = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void daemon_post(struct daemon *d, struct msg *m)
{
    pthread_mutex_lock(&d->mu);
    m->next = NULL;
    *d->queue_tail = m;
    d->queue_tail = &m->next;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void daemon_msg_free(struct msg *m)
{
    policy_set_free(m->set);
    config_free(m->cfg);
    free(m);
}

/* ---- the evaluation thread ---- */

static void record_activation(struct daemon *d, const char *why, const char *changed,
                              const char *since);

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
    if (now_ms() - d->gen_checked_at < 250) {
        d->gen_recheck = 1; /* the idle wait comes back for it */
        return;
    }
    d->gen_checked_at = now_ms();
    d->gen_recheck = 0;
    if (rule_stage_generation(d->engine_cfg, &gen, &e) != 0 || gen == d->live_gen)
        return;
    struct policy_set *set = NULL;
    int params_changed = 0, plugins_changed = 0;
    /* No seeding here: disk_dir belongs to the loop thread (SIGHUP). The
     * lock: a config reload loading the folder meanwhile would see half of it. */
    rule_stage_lock();
    int rc = rule_stage_write_live(d->engine_cfg, NULL, d->live_dir, &gen, &plugins_changed, &e);
    if (!rc)
        rc = rule_stage_params_changed(d->engine_cfg, &params_changed, &e);
    params_changed |= plugins_changed;
    if (!rc && !params_changed)
        rc = policy_set_load(d->engine_cfg, 0, &set, &e);
    rule_stage_unlock();
    if (!rc && params_changed) {
        /* New params or plugins need a new config, which only the loop may
         * build: the policies, params and plugins then go live together,
         * never one first. */
        d->live_gen = gen;
        log_event(LOG_INFO, "review.activated",
                  "change %lld: new params or plugins, reloading the config", (long long)gen);
        uv_async_send(&d->reconfig);
        return;
    }
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
    daemon_mark_all(d, why);
}

/* reload: auto. The difference the last reload's re-evaluation made, now
 * that it is done, kept with its record. */
static void finish_difference(struct daemon *d)
{
    struct err e;
    engine_set_tally(d->en, NULL);
    if (d->diff_st &&
        rule_history_auto_finish(d->diff_st, d->diff_id, d->diff_since, d->diff_tally, &e) != 0)
        log_event(LOG_WARN, "rules.record_failed", "reload %lld: cannot record its difference: %s",
                  (long long)d->diff_id, e.msg);
    d->diff_st = NULL;
    store_tally_free(d->diff_tally);
    d->diff_tally = NULL;
}

/* Every activation keeps a summary with the versions it put live: in
 * review mode the change's preview, in auto mode the difference the
 * re-evaluation makes (measured once it is done). */
static void record_activation(struct daemon *d, const char *why, const char *changed,
                              const char *since)
{
    struct err e;
    if (d->review) {
        if (rule_history_summarize_change(d->engine_cfg, d->live_gen, since, &e) != 0)
            log_event(LOG_WARN, "rules.record_failed", "%s: cannot record the summary: %s", why,
                      e.msg);
        return;
    }
    finish_difference(d); /* a reload before the last one was done: what it made so far */
    const struct policy_set *set = engine_policies(d->en);
    size_t len = 0;
    d->diff_policies[0] = '\0';
    for (size_t i = 0; i < set->n_policies; i++) {
        const char *name = set->policies[i].name;
        size_t n = strlen(name);
        /* changed is "a, b" or "*" (all); names hold no comma */
        const char *hit = strstr(changed, name);
        int named = strcmp(changed, "*") == 0 ||
                    (hit && (hit == changed || hit[-1] == ' ' || hit[-1] == ',') &&
                     (hit[n] == '\0' || hit[n] == ',' || hit[n] == ' '));
        if (named && len + n + 2 < sizeof d->diff_policies)
            len += (size_t)snprintf(d->diff_policies + len, sizeof d->diff_policies - len, "%s%s",
                                    len ? "," : "", name);
    }
    snprintf(d->diff_since, sizeof d->diff_since, "%s", since);
    if (rule_history_auto_begin(d->engine_cfg, why, d->diff_policies, since, &d->diff_st,
                                &d->diff_id, &e) != 0 ||
        store_tally_new(d->diff_policies, &d->diff_tally, &e) != 0) {
        log_event(LOG_WARN, "rules.record_failed", "%s: cannot record the reload: %s", why, e.msg);
        store_close(d->diff_st);
        d->diff_st = NULL;
        return;
    }
    engine_set_tally(d->en, d->diff_tally);
}

/* Only the policies whose source, params or version changed are run again. */
void daemon_mark_all(struct daemon *d, const char *why)
{
    struct err e;
    char since[20];
    engine_now(since);
    /* What now runs joins the rule history (store_rules.h). */
    if (rule_history_record(engine_policies(d->en), "daemon", &e) != 0)
        log_event(LOG_WARN, "rules.record_failed", "%s: cannot record the rule versions: %s", why,
                  e.msg);
    char changed[512];
    if (engine_mark_changed(d->en, &d->stop_flag, changed, sizeof changed, &e) != 0)
        log_event(LOG_ERROR, "daemon.mark_failed",
                  "%s: cannot mark households for re-evaluation: %s", why, e.msg);
    else if (changed[0]) {
        log_event(LOG_INFO, "daemon.marked_all",
                  "%s: every household marked for re-evaluation by %s", why, changed);
        record_activation(d, why, changed, since);
    } else
        log_event(LOG_INFO, "daemon.marked_all", "%s: no policy changed, nothing to re-evaluate",
                  why);
}

const struct policy *daemon_policy_of_file(const struct policy_set *set, const char *file)
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
    if (m->kind == MSG_POLICY_ALERT && m->text[0]) {
        if (engine_policy_alert(d->en, m->files[0], m->text, &e) != 0)
            log_event(LOG_ERROR, "alert.raise_failed",
                      "cannot raise the policy_error alert for %s: %s", m->files[0], e.msg);
    } else if (m->kind == MSG_POLICY_ALERT) {
        /* Review mode: the files checked clean (staged or not); an alert
         * about an earlier broken save of theirs is over. */
        for (int i = 0; i < m->n_files; i++)
            if (engine_policy_alert(d->en, m->files[i], NULL, &e) != 0)
                log_event(LOG_WARN, "alert.resolve_failed",
                          "cannot resolve the policy_error alert for %s: %s", m->files[i], e.msg);
    } else if (m->kind == MSG_POLICIES) {
        struct policy_set *set = m->set;
        m->set = NULL;
        if (engine_set_policies(d->en, set, &e) != 0) {
            log_event(LOG_ERROR, "reload.policy_failed",
                      "policy reload failed, keeping the running version: %s", e.msg);
            return;
        }
        for (int i = 0; i < m->n_files; i++) {
            const struct policy *p = daemon_policy_of_file(engine_policies(d->en), m->files[i]);
            if (p)
                log_event(LOG_INFO, "reload.policy_done", "policy %s reloaded: %s", p->name,
                          p->source);
            else
                log_event(LOG_INFO, "reload.policy_removed", "policy file %s removed", m->files[i]);
            if (engine_policy_alert(d->en, m->files[i], NULL, &e) != 0)
                log_event(LOG_WARN, "alert.resolve_failed",
                          "cannot resolve the policy_error alert for %s: %s", m->files[i], e.msg);
        }
        daemon_mark_all(d, "policies reloaded");
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
        if (d->review) {
            /* A reload that loaded an older activation is followed at once
             * by the newer one (take_activation sees the difference). */
            d->live_gen = m->gen;
            d->gen_checked_at = 0;
        }
        log_event(LOG_INFO, "reload.config_done", "config reloaded from %s", d->engine_cfg->path);
        daemon_alert_missing(d->en);
        daemon_mark_all(d, "config reloaded");
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

void *daemon_eval_thread(void *arg)
{
    struct daemon *d = arg;
    uint64_t retry_at = 0;
    long backoff = 0;
    int idle_logged = 0; /* the catch-up on start is over */
    struct batch_log batches = {0};
    char last_error[256] = "";
    for (;;) {
        pthread_mutex_lock(&d->mu);
        while (!d->stop && !d->queue && !d->wake && !(retry_at && now_ms() >= retry_at) &&
               !(d->gen_recheck && now_ms() - d->gen_checked_at >= 250)) {
            uint64_t wait = retry_at ? retry_at - now_ms() : d->gen_recheck ? 250 : 1000;
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
            daemon_msg_free(msgs);
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
        atomic_store(&d->eval_busy, 1);
        int n = engine_step(d->en, &d->stop_flag, &st, &e);
        if (n <= 0) {
            atomic_store(&d->eval_busy, 0);
            if (atomic_load(&d->db_paused))
                uv_async_send(&d->db_resume);
        }
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
            daemon_nudge(d); /* there may be more: come back after checking messages */
            continue;
        }
        log_batches(&batches);
        if (d->diff_st)
            finish_difference(d);
        if (!idle_logged) {
            log_event(LOG_INFO, "daemon.caught_up", "caught up; watching for changes");
            idle_logged = 1;
        }
    }
    log_batches(&batches);
    if (d->diff_st)
        store_close(d->diff_st); /* stopped before the re-evaluation was done */
    if (d->en)
        engine_set_tally(d->en, NULL);
    store_tally_free(d->diff_tally);
    d->diff_tally = NULL;
    return NULL;
}
