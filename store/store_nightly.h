/* store_nightly.h - the queries of the nightly job and of delivery: what is
 * overdue, unpaired, unvisited or behind target; the digest's rows; the
 * outbox's queue. Strings handed to callbacks live only during the call. */
#ifndef FUPIN_STORE_NIGHTLY_H
#define FUPIN_STORE_NIGHTLY_H

#include "err.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* ---- the job's checks (inside its write transaction; the three that read
 * only input tables may run on a second connection, see nightly_prefetch.h) ---- */

struct nightly_task {
    int64_t task_id, household_id, cadre_id;
    const char *title, *due;
    const char *village, *village_name, *town, *county, *city; /* region codes; may be NULL */
    const char *cadre_name;                                    /* may be NULL */
    int64_t town_sup, county_sup, city_sup; /* first supervisor of each; 0: none */
};
typedef int (*store_nightly_task_fn)(void *ctx, const struct nightly_task *t, struct err *e);
/* Every open task with due < date. */
int store_nightly_overdue_tasks(struct store *st, const char *date, store_nightly_task_fn fn,
                                void *ctx, struct err *e);

struct nightly_household {
    int64_t household_id;
    const char *village, *village_name;
};
typedef int (*store_nightly_household_fn)(void *ctx, const struct nightly_household *h,
                                          struct err *e);
/* Registered or returned households without a pairing to an existing cadre. */
int store_nightly_unpaired(struct store *st, store_nightly_household_fn fn, void *ctx,
                           struct err *e);

struct nightly_cadre {
    int64_t cadre_id;
    const char *name, *town; /* town may be NULL when it cannot be found */
    const char *last;        /* last visit date, else the earliest pairing date; may be NULL */
    long days;               /* days since `last`; -1 when last is NULL */
};
typedef int (*store_nightly_cadre_fn)(void *ctx, const struct nightly_cadre *c, struct err *e);
/* Cadres paired with a registered/returned household whose last handbook
 * entry (visit) is more than days before date, or who have none. */
int store_nightly_idle_cadres(struct store *st, const char *date, long days,
                              store_nightly_cadre_fn fn, void *ctx, struct err *e);

struct nightly_town {
    const char *town, *name, *county;
    long base;   /* households not exited before the year began */
    long exited; /* of them, exited in the year up to date */
};
typedef int (*store_nightly_town_fn)(void *ctx, const struct nightly_town *t, struct err *e);
/* Each town's yearly reduction for the year of date. */
int store_nightly_towns(struct store *st, const char *date, store_nightly_town_fn fn, void *ctx,
                        struct err *e);

/* The scratch set of alerts the current run has seen (a TEMP table). */
int store_nightly_seen_reset(struct store *st, struct err *e);
/* Adds every alert of temp.alert_stage_id (store_alert_stage_apply). */
int store_nightly_seen_add_staged(struct store *st, struct err *e);
/* Resolves the live alerts of kind the run did not see; *n gets how many. */
int store_nightly_sweep(struct store *st, const char *kind, const char *now, int *n, struct err *e);

/* ---- digests ---- */

struct nightly_alert {
    int64_t id, task_id, household_id;
    const char *kind, *severity, *level, *state, *notified_level, *message, *opened_at;
    const char *origin_region, *origin_level; /* where it opened (never NULL for new rows) */
    const char *escalated_at;                 /* the night it reached level; may be NULL */
    int escalations;
    /* task_overdue only (NULL otherwise): */
    const char *title, *due, *cadre_name, *cadre_phone;
    /* the household's head and their resident ID, already masked
     * (441602********0011); NULL when not recorded */
    const char *head_name, *head_id_masked;
    /* Where it happened, up three levels: the household's village (else
     * the alert's origin region) and its parents, with the last one's
     * parent; the digest counts by the one right under its supervisor. */
    const char *village, *village_name, *place1, *place1_name, *place2, *place2_name,
        *place2_parent;
    /* the supervisor whose digest this row belongs to */
    int64_t supervisor_id;
    const char *sup_name, *sup_region, *sup_level, *sup_channel;
    const char *sup_region_name; /* NULL when the region is not in the table */
};
typedef int (*store_nightly_alert_fn)(void *ctx, const struct nightly_alert *a, struct err *e);
/* Every live alert as each supervisor sees it, grouped by supervisor id: the
 * supervisor it is routed to, and the first supervisor of every region from
 * its origin up to below its current level (an escalated task stays in the
 * town's list and the county's while the city has it). Within one
 * supervisor: task_overdue first by due date (oldest first), then the rest
 * by kind and opening time. Do not write the alert table from fn. */
