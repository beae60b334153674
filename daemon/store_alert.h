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
};

/* Opens the alert, or refreshes the live one (last_seen_at, message,
 * severity, routing). *id (may be NULL) receives its id. */
int store_alert_raise(struct store *st, const struct alert_spec *a, const char *now, int64_t *id,
                      struct err *e);
/* Resolves the live alert (kind, subject), if there is one. */
int store_alert_resolve(struct store *st, const char *kind, const char *subject, const char *now,
                        struct err *e);

#endif
