/* store_tally.h - the difference a reload's re-evaluation makes to the
 * findings of the reloaded policies, counted as reconciliation writes them
 * (store_findings.h) instead of by copying every finding before and
 * comparing after: a reload of one policy on the demo city spent half a
 * second on that copy and comparison. Each finding row written is kept
 * with its state before the first write and after the last, so a row
 * changed and changed back counts as unchanged, as a comparison would.
 * One thread at a time. */
#ifndef FUPIN_STORE_TALLY_H
#define FUPIN_STORE_TALLY_H

#include "err.h"
#include "store_rules.h"

#include <stdint.h>

struct store_tally;

/* A finding row as the difference sees it: live is open, accepted or
 * rejected; counted (open or accepted) is what the amounts sum. */
struct tally_row {
    int exists;
    int live, counted;
    int has_amount;
    double amount;
    uint64_t reason; /* a hash of the reason */
};

/* A tally of the findings of policies (","-joined names). */
int store_tally_new(const char *policies, struct store_tally **out, struct err *e);
void store_tally_free(struct store_tally *t);

/* Whether the tally counts policy's findings (t may be NULL: no). */
int store_tally_wants(const struct store_tally *t, const char *policy);
/* Finding id of policy and measure was written from before to after.
 * ERR_FAIL when out of memory (the tally is then incomplete: the caller's
 * write goes on, and store_tally_diffs says so). */
int store_tally_row(struct store_tally *t, int64_t id, const char *policy, const char *measure,
                    const struct tally_row *before, const struct tally_row *after);
/* The reason's hash for tally_row.reason. */
uint64_t store_tally_reason(const char *reason);

/* The difference per policy and measure, as a comparison of the findings
 * before and after would count it (the preview's meaning of added,
 * withdrawn and changed), into a new array freed with rule_diffs_free.
 * ERR_FAIL when a row could not be kept. */
int store_tally_diffs(const struct store_tally *t, struct rule_diff **out, size_t *n,
                      struct err *e);

#endif
