/* fuzz_db.c - rows from fuzz bytes in a database with the real schema.
 * The raw connection leaves foreign keys off, as an outside program may:
 * the readers must cope with orphans and dangling references too. */
#include "fuzz_db.h"
#include "err.h"
#include "fuzz.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TABLES 16
#define MAX_COLUMNS 32

/* Text that makes rows join and values parse: ids, region codes, enum
 * text, dates at and past their edges, alert vocabulary. */
static const char *const dictionary[] = {"441602001001",
                                         "441602001",
                                         "441602",
                                         "4416",
                                         "village",
                                         "town",
                                         "county",
                                         "city",
                                         "registered",
                                         "exited",
                                         "returned",
                                         "A",
                                         "B",
                                         "C",
                                         "D",
                                         "full",
                                         "partial",
                                         "none",
                                         "healthy",
                                         "chronic",
                                         "serious",
                                         "disabled",
                                         "preschool",
                                         "primary",
                                         "junior",
                                         "senior",
                                         "vocational",
                                         "college",
                                         "open",
                                         "done",
                                         "cancelled",
                                         "acked",
                                         "resolved",
                                         "applied",
                                         "reviewed",
                                         "noticed",
                                         "approved",
                                         "rejected",
                                         "info",
                                         "warning",
                                         "critical",
                                         "task_overdue",
                                         "no_cadre",
                                         "cadre_no_visit",
                                         "reduction_behind",
                                         "policy_error",
                                         "file",
                                         "webhook",
                                         "email",
                                         "2018-06-30",
                                         "2018-06-01",
                                         "1980-05-01",
                                         "2010-02-29",
                                         "2016-02-29",
                                         "1980-13-01",
                                         "2018-00-10",
                                         "0000-01-01",
                                         "9999-12-31",
                                         "2147483647-01-01",
                                         "-2018-01-01",
                                         "2018-6-1",
                                         "20180630",
                                         "2018-06-30T02:00:00",
                                         "",
                                         " ",
                                         "NaN",
                                         "inf",
                                         "440000198005010011",
                                         "44000019800501001X",
                                         "张三",
                                         "梅坪村",
                                         "\xe6\xa2",
                                         "\xff\xfe",
                                         "%s%n%x",
                                         "household:1",
                                         "task:1",
                                         "1e308",
                                         "-1",
                                         "0",
                                         "1"};

struct table {
    char name[64];
    int n_columns;
    char column[MAX_COLUMNS][64];
};

static struct store *st;
static sqlite3 *raw;
static struct table tables[MAX_TABLES];
static int n_tables;

static void must(int rc, const char *what)
{
    if (rc != SQLITE_OK)
        fuzz_fail("%s: %s", what, sqlite3_errmsg(raw));
}

struct store *fuzz_db_open(const char *const *names)
{
    if (st)
        return st;
    char path[1100];
    snprintf(path, sizeof path, "%s/fuzz.db", fuzz_dir());
    struct err e = {{0}};
    if (store_open(path, STORE_CREATE, &st, &e) != 0)
        fuzz_fail("store_open: %s", e.msg);
    must(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE, NULL), path);
    sqlite3_busy_timeout(raw, 60000);
    /* Speed over durability: the database lives for one fuzzing run. */
    must(sqlite3_exec(raw, "PRAGMA foreign_keys=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL),
         "pragma");
    for (n_tables = 0; names[n_tables] && n_tables < MAX_TABLES; n_tables++) {
        struct table *t = &tables[n_tables];
        snprintf(t->name, sizeof t->name, "%s", names[n_tables]);
        char sql[128];
        snprintf(sql, sizeof sql, "PRAGMA table_info(%.63s)", t->name);
        sqlite3_stmt *s;
        must(sqlite3_prepare_v2(raw, sql, -1, &s, NULL), sql);
        while (sqlite3_step(s) == SQLITE_ROW && t->n_columns < MAX_COLUMNS)
            snprintf(t->column[t->n_columns++], 64, "%s", (const char *)sqlite3_column_text(s, 1));
        sqlite3_finalize(s);
        if (t->n_columns == 0)
            fuzz_fail("table %s has no columns in the schema", t->name);
    }
    return st;
}

