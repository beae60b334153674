/* nightly.h - the nightly supervision job: overdue tasks escalated up the
 * hierarchy (town -> county -> city), coverage and visit checks, the yearly
 * reduction check (约谈), and one digest per supervisor into the outbox.
 * It only writes the database; delivery is deliver.c's. */
#ifndef FUPIN_NIGHTLY_H
#define FUPIN_NIGHTLY_H

#include "config.h"
#include "err.h"
#include "stop.h"
#include "store.h"

struct nightly_report {
    int raised;    /* alerts opened by this run */
    int refreshed; /* live alerts seen again */
    int escalated; /* alerts that climbed a level */
    int resolved;  /* alerts closed because their cause is gone */
    int digests;   /* outbox rows added (0 when the night's digests exist) */
};

/* Runs the job as of date ("YYYY-MM-DD") in one write transaction on st and
 * records date as engine_meta 'nightly_last_run' (never moving it back).
 * Running it twice for the same date changes nothing but last_seen_at.
 * stop (may be NULL) aborts while waiting for the write lock. Returns 0,
 * ERR_INVALID (bad date or params), ERR_FAIL or ERR_STOPPED with e set. */
int nightly_run(const struct config *cfg, struct store *st, const char *date,
                const atomic_int *stop, struct nightly_report *report, struct err *e);

/* The current UTC time as "YYYY-MM-DD HH:MM:SS": the form of every
 * timestamp the job and delivery write (sorts as text). */
void nightly_utc_now(char out[24]);

/* Level names ordered village < town < county < city; -1 for anything else. */
int nightly_level_rank(const char *level);

#endif
