/* store_snapshot.c - reads one household and its lists into a struct
 * fupin_household backed by an arena, with statements prepared once per
 * reader. Never writes; never puts an ID number, health or money value into
 * an error message. */
#include "store_snapshot.h"
#include "date.h"
#include "store_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    Q_HOUSEHOLD,
    Q_MEMBERS,
    Q_INCOME,
    Q_LOANS,
    Q_LINKS,
    Q_SHARES,
    Q_VISITS,
    Q_TASKS,
    Q_FUNDS,
    Q_BEGIN,
    Q_COMMIT,
    Q_COUNT
};

static const char *const queries[Q_COUNT] = {
    [Q_HOUSEHOLD] =
        "SELECT h.village, v.code, v.name, v.poor_village, v.livable, v.parent, t.parent,"
        " h.head_name, h.status, h.poverty_cause, h.housing_grade, h.housing_renovated,"
        " h.tap_water, h.wants_relocation, h.wants_industry, h.has_project, h.credit_rating,"
        " h.dibao, h.has_land, h.registered_at, h.exited_at, p.cadre_id, p.since"
        " FROM household h LEFT JOIN region v ON v.code = h.village"
        " LEFT JOIN region t ON t.code = v.parent"
        " LEFT JOIN pairing p ON p.household_id = h.id WHERE h.id = ?",
    [Q_MEMBERS] = "SELECT id, name, id_number, relation, birth_date, labor, health, school_stage,"
                  " medical_insured, critical_insured, pension_insured, employed, wants_job,"
                  " skills FROM member WHERE household_id = ? ORDER BY id",
    [Q_INCOME] = "SELECT year, wage, production, property, transfer FROM income"
                 " WHERE household_id = ? ORDER BY year",
    [Q_LOANS] = "SELECT id, amount, term_months, start_date, collateral, guarantor,"
                " interest_subsidised FROM loan WHERE household_id = ? ORDER BY id",
    [Q_LINKS] = "SELECT kind, name FROM enterprise_link WHERE household_id = ? ORDER BY rowid",
    [Q_SHARES] = "SELECT project, amount, since FROM asset_share WHERE household_id = ?"
                 " ORDER BY rowid",
    [Q_VISITS] = "SELECT id, cadre_id, date FROM visit WHERE household_id = ? ORDER BY date, id",
    [Q_TASKS] = "SELECT id, cadre_id, measure, title, due, status, done_at FROM task"
                " WHERE household_id = ? ORDER BY id",
    [Q_FUNDS] = "SELECT id, cadre_id, project, amount, expected_return, status, notice_from,"
                " notice_to, objections, approved_at FROM fund_application"
                " WHERE household_id = ? ORDER BY id",
    [Q_BEGIN] = "BEGIN",
    [Q_COMMIT] = "COMMIT",
};

/* The lists of a range of households in one pass each: the same columns as
 * queries[] plus household_id last, ordered by household first. */
static const char *const range_queries[Q_BEGIN] = {
    [Q_HOUSEHOLD] =
        "SELECT h.village, v.code, v.name, v.poor_village, v.livable, v.parent, t.parent,"
        " h.head_name, h.status, h.poverty_cause, h.housing_grade, h.housing_renovated,"
        " h.tap_water, h.wants_relocation, h.wants_industry, h.has_project, h.credit_rating,"
        " h.dibao, h.has_land, h.registered_at, h.exited_at, p.cadre_id, p.since, h.id"
        " FROM household h LEFT JOIN region v ON v.code = h.village"
        " LEFT JOIN region t ON t.code = v.parent"
        " LEFT JOIN pairing p ON p.household_id = h.id WHERE h.id BETWEEN ?1 AND ?2"
        " ORDER BY h.id",
    [Q_MEMBERS] = "SELECT id, name, id_number, relation, birth_date, labor, health, school_stage,"
                  " medical_insured, critical_insured, pension_insured, employed, wants_job,"
                  " skills, household_id FROM member WHERE household_id BETWEEN ?1 AND ?2"
                  " ORDER BY household_id, id",
    [Q_INCOME] = "SELECT year, wage, production, property, transfer, household_id FROM income"
                 " WHERE household_id BETWEEN ?1 AND ?2 ORDER BY household_id, year",
    [Q_LOANS] = "SELECT id, amount, term_months, start_date, collateral, guarantor,"
                " interest_subsidised, household_id FROM loan"
                " WHERE household_id BETWEEN ?1 AND ?2 ORDER BY household_id, id",
    [Q_LINKS] = "SELECT kind, name, household_id FROM enterprise_link"
                " WHERE household_id BETWEEN ?1 AND ?2 ORDER BY household_id, rowid",
    [Q_SHARES] = "SELECT project, amount, since, household_id FROM asset_share"
                 " WHERE household_id BETWEEN ?1 AND ?2 ORDER BY household_id, rowid",
    [Q_VISITS] = "SELECT id, cadre_id, date, household_id FROM visit"
                 " WHERE household_id BETWEEN ?1 AND ?2 ORDER BY household_id, date, id",
    [Q_TASKS] = "SELECT id, cadre_id, measure, title, due, status, done_at, household_id FROM task"
                " WHERE household_id BETWEEN ?1 AND ?2 ORDER BY household_id, id",
    [Q_FUNDS] = "SELECT id, cadre_id, project, amount, expected_return, status, notice_from,"
                " notice_to, objections, approved_at, household_id FROM fund_application"
                " WHERE household_id BETWEEN ?1 AND ?2 ORDER BY household_id, id",
};

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
    int64_t lo, hi;
    /* State of the read in progress: where strings go and what to name in
     * an error message. */
    struct arena *arena;
    struct err *e;
    int64_t hh_id;
    char what[48]; /* "member 40: ", "" for the household row */
    int rc;        /* first problem of the row being read */
};