struct bytes {
    const uint8_t *p, *end;
};

static int take(struct bytes *b)
{
    return b->p < b->end ? *b->p++ : -1;
}

static void take_n(struct bytes *b, void *out, size_t n)
{
    memset(out, 0, n);
    size_t have = (size_t)(b->end - b->p);
    if (have > n)
        have = n;
    memcpy(out, b->p, have);
    b->p += have;
}

/* Binds the next value the bytes describe to parameter i. */
static void bind_value(struct bytes *b, sqlite3_stmt *s, int i)
{
    int tag = take(b);
    switch (tag < 0 ? 0 : tag % 8) {
    case 0:
    case 1:
        sqlite3_bind_null(s, i);
        return;
    case 2: /* small integers make ids meet */
        sqlite3_bind_int64(s, i, (tag >> 3) - 4);
        return;
    case 3: {
        int64_t v;
        take_n(b, &v, sizeof v);
        sqlite3_bind_int64(s, i, v);
        return;
    }
    case 4: {
        double v;
        take_n(b, &v, sizeof v);
        sqlite3_bind_double(s, i, v);
        return;
    }
    case 5: {
        int k = take(b);
        const char *w = dictionary[(k < 0 ? 0 : k) % (sizeof dictionary / sizeof dictionary[0])];
        sqlite3_bind_text(s, i, w, -1, SQLITE_STATIC);
        return;
    }
    default: {
        int n = take(b);
        size_t len = n < 0 ? 0 : (size_t)n;
        if (len > (size_t)(b->end - b->p))
            len = (size_t)(b->end - b->p);
        sqlite3_bind_text(s, i, (const char *)b->p, (int)len, SQLITE_TRANSIENT);
        b->p += len;
        return;
    }
    }
}

static void write_row(struct bytes *b, const struct table *t)
{
    /* Which columns are given: a mask over the first 32. */
    uint32_t mask;
    take_n(b, &mask, sizeof mask);
    char sql[4096], values[128];
    size_t n = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s(", t->name), nv = 0;
    int given = 0;
    for (int c = 0; c < t->n_columns; c++) {
        if (!(mask >> c & 1))
            continue;
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s", given ? "," : "", t->column[c]);
        nv += (size_t)snprintf(values + nv, sizeof values - nv, "%s?", given ? "," : "");
        given++;
    }
    if (!given) {
        snprintf(sql, sizeof sql, "INSERT INTO %s DEFAULT VALUES", t->name);
    } else {
        /* 32 columns of 64 bytes at most: the statement always fits. */
        if (n + sizeof values + 16 > sizeof sql)
            fuzz_fail("table %s: too many columns", t->name);
        strcat(sql, ") VALUES (");
        strcat(sql, values);
        strcat(sql, ")");
    }
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(raw, sql, -1, &s, NULL) != SQLITE_OK)
        fuzz_fail("%s: %s", sql, sqlite3_errmsg(raw));
    for (int i = 1; i <= given; i++)
        bind_value(b, s, i);
    sqlite3_step(s); /* a row the schema refuses is simply not there */
    sqlite3_finalize(s);
}

int fuzz_db_fill(const uint8_t *data, size_t size)
{
    must(sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL), "BEGIN");
    for (int i = 0; i < n_tables; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %.63s", tables[i].name);
        must(sqlite3_exec(raw, sql, NULL, NULL, NULL), sql);
    }
    must(sqlite3_exec(raw, "DELETE FROM engine_journal; DELETE FROM outbox", NULL, NULL, NULL),
         "DELETE");
    struct bytes b = {data, data + size};
    int rows = 0;
    while (b.p < b.end && rows < 256) {
        write_row(&b, &tables[take(&b) % n_tables]);
        rows++;
    }
    must(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL), "COMMIT");
    return rows;
}

void fuzz_db_each(const char *sql, void (*fn)(const char *text, size_t len, void *ctx), void *ctx)
{
    sqlite3_stmt *s;
    must(sqlite3_prepare_v2(raw, sql, -1, &s, NULL), sql);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 0);
        fn(text ? text : "", (size_t)sqlite3_column_bytes(s, 0), ctx);
    }
    sqlite3_finalize(s);
}
