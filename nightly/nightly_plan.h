/* nightly_plan.h - the nightly checks of what the plan asks of regions
 * rather than households: each town team's six items (六有, 三(二)2) and
 * each county's and town's yearly reduction target (三(五) 约谈). Called by
 * nightly_run inside its transaction; it never sends anything. */
#ifndef FUPIN_NIGHTLY_PLAN_H
#define FUPIN_NIGHTLY_PLAN_H

#include "config.h"
#include "err.h"
#include "nightly.h"
#include "store.h"

/* Raises, refreshes and resolves the alerts town_team_incomplete,
 * reduction_behind and reduction_missed as of date ("YYYY-MM-DD", valid),
 * stamping them now; adds its counts to rep. Call after
 * store_nightly_seen_reset in a write transaction. Returns 0, or ERR_FAIL
 * with e set. */
int nightly_plan_run(const struct config *cfg, struct store *st, const char *date, const char *now,
                     struct nightly_report *rep, struct err *e);

#endif
