/* nightly.c - the nightly supervision job as of one date: overdue tasks
 * escalated town -> county -> city (督查 level by level), visits, the plan's
 * checks of regions (nightly_plan.c: 六有, 约谈), then one digest per supervisor. All in
 * one write transaction; it never sends anything (deliver.c does). */
#include "nightly.h"
#include "date.h"
#include "i18n.h"
#include "log.h"
#include "nightly_digest.h"
#include "nightly_plan.h"
#include "nightly_prefetch.h"
#include "scrub.h"
#include "store_alert.h"
#include "store_nightly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct job {
    const struct config *cfg;
    struct store *st;
    const char *date;
    char now[24];
    int county_days, city_days;
    long no_visit_days;
    struct nightly_report *rep;
    struct nightly_escalated esc; /* alerts that climbed tonight */
    struct nightly_prefetch *pre; /* NULL: the checks read on st */
};

int nightly_level_rank(const char *level)
{
    static const char *const names[] = {"village", "town", "county", "city"};
    for (int i = 0; level && i < 4; i++)
        if (strcmp(level, names[i]) == 0)
            return i;
    return -1;
}

void nightly_utc_now(char out[24])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
}

static double param_or(const struct config *cfg, const char *key, int year, double dflt)
{
    double v;
    return config_param_number(cfg, key, year, &v) == 0 ? v : dflt;
}

/* Stages an alert of the kind being checked; check() raises them all.
 * rank >= 0 (task_overdue) turns on escalation counting. */
static int raise(struct job *j, const struct alert_spec *spec, int rank, struct err *e)
{
    /* Task titles and names are typed by cadres: a resident ID pasted into
     * one is masked before it becomes an alert message. */
    char message[512];
    struct alert_spec clean = *spec;
    if (spec->message) {
        snprintf(message, sizeof message, "%s", spec->message);
        scrub_ids(message);
        clean.message = message;
    }
    return store_alert_stage_add(j->st, &clean, rank, e);
}

static int on_climbed(void *ctx, int64_t id, struct err *e)
{
    struct job *j = ctx;
    j->rep->escalated++;
    return nightly_escalated_add(&j->esc, id, e);
}

static int on_overdue(void *ctx, const struct nightly_task *t, struct err *e)
{
    struct job *j = ctx;
    int ok;
    long days = date_diff(t->due, j->date, &ok);
    if (!ok || days <= 0) {
        log_event(LOG_WARN, "nightly.task_skipped",
                  "nightly: task %lld has an unreadable due date; skipped", (long long)t->task_id);
        return 0;
    }
    /* 三(五): supervision runs level by level; the longer it stays overdue
     * the higher it climbs. A level with nobody to answer for it passes the
     * alert on upwards, else back down, so it always reaches a person. */
    const char *levels[3] = {"town", "county", "city"};
    const char *regions[3] = {t->town, t->county, t->city};
    int64_t sups[3] = {t->town_sup, t->county_sup, t->city_sup};
    int want = days >= j->city_days ? 2 : days >= j->county_days ? 1 : 0, pick = -1;
    for (int i = want; i < 3 && pick < 0; i++)
        if (sups[i])
            pick = i;
    for (int i = want - 1; i >= 0 && pick < 0; i--)
        if (sups[i])
            pick = i;
    if (pick < 0) /* nobody anywhere: keep it at the wanted level, unrouted */
        pick = regions[want] ? want : 0;
    const char *level = levels[pick], *region = regions[pick];
    char subject[48], message[512];
    snprintf(subject, sizeof subject, "task:%lld", (long long)t->task_id);
    snprintf(message, sizeof message,
             "帮扶任务「%s」逾期 %ld 天（截止 %s）：户 %lld，%s，帮扶干部 %s",
             t->title ? t->title : "", days, t->due, (long long)t->household_id,
             t->village_name ? t->village_name : (t->village ? t->village : "?"),
             t->cadre_name ? t->cadre_name : "未落实");
    struct alert_spec spec = {
        .kind = "task_overdue",
        .subject = subject,
        .severity = strcmp(level, "town") == 0 ? SEVERITY_WARNING : SEVERITY_CRITICAL,
        .household_id = t->household_id,
        .task_id = t->task_id,
        .region = region,
        .level = region ? level : NULL,
        .supervisor_id = sups[pick],
        .message = message,
        .source = "nightly",
        /* The town must act on it wherever it has climbed to: the levels
         * from here up keep it in their digests. */
        .origin_region = t->town,
        .origin_level = t->town ? "town" : NULL,
    };
    /* escalations counts the levels climbed above the town, never falls
     * (store_alert_stage_apply does the arithmetic for the whole set). */
    return raise(j, &spec, nightly_level_rank(level), e);
}

static int on_idle_cadre(void *ctx, const struct nightly_cadre *c, struct err *e)
{
    struct job *j = ctx;
    char subject[48], message[256];
    snprintf(subject, sizeof subject, "cadre:%lld", (long long)c->cadre_id);
    int ok = 0;
    long days = c->last ? date_diff(c->last, j->date, &ok) : -1;
    if (ok)
        snprintf(message, sizeof message,
                 "帮扶干部 %s 已 %ld 天无帮扶手册记录（上次 %s，要求 %ld 天内）",
                 c->name ? c->name : "?", days, c->last, j->no_visit_days);
    else
        snprintf(message, sizeof message, "帮扶干部 %s 没有帮扶手册走访记录（要求 %ld 天内）",
                 c->name ? c->name : "?", j->no_visit_days);
    struct alert_spec spec = {
        .kind = "cadre_no_visit",
        .subject = subject,
        .severity = SEVERITY_WARNING,
        .region = c->town,
        .level = c->town ? "town" : NULL,
        .message = message,
        .source = "nightly",
    };
    return raise(j, &spec, -1, e);
}

