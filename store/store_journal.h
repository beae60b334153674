/* store_journal.h - the change journal (filled by triggers), the engine's
 * cursor into it, households marked for re-evaluation (full passes), and the
 * evaluation audit. The cursor only moves inside the write transaction that
 * stores the findings of the changes it covers: that is what makes
 * processing exactly-once. */
#ifndef FUPIN_STORE_JOURNAL_H
#define FUPIN_STORE_JOURNAL_H

#include "err.h"
#include "store.h"

#include <stdint.h>

/* The cursor: the last journal seq whose households' findings are stored. */
int store_cursor_get(struct store *st, int64_t *cursor, struct err *e);
/* Inside a write transaction. */
int store_cursor_set(struct store *st, int64_t cursor, struct err *e);

/* Distinct household ids of journal rows with seq > cursor, in seq order, at
 * most max ids. *upto receives the last seq covered (all rows cursor < seq <=
 * *upto are represented in ids[]); equals cursor when there is nothing new.
 * Rows without a household are covered but yield no id. */
int store_journal_read(struct store *st, int64_t cursor, int max, int64_t *ids, int *n,
                       int64_t *upto, struct err *e);
/* Deletes journal rows with seq <= upto (keeps the table small); in a tx. */
int store_journal_trim(struct store *st, int64_t upto, struct err *e);

/* Marks every household that exists now for re-evaluation (policy or config
 * change): one range row, not a row per household; in a tx. Households
 * inserted later come through the journal. Readers outside see the marks
 * through the view engine_pending (empty: the pass is done). */
int store_pending_mark_all(struct store *st, struct err *e);
/* The lowest pending ids, at most max. */
int store_pending_take(struct store *st, int max, int64_t *ids, int *n, struct err *e);
/* The lowest pending ids above after, at most max (the batch after one still
 * being written, whose ids are not yet cleared). */
int store_pending_take_after(struct store *st, int64_t after, int max, int64_t *ids, int *n,
                             struct err *e);
/* Unmarks ids (in the transaction that stores their findings). The range
 * moves only over its first households, so ids from elsewhere (a journal
 * batch) leave it as it was. */
int store_pending_clear(struct store *st, const int64_t *ids, int n, struct err *e);
/* Number of pending households. */
int store_pending_count(struct store *st, int64_t *count, struct err *e);

/* Every household id in ascending order after `after`, at most max
 * (`fupin eval --all` without marking). */
int store_household_ids(struct store *st, int64_t after, int max, int64_t *ids, int *n,
                        struct err *e);

/* Audit row of one evaluation (engine_eval); in a tx. errors may be NULL.
 * Written only when findings or errors differ from the stored row. */
int store_eval_audit(struct store *st, int64_t household_id, const char *now, int findings,
                     const char *errors, struct err *e);

#endif