int snapshot_reader_new(struct store *st, struct snapshot_reader **out, struct err *e)
{
    struct snapshot_reader *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return err_set(e, ERR_FAIL, "out of memory");
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

/* Records the first problem of the current read; later ones are dropped. */
__attribute__((format(printf, 3, 4))) static void bad(struct snapshot_reader *r, int code,
                                                      const char *fmt, ...)
{
    if (r->rc)
        return;
    char detail[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    r->rc = err_set(r->e, code, "household %lld: %s%s", (long long)r->hh_id, r->what, detail);
}

/* A copy of a text column in the arena; NULL stays NULL. */
static const char *text(struct snapshot_reader *r, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    if (!t)
        return NULL;
    char *c = arena_strndup(r->arena, (const char *)t, (size_t)sqlite3_column_bytes(s, col));
    if (!c)
        bad(r, ERR_FAIL, "out of memory");
    return c;
}

/* A date column: NULL or a valid YYYY-MM-DD. */
static const char *date_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *name)
{
    const char *d = text(r, s, col);
    if (d && !date_is_valid(d))
        bad(r, ERR_INVALID, "%s \"%.24s\" is not a date", name, d);
    return d;
}

/* A 0/1 column; NULL reads as 0. */
static int flag_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *name)
{
    int type = sqlite3_column_type(s, col);
    if (type == SQLITE_NULL)
        return 0;
    if (type == SQLITE_INTEGER) {
        sqlite3_int64 v = sqlite3_column_int64(s, col);
        if (v == 0 || v == 1)
            return (int)v;
    }
    bad(r, ERR_INVALID, "%s is not 0 or 1", name);
    return 0;
}

/* An integer column; NULL reads as 0. */
static int64_t int_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *name)
{
    int type = sqlite3_column_type(s, col);
    if (type == SQLITE_NULL || type == SQLITE_INTEGER)
        return sqlite3_column_int64(s, col);
    bad(r, ERR_INVALID, "%s is not an integer", name);
    return 0;
}

/* A money column: a finite number; NULL reads as 0. The value itself is
 * never echoed (income and loans are personal data). */
static double money_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *name)
{
    int type = sqlite3_column_type(s, col);
    if (type == SQLITE_NULL)
        return 0;
    if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
        double v = sqlite3_column_double(s, col);
        if (isfinite(v))
            return v;
    }
    bad(r, ERR_INVALID, "%s is not a finite number", name);
    return 0;
}

/* Maps an enumerated text column to its index in names (NULL-terminated).
 * nullable: NULL maps to null_value; otherwise NULL is an error. When
 * is_private the offending text is not echoed (health). */
static int enum_col(struct snapshot_reader *r, sqlite3_stmt *s, int col, const char *name,
                    const char *const *names, const char *allowed, int nullable, int null_value,
                    int first_value, int is_private)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    if (!t) {
        if (!nullable)
            bad(r, ERR_INVALID, "%s is missing (one of %s)", name, allowed);
        return null_value;
    }
    for (int i = 0; names[i]; i++)
        if (strcmp(t, names[i]) == 0)
            return first_value + i;
    if (is_private)
        bad(r, ERR_INVALID, "%s is not one of %s", name, allowed);
    else
        bad(r, ERR_INVALID, "%s \"%.24s\" is not one of %s", name, t, allowed);
    return null_value;
}