/* One kind: stage what scan finds, raise it all at once (one upsert for
 * the set instead of a lookup and an upsert per alert: 100,000 overdue
 * tasks made that the bulk of the job), then resolve what it did not see. */
static int check(struct job *j, const char *kind, int (*scan)(struct job *, struct err *),
                 struct err *e)
{
    int raised = 0, refreshed = 0, resolved = 0, rc;
    if ((rc = store_alert_stage_reset(j->st, e)) != 0 || (rc = scan(j, e)) != 0 ||
        (rc = store_alert_stage_apply(j->st, j->now, j->date, &raised, &refreshed, on_climbed, j,
                                      e)) != 0 ||
        (rc = store_nightly_seen_add_staged(j->st, e)) != 0 ||
        (rc = store_nightly_sweep(j->st, kind, j->now, &resolved, e)) != 0)
        return rc;
    j->rep->raised += raised;
    j->rep->refreshed += refreshed;
    j->rep->resolved += resolved;
    return 0;
}

static int scan_overdue(struct job *j, struct err *e)
{
    return store_nightly_overdue_tasks(j->st, j->date, on_overdue, j, e);
}

static int scan_idle(struct job *j, struct err *e)
{
    if (j->pre)
        return nightly_prefetch_idle_cadres(j->pre, on_idle_cadre, j, e);
    return store_nightly_idle_cadres(j->st, j->date, j->no_visit_days, on_idle_cadre, j, e);
}

static int run_checks(struct job *j, struct err *e)
{
    int rc;
    if ((rc = store_nightly_seen_reset(j->st, e)) != 0 ||
        (rc = check(j, "task_overdue", scan_overdue, e)) != 0 ||
        (rc = check(j, "cadre_no_visit", scan_idle, e)) != 0)
        return rc;
    /* no_cadre is supervision.lua's alone (one wording); 六有 and 约谈: */
    return nightly_plan_run(j->cfg, j->st, j->date, j->now, j->rep, e);
}

int nightly_run(const struct config *cfg, struct store *st, const char *date,
                const atomic_int *stop, struct nightly_report *report, struct err *e)
{
    memset(report, 0, sizeof *report);
    if (!date_is_valid(date))
        return err_set(e, ERR_INVALID, "nightly: \"%s\" is not a date (YYYY-MM-DD)", date);
    int year = atoi(date);
    struct job j = {
        .cfg = cfg,
        .st = st,
        .date = date,
        .county_days = cfg->escalation_county_days,
        .city_days = cfg->escalation_city_days,
        .no_visit_days = (long)param_or(cfg, "supervision.no_visit_days", year, 90),
        .rep = report,
    };
    if (j.no_visit_days < 1)
        return err_set(e, ERR_INVALID, "%s: params supervision.no_visit_days must be at least 1",
                       cfg->path ? cfg->path : "config");
    /* The digest's sizes: refused here as `fupin check` refuses them, not
     * quietly clamped where they are read. */
    double items = param_or(cfg, "supervision.digest_items", year, 20),
           attach_kb = param_or(cfg, "supervision.digest_attachment_kb", year, 5120);
    if (items < 1 || items > 100 || items != (long)items)
        return err_set(
            e, ERR_INVALID,
            _("%s: params supervision.digest_items must be a whole number from 1 to 100 (is %g)"),
            cfg->path ? cfg->path : "config", items);
    if (attach_kb < 0 || attach_kb > 25600)
        return err_set(
            e, ERR_INVALID,
            _("%s: params supervision.digest_attachment_kb must be from 0 to 25600 (is %g)"),
            cfg->path ? cfg->path : "config", attach_kb);
    if (j.city_days < j.county_days)
        return err_set(e, ERR_INVALID,
                       "%s: escalation.city_days (%d) must not be less than county_days (%d)",
                       cfg->path ? cfg->path : "config", j.city_days, j.county_days);
    nightly_utc_now(j.now);

    int rc = store_begin(st, stop, e);
    if (rc)
        return rc;
    /* The checks that read only input tables are read meanwhile on a second
     * connection (on a second core), while this one raises the overdue
     * tasks; without one they read here, in turn. */
    struct err pe;
    if (nightly_prefetch_start(st, date, j.no_visit_days, 0, &j.pre, &pe) != 0)
        log_event(LOG_DEBUG, "nightly.prefetch_off", "nightly: checks read in turn: %s", pe.msg);
    char last[16];
    if ((rc = run_checks(&j, e)) != 0 ||
        (rc = nightly_digests(cfg, st, date, j.now, &j.esc, &report->digests, e)) != 0 ||
        (rc = store_meta_get(st, "nightly_last_run", last, sizeof last, e)) != 0)
        goto fail;
    /* Only move forward: a manual run for an old date must not make the
     * schedule think tonight's run is still to do (or already done). */
    if (strcmp(last, date) < 0 && (rc = store_meta_set(st, "nightly_last_run", date, e)) != 0)
        goto fail;
    if ((rc = store_commit(st, e)) != 0)
        goto fail_nocommit;
    nightly_prefetch_free(j.pre);
    nightly_escalated_free(&j.esc);
    log_event(LOG_INFO, "nightly.done",
              "nightly %s: %d raised, %d seen again, %d escalated, %d resolved, %d digests", date,
              report->raised, report->refreshed, report->escalated, report->resolved,
              report->digests);
    return 0;
fail:
    store_rollback(st);
fail_nocommit:
    nightly_prefetch_free(j.pre);
    nightly_escalated_free(&j.esc);
    memset(report, 0, sizeof *report);
    return rc;
}
