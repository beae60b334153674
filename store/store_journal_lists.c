/* store_journal_lists.c - the tables a batch of journal rows touched, per
 * household, as list bits (household.h). Never writes. */
#include "store_journal_lists.h"
#include "household.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    int64_t id;
    int index;
};

static int cmp_slot(const void *a, const void *b)
{
    int64_t x = ((const struct slot *)a)->id, y = ((const struct slot *)b)->id;
    return (x > y) - (x < y);
}

/* The bit of table: its list's, else STORE_JOURNAL_ROW. */
static uint32_t table_bit(const char *table)
{
    int rec = table ? household_record_of_table(table) : -1;
    return rec > HOUSEHOLD_REC_HOUSEHOLD ? HOUSEHOLD_LIST_BIT(rec) : STORE_JOURNAL_ROW;
}

int store_journal_lists(struct store *st, int64_t cursor, int64_t upto, const int64_t *ids, int n,
                        uint32_t *changed, struct err *e)
{
    static const char sql[] = "SELECT household_id, tbl FROM engine_journal"
                              " WHERE seq > ?1 AND seq <= ?2 AND household_id IS NOT NULL";
    if (n <= 0 || upto <= cursor)
        return 0;
    struct slot *by_id = malloc((size_t)n * sizeof *by_id);
    if (!by_id)
        return err_set(e, ERR_FAIL, _("out of memory"));
    for (int i = 0; i < n; i++)
        by_id[i] = (struct slot){ids[i], i};
    qsort(by_id, (size_t)n, sizeof *by_id, cmp_slot);
    sqlite3_stmt *s;
    int rc = store_cached(st, sql, &s, e);
    if (rc) {
        free(by_id);
        return rc;
    }
    sqlite3_bind_int64(s, 1, cursor);
    sqlite3_bind_int64(s, 2, upto);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct slot key = {sqlite3_column_int64(s, 0), 0};
        const struct slot *at = bsearch(&key, by_id, (size_t)n, sizeof *by_id, cmp_slot);
        /* Every row up to upto names one of ids (store_journal_read's
         * promise); anything else is ignored rather than trusted. */
        if (at)
            changed[at->index] |= table_bit((const char *)sqlite3_column_text(s, 1));
    }
    if (step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("reading engine_journal"));
    sqlite3_reset(s);
    free(by_id);
    return rc;
}

/* +kind: through the households' index. On alert_live (kind, the partial
 * index of live alerts) it walked every live data_quality alert of the city
 * for a batch of one household (tests/unit/test_store_plans.c pins it). */
const char store_sql_data_quality_households[] =
    "SELECT DISTINCT household_id FROM alert"
    " WHERE household_id BETWEEN ?1 AND ?2 AND +kind = 'data_quality'"
    " AND state IN ('open','acked') ORDER BY household_id";

int store_data_quality_households(struct store *st, int64_t lo, int64_t hi, int max, int64_t *ids,
                                  int *n, struct err *e)
{
    return store_ids_between(st, store_sql_data_quality_households, lo, hi, max, ids, n, e);
}
