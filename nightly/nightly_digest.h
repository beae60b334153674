/* nightly_digest.h - the nightly job's second half: one digest per
 * supervisor, as JSON with a human-readable `text` under 64 KB, into the
 * outbox. Internal to nightly.c (and the labels to deliver's list); runs
 * inside the job's write transaction. */
#ifndef FUPIN_NIGHTLY_DIGEST_H
#define FUPIN_NIGHTLY_DIGEST_H

#include "config.h"
#include "err.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* Ids of the alerts that climbed a level tonight. */
struct nightly_escalated {
    int64_t *ids;
    size_t n, cap;
};
int nightly_escalated_add(struct nightly_escalated *x, int64_t id, struct err *e);
void nightly_escalated_free(struct nightly_escalated *x);

/* Writes tonight's digests (dedup key "digest:<supervisor>:<date>") for
 * every supervisor with something to report among the alerts they see (see
 * store_nightly_digest_alerts): an open one, or an acked one new to their
 * level. Marks what went out as notified. *digests gets the number of rows
 * added; params.supervision.digest_items sizes the lists. esc is sorted. */
int nightly_digests(const struct config *cfg, struct store *st, const char *date, const char *now,
                    struct nightly_escalated *esc, int *digests, struct err *e);

/* The translated label of an alert kind or a level ("帮扶任务逾期",
 * "县级"); the code itself when unknown. */
const char *nightly_kind_label(const char *kind);
/* Whether fupin itself raises alerts of kind, or a shipped policy does
 * (those with a label); a policy's own kind is known once it was raised. */
int nightly_kind_known(const char *kind);
/* Those kinds' codes in the digest's order, NULL-terminated (a filter's
 * choices). */
const char *const *nightly_kind_codes(void);
const char *nightly_level_label(const char *level);

#endif
