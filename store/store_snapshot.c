/* store_snapshot.c - reads one household and its lists into a struct
 * household backed by an arena, with statements prepared once per reader;
 * the columns and how each is checked come from household.h. Never writes;
 * never puts an ID number, health or money value into an error message. */
#include "store_snapshot.h"
#include "date.h"
#include "i18n.h"
#include "store_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the queries, from the description (household.h) ----
 * Every query selects the record's columns in description order, then the
 * household id last (a range walks its rows by it). */

#define SELECT_(name, kind, sql) HOUSEHOLD_APPLY(SELECT__, name, sql, HOUSEHOLD_KIND_##kind)
#define SELECT__(name, sql, kind, a, b, c) HOUSEHOLD_IF_COLUMN_##kind(sql ", ")
/* Column numbers as constants: C_<field> inside each reader. */
#define COLUMN_(name, kind, sql) HOUSEHOLD_APPLY(COLUMN__, name, sql, HOUSEHOLD_KIND_##kind)
#define COLUMN__(name, sql, kind, a, b, c) HOUSEHOLD_IF_COLUMN_##kind(C_##name, )

#define QUERY_ID_(list, elem, ELEM, table, order, key) Q_##ELEM,
enum { Q_HOUSEHOLD, HOUSEHOLD_LISTS(QUERY_ID_) Q_BEGIN, Q_COMMIT, Q_COUNT };

/* The household's own columns come from `household h` with its village
 * (region), the village's town and its pairing; region.code tells whether
 * the village exists at all. */
/* clang-format off */
#define HOUSEHOLD_SELECT                                                                           \
    "SELECT " HOUSEHOLD_FIELDS(SELECT_) "region.code, h.id FROM household h"                       \
    " LEFT JOIN region ON region.code = h.village"                                                 \
    " LEFT JOIN region town ON town.code = region.parent"                                          \
    " LEFT JOIN pairing ON pairing.household_id = h.id"
#define LIST_SELECT(ELEM, table)                                                                   \
    "SELECT " HOUSEHOLD_##ELEM##_FIELDS(SELECT_) "household_id FROM " table

