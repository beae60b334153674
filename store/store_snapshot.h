/* store_snapshot.h - reading one household, with everything policies look at,
 * into the struct household of household.h. Reads only; validates what
 * constraints cannot (dates, enum text). */
#ifndef FUPIN_STORE_SNAPSHOT_H
#define FUPIN_STORE_SNAPSHOT_H

#include "arena.h"
#include "err.h"
#include "household.h"
#include "store.h"

/* A household and the memory behind it; reuse across households. */
struct snapshot {
    struct household hh;
    struct arena arena;
};

struct snapshot_reader; /* prepared statements on one connection */

int snapshot_reader_new(struct store *st, struct snapshot_reader **out, struct err *e);
void snapshot_reader_free(struct snapshot_reader *r);

/* Reads household id as of today ("YYYY-MM-DD") into snap (resetting it).
 * Returns 0; ERR_NOTFOUND when no such household exists (deleted), leaving e
 * as it was; ERR_INVALID for a malformed record, with e naming it ("household
 * 12: member 40: birth_date \"1980-13-01\" is not a date"); ERR_FAIL on
 * database errors. */
int snapshot_read(struct snapshot_reader *r, int64_t id, const char *today, struct snapshot *snap,
                  struct err *e);
/* snapshot_read of only the lists in lists (HOUSEHOLD_LIST_BITs of
 * household.h): the others are left empty and unread, so a malformed row in
 * one of them goes unnoticed. The household's own row is always read. */
int snapshot_read_lists(struct snapshot_reader *r, int64_t id, const char *today, uint32_t lists,
                        struct snapshot *snap, struct err *e);
void snapshot_free(struct snapshot *snap);

/* For reading many households of lo..hi in ascending id order inside one
 * read transaction the caller holds: the household rows and each list are
 * then read in one pass over the range instead of one query per household.
 * snapshot_read of ids outside the range still works (one query per table);
 * ids in it must come ascending (rows of a lower id were passed already).
 * End before the transaction ends. */
int snapshot_range_begin(struct snapshot_reader *r, int64_t lo, int64_t hi, struct err *e);
/* snapshot_range_begin walking only the lists in lists; a read in the range
 * that asks for another list reads it by id. */
int snapshot_range_begin_lists(struct snapshot_reader *r, int64_t lo, int64_t hi, uint32_t lists,
                               struct err *e);
void snapshot_range_end(struct snapshot_reader *r);

/* Which lists a range's households read, counted to choose the ones worth
 * one pass: stepping through a list's rows costs every household of the
 * range, reading it by id only those that ask. Zero it, add each
 * household's lists, then pass snapshot_range_plan_lists to
 * snapshot_range_begin_lists. */
struct snapshot_range_plan {
    unsigned households;
    unsigned reads[HOUSEHOLD_REC_COUNT];
};
void snapshot_range_plan_add(struct snapshot_range_plan *p, uint32_t lists);
/* The lists at least half of the households read. */
uint32_t snapshot_range_plan_lists(const struct snapshot_range_plan *p);

#endif
