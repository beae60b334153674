/* store_journal_lists.h - what the journal rows of a batch changed in each
 * household: which of its lists, or its own row. The engine re-runs on a
 * household only the policies that read what changed. Reads only. */
#ifndef FUPIN_STORE_JOURNAL_LISTS_H
#define FUPIN_STORE_JOURNAL_LISTS_H

#include "err.h"
#include "store.h"

#include <stdint.h>

/* A change to a table that is none of the household's lists (household,
 * region, pairing, cadre, or one this fupin does not know). */
#define STORE_JOURNAL_ROW 0x80000000u

/* For the journal rows cursor < seq <= upto (as store_journal_read chose
 * them, whose ids are ids[0..n)), ors into changed[i] what changed in
 * household ids[i]: HOUSEHOLD_LIST_BIT(rec) for a row of list rec's table,
 * STORE_JOURNAL_ROW for any other. changed[] is not cleared first. Inside
 * the transaction (or on the connection) that read the batch. */
int store_journal_lists(struct store *st, int64_t cursor, int64_t upto, const int64_t *ids, int n,
                        uint32_t *changed, struct err *e);

/* The households of lo..hi with a live (open or acked) data_quality alert,
 * ascending, at most max; *n = -1 when there are more. Such a household is
 * read whole: reading it without fault resolves the alert. */
int store_data_quality_households(struct store *st, int64_t lo, int64_t hi, int max, int64_t *ids,
                                  int *n, struct err *e);

#endif