#define QUERY_(list, elem, ELEM, table, order, key)                                                \
    [Q_##ELEM] = LIST_SELECT(ELEM, table) " WHERE household_id = ? ORDER BY " order,
static const char *const queries[Q_COUNT] = {
    [Q_HOUSEHOLD] = HOUSEHOLD_SELECT " WHERE h.id = ?",
    HOUSEHOLD_LISTS(QUERY_)
    [Q_BEGIN] = "BEGIN",
    [Q_COMMIT] = "COMMIT",
};

/* The lists of a range of households in one pass each, ordered by
 * household first. */
#define RANGE_QUERY_(list, elem, ELEM, table, order, key)                                          \
    [Q_##ELEM] = LIST_SELECT(ELEM, table) " WHERE household_id BETWEEN ?1 AND ?2"                  \
                 " ORDER BY household_id, " order,
static const char *const range_queries[Q_BEGIN] = {
    [Q_HOUSEHOLD] = HOUSEHOLD_SELECT " WHERE h.id BETWEEN ?1 AND ?2 ORDER BY h.id",
    HOUSEHOLD_LISTS(RANGE_QUERY_)
};
/* clang-format on */

const char *store_snapshot_sql(int i, int ranged)
{
    if (i < 0 || i >= Q_BEGIN)
        return NULL;
    return ranged ? range_queries[i] : queries[i];
}

/* A range statement's position: the row it stands on (step SQLITE_ROW, of
 * household hid) has not been read yet. */
struct range_pos {
    sqlite3_stmt *s;
    int step;
    int64_t hid;
};

struct snapshot_reader {
    struct store *st;
    sqlite3_stmt *q[Q_COUNT];
    struct range_pos range[Q_BEGIN];
    int ranged;
    uint32_t range_lists; /* the lists read in the range pass; others by id */
    int64_t lo, hi;
    /* State of the read in progress: where strings go, the date ages are
     * counted to, and the row being read (to name it in a message). */
    struct arena *arena;
    struct err *e;
    int64_t hh_id;
    const char *today;
    int year;
    enum household_rec row_rec;
    const void *row;
    size_t row_pos; /* 1-based, in its list */
    int rc;         /* first problem of the household being read */
};

int snapshot_reader_new(struct store *st, struct snapshot_reader **out, struct err *e)
{
    struct snapshot_reader *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return err_set(e, ERR_FAIL, _("out of memory"));
    r->st = st;
    for (int i = 0; i < Q_COUNT; i++) {
        int rc = store_prepare(st, queries[i], &r->q[i], e);
        if (rc) {
            snapshot_reader_free(r);
            return rc;
        }
    }
    for (int i = 0; i < Q_BEGIN; i++) {
        int rc = store_prepare(st, range_queries[i], &r->range[i].s, e);
        if (rc) {
            snapshot_reader_free(r);
            return rc;
        }
    }
    *out = r;
    return 0;
}

void snapshot_reader_free(struct snapshot_reader *r)
{
    if (!r)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(r->q[i]);
    for (int i = 0; i < Q_BEGIN; i++)
        sqlite3_finalize(r->range[i].s);
    free(r);
}

void snapshot_free(struct snapshot *snap)
{
    arena_free(&snap->arena);
    memset(&snap->hh, 0, sizeof snap->hh);
}

/* "member 40: ", "income 2017: ", "enterprise_link #2: " or "" for the
 * household row: the row by its key field, else by its position. */
static void row_name(const struct snapshot_reader *r, char *buf, size_t size)
{
    const struct household_record *rec = &household_records[r->row_rec];
    buf[0] = 0;
    if (r->row_rec == HOUSEHOLD_REC_HOUSEHOLD)
        return;
    const struct household_field *key = household_field_find(r->row_rec, rec->key);
    const char *at = (const char *)r->row + (key ? key->offset : 0);
    if (key && (key->kind == HOUSEHOLD_ID || key->kind == HOUSEHOLD_INT64))
        snprintf(buf, size, "%s %lld: ", rec->table, (long long)*(const int64_t *)at);
    else if (key && key->kind == HOUSEHOLD_INT)
        snprintf(buf, size, "%s %d: ", rec->table, *(const int *)at);
    else
        snprintf(buf, size, "%s #%zu: ", rec->table, r->row_pos);
}

/* Records the first problem of the current read; later ones are dropped.
 * Messages name a column as the field, or as table.column when it comes
 * from a joined table ("pairing.since"). */
__attribute__((format(printf, 3, 4))) static void bad(struct snapshot_reader *r, int code,
                                                      const char *fmt, ...)
{
    if (r->rc)
        return;
    char detail[200], what[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    row_name(r, what, sizeof what);
    r->rc = err_set(r->e, code, _("household %lld: %s%s"), (long long)r->hh_id, what, detail);
}

static const char *label(const char *sql)
{
    return strncmp(sql, "h.", 2) == 0 ? sql + 2 : sql;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Up to 24 bytes of a bad text value for a message, every run of more than
 * 8 digits kept to its first 6: a resident ID number typed into the wrong
 * column must not reach the log (found by tests/fuzz/fuzz_snapshot). */
static const char *shown(const char *t, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; t[i] && i < 24 && n + 1 < size; i++) {
        size_t start = i, end = i;
        while (start > 0 && is_digit(t[start - 1]))
            start--;
        while (is_digit(t[end]))
            end++;
        buf[n++] = is_digit(t[i]) && end - start > 8 && i - start >= 6 ? '*' : t[i];
    }
    buf[n] = 0;
    return buf;
}

/* ---- one column of each kind (a NULL column reads as household.h says) ---- */

/* A copy of a text column in the arena; NULL stays NULL. */
static const char *text_col(struct snapshot_reader *r, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    if (!t)
        return NULL;
    char *c = arena_strndup(r->arena, (const char *)t, (size_t)sqlite3_column_bytes(s, col));
    if (!c)
        bad(r, ERR_FAIL, _("out of memory"));
    return c;
}

static const char *date_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *sql,
                            int required)
{
    const char *d = text_col(r, s, col);
    char buf[32];
    if (d && !date_is_valid(d))
        bad(r, ERR_INVALID, _("%s \"%s\" is not a date"), label(sql), shown(d, buf, sizeof buf));
    else if (!d && required)
        bad(r, ERR_INVALID, _("%s is missing"), label(sql));
    return d;
}

static int flag_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *sql, int dflt)
{
    int type = sqlite3_column_type(s, col);
    if (type == SQLITE_NULL)
        return dflt;
    if (type == SQLITE_INTEGER) {
        sqlite3_int64 v = sqlite3_column_int64(s, col);
        if (v == 0 || v == 1)
            return (int)v;
    }
    bad(r, ERR_INVALID, _("%s is not 0 or 1"), label(sql));
    return dflt;
}

static int64_t int_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *sql,
                       int64_t null_value)
{
    int type = sqlite3_column_type(s, col);
    if (type == SQLITE_NULL)
        return null_value;
    if (type == SQLITE_INTEGER)
        return sqlite3_column_int64(s, col);
    bad(r, ERR_INVALID, _("%s is not an integer"), label(sql));
    return null_value;
}

