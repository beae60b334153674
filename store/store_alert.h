/* store_alert.h - the alert table: one live (open or acked) row per
 * (kind, subject); raising again updates it, never duplicates it. Call
 * inside a write transaction. */
#ifndef FUPIN_STORE_ALERT_H
#define FUPIN_STORE_ALERT_H

#include "err.h"
#include "policy.h"
#include "store.h"

#include <stdint.h>

struct alert_spec {
    const char *kind;    /* "no_cadre", "task_overdue", "policy_error", ... */
    const char *subject; /* "household:12", "task:7", "town:441602101", "policy:industry" */
    enum severity severity;
    int64_t household_id; /* 0: none */
    int64_t task_id;      /* 0: none */
    /* Routing. region NULL with household_id set: the household's town and
     * that town's supervisor, level "town". */
    const char *region;
    const char *level;
    int64_t supervisor_id; /* 0: looked up from region */
    const char *message;
    const char *source; /* the policy source or job that raised it */
    /* Staged alerts only: where the alert was first meant to be acted on
     * (an overdue task: its town). Set when the row opens, never moved by
     * escalation; NULL: the routed region and level. */
    const char *origin_region;
    const char *origin_level;
};

/* Opens the alert, or refreshes the live one (last_seen_at, message,
 * severity, routing). *id (may be NULL) receives its id. */
int store_alert_raise(struct store *st, const struct alert_spec *a, const char *now, int64_t *id,
                      struct err *e);
/* Where store_alert_raise routes an alert about household_id that names no
 * region: region gets the household's town ("" when unknown), *supervisor_id
 * that town's first supervisor (0: none), *level "town". Raising keeps a
 * live row's region and supervisor where these are ""/0. */
int store_alert_route_household(struct store *st, int64_t household_id, char region[64],
                                int64_t *supervisor_id, const char **level, struct err *e);
/* Resolves the live alert (kind, subject), if there is one. */
int store_alert_resolve(struct store *st, const char *kind, const char *subject, const char *now,
                        struct err *e);

/* ---- `fupin alert` ---- */

/* Raising many alerts of one kind at once (the nightly job): stage each
 * with store_alert_stage_add (routed exactly as store_alert_raise routes),
 * then store_alert_stage_apply upserts them all with set-based SQL, in the
 * order staged. rank >= 0 is the rank (0 village .. 3 city) of the level
 * the alert is meant for and turns on escalation counting: escalations
 * grows by the levels climbed above the town and never falls. */
int store_alert_stage_reset(struct store *st, struct err *e);
int store_alert_stage_add(struct store *st, const struct alert_spec *a, int rank, struct err *e);
typedef int (*store_alert_id_fn)(void *ctx, int64_t id, struct err *e);
/* *raised and *refreshed count new and already-live alerts; climbed gets the
 * id of each alert that climbed, whose escalated_at becomes date (the run's
 * as-of day). Afterwards temp.alert_stage_id(seq, id) holds the live id of
 * every staged alert until the next reset. */
int store_alert_stage_apply(struct store *st, const char *now, const char *date, int *raised,
                            int *refreshed, store_alert_id_fn climbed, void *ctx, struct err *e);

/* Acknowledges alert id (state acked, acked_at now). Acking an acked alert
 * is a no-op; an unknown id or a resolved alert is ERR_INVALID. */
int store_alert_ack(struct store *st, int64_t id, const char *now, struct err *e);

enum alert_ack_outcome {
    ALERT_ACKED,         /* acknowledged now */
    ALERT_ALREADY_ACKED, /* acknowledged before: nothing written (see by, at) */
    ALERT_RESOLVED,      /* resolved: nothing to acknowledge */
};
struct alert_acked {
    enum alert_ack_outcome outcome;
    char by[128]; /* who acknowledged it (now or before); "" when nobody said */
    char at[24];  /* when */
};
/* Acknowledges alert id as store_alert_ack does, recording who (by) and
 * why (note, NULL allowed), in a write transaction of its own. ERR_NOTFOUND
 * for an unknown id; every other answer is in out->outcome. */
int store_alert_ack_by(struct store *st, int64_t id, const char *by, const char *note,
                       const char *now, struct alert_acked *out, struct err *e);

struct alert_filter {
    const char *level;  /* NULL: any */
    const char *kind;   /* NULL: any */
    int live_only;      /* only open or acked */
    const char *region; /* NULL: any; else alerts of the region and below it */
    int64_t cadre_id;   /* 0: any; else about the cadre's households or tasks */
    const char *since;  /* YYYY-MM-DD: opened on or after it */
};
struct alert_row {
    int64_t id, household_id, task_id, supervisor_id;
    const char *kind, *severity, *region, *level, *message, *state, *subject;
    const char *opened_at, *last_seen_at, *acked_at, *resolved_at, *supervisor_name;
    int escalations;
    const char *acked_by, *ack_note;
};
typedef int (*store_alert_row_fn)(void *ctx, const struct alert_row *a, struct err *e);
/* Alerts matching f, newest first; strings live during the call only. */
int store_alert_list(struct store *st, const struct alert_filter *f, store_alert_row_fn fn,
                     void *ctx, struct err *e);

#endif