static const char *const labor_names[] = {"full", "partial", "none", NULL};
static const char *const health_names[] = {"healthy", "chronic", "serious", "disabled", NULL};
static const char *const school_names[] = {"preschool",  "primary", "junior", "senior",
                                           "vocational", "college", NULL};
static const char *const status_names[] = {"registered", "exited", "returned", NULL};
static const char *const grade_names[] = {"A", "B", "C", "D", NULL};
static const char *const task_names[] = {"open", "done", "cancelled", NULL};
static const char *const fund_names[] = {"applied",  "reviewed", "noticed",
                                         "approved", "rejected", NULL};

/* Growable array in the arena: doubling wastes at most as much as it keeps,
 * and the arena keeps its first block across households. */
static void *grow(struct snapshot_reader *r, void *arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *na = arena_alloc(r->arena, ncap * size);
    if (!na) {
        bad(r, ERR_FAIL, "out of memory");
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
        r->rc = err_set(r->e, ERR_FAIL, "%s: household %lld: reading %s: %s", r->st->path,
                        (long long)r->hh_id, what, sqlite3_errmsg(r->st->db));
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
    if (!r->ranged || r->hh_id < r->lo || r->hh_id > r->hi) {
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
    snapshot_range_end(r);
    for (int q = 0; q < Q_BEGIN; q++) {
        struct range_pos *p = &r->range[q];
        sqlite3_bind_int64(p->s, 1, lo);
        sqlite3_bind_int64(p->s, 2, hi);
        range_advance(p, sqlite3_column_count(p->s) - 1);
        if (p->step != SQLITE_ROW && p->step != SQLITE_DONE) {
            char what[80];
            snprintf(what, sizeof what, "reading households %lld..%lld", (long long)lo,
                     (long long)hi);
            int rc = store_fail(r->st, e, ERR_FAIL, what);
            snapshot_range_end(r);
            return rc;
        }
    }
    r->ranged = 1;
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

/* Reads the household row; ERR_NOTFOUND when there is none. */
static int read_household(struct snapshot_reader *r, struct fupin_household *hh)
{
    sqlite3_stmt *s;
    int step = list_first(r, Q_HOUSEHOLD, &s);
    if (step == SQLITE_DONE) {
        list_done(r, Q_HOUSEHOLD, s);
        return ERR_NOTFOUND;
    }
    if (step != SQLITE_ROW)
        return step_fail(r, "household");
    r->what[0] = 0;
    hh->village = text(r, s, 0);
    if (sqlite3_column_type(s, 1) == SQLITE_NULL)
        bad(r, ERR_INVALID, "village \"%.24s\" is not a region", hh->village ? hh->village : "");
    hh->village_name = text(r, s, 2);
    hh->poor_village = flag_col(r, s, 3, "region.poor_village");
    hh->livable =
        sqlite3_column_type(s, 4) == SQLITE_NULL ? 1 : flag_col(r, s, 4, "region.livable");
    hh->town = text(r, s, 5);
    hh->county = text(r, s, 6);
    hh->head_name = text(r, s, 7);
    hh->status =
        (enum fupin_status)enum_col(r, s, 8, "status", status_names, "registered|exited|returned",
                                    0, FUPIN_STATUS_REGISTERED, FUPIN_STATUS_REGISTERED, 0);
    hh->poverty_cause = text(r, s, 9);
    hh->housing_grade = (enum fupin_grade)enum_col(
        r, s, 10, "housing_grade", grade_names, "A|B|C|D", 1, FUPIN_GRADE_NONE, FUPIN_GRADE_A, 0);
    hh->housing_renovated = flag_col(r, s, 11, "housing_renovated");
    hh->tap_water = flag_col(r, s, 12, "tap_water");
    hh->wants_relocation = flag_col(r, s, 13, "wants_relocation");
    hh->wants_industry = flag_col(r, s, 14, "wants_industry");
    hh->has_project = flag_col(r, s, 15, "has_project");
    hh->credit_rating = text(r, s, 16);
    hh->dibao = flag_col(r, s, 17, "dibao");
    hh->has_land = flag_col(r, s, 18, "has_land");
    hh->registered_at = date_col(r, s, 19, "registered_at");
    hh->exited_at = date_col(r, s, 20, "exited_at");
    hh->cadre_id = int_col(r, s, 21, "pairing.cadre_id");
    hh->paired_since = hh->cadre_id ? date_col(r, s, 22, "pairing.since") : NULL;
    list_done(r, Q_HOUSEHOLD, s);
    return r->rc;
}

static int read_members(struct snapshot_reader *r, struct fupin_household *hh)
{
    sqlite3_stmt *s;
    struct fupin_member *arr = NULL;
    size_t n = 0, cap = 0;
    int step = list_first(r, Q_MEMBERS, &s);
    for (; !r->rc && step == SQLITE_ROW; step = list_next(r, Q_MEMBERS, s)) {
        if (!(arr = grow(r, arr, n, &cap, sizeof *arr)))
            break;
        struct fupin_member *m = &arr[n++];
        m->id = sqlite3_column_int64(s, 0);
        snprintf(r->what, sizeof r->what, "member %lld: ", (long long)m->id);
        m->name = text(r, s, 1);
        m->id_number = text(r, s, 2);
        m->relation = text(r, s, 3);
        m->birth_date = date_col(r, s, 4, "birth_date");
        m->age = m->birth_date && !r->rc ? date_age(m->birth_date, hh->today) : -1;
        m->labor = (enum fupin_labor)enum_col(r, s, 5, "labor", labor_names, "full|partial|none", 0,
                                              FUPIN_LABOR_FULL, FUPIN_LABOR_FULL, 0);
        m->health = (enum fupin_health)enum_col(r, s, 6, "health", health_names,
                                                "healthy|chronic|serious|disabled", 0,
                                                FUPIN_HEALTH_HEALTHY, FUPIN_HEALTH_HEALTHY, 1);
        m->school_stage =
            (enum fupin_school)enum_col(r, s, 7, "school_stage", school_names,
                                        "preschool|primary|junior|senior|vocational|college", 1,
                                        FUPIN_SCHOOL_NONE, FUPIN_SCHOOL_PRESCHOOL, 0);
        m->medical_insured = flag_col(r, s, 8, "medical_insured");
        m->critical_insured = flag_col(r, s, 9, "critical_insured");
        m->pension_insured = flag_col(r, s, 10, "pension_insured");
        m->employed = flag_col(r, s, 11, "employed");
        m->wants_job = flag_col(r, s, 12, "wants_job");
        int64_t skills = int_col(r, s, 13, "skills");
        if (skills < 0 || skills > 1000)
            bad(r, ERR_INVALID, "skills %lld is out of range", (long long)skills);
        m->skills = (int)skills;
    }
    if (!r->rc && step != SQLITE_DONE)
        step_fail(r, "member");
    hh->members = arr;
    hh->n_members = n;
    list_done(r, Q_MEMBERS, s);
    return r->rc;
}

static int read_income(struct snapshot_reader *r, struct fupin_household *hh)
{
    sqlite3_stmt *s;
    struct fupin_income *arr = NULL;
    size_t n = 0, cap = 0;
    int step = list_first(r, Q_INCOME, &s);
    for (; !r->rc && step == SQLITE_ROW; step = list_next(r, Q_INCOME, s)) {
        if (!(arr = grow(r, arr, n, &cap, sizeof *arr)))
            break;
        struct fupin_income *in = &arr[n++];
        in->year = sqlite3_column_int(s, 0);
        snprintf(r->what, sizeof r->what, "income %d: ", in->year);
        in->wage = money_col(r, s, 1, "wage");
        in->production = money_col(r, s, 2, "production");
        in->property = money_col(r, s, 3, "property");
        in->transfer = money_col(r, s, 4, "transfer");
    }
    if (!r->rc && step != SQLITE_DONE)
        step_fail(r, "income");
    hh->income = arr;
    hh->n_income = n;
    list_done(r, Q_INCOME, s);
    return r->rc;
}

static int read_loans(struct snapshot_reader *r, struct fupin_household *hh)
{
    sqlite3_stmt *s;
    struct fupin_loan *arr = NULL;
    size_t n = 0, cap = 0;
    int step = list_first(r, Q_LOANS, &s);
    for (; !r->rc && step == SQLITE_ROW; step = list_next(r, Q_LOANS, s)) {
        if (!(arr = grow(r, arr, n, &cap, sizeof *arr)))
            break;
        struct fupin_loan *l = &arr[n++];
        l->id = sqlite3_column_int64(s, 0);
        snprintf(r->what, sizeof r->what, "loan %lld: ", (long long)l->id);
        l->amount = money_col(r, s, 1, "amount");
        l->term_months = (int)int_col(r, s, 2, "term_months");
        l->start_date = date_col(r, s, 3, "start_date");
        l->collateral = flag_col(r, s, 4, "collateral");
        l->guarantor = flag_col(r, s, 5, "guarantor");
        l->interest_subsidised = flag_col(r, s, 6, "interest_subsidised");
    }
    if (!r->rc && step != SQLITE_DONE)
        step_fail(r, "loan");
    hh->loans = arr;
    hh->n_loans = n;
    list_done(r, Q_LOANS, s);
    return r->rc;
}

static int read_links(struct snapshot_reader *r, struct fupin_household *hh)
{
    sqlite3_stmt *s;
    struct fupin_link *arr = NULL;
    size_t n = 0, cap = 0;
    int step = list_first(r, Q_LINKS, &s);
    for (; !r->rc && step == SQLITE_ROW; step = list_next(r, Q_LINKS, s)) {
        if (!(arr = grow(r, arr, n, &cap, sizeof *arr)))
            break;
        struct fupin_link *l = &arr[n++];
        snprintf(r->what, sizeof r->what, "enterprise_link #%zu: ", n);
        l->kind = text(r, s, 0);
        l->name = text(r, s, 1);
    }
    if (!r->rc && step != SQLITE_DONE)
        step_fail(r, "enterprise_link");
    hh->links = arr;
    hh->n_links = n;
    list_done(r, Q_LINKS, s);
    return r->rc;
}

static int read_shares(struct snapshot_reader *r, struct fupin_household *hh)
{
    sqlite3_stmt *s;
    struct fupin_share *arr = NULL;
    size_t n = 0, cap = 0;
    int step = list_first(r, Q_SHARES, &s);
    for (; !r->rc && step == SQLITE_ROW; step = list_next(r, Q_SHARES, s)) {
        if (!(arr = grow(r, arr, n, &cap, sizeof *arr)))
            break;
        struct fupin_share *sh = &arr[n++];
        snprintf(r->what, sizeof r->what, "asset_share #%zu: ", n);
        sh->project = text(r, s, 0);
        sh->amount = money_col(r, s, 1, "amount");
        sh->since = date_col(r, s, 2, "since");
    }
    if (!r->rc && step != SQLITE_DONE)
        step_fail(r, "asset_share");
    hh->shares = arr;
    hh->n_shares = n;
    list_done(r, Q_SHARES, s);
    return r->rc;
}

static int read_visits(struct snapshot_reader *r, struct fupin_household *hh)
{
    sqlite3_stmt *s;
    struct fupin_visit *arr = NULL;
    size_t n = 0, cap = 0;
    int step = list_first(r, Q_VISITS, &s);
    for (; !r->rc && step == SQLITE_ROW; step = list_next(r, Q_VISITS, s)) {
        if (!(arr = grow(r, arr, n, &cap, sizeof *arr)))
            break;
        struct fupin_visit *v = &arr[n++];
        v->id = sqlite3_column_int64(s, 0);
        snprintf(r->what, sizeof r->what, "visit %lld: ", (long long)v->id);
        v->cadre_id = int_col(r, s, 1, "cadre_id");
        v->date = date_col(r, s, 2, "date");
        if (!v->date)
            bad(r, ERR_INVALID, "date is missing");
    }
    if (!r->rc && step != SQLITE_DONE)
        step_fail(r, "visit");
    hh->visits = arr;
    hh->n_visits = n;
    list_done(r, Q_VISITS, s);
    return r->rc;
}

static int read_tasks(struct snapshot_reader *r, struct fupin_household *hh)
{
    sqlite3_stmt *s;
    struct fupin_task *arr = NULL;
    size_t n = 0, cap = 0;
    int step = list_first(r, Q_TASKS, &s);
    for (; !r->rc && step == SQLITE_ROW; step = list_next(r, Q_TASKS, s)) {
        if (!(arr = grow(r, arr, n, &cap, sizeof *arr)))
            break;
        struct fupin_task *t = &arr[n++];
        t->id = sqlite3_column_int64(s, 0);
        snprintf(r->what, sizeof r->what, "task %lld: ", (long long)t->id);
        t->cadre_id = int_col(r, s, 1, "cadre_id");
        t->measure = text(r, s, 2);
        t->title = text(r, s, 3);
        t->due = date_col(r, s, 4, "due");
        if (!t->due)
            bad(r, ERR_INVALID, "due is missing");
        t->status =
            (enum fupin_task_status)enum_col(r, s, 5, "status", task_names, "open|done|cancelled",
                                             0, FUPIN_TASK_OPEN, FUPIN_TASK_OPEN, 0);
        t->done_at = date_col(r, s, 6, "done_at");
    }
    if (!r->rc && step != SQLITE_DONE)
        step_fail(r, "task");
    hh->tasks = arr;
    hh->n_tasks = n;
    list_done(r, Q_TASKS, s);
    return r->rc;
}

static int read_funds(struct snapshot_reader *r, struct fupin_household *hh)
{
    sqlite3_stmt *s;
    struct fupin_fund *arr = NULL;
    size_t n = 0, cap = 0;
    int step = list_first(r, Q_FUNDS, &s);
    for (; !r->rc && step == SQLITE_ROW; step = list_next(r, Q_FUNDS, s)) {
        if (!(arr = grow(r, arr, n, &cap, sizeof *arr)))
            break;
        struct fupin_fund *f = &arr[n++];
        f->id = sqlite3_column_int64(s, 0);
        snprintf(r->what, sizeof r->what, "fund_application %lld: ", (long long)f->id);
        f->cadre_id = int_col(r, s, 1, "cadre_id");
        f->project = text(r, s, 2);
        f->amount = money_col(r, s, 3, "amount");
        f->expected_return = money_col(r, s, 4, "expected_return");
        f->status = (enum fupin_fund_status)enum_col(r, s, 5, "status", fund_names,
                                                     "applied|reviewed|noticed|approved|rejected",
                                                     0, FUPIN_FUND_APPLIED, FUPIN_FUND_APPLIED, 0);
        f->notice_from = date_col(r, s, 6, "notice_from");
        f->notice_to = date_col(r, s, 7, "notice_to");
        int64_t obj = int_col(r, s, 8, "objections");
        if (obj < 0 || obj > 1000000)
            bad(r, ERR_INVALID, "objections %lld is out of range", (long long)obj);
        f->objections = (int)obj;
        f->approved_at = date_col(r, s, 9, "approved_at");
    }
    if (!r->rc && step != SQLITE_DONE)
        step_fail(r, "fund_application");
    hh->funds = arr;
    hh->n_funds = n;
    list_done(r, Q_FUNDS, s);
    return r->rc;
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
    arena_reset(&snap->arena);
    memset(&snap->hh, 0, sizeof snap->hh);
    struct fupin_household *hh = &snap->hh;
    int y, m, d;
    if (date_parse(today, &y, &m, &d) != 0)
        return err_set(e, ERR_INVALID, "household %lld: evaluation date \"%.24s\" is not a date",
                       (long long)id, today ? today : "(null)");

    r->arena = &snap->arena;
    r->e = e;
    r->hh_id = id;
    r->rc = 0;
    r->what[0] = 0;
    hh->id = id;
    hh->year = y;
    if (!(hh->today = arena_strdup(r->arena, today)))
        return err_set(e, ERR_FAIL, "out of memory");

    /* One read transaction for the ten queries: a consistent household, and
     * cheaper than ten implicit ones. Callers already in a transaction keep
     * theirs. */
    int own_tx = sqlite3_get_autocommit(r->st->db);
    if (own_tx && run(r, Q_BEGIN) != 0)
        return store_fail(r->st, e, ERR_FAIL, "BEGIN");

    int rc = read_household(r, hh);
    if (rc == 0)
        rc = read_members(r, hh);
    if (rc == 0)
        rc = read_income(r, hh);
    if (rc == 0)
        rc = read_loans(r, hh);
    if (rc == 0)
        rc = read_links(r, hh);
    if (rc == 0)
        rc = read_shares(r, hh);
    if (rc == 0)
        rc = read_visits(r, hh);
    if (rc == 0)
        rc = read_tasks(r, hh);
    if (rc == 0)
        rc = read_funds(r, hh);

    for (int i = 0; i < Q_BEGIN; i++)
        sqlite3_reset(r->q[i]);
    if (own_tx && run(r, Q_COMMIT) != 0) {
        sqlite3_exec(r->st->db, "ROLLBACK", NULL, NULL, NULL);
        if (rc == 0 || rc == ERR_NOTFOUND)
            rc = store_fail(r->st, e, ERR_FAIL, "COMMIT");
    }
    r->arena = NULL;
    r->e = NULL;
    return rc;
}