static int range_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *sql,
                     int64_t lo, int64_t hi, int nullable)
{
    int64_t v = int_col(r, s, col, sql, nullable ? HOUSEHOLD_NULL_INT : 0);
    if (nullable && v == HOUSEHOLD_NULL_INT)
        return HOUSEHOLD_NULL_INT;
    if (v < lo || v > hi) {
        bad(r, ERR_INVALID, _("%s %lld is out of range"), label(sql), (long long)v);
        return 0;
    }
    return (int)v;
}

/* The value itself is never echoed: incomes and loans are personal data. */
static double money_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *sql,
                        double null_value)
{
    int type = sqlite3_column_type(s, col);
    if (type == SQLITE_NULL)
        return null_value;
    if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
        double v = sqlite3_column_double(s, col);
        /* Bounded, not just finite: a few 1e308s would sum to infinity. */
        if (isfinite(v) && fabs(v) <= HOUSEHOLD_MONEY_MAX)
            return v;
        if (isfinite(v)) {
            bad(r, ERR_INVALID, _("%s is beyond %.0f yuan"), label(sql), HOUSEHOLD_MONEY_MAX);
            return null_value;
        }
    }
    bad(r, ERR_INVALID, _("%s is not a finite number"), label(sql));
    return null_value;
}

/* An enumerated column; is_private: the offending text is not echoed. */
static int enum_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *sql,
                    const struct household_enum *map, int is_private)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    int v;
    if (household_enum_parse(map, t, &v) == 0)
        return v;
    char allowed[160], buf[32];
    household_enum_allowed(map, allowed, sizeof allowed);
    if (!t)
        bad(r, ERR_INVALID, _("%s is missing (one of %s)"), label(sql), allowed);
    else if (is_private)
        bad(r, ERR_INVALID, _("%s is not one of %s"), label(sql), allowed);
    else
        bad(r, ERR_INVALID, _("%s \"%s\" is not one of %s"), label(sql), shown(t, buf, sizeof buf),
            allowed);
    return 0;
}

