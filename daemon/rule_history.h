/* rule_history.h - records the rule versions that run (store_rules.h):
 * every policy, plugin and the params set of a policy set, the first time
 * each version is put to work. Called where a set goes live: `fupin eval`,
 * the daemon's start and its reloads. Never fails the caller's work. */
#ifndef FUPIN_RULE_HISTORY_H
#define FUPIN_RULE_HISTORY_H

#include "err.h"
#include "policy_set.h"

/* Records every version of set (its config's database, own connection).
 * by: who or what activated it ("daemon", "eval"; a person's name once
 * activation is staged). Returns 0 or a code
 * with e; the caller logs it and goes on (the history is not the work). */
int rule_history_record(const struct policy_set *set, const char *by, struct err *e);

#endif
