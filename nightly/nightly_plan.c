/* nightly_plan.c - the plan's duties of regions, checked nightly: a town
 * team that lacks one of its six items (六有) is shown to its county; a
 * county or town behind its yearly reduction target gets a warning, and one
 * that missed it at year end an alert to the level above proposing a
 * summons (约谈) of its leaders. Targets are rows of reduction_target, not
 * params: one per region and year, set by the level above. Never raises an
 * alert about one household. */
#include "nightly_plan.h"
#include "date.h"
#include "i18n.h"
#include "log.h"
#include "scrub.h"
#include "store_alert.h"
#include "store_nightly.h"
#include "store_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plan {
    struct store *st;
    const char *date, *now;
    int year;
    double margin;  /* the share of the prorated target a region may lag */
    double elapsed; /* the share of the year up to date, date included */
    struct nightly_report *rep;
};

/* The names of town_team's items, in store_plan_town's order. */
static const char *const town_items[STORE_PLAN_TOWN_ITEMS] = {
    N_("a fixed office"),
    N_("fixed staff"),
    N_("the wall chart of members, duties and rules"),
    N_("the battle map of scattered households by village"),
    N_("case files and the work diary"),
    N_("a publicity board"),
};

static int stage(struct plan *p, const struct alert_spec *spec, struct err *e)
{
    /* Names are typed by the office: a resident ID pasted into one is
     * masked before it becomes an alert message. */
    char message[768];
    struct alert_spec clean = *spec;
    snprintf(message, sizeof message, "%s", spec->message);
    scrub_ids(message);
    clean.message = message;
    return store_alert_stage_add(p->st, &clean, -1, e);
}

static int not_climbing(void *ctx, int64_t id, struct err *e)
{
    (void)ctx, (void)id, (void)e;
    return 0;
}

/* One kind: stage what scan finds, raise it, resolve what it did not see. */
static int check(struct plan *p, const char *kind, int (*scan)(struct plan *, struct err *),
                 struct err *e)
{
    int raised = 0, refreshed = 0, resolved = 0, rc;
    if ((rc = store_alert_stage_reset(p->st, e)) != 0 || (rc = scan(p, e)) != 0 ||
        (rc = store_alert_stage_apply(p->st, p->now, p->date, &raised, &refreshed, not_climbing, p,
                                      e)) != 0 ||
        (rc = store_nightly_seen_add_staged(p->st, e)) != 0 ||
        (rc = store_nightly_sweep(p->st, kind, p->now, &resolved, e)) != 0)
        return rc;
    p->rep->raised += raised;
    p->rep->refreshed += refreshed;
    p->rep->resolved += resolved;
    return 0;
}

/* ---- 六有 (三(二)2) ---- */

static int on_town(void *ctx, const struct store_plan_town *t, struct err *e)
{
    struct plan *p = ctx;
    char subject[64], message[768], missing[512] = "";
    const char *name = t->name ? t->name : t->town;
    if (!t->recorded) {
        snprintf(message, sizeof message,
                 _("3(2) six haves of the town team: %s has not recorded its six items"), name);
    } else {
        size_t used = 0;
        for (int i = 0; i < STORE_PLAN_TOWN_ITEMS; i++) {
            if (t->has[i])
                continue;
            int n = snprintf(missing + used, sizeof missing - used, "%s%s", used ? _(" and ") : "",
                             _(town_items[i]));
            if (n < 0 || (size_t)n >= sizeof missing - used)
                break;
            used += (size_t)n;
        }
        snprintf(message, sizeof message,
                 _("3(2) six haves of the town team: %s lacks %s (checked on %s by %s)"), name,
                 missing, t->checked_at ? t->checked_at : "-", t->checked_by ? t->checked_by : "-");
    }
    snprintf(subject, sizeof subject, "town:%s", t->town);
    /* 三(五) counties check towns: the county sees it; without one, the town. */
    struct alert_spec spec = {
        .kind = "town_team_incomplete",
        .subject = subject,
        .severity = SEVERITY_WARNING,
        .region = t->county ? t->county : t->town,
        .level = t->county ? "county" : "town",
        .message = message,
        .source = "nightly",
    };
    return stage(p, &spec, e);
}

static int scan_towns(struct plan *p, struct err *e)
{
    return store_plan_incomplete_towns(p->st, on_town, p, e);
}

/* ---- 约谈 (三(五)) ---- */

/* Where a region's verdict goes: the level above checks it (三(五) 市督查到
 * 县区、乡镇，县区督查到乡镇); a region at the top answers for itself. */
