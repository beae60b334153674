/* test_store_plans.c - the query plans of the engine's hot per-household
 * reads, on a real store (the current schema, a small demo city, no ANALYZE:
 * as the daemon runs). Each must seek by household_id; a plan that scans, or
 * walks an index by kind, makes a change of one household cost in
 * proportion to the city, which only fupin-bench would notice. */
#include "store.h"
#include "store_demo.h"
#include "store_internal.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static struct store *st;

/* The plan's detail lines, "; "-separated (malloc'd). */
static char *plan(const char *sql)
{
    char *q = malloc(strlen(sql) + 32), *out = calloc(1, 4096);
    sqlite3_stmt *s = NULL;
    strcpy(q, "EXPLAIN QUERY PLAN ");
    strcat(q, sql);
    if (sqlite3_prepare_v2(st->db, q, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(st->db));
        test_failures++;
    }
    while (s && sqlite3_step(s) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(s, 3);
        size_t len = strlen(out);
        snprintf(out + len, 4096 - len, "%s%s", len ? "; " : "", d ? d : "");
    }
    sqlite3_finalize(s);
    free(q);
    return out;
}

/* The names of table's indexes whose first column is col, ","-separated
 * with a leading and trailing comma (",a,b,"). */
static void indexes_on(const char *table, const char *col, char *buf, size_t size)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT ',' || group_concat(l.name, ',') || ',' FROM pragma_index_list('%s') l"
             " WHERE (SELECT name FROM pragma_index_info(l.name) WHERE seqno = 0) = '%s'",
             table, col);
    char *t = test_query_text(st->db, sql);
    snprintf(buf, size, "%s", t ? t : ",");
    free(t);
}

/* Whether the plan searches table through one of the indexes named in
 * names (",a,b,") with household_id as the first constraint. */
static int seeks_by_household(const char *p, const char *table, const char *names)
{
    char head[96];
    snprintf(head, sizeof head, "SEARCH %s USING ", table);
    for (const char *at = strstr(p, head); at; at = strstr(at + 1, head)) {
        const char *idx = at + strlen(head);
        if (strncmp(idx, "COVERING ", 9) == 0)
            idx += 9;
        if (strncmp(idx, "INDEX ", 6) != 0)
            continue;
        idx += 6;
        const char *sp = strchr(idx, ' ');
        if (!sp || strncmp(sp, " (household_id", 14) != 0)
            continue;
        char name[80];
        snprintf(name, sizeof name, ",%.*s,", (int)(sp - idx), idx);
        if (strstr(names, name))
            return 1;
    }
    return 0;
}

static void alert_lookups_seek_by_household_not_kind(void)
{
    char by_household[256], by_kind[256];
    indexes_on("alert", "household_id", by_household, sizeof by_household);
    indexes_on("alert", "kind", by_kind, sizeof by_kind);
    CHECK(strcmp(by_household, ",") != 0);
    CHECK(strcmp(by_kind, ",") != 0); /* alert_live: what it must not walk */
    const char *sqls[] = {store_sql_data_quality_households, store_sql_alert_households};
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
        char *p = plan(sqls[i]);
        if (!seeks_by_household(p, "alert", by_household) || strstr(p, "SCAN ")) {
            fprintf(stderr, "%s\n  plan: %s\n  wanted a SEARCH through one of %s\n", sqls[i], p,
                    by_household);
            test_failures++;
        }
        /* No index by kind anywhere in the plan. */
        char *names = strdup(by_kind);
        for (char *n = strtok(names, ","); n; n = strtok(NULL, ",")) {
            char used[96];
            snprintf(used, sizeof used, "INDEX %s ", n);
            if (strstr(p, used)) {
                fprintf(stderr, "%s\n  plan: %s\n  uses %s (by kind)\n", sqls[i], p, n);
                test_failures++;
            }
        }
        free(names);
        free(p);
    }
}

static void findings_load_seeks_by_household(void)
{
    char by_household[256];
    indexes_on("finding", "household_id", by_household, sizeof by_household);
    char *p = plan(store_sql_findings_select);
    if (!seeks_by_household(p, "finding", by_household) || strstr(p, "SCAN ")) {
        fprintf(stderr, "findings load plan: %s\n  wanted a SEARCH through one of %s\n", p,
                by_household);
        test_failures++;
    }
    free(p);
}

/* The table a snapshot list query reads: the word after " FROM ". */
static void from_table(const char *sql, char *buf, size_t size)
{
    const char *f = strstr(sql, " FROM ");
    size_t n = f ? strcspn(f + 6, " ") : 0;
    snprintf(buf, size, "%.*s", (int)n, f ? f + 6 : "");
}

static void snapshot_reads_seek_by_household(void)
{
    int lists = 0;
    for (int ranged = 0; ranged < 2; ranged++) {
        /* 0 is the household row itself, by its primary key. */
        char *p = plan(store_snapshot_sql(0, ranged));
        CHECK_STR_CONTAINS(p, "SEARCH h USING INTEGER PRIMARY KEY (rowid");
        if (strstr(p, "SCAN ")) {
            fprintf(stderr, "household row plan: %s\n", p);
            test_failures++;
        }
        free(p);
        const char *sql;
        for (int i = 1; (sql = store_snapshot_sql(i, ranged)) != NULL; i++) {
            char table[64], by_household[256];
            from_table(sql, table, sizeof table);
            indexes_on(table, "household_id", by_household, sizeof by_household);
            p = plan(sql);
            if (!seeks_by_household(p, table, by_household) || strstr(p, "SCAN ")) {
                fprintf(stderr, "%s\n  plan: %s\n  wanted a SEARCH through one of %s\n", sql, p,
                        by_household);
                test_failures++;
            }
            free(p);
            lists += ranged == 0;
        }
    }
    CHECK(lists >= 5); /* member, income, ... : the reader has its lists */
    CHECK(store_snapshot_sql(-1, 0) == NULL);
}

int main(void)
{
    char path[512];
    st = test_store_create("plans.db", path, sizeof path);
    struct demo_options opt = {.seed = DEMO_DEFAULT_SEED, .households = 100};
    struct demo_counts counts;
    struct err e = {{0}};
    if (demo_fill(st, &opt, &counts, &e) != 0) {
        fprintf(stderr, "demo_fill: %s\n", e.msg);
        return 1;
    }
    /* As the daemon plans: no statistics (nothing runs ANALYZE). */
    CHECK(test_query_int(st->db,
                         "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'") == 0);
    RUN(alert_lookups_seek_by_household_not_kind);
    RUN(findings_load_seeks_by_household);
    RUN(snapshot_reads_seek_by_household);
    store_close(st);
    return test_done();
}