int store_nightly_digest_alerts(struct store *st, store_nightly_alert_fn fn, void *ctx,
                                struct err *e);
/* The rows of store_nightly_digest_alerts of one supervisor: their full
 * list (the mail's attachment). Reads only, in no transaction of its own. */
int store_nightly_supervisor_alerts(struct store *st, int64_t supervisor_id,
                                    store_nightly_alert_fn fn, void *ctx, struct err *e);
/* Marks notified (notified_level = level) every alert a digest to one of
 * these supervisors listed, in one statement instead of one per alert. */
int store_nightly_mark_notified_digests(struct store *st, const int64_t *sup_ids, size_t n,
                                        struct err *e);

/* Adds a message unless dedup_key exists; *inserted says which. */
int store_outbox_add(struct store *st, int64_t supervisor_id, const char *channel,
                     const char *payload, const char *dedup_key, const char *now, int *inserted,
                     struct err *e);

/* ---- delivery (each call its own small transaction unless said otherwise) ---- */

struct outbox_msg {
    int64_t id, supervisor_id;
    int attempts;
    char *channel, *payload, *address, *created_at; /* malloc'd; outbox_msg_free */
};
void outbox_msg_free(struct outbox_msg *m);

/* Ids of unsent rows due at now (next_attempt_at NULL or <= now) with
 * attempts < max_attempts, oldest first; *ids is malloc'd. */
int store_outbox_due(struct store *st, const char *now, int max_attempts, int64_t **ids, size_t *n,
                     struct err *e);
/* Claims row id until lease_until if it is still unsent and due, so that two
 * deliverers never send it at once; *claimed 0 means someone else has it. */
int store_outbox_claim(struct store *st, int64_t id, const char *now, const char *lease_until,
                       struct outbox_msg *m, int *claimed, struct err *e);
/* Claims, as store_outbox_claim does but in one transaction, those of
 * ids[0..n) that go through channel; out (room for n) gets them in the
 * order of ids, *n_claimed how many. On error none is claimed. */
int store_outbox_claim_channel(struct store *st, const int64_t *ids, size_t n, const char *channel,
                               const char *now, const char *lease_until, struct outbox_msg *out,
                               size_t *n_claimed, struct err *e);
/* mark_sent and mark_failed run in the caller's transaction if one is open. */
int store_outbox_mark_sent(struct store *st, int64_t id, const char *now, struct err *e);
/* Records a failed attempt: attempts + 1, last_error, next_attempt_at
 * (NULL: no retry planned). */
int store_outbox_mark_failed(struct store *st, int64_t id, const char *error,
                             const char *next_attempt_at, struct err *e);
/* Gives row id up for good: attempts becomes at least max_attempts (so
 * store_outbox_due never returns it again), last_error error, no retry. */
int store_outbox_give_up(struct store *st, int64_t id, int max_attempts, const char *error,
                         struct err *e);
/* Earliest next_attempt_at of rows still to try ("" when none, "now" rows
 * give their own time or ""). *any says whether there are such rows. */
int store_outbox_next(struct store *st, int max_attempts, char *buf, int size, int *any,
                      struct err *e);

#endif