/* READ_(field): rec->field from column C_field of s, by its kind. */
#define READ_(name, kind, sql) HOUSEHOLD_APPLY(READ__, name, sql, HOUSEHOLD_KIND_##kind)
#define READ__(name, sql, kind, a, b, c) READ_##kind(name, sql, a, b, c)
#define READ_ID(name, sql, a, b, c) rec->name = sqlite3_column_int64(s, C_##name);
#define READ_INT64(name, sql, a, b, c) rec->name = int_col(r, s, C_##name, sql, 0);
#define READ_REF(name, sql, a, b, c) rec->name = int_col(r, s, C_##name, sql, 0);
#define READ_TEXT(name, sql, a, b, c) rec->name = text_col(r, s, C_##name);
#define READ_DATE(name, sql, a, b, c) rec->name = date_col(r, s, C_##name, sql, 0);
#define READ_REQUIRED_DATE(name, sql, a, b, c) rec->name = date_col(r, s, C_##name, sql, 1);
#define READ_BOOL(name, sql, a, b, c) rec->name = flag_col(r, s, C_##name, sql, a);
#define READ_INT(name, sql, a, b, c) rec->name = range_col(r, s, C_##name, sql, a, b, 0);
#define READ_INT_OR_NULL(name, sql, a, b, c) rec->name = range_col(r, s, C_##name, sql, a, b, 1);
#define READ_REAL(name, sql, a, b, c) rec->name = money_col(r, s, C_##name, sql, 0);
#define READ_REAL_OR_NULL(name, sql, a, b, c) rec->name = money_col(r, s, C_##name, sql, NAN);
#define READ_ENUM(name, sql, a, b, c)                                                              \
    rec->name = enum_col(r, s, C_##name, sql, &household_enum_##c, a);
#define READ_AS_OF_DATE(name, sql, a, b, c)
#define READ_AS_OF_YEAR(name, sql, a, b, c)
#define READ_AGE(name, sql, a, b, c)
#define READ_FACT(name, sql, a, b, c) rec->name = 0; /* household_facts() */

/* COMPUTE_(field): the computed fields, once the row's columns are read. */
#define COMPUTE_(name, kind, sql) HOUSEHOLD_APPLY(COMPUTE__, name, sql, HOUSEHOLD_KIND_##kind)
#define COMPUTE__(name, sql, kind, a, b, c) COMPUTE_##kind(name, c)
#define COMPUTE_ID(name, c)
#define COMPUTE_INT64(name, c)
#define COMPUTE_REF(name, c)
#define COMPUTE_TEXT(name, c)
#define COMPUTE_DATE(name, c)
#define COMPUTE_REQUIRED_DATE(name, c)
#define COMPUTE_BOOL(name, c)
#define COMPUTE_INT(name, c)
#define COMPUTE_INT_OR_NULL(name, c)
#define COMPUTE_REAL(name, c)
#define COMPUTE_REAL_OR_NULL(name, c)
#define COMPUTE_ENUM(name, c)
#define COMPUTE_AS_OF_DATE(name, c) rec->name = r->today;
#define COMPUTE_AS_OF_YEAR(name, c) rec->name = r->year;
#define COMPUTE_AGE(name, c) rec->name = rec->c && !r->rc ? date_age(rec->c, r->today) : -1;
#define COMPUTE_FACT(name, c)

/* read_member, read_income, ...: one row of a list into rec. */
#define READ_ROW_(list, elem, ELEM, table, order, key)                                             \
    static void read_##elem(struct snapshot_reader *r, sqlite3_stmt *s, void *row)                 \
    {                                                                                              \
        struct household_##elem *rec = row;                                                        \
        enum { HOUSEHOLD_##ELEM##_FIELDS(COLUMN_) };                                               \
        HOUSEHOLD_##ELEM##_FIELDS(READ_) HOUSEHOLD_##ELEM##_FIELDS(COMPUTE_)                       \
    }
HOUSEHOLD_LISTS(READ_ROW_)

/* Growable array in the arena: doubling wastes at most as much as it keeps,
 * and the arena keeps its first block across households. */
static void *grow(struct snapshot_reader *r, void *arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *na = arena_alloc(r->arena, ncap * size);
    if (!na) {
        bad(r, ERR_FAIL, _("out of memory"));
        return NULL;
    }
    if (n)
        memcpy(na, arr, n * size);
    *cap = ncap;
    return na;
}

static int step_fail(struct snapshot_reader *r, const char *what)
{
    if (!r->rc)
        r->rc = err_set(r->e, ERR_FAIL, _("%s: household %lld: reading %s: %s"), r->st->path,
                        (long long)r->hh_id, what, store_why(r->st->db));
    return r->rc;
}

static sqlite3_stmt *start(struct snapshot_reader *r, int q)
{
    sqlite3_stmt *s = r->q[q];
    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, r->hh_id);
    return s;
}

static void range_advance(struct range_pos *p, int hid_col)
{
    p->step = sqlite3_step(p->s);
    if (p->step == SQLITE_ROW)
        p->hid = sqlite3_column_int64(p->s, hid_col);
}

/* The first row of list q for the household being read: *s is the statement
 * to read it from. Returns SQLITE_ROW, SQLITE_DONE (no rows) or an error
 * code. In a range the rows of households before it (not asked for, or
 * left half-read by a malformed row) are skipped. */
static int list_first(struct snapshot_reader *r, int q, sqlite3_stmt **s)
{
    if (!r->ranged || r->hh_id < r->lo || r->hh_id > r->hi ||
        (q != Q_HOUSEHOLD && !(r->range_lists & HOUSEHOLD_LIST_BIT(q)))) {
        *s = start(r, q);
        return sqlite3_step(*s);
    }
    struct range_pos *p = &r->range[q];
    int hid_col = sqlite3_column_count(p->s) - 1;
    while (p->step == SQLITE_ROW && p->hid < r->hh_id)
        range_advance(p, hid_col);
    *s = p->s;
    if (p->step == SQLITE_ROW)
        return p->hid == r->hh_id ? SQLITE_ROW : SQLITE_DONE;
    return p->step;
}

/* The next row of list q after one that was read. */
static int list_next(struct snapshot_reader *r, int q, sqlite3_stmt *s)
{
    if (!r->ranged || s != r->range[q].s)
        return sqlite3_step(s);
    struct range_pos *p = &r->range[q];
    range_advance(p, sqlite3_column_count(p->s) - 1);
    if (p->step == SQLITE_ROW)
        return p->hid == r->hh_id ? SQLITE_ROW : SQLITE_DONE;
    return p->step;
}

/* Point statements are reset after each household; range ones only here. */
static void list_done(struct snapshot_reader *r, int q, sqlite3_stmt *s)
{
    if (!r->ranged || s != r->range[q].s)
        sqlite3_reset(s);
}

int snapshot_range_begin(struct snapshot_reader *r, int64_t lo, int64_t hi, struct err *e)
{
    return snapshot_range_begin_lists(r, lo, hi, HOUSEHOLD_ALL_LISTS, e);
}

int snapshot_range_begin_lists(struct snapshot_reader *r, int64_t lo, int64_t hi, uint32_t lists,
                               struct err *e)
{
    snapshot_range_end(r);
    for (int q = 0; q < Q_BEGIN; q++) {
        /* A list no read of the range wants is not walked at all. */
        if (q != Q_HOUSEHOLD && !(lists & HOUSEHOLD_LIST_BIT(q)))
            continue;
        struct range_pos *p = &r->range[q];
        sqlite3_bind_int64(p->s, 1, lo);
        sqlite3_bind_int64(p->s, 2, hi);
        range_advance(p, sqlite3_column_count(p->s) - 1);
        if (p->step != SQLITE_ROW && p->step != SQLITE_DONE) {
            char what[80];
            snprintf(what, sizeof what, _("reading households %lld..%lld"), (long long)lo,
                     (long long)hi);
            int rc = store_fail(r->st, e, ERR_FAIL, what);
            snapshot_range_end(r);
            return rc;
        }
    }
    r->ranged = 1;
    r->range_lists = lists;
    r->lo = lo;
    r->hi = hi;
    return 0;
}

void snapshot_range_end(struct snapshot_reader *r)
{
    for (int q = 0; q < Q_BEGIN; q++) {
        sqlite3_reset(r->range[q].s);
        r->range[q].step = SQLITE_DONE;
    }
    r->ranged = 0;
}

void snapshot_range_plan_add(struct snapshot_range_plan *p, uint32_t lists)
{
    p->households++;
    for (int rec = 1; rec < HOUSEHOLD_REC_COUNT; rec++)
        if (lists & HOUSEHOLD_LIST_BIT(rec))
            p->reads[rec]++;
}

/* Half: a list of one row per household read by a third of them costs
 * about the same either way (a lookup by id is about three steps); lists
 * of many rows favour reading by id sooner. */
uint32_t snapshot_range_plan_lists(const struct snapshot_range_plan *p)
{
    uint32_t lists = 0;
    for (int rec = 1; rec < HOUSEHOLD_REC_COUNT; rec++)
        if (p->reads[rec] && 2 * p->reads[rec] >= p->households)
            lists |= HOUSEHOLD_LIST_BIT(rec);
    return lists;
}

/* Reads the household row; ERR_NOTFOUND when there is none. */
static int read_household(struct snapshot_reader *r, struct household *rec)
{
    enum { HOUSEHOLD_FIELDS(COLUMN_) C_REGION_CODE };
    sqlite3_stmt *s;
    int step = list_first(r, Q_HOUSEHOLD, &s);
    if (step == SQLITE_DONE) {
        list_done(r, Q_HOUSEHOLD, s);
        return ERR_NOTFOUND;
    }
    if (step != SQLITE_ROW)
        return step_fail(r, "household");
    r->row_rec = HOUSEHOLD_REC_HOUSEHOLD;
    r->row = rec;
    HOUSEHOLD_FIELDS(READ_)
    char buf[32];
    if (sqlite3_column_type(s, C_REGION_CODE) == SQLITE_NULL)
        bad(r, ERR_INVALID, _("village \"%s\" is not a region"),
            shown(rec->village ? rec->village : "", buf, sizeof buf));
    HOUSEHOLD_FIELDS(COMPUTE_)
    list_done(r, Q_HOUSEHOLD, s);
    return r->rc;
}

/* Reads the rows of list q (of record rec, elements of size bytes) with
 * read_row into an array in the arena; its length goes to *n. Problems are
 * in r->rc. */
static void *read_list(struct snapshot_reader *r, int q, enum household_rec rec, size_t size,
                       void (*read_row)(struct snapshot_reader *, sqlite3_stmt *, void *),
                       size_t *n_out)
{
    sqlite3_stmt *s;
    char *arr = NULL;
    size_t n = 0, cap = 0;
    int step = list_first(r, q, &s);
    r->row_rec = rec;
    for (; !r->rc && step == SQLITE_ROW; step = list_next(r, q, s)) {
        if (!(arr = grow(r, arr, n, &cap, size)))
            break;
        r->row = arr + n * size;
        r->row_pos = ++n;
        read_row(r, s, arr + (n - 1) * size);
    }
    if (!r->rc && step != SQLITE_DONE)
        step_fail(r, household_records[rec].table);
    *n_out = n;
    list_done(r, q, s);
    return arr;
}

#define READ_LIST_(list, elem, ELEM, table, order, key)                                            \
    if (rc == 0 && (lists & HOUSEHOLD_LIST_BIT(HOUSEHOLD_REC_##ELEM))) {                           \
        hh->list = read_list(r, Q_##ELEM, HOUSEHOLD_REC_##ELEM, sizeof(struct household_##elem),   \
                             read_##elem, &hh->n_##list);                                          \
        rc = r->rc;                                                                                \
    }

/* One statement-level step of BEGIN or COMMIT. */
static int run(struct snapshot_reader *r, int q)
{
    sqlite3_stmt *s = r->q[q];
    int step = sqlite3_step(s);
    sqlite3_reset(s);
    return step == SQLITE_DONE ? 0 : -1;
}

int snapshot_read(struct snapshot_reader *r, int64_t id, const char *today, struct snapshot *snap,
                  struct err *e)
{
    return snapshot_read_lists(r, id, today, HOUSEHOLD_ALL_LISTS, snap, e);
}

int snapshot_read_lists(struct snapshot_reader *r, int64_t id, const char *today, uint32_t lists,
                        struct snapshot *snap, struct err *e)
{
    arena_reset(&snap->arena);
    memset(&snap->hh, 0, sizeof snap->hh);
    struct household *hh = &snap->hh;
    int y, m, d;
    if (date_parse(today, &y, &m, &d) != 0)
        return err_set(e, ERR_INVALID, _("household %lld: evaluation date \"%.24s\" is not a date"),
                       (long long)id, today ? today : "(null)");

    r->arena = &snap->arena;
    r->e = e;
    r->hh_id = id;
    r->rc = 0;
    r->row_rec = HOUSEHOLD_REC_HOUSEHOLD;
    r->row = hh;
    hh->id = id;
    hh->year = r->year = y;
    if (!(hh->today = r->today = arena_strdup(r->arena, today)))
        return err_set(e, ERR_FAIL, _("out of memory"));

    /* One read transaction for the ten queries: a consistent household, and
     * cheaper than ten implicit ones. Callers already in a transaction keep
     * theirs. */
    int own_tx = sqlite3_get_autocommit(r->st->db);
    if (own_tx && run(r, Q_BEGIN) != 0)
        return store_fail(r->st, e, ERR_FAIL, N_("BEGIN"));

    int rc = read_household(r, hh);
    HOUSEHOLD_LISTS(READ_LIST_)

    for (int i = 0; i < Q_BEGIN; i++)
        sqlite3_reset(r->q[i]);
    if (own_tx && run(r, Q_COMMIT) != 0) {
        sqlite3_exec(r->st->db, "ROLLBACK", NULL, NULL, NULL);
        if (rc == 0 || rc == ERR_NOTFOUND)
            rc = store_fail(r->st, e, ERR_FAIL, N_("COMMIT"));
    }
    r->arena = NULL;
    r->e = NULL;
    return rc;
}
