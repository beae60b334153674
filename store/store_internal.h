/* store_internal.h - what the store_*.c files share; nobody else includes it
 * but tests/unit/test_store_plans.c (the SQL texts whose plans it pins). */
#ifndef FUPIN_STORE_INTERNAL_H
#define FUPIN_STORE_INTERNAL_H

#include "store.h"

#include <sqlite3.h>

struct store_cached_stmt {
    const char *sql; /* a static string: the cache is keyed by its address */
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    char *path;
    int read_only;
    /* Statements prepared once per connection and reused across households:
     * preparing dominated the cost of an unchanged reconciliation. */
    struct store_cached_stmt cache[128];
    int n_cache;
};

/* Why the last call on db failed, as a person can act on it ("the disk is
 * full", in the interface language), or SQLite's own message for a failure
 * only a developer can mend (a constraint, a statement). */
const char *store_why(sqlite3 *db);

/* "path: what: why (SQLite code)" into e; returns code. what is a label marked
 * N_("reading alerts"), translated here (a label built at run time passes
 * through gettext unchanged). */
int store_fail(struct store *st, struct err *e, int code, const char *what);
/* Steps a statement that writes (or whose first row is not needed), failing
 * with what on a database error; the caller resets or finalizes it. */
int store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what, struct err *e);
/* Prepares sql or fails with a message naming it. */
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **stmt, struct err *e);
/* The cached statement for sql (a string literal), reset and unbound. Never
 * finalize it; sqlite3_reset it when done if it may still be mid-result. */
int store_cached(struct store *st, const char *sql, sqlite3_stmt **stmt, struct err *e);
/* SQL for the rank of a level column, as nightly_level_rank: village 0,
 * town 1, county 2, city 3, anything else -1. */
#define STORE_LEVEL_RANK(col)                                                                      \
    "CASE " col " WHEN 'village' THEN 0 WHEN 'town' THEN 1 WHEN 'county' THEN 2"                   \
    " WHEN 'city' THEN 3 ELSE -1 END"
/* A WITH clause: "under" holds the region :region and every region below
 * it, through region.parent at any depth (codes need not nest as strings);
 * it is empty when :region is NULL. */
#define STORE_UNDER_REGION                                                                         \
    "WITH RECURSIVE under(code) AS (SELECT :region WHERE :region IS NOT NULL"                      \
    " UNION SELECT r.code FROM region r JOIN under u ON r.parent = u.code) "
/* Creates the schema from scratch or applies migrations; in store_schema.c. */
int store_schema_apply(struct store *st, struct err *e);
/* store_findings.c: the ids the query sql (bound ?1 lo, ?2 hi) gives, at
 * most max into ids; *n = -1 when there were more. */
int store_ids_between(struct store *st, const char *sql, int64_t lo, int64_t hi, int max,
                      int64_t *ids, int *n, struct err *e);
/* The engine's hot per-household reads, whose query plans
 * tests/unit/test_store_plans.c pins: the households of a range with a live
 * data_quality alert / any live alert (bound ?1 lo, ?2 hi), and a
 * household's findings (bound ? household). */
extern const char store_sql_data_quality_households[];
extern const char store_sql_alert_households[];
extern const char store_sql_findings_select[];
/* store_snapshot.c: the snapshot reader's i-th query (the household row,
 * then each list), by household id or (ranged) by a range of them; NULL
 * past the last. */
const char *store_snapshot_sql(int i, int ranged);
/* store_schema.c: runs sql (several statements) or fails naming the
 * database; creates the journal triggers of a table keyed by household. */
int store_schema_exec(struct store *st, const char *sql, struct err *e);
int store_schema_household_triggers(struct store *st, const char *table, struct err *e);
/* store_migrate.c: the migrations to versions 4.. (store_schema_apply's list). */
int store_migrate_decisions(struct store *st, struct err *e);
int store_migrate_alert_origin(struct store *st, struct err *e);
int store_migrate_supervision_records(struct store *st, struct err *e);
int store_migrate_measures_facts(struct store *st, struct err *e);
int store_migrate_rule_versions(struct store *st, struct err *e);
int store_migrate_rule_changes(struct store *st, struct err *e);
int store_migrate_params_versions(struct store *st, struct err *e);
int store_migrate_web_accounts(struct store *st, struct err *e);
int store_migrate_console_indexes(struct store *st, struct err *e);
int store_migrate_findings_digest(struct store *st, struct err *e);
int store_migrate_fewer_writes(struct store *st, struct err *e);
int store_migrate_fewer_triggers(struct store *st, struct err *e);

#endif
