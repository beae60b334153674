/* store_findings.h - reconciliation: making the stored findings and policy
 * alerts of one household equal what the policies just said. Call inside a
 * write transaction (store_begin); never touches accepted/rejected rows
 * except to note that their facts changed. */
#ifndef FUPIN_STORE_FINDINGS_H
#define FUPIN_STORE_FINDINGS_H

#include "err.h"
#include "policy.h"
#include "store.h"

struct store_tally;

struct reconcile_stats {
    long inserted, updated, withdrawn, unchanged;
    /* When not NULL, every change of a finding it wants is counted there
     * (store_tally.h): set by the caller, never by reconciliation. */
    struct store_tally *tally;
};

/* Inserts new findings, updates changed amount/reason/source, withdraws what
 * no longer applies, skipping every policy listed in res->errors (its stored
 * findings stay as they were). Policy alerts (subject "household:<id>") are
 * raised/resolved likewise; a live data_quality alert of the household is
 * resolved too, since reconciling means its snapshot read cleanly.
 * now is "YYYY-MM-DD HH:MM:SS". stats may be NULL. The household's digest
 * (finding_digest) keeps, per policy, what the policy said when last
 * reconciled; any write to one of its finding rows drops it. While it
 * stands and every policy that ran says the same again, the findings are
 * not even loaded: a new version of a policy saying the same only moves
 * its open rows' source, in one statement. */
int store_reconcile(struct store *st, const struct eval_result *res, const char *now,
                    struct reconcile_stats *stats, struct err *e);
/* Hints for store_reconcile_hinted. NO_LIVE_ALERTS: the caller knows (from
 * store_alert_households in this transaction) that the household has no
 * live alert, so the alert lookup is skipped. NO_DIGEST: the digest is
 * neither compared nor kept (the stored one stands if no row changes). */
enum { RECONCILE_NO_LIVE_ALERTS = 1, RECONCILE_NO_DIGEST = 2 };
/* store_reconcile with hints (RECONCILE_* or'ed). */
int store_reconcile_hinted(struct store *st, const struct eval_result *res, const char *now,
                           int hints, struct reconcile_stats *stats, struct err *e);
/* The households of lo..hi with any live (open or acked) alert, ascending,
 * into ids (at most max); *n = -1 when there are more than max. */
int store_alert_households(struct store *st, int64_t lo, int64_t hi, int max, int64_t *ids, int *n,
                           struct err *e);

/* The household is gone: withdraw its open findings, resolve its alerts.
 * tally (may be NULL) counts the withdrawals. */
int store_forget_household(struct store *st, int64_t household_id, const char *now,
                           struct store_tally *tally, struct err *e);

/* The household's record is malformed (snapshot_read said ERR_INVALID):
 * raises the "data_quality" alert (subject "household:<id>", routed to the
 * town) with message, which must already be free of personal data. Its
 * findings are left as they were. In a write transaction. */
int store_data_quality_alert(struct store *st, int64_t household_id, const char *message,
                             const char *now, struct err *e);
/* Resolves that alert (also done by store_reconcile). */
int store_data_quality_resolve(struct store *st, int64_t household_id, const char *now,
                               struct err *e);

#endif
