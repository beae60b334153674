/* nightly_prefetch.h - the nightly job's checks that read only input tables
 * (households without a cadre, idle cadres, towns' reduction), read ahead
 * on a second connection in a thread while the job's own connection works
 * through the overdue tasks. */
#ifndef FUPIN_NIGHTLY_PREFETCH_H
#define FUPIN_NIGHTLY_PREFETCH_H

#include "err.h"
#include "store.h"
#include "store_nightly.h"

struct nightly_prefetch;

/* Starts reading what store_nightly_unpaired, store_nightly_idle_cadres and
 * (towns nonzero) store_nightly_towns return, on a new read connection to
 * st's database. Call it holding st's write transaction: no one else can
 * commit until it ends, so the new connection sees the rows st would.
 * On failure nothing is started and the caller reads on st itself. */
int nightly_prefetch_start(struct store *st, const char *date, long no_visit_days, int towns,
                           struct nightly_prefetch **out, struct err *e);
/* Wait for the reads, then hand each row to fn in the store's order, as the
 * store_nightly_* function of the same name would; a read error is
 * returned as it was. */
int nightly_prefetch_unpaired(struct nightly_prefetch *p, store_nightly_household_fn fn, void *ctx,
                              struct err *e);
int nightly_prefetch_idle_cadres(struct nightly_prefetch *p, store_nightly_cadre_fn fn, void *ctx,
                                 struct err *e);
int nightly_prefetch_towns(struct nightly_prefetch *p, store_nightly_town_fn fn, void *ctx,
                           struct err *e);
/* Waits for the thread if it still reads, then frees everything (p may be
 * NULL). */
void nightly_prefetch_free(struct nightly_prefetch *p);

#endif