static void route_above(const struct store_plan_target *t, struct alert_spec *spec)
{
    spec->region = t->above ? t->above : t->region;
    spec->level = t->above ? t->above_level : t->level;
}

/* Year end: the previous year is complete; exits short of its target. */
static int on_year_end(void *ctx, const struct store_plan_target *t, struct err *e)
{
    struct plan *p = ctx;
    if (t->exited >= t->target)
        return 0;
    char subject[96], message[768];
    snprintf(subject, sizeof subject, "region:%s:%d", t->region, p->year - 1);
    snprintf(message, sizeof message,
             _("3(5) yearly reduction target missed: %s, in %d: %ld households exited against a "
               "target of %ld (%ld short); the principal party and government leaders are to be "
               "summoned"),
             t->name ? t->name : t->region, p->year - 1, t->exited, t->target,
             t->target - t->exited);
    struct alert_spec spec = {
        .kind = "reduction_missed",
        .subject = subject,
        .severity = SEVERITY_CRITICAL,
        .message = message,
        .source = "nightly",
    };
    route_above(t, &spec);
    return stage(p, &spec, e);
}

/* Within the year: behind the target prorated by the share of the year
 * gone, by more than the margin. A warning only: the plan summons for a
 * target missed at year end, not for a slow first half. */
static int on_in_year(void *ctx, const struct store_plan_target *t, struct err *e)
{
    struct plan *p = ctx;
    double expected = (double)t->target * p->elapsed;
    if ((double)t->exited >= expected * (1.0 - p->margin))
        return 0;
    char subject[96], message[768];
    snprintf(subject, sizeof subject, "region:%s:%d", t->region, p->year);
    snprintf(message, sizeof message,
             _("3(5) behind the yearly reduction plan: %s, in %d up to %s: %ld households "
               "exited, %.1f expected by now (yearly target %ld); a warning only: a summons "
               "follows a target missed at year end"),
             t->name ? t->name : t->region, p->year, p->date, t->exited, expected, t->target);
    struct alert_spec spec = {
        .kind = "reduction_behind",
        .subject = subject,
        .severity = SEVERITY_WARNING,
        .message = message,
        .source = "nightly",
    };
    route_above(t, &spec);
    return stage(p, &spec, e);
}

static int scan_year_end(struct plan *p, struct err *e)
{
    char from[24], to[24];
    snprintf(from, sizeof from, "%04d-01-01", p->year - 1);
    snprintf(to, sizeof to, "%04d-12-31", p->year - 1);
    return store_plan_targets(p->st, p->year - 1, from, to, on_year_end, p, e);
}

static int scan_in_year(struct plan *p, struct err *e)
{
    char from[24];
    snprintf(from, sizeof from, "%04d-01-01", p->year);
    return store_plan_targets(p->st, p->year, from, p->date, on_in_year, p, e);
}

/* The share of date's year gone by the end of date (1 on 31 December). */
static double year_elapsed(const char *date, int year)
{
    char first[24], last[24];
    snprintf(first, sizeof first, "%04d-01-01", year);
    snprintf(last, sizeof last, "%04d-12-31", year);
    int ok1, ok2;
    long done = date_diff(first, date, &ok1) + 1, total = date_diff(first, last, &ok2) + 1;
    return ok1 && ok2 && total > 0 ? (double)done / (double)total : 1.0;
}

int nightly_plan_run(const struct config *cfg, struct store *st, const char *date, const char *now,
                     struct nightly_report *rep, struct err *e)
{
    struct plan p = {.st = st, .date = date, .now = now, .year = atoi(date), .rep = rep};
    double v;
    p.margin = config_param_number(cfg, "supervision.reduction_margin", p.year, &v) == 0 ? v : 0.10;
    p.elapsed = year_elapsed(date, p.year);
    /* The old share of all households for every town is no target the plan
     * sets: said once a night, so an operator removes it. */
    if (config_param_number(cfg, "supervision.reduction_target", p.year, &v) == 0)
        log_event(LOG_WARN, "nightly.param_obsolete",
                  "nightly: params supervision.reduction_target is no longer read: yearly targets "
                  "are rows of the reduction_target table (region, year, households)");
    int rc;
    if ((rc = check(&p, "town_team_incomplete", scan_towns, e)) != 0 ||
        (rc = check(&p, "reduction_missed", scan_year_end, e)) != 0 ||
        (rc = check(&p, "reduction_behind", scan_in_year, e)) != 0)
        return rc;
    return 0;
}
