/* fuzz_snapshot.c - the snapshot reader's record validation on rows from
 * bytes (household, region, pairing and every list). Each of households
 * 1..3 is read twice, alone and inside a range read, and both reads must
 * agree; a record is read or refused with a message naming it, never a
 * crash, and no message carries a resident ID number. */
#include "fuzz.h"
#include "fuzz_db.h"
#include "store_snapshot.h"

#include <stdio.h>
#include <string.h>

static const char *const tables[] = {"household", "region", "pairing",          "member",
                                     "income",    "loan",   "enterprise_link",  "asset_share",
                                     "visit",     "task",   "fund_application", NULL};

static struct snapshot_reader *reader;

static void check_read(int64_t id, int rc, const struct snapshot *snap, const struct err *e)
{
    if (fuzz_verbose())
        fprintf(stderr, "household %lld: %d %s (%zu members, %zu income, %zu tasks)\n",
                (long long)id, rc, rc ? e->msg : "read", snap->hh.n_members, snap->hh.n_income,
                snap->hh.n_tasks);
    if (rc == ERR_INVALID && !strstr(e->msg, "household"))
        fuzz_fail("household %lld refused without naming it: %s", (long long)id, e->msg);
    if (strstr(e->msg, "440000198005010011") || strstr(e->msg, "44000019800501001X"))
        fuzz_fail("a resident ID number in a message: %s", e->msg);
    if (rc != 0)
        return;
    const struct household *hh = &snap->hh;
    if (hh->id != id || !hh->today || strcmp(hh->today, "2018-06-30") != 0 || hh->year != 2018)
        fuzz_fail("household %lld read as %lld", (long long)id, (long long)hh->id);
    for (size_t i = 0; i < hh->n_members; i++)
        if (hh->members[i].age < -1 || hh->members[i].skills < 0)
            fuzz_fail("household %lld: member %zu out of range", (long long)id, i);
    for (size_t i = 1; i < hh->n_income; i++)
        if (hh->income[i].year < hh->income[i - 1].year)
            fuzz_fail("household %lld: income not sorted by year", (long long)id);
}

#define SAME_COUNT_(list, elem, ELEM, table, order, key)                                           \
    if (alone->hh.n_##list != ranged->hh.n_##list)                                                 \
        fuzz_fail("household %lld: %zu " #list " alone, %zu in a range", (long long)id,            \
                  alone->hh.n_##list, ranged->hh.n_##list);

static void check_same(int64_t id, const struct snapshot *alone, const struct snapshot *ranged)
{
    HOUSEHOLD_LISTS(SAME_COUNT_)
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store *st = fuzz_db_open(tables);
    struct err e = {{0}};
    if (!reader && snapshot_reader_new(st, &reader, &e) != 0)
        fuzz_fail("snapshot_reader_new: %s", e.msg);
    fuzz_db_fill(data, size);

    struct snapshot alone[4], ranged;
    memset(alone, 0, sizeof alone);
    memset(&ranged, 0, sizeof ranged);
    int rc[4];
    char msg[4][sizeof e.msg];
    for (int64_t id = 1; id <= 3; id++) {
        memset(&e, 0, sizeof e);
        rc[id] = snapshot_read(reader, id, "2018-06-30", &alone[id], &e);
        check_read(id, rc[id], &alone[id], &e);
        memcpy(msg[id], e.msg, sizeof e.msg);
    }
    if (store_begin_read(st, &e) != 0)
        fuzz_fail("store_begin_read: %s", e.msg);
    if (snapshot_range_begin(reader, 1, 3, &e) != 0)
        fuzz_fail("snapshot_range_begin: %s", e.msg);
    for (int64_t id = 1; id <= 3; id++) {
        memset(&e, 0, sizeof e);
        int rc_range = snapshot_read(reader, id, "2018-06-30", &ranged, &e);
        check_read(id, rc_range, &ranged, &e);
        /* The range walk is an optimisation: it must see what one read sees. */
        if (rc_range != rc[id] || strcmp(msg[id], e.msg) != 0)
            fuzz_fail("household %lld: alone %d \"%s\", in a range %d \"%s\"", (long long)id,
                      rc[id], msg[id], rc_range, e.msg);
        if (rc_range == 0)
            check_same(id, &alone[id], &ranged);
    }
    snapshot_range_end(reader);
    store_rollback(st);
    for (int i = 1; i <= 3; i++)
        snapshot_free(&alone[i]);
    snapshot_free(&ranged);
    return 0;
}
