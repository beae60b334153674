/* store_findings.h - reconciliation: making the stored findings and policy
 * alerts of one household equal what the policies just said. Call inside a
 * write transaction (store_begin); never touches accepted/rejected rows
 * except to note that their facts changed. */
#ifndef FUPIN_STORE_FINDINGS_H
#define FUPIN_STORE_FINDINGS_H

#include "err.h"
#include "policy.h"
#include "store.h"

struct reconcile_stats {
    long inserted, updated, withdrawn, unchanged;
};

/* Inserts new findings, updates changed amount/reason/source, withdraws what
 * no longer applies, skipping every policy listed in res->errors (its stored
 * findings stay as they were). Policy alerts are raised/resolved likewise.
 * now is "YYYY-MM-DD HH:MM:SS". stats may be NULL. */
int store_reconcile(struct store *st, const struct eval_result *res, const char *now,
                    struct reconcile_stats *stats, struct err *e);

/* The household is gone: withdraw its open findings, resolve its alerts. */
int store_forget_household(struct store *st, int64_t household_id, const char *now,
                           struct err *e);

#endif
