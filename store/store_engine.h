/* store_engine.h - the few queries only the engine needs beyond the journal
 * and reconciliation: the journal's end, the city region for routing policy
 * alerts, findings left behind by households that no longer exist, and the
 * per-policy rows of engine_meta.
 * Reads and small writes only; call the writes inside a transaction. */
#ifndef FUPIN_STORE_ENGINE_H
#define FUPIN_STORE_ENGINE_H

#include "err.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* The highest journal seq ever assigned (0 when none): moving the cursor
 * there covers every change committed so far. */
int store_journal_end(struct store *st, int64_t *seq, struct err *e);

/* The code of the region whose level is 'city' (lowest code if several)
 * into buf; "" when there is none. */
int store_region_city(struct store *st, char *buf, size_t size, struct err *e);

/* Households that have live findings or open alerts but no household row,
 * ascending, at most max. */
int store_orphan_households(struct store *st, int max, int64_t *ids, int *n, struct err *e);

/* One engine_meta row whose key starts with a prefix, the prefix cut off. */
struct store_meta_row {
    char name[64];
    char value[64];
};
/* The engine_meta rows whose key starts with prefix (no LIKE wildcards in
 * it), at most max into rows; *n = -1 when there are more. */
int store_meta_prefixed(struct store *st, const char *prefix, int max, struct store_meta_row *rows,
                        int *n, struct err *e);
/* Deletes the engine_meta row key (none: not an error). */
int store_meta_delete(struct store *st, const char *key, struct err *e);

#endif
