/* store_demo.h - writing the demo city (demo/) into a database. Never touches
 * a database that already holds households. */
#ifndef FUPIN_STORE_DEMO_H
#define FUPIN_STORE_DEMO_H

#include "demo.h"
#include "err.h"
#include "store.h"

/* Fills st, which must have the current schema and no households or
 * regions, with the demo city in one transaction. Rows stream straight to
 * the database: memory stays small whatever the size. counts may be NULL.
 * Returns 0; ERR_INVALID for bad options or a non-empty database; ERR_FAIL
 * on a database error (nothing is then written). */
int demo_fill(struct store *st, const struct demo_options *opt, struct demo_counts *counts,
              struct err *e);

#endif
