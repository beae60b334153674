/* rule_history.h - records the rule versions that run (store_rules.h):
 * every policy, plugin and the params set of a policy set, the first time
 * each version is put to work. Called where a set goes live: `fupin eval`,
 * the daemon's start and its reloads. Never fails the caller's work. */
#ifndef FUPIN_RULE_HISTORY_H
#define FUPIN_RULE_HISTORY_H

#include "err.h"
#include "policy_set.h"
#include "store.h"
#include "store_tally.h"

#include <stdint.h>

/* Records every version of set (its config's database, own connection).
 * by: who or what activated it ("daemon", "eval"; a person's name once
 * activation is staged). Returns 0 or a code
 * with e; the caller logs it and goes on (the history is not the work). */
int rule_history_record(const struct policy_set *set, const char *by, struct err *e);

/* Review mode: the summary kept with activated change id goes to every
 * version first activated at or after since (what the activation put live). */
int rule_history_summarize_change(const struct config *cfg, int64_t id, const char *since,
                                  struct err *e);

/* `reload: auto`: records a reload that changed policies (","-joined) as
 * an active change by "auto" into *id (what: what was reloaded), with a
 * connection the caller hands to rule_history_auto_finish in *keep. The
 * caller counts the re-evaluation's writes in a tally of those policies
 * (store_tally.h, engine_set_tally). Call before the re-evaluation starts. */
int rule_history_auto_begin(const struct config *cfg, const char *what, const char *policies,
                            const char *now, struct store **keep, int64_t *id, struct err *e);
/* Once that re-evaluation is done: the difference it made (the tally), in
 * the preview's JSON shape, kept with change id and the versions activated
 * since `since`. Closes st. */
int rule_history_auto_finish(struct store *st, int64_t id, const char *since,
                             const struct store_tally *tally, struct err *e);

#endif
