/* reload_job.c - reloads checked off the loop, on its thread pool: a
 * changed policy file or a new config is loaded and the changed files' own
 * cases are run before anything reaches the evaluation thread. In review
 * mode a checked edit is staged (rule_stage.h) instead of going live. */
#include "casefile.h"
#include "daemon_internal.h"
#include "i18n.h"
#include "log.h"
#include "rule_stage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Review mode, SIGHUP: the file's params: and the plugins in the plugin
 * folder are checked against the live policies and, when they differ from
 * the live ones, staged; the config that runs is the file's with the live
 * params: and plugins. */
static void job_review_config(struct job *j)
{
    struct err e = {{0}};
    char *live_plugins = j->cfg->plugin_dir;
    j->cfg->plugin_dir = j->d->disk_plugin_dir;
    job_check(j, j->cfg);
    j->cfg->plugin_dir = live_plugins;
    if (j->error[0])
        return;
    int rc = rule_stage_propose_config(j->cfg, j->d->disk_plugin_dir, j->set, &j->staged, &e);
    policy_set_free(j->set);
    j->set = NULL;
    if (rc != 0) {
        snprintf(j->error, sizeof j->error, _("cannot stage the change: %s"), e.msg);
        return;
    }
    struct config *live = NULL;
    rule_stage_lock();
    if (rule_stage_live_config(j->cfg, NULL, NULL, j->d->live_dir, &live, &j->gen, &e) != 0) {
        snprintf(j->error, sizeof j->error, "config: %s", e.msg);
    } else {
        config_free(j->cfg);
        j->cfg = live;
        job_check(j, live);
    }
    rule_stage_unlock();
}

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
            job_review_config(j);
            return;
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
        const struct policy *p = daemon_policy_of_file(j->set, j->files[i]);
        if (p && run_cases(j, p) != 0) {
            snprintf(j->blame, sizeof j->blame, "%s", j->files[i]);
            return;
        }
    }
}

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
                daemon_post(d, m);
            }
        }
        policy_set_free(j->set);
        if (j->is_config)
            config_free(j->cfg);
        free(j->disk_dir);
    } else if (!j->is_config && d->review) {
        struct msg *m = calloc(1, sizeof *m);
        if (m) {
            m->kind = MSG_POLICY_ALERT;
            memcpy(m->files, j->files, sizeof m->files);
            m->n_files = j->n_files;
            daemon_post(d, m);
        }
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
                    daemon_rewatch_policies(d);
            }
            memcpy(m->files, j->files, sizeof m->files);
            m->n_files = j->n_files;
            m->gen = j->gen;
            if (j->is_config && j->staged)
                log_event(LOG_INFO, "review.staged",
                          "change %lld staged (params or plugins): the running ones stay until "
                          "`fupin change activate %lld`",
                          (long long)j->staged, (long long)j->staged);
            daemon_post(d, m);
        }
    }
    free(j);
    if (status == UV_ECANCELED || d->stop)
        return;
    if (d->config_again)
        daemon_start_job(d, 1);
    else if (d->n_changed)
        daemon_start_job(d, 0);
}

void daemon_start_job(struct daemon *d, int is_config)
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
