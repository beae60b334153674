/* store_demo.c - writes the demo city (demo_city.c, demo_household.c) into
 * an empty database: prepared statements, one transaction, rows streamed
 * as they are generated. Keeps the change-journal triggers firing so the
 * engine evaluates the new city; never writes into a database that already
 * holds households or regions. */
#include "store_demo.h"
#include "demo_city.h"
#include "i18n.h"
#include "log.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    S_REGION,
    S_SUPERVISOR,
    S_CADRE,
    S_HOUSEHOLD,
    S_MEMBER,
    S_INCOME,
    S_PAIRING,
    S_VISIT,
    S_TASK,
    S_FUND,
    S_LOAN,
    S_LINK,
    S_SHARE,
    S_SHOCK,
    S_COUNT
};

/* Each table's INSERT without its VALUES list, and its number of columns. */
static const struct {
    const char *name, *head;
    int ncols;
} tables[S_COUNT] = {
    [S_REGION] = {"region",
                  "region(code, name, level, parent, poor_village, livable, credit_village)", 7},
    [S_SUPERVISOR] = {"supervisor", "supervisor(name, region, channel, address)", 4},
    [S_CADRE] = {"cadre", "cadre(id, name, unit, phone, region)", 5},
    [S_HOUSEHOLD] = {"household",
                     "household(id, village, head_name, status, poverty_cause, housing_grade,"
                     " housing_renovated, tap_water, wants_relocation, wants_industry, has_project,"
                     " credit_rating, dibao, has_land, registered_at, exited_at, food_secure,"
                     " clothing_secure, wants_land_transfer, land_transferred_in, family_farm)",
                     21},
    [S_MEMBER] = {"member",
                  "member(id, household_id, name, id_number, relation, birth_date, labor, health,"
                  " school_stage, medical_insured, critical_insured, pension_insured, employed,"
                  " wants_job, skills, wants_business, business_trained, pension_years)",
                  18},
    [S_INCOME] = {"income", "income(household_id, year, wage, production, property, transfer)", 6},
    [S_PAIRING] = {"pairing", "pairing(household_id, cadre_id, since)", 3},
    [S_VISIT] = {"visit", "visit(household_id, cadre_id, date, note)", 4},
    [S_TASK] = {"task", "task(household_id, cadre_id, measure, title, due, status, done_at)", 7},
    [S_FUND] = {"fund_application",
                "fund_application(household_id, cadre_id, project, amount, expected_return,"
                " status, notice_from, notice_to, objections, approved_at)",
                10},
    [S_LOAN] = {"loan",
                "loan(household_id, amount, term_months, start_date, collateral, guarantor,"
                " interest_subsidised)",
                7},
    [S_LINK] = {"enterprise_link", "enterprise_link(household_id, kind, name)", 3},
    [S_SHARE] = {"asset_share", "asset_share(household_id, project, amount, since)", 4},
    [S_SHOCK] = {"shock", "shock(household_id, kind, date, loss)", 4},
};

/* Rows go out in multi-row INSERTs: the schema's CHECK (x IN (...)) lists
 * build a small temporary index each time a statement runs, and a statement
 * with triggers opens a savepoint each time; batching pays both once per
 * BATCH_ROWS rows instead of once per row. */
#define BATCH_ROWS 64
#define MAX_COLS 21
#define ARENA_SIZE 16384
#define ROW_TEXT_MAX 2048 /* more than any one generated row's text */

struct cell {
    int type; /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_FLOAT or SQLITE_TEXT */
    int64_t i;
    double d;
    int off; /* text: offset into the arena, NUL-terminated */
};

struct batch {
    sqlite3_stmt *full; /* the BATCH_ROWS-row statement */
    int rows, ncell, used;
    struct cell cells[BATCH_ROWS * MAX_COLS];
    char arena[ARENA_SIZE];
};

struct writer {
    struct store *st;
    struct batch *b; /* S_COUNT of them */
    struct err *e;
    int failed;
};

/* "INSERT OR ROLLBACK INTO <head> VALUES (?,..),(?,..)" for rows rows. Any
 * error ends the whole fill, so rolling back at once is what we want. */
static int prepare_rows(struct writer *w, int k, int rows, sqlite3_stmt **out)
{
    int ncols = tables[k].ncols;
    size_t size = strlen(tables[k].head) + 64 + (size_t)rows * ((size_t)ncols * 2 + 3);
    char *q = malloc(size);
    if (!q)
        return err_set(w->e, ERR_FAIL, _("demo: out of memory"));
    size_t n = (size_t)snprintf(q, size, "INSERT OR ROLLBACK INTO %s VALUES ", tables[k].head);
    for (int r = 0; r < rows; r++) {
        q[n++] = r ? ',' : ' ';
        q[n++] = '(';
        for (int c = 0; c < ncols; c++) {
            if (c)
                q[n++] = ',';
            q[n++] = '?';
        }
        q[n++] = ')';
    }
    q[n] = 0;
    int rc = store_prepare(w->st, q, out, w->e);
    free(q);
    return rc;
}

static void flush(struct writer *w, int k)
{
    struct batch *b = &w->b[k];
    if (w->failed || b->rows == 0)
        return;
    sqlite3_stmt *s = b->full;
    if (b->rows < BATCH_ROWS && prepare_rows(w, k, b->rows, &s) != 0) {
        w->failed = 1;
        return;
    }
    for (int i = 0; i < b->ncell; i++) {
        const struct cell *c = &b->cells[i];
        if (c->type == SQLITE_INTEGER)
            sqlite3_bind_int64(s, i + 1, c->i);
        else if (c->type == SQLITE_FLOAT)
            sqlite3_bind_double(s, i + 1, c->d);
        else if (c->type == SQLITE_TEXT)
            sqlite3_bind_text(s, i + 1, b->arena + c->off, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, i + 1);
    }
    if (sqlite3_step(s) != SQLITE_DONE) {
        char what[64];
        snprintf(what, sizeof what, _("demo: writing %s"), tables[k].name);
        store_fail(w->st, w->e, ERR_FAIL, what);
        w->failed = 1;
    }
    sqlite3_reset(s);
    if (s != b->full)
        sqlite3_finalize(s);
    b->rows = b->ncell = b->used = 0;
}

static void col_int(struct writer *w, int k, int64_t v)
{
    struct batch *b = &w->b[k];
    b->cells[b->ncell++] = (struct cell){.type = SQLITE_INTEGER, .i = v};
}

static void col_real(struct writer *w, int k, double v)
{
    struct batch *b = &w->b[k];
    b->cells[b->ncell++] = (struct cell){.type = SQLITE_FLOAT, .d = v};
}

/* 0 is "no such row" for the generator's ids: NULL. */
static void col_id(struct writer *w, int k, long v)
{
    struct batch *b = &w->b[k];
    b->cells[b->ncell++] = (struct cell){.type = v ? SQLITE_INTEGER : SQLITE_NULL, .i = v};
}

/* NULL or "" (the generator's "no date") is NULL. */
static void col_text(struct writer *w, int k, const char *v)
{
    struct batch *b = &w->b[k];
    struct cell *c = &b->cells[b->ncell++];
    if (!v || !*v) {
        *c = (struct cell){.type = SQLITE_NULL};
        return;
    }
    size_t len = strlen(v);
    if (len >= ROW_TEXT_MAX / 4) /* never happens with generated text */
        len = ROW_TEXT_MAX / 4 - 1;
    *c = (struct cell){.type = SQLITE_TEXT, .off = b->used};
    memcpy(b->arena + b->used, v, len);
    b->arena[b->used + (int)len] = 0;
    b->used += (int)len + 1;
}

static void row_end(struct writer *w, int k)
{
    struct batch *b = &w->b[k];
    b->rows++;
    if (b->rows == BATCH_ROWS || b->used > ARENA_SIZE - ROW_TEXT_MAX)
        flush(w, k);
}

/* credit_village: 1, 0, or -1 for NULL (not assessed; only villages are). */
static void write_region(struct writer *w, const char *code, const char *name, const char *level,
                         const char *parent, int poor, int livable, int credit_village)
{
    col_text(w, S_REGION, code);
    col_text(w, S_REGION, name);
    col_text(w, S_REGION, level);
    col_text(w, S_REGION, parent);
    col_int(w, S_REGION, poor);
    col_int(w, S_REGION, livable);
    if (credit_village < 0)
        col_text(w, S_REGION, NULL);
    else
        col_int(w, S_REGION, credit_village);
    row_end(w, S_REGION);
}

static void write_supervisor(struct writer *w, struct demo_rng *r, const char *role,
                             const char *level, const char *code)
{
    char person[16], name[128], address[32];
    demo_person_name(r, demo_rng_chance(r, 0.75), person);
    snprintf(name, sizeof name, "%s（%s）", person, role);
    snprintf(address, sizeof address, "%s-%s", level, code);
    col_text(w, S_SUPERVISOR, name);
    col_text(w, S_SUPERVISOR, code);
    col_text(w, S_SUPERVISOR, "file");
    col_text(w, S_SUPERVISOR, address);
    row_end(w, S_SUPERVISOR);
}

static void write_regions(struct writer *w, struct demo_plan *p, struct demo_counts *c)
{
    char role[96];
    write_region(w, "441600", "河源市", "city", NULL, 0, 1, -1);
    write_supervisor(w, &p->rng, "河源市扶贫开发领导小组", "city", "441600");
    c->supervisors++;
    for (int k = 0; k < DEMO_COUNTIES; k++) {
        write_region(w, demo_counties[k].code, demo_counties[k].name, "county", "441600", 0, 1, -1);
        snprintf(role, sizeof role, "%s帮扶工作班子", demo_counties[k].name);
        write_supervisor(w, &p->rng, role, "county", demo_counties[k].code);
        c->counties++;
        c->supervisors++;
    }
    for (int t = 0; t < p->n_towns; t++) {
        const struct demo_town *town = &p->towns[t];
        write_region(w, town->code, town->name, "town", demo_counties[town->county].code, 0, 1, -1);
        snprintf(role, sizeof role, "%s驻镇帮扶工作组", town->name);
        write_supervisor(w, &p->rng, role, "town", town->code);
        c->towns++;
        c->supervisors++;
    }
    for (int v = 0; v < p->n_villages; v++) {
        const struct demo_village *vil = &p->villages[v];
        write_region(w, vil->code, vil->name, "village", p->towns[vil->town].code, vil->poor,
                     vil->livable, demo_village_credit(v));
        c->villages++;
        c->poor_villages += vil->poor;
        c->city_unit_villages += vil->city_unit >= 0;
    }
}

static void write_cadre(struct writer *w, long id, const struct demo_cadre *cd, const char *region)
{
    col_int(w, S_CADRE, id);
    col_text(w, S_CADRE, cd->name);
    col_text(w, S_CADRE, cd->unit);
    col_text(w, S_CADRE, cd->phone);
    col_text(w, S_CADRE, region);
    row_end(w, S_CADRE);
}

static void write_members(struct writer *w, const struct demo_household *h)
{
    for (int i = 0; i < h->n_members; i++) {
        const struct demo_member *m = &h->members[i];
        col_int(w, S_MEMBER, m->id);
        col_int(w, S_MEMBER, h->id);
        col_text(w, S_MEMBER, m->name);
        col_text(w, S_MEMBER, m->id_number);
        col_text(w, S_MEMBER, m->relation);
        col_text(w, S_MEMBER, m->birth_date);
        col_text(w, S_MEMBER, m->labor);
        col_text(w, S_MEMBER, m->health);
        col_text(w, S_MEMBER, m->school_stage);
        col_int(w, S_MEMBER, m->medical_insured);
        col_int(w, S_MEMBER, m->critical_insured);
        col_int(w, S_MEMBER, m->pension_insured);
        col_int(w, S_MEMBER, m->employed);
        col_int(w, S_MEMBER, m->wants_job);
        col_int(w, S_MEMBER, m->skills);
        col_int(w, S_MEMBER, m->wants_business);
        col_int(w, S_MEMBER, m->business_trained);
        if (m->pension_years < 0)
            col_text(w, S_MEMBER, NULL);
        else
            col_int(w, S_MEMBER, m->pension_years);
        row_end(w, S_MEMBER);
    }
    for (int i = 0; i < 3; i++) {
        const struct demo_income *in = &h->income[i];
        col_int(w, S_INCOME, h->id);
        col_int(w, S_INCOME, in->year);
        col_real(w, S_INCOME, in->wage);
        col_real(w, S_INCOME, in->production);
        col_real(w, S_INCOME, in->property);
        col_real(w, S_INCOME, in->transfer);
        row_end(w, S_INCOME);
    }
}

static void write_help(struct writer *w, const struct demo_household *h, struct demo_counts *c)
{
    if (h->cadre_id) {
        col_int(w, S_PAIRING, h->id);
        col_int(w, S_PAIRING, h->cadre_id);
        col_text(w, S_PAIRING, h->paired_since);
        row_end(w, S_PAIRING);
        c->pairings++;
    }
    for (int i = 0; i < h->n_visits; i++) {
        col_int(w, S_VISIT, h->id);
        col_int(w, S_VISIT, h->cadre_id);
        col_text(w, S_VISIT, h->visits[i]);
        col_text(w, S_VISIT, h->visit_notes[i]);
        row_end(w, S_VISIT);
    }
    c->visits += h->n_visits;
    for (int i = 0; i < h->n_tasks; i++) {
        const struct demo_task *t = &h->tasks[i];
        col_int(w, S_TASK, h->id);
        col_id(w, S_TASK, h->cadre_id);
        col_text(w, S_TASK, t->measure);
        col_text(w, S_TASK, t->title);
        col_text(w, S_TASK, t->due);
        col_text(w, S_TASK, t->status);
        col_text(w, S_TASK, t->done_at);
        row_end(w, S_TASK);
        c->tasks++;
        c->overdue_tasks += strcmp(t->status, "open") == 0 && strcmp(t->due, DEMO_AS_OF) < 0;
    }
    if (h->n_funds) {
        const struct demo_fund *f = &h->fund;
        col_int(w, S_FUND, h->id);
        col_id(w, S_FUND, h->cadre_id);
        col_text(w, S_FUND, f->project);
        col_real(w, S_FUND, f->amount);
        col_real(w, S_FUND, f->expected_return);
        col_text(w, S_FUND, f->status);
        col_text(w, S_FUND, f->notice_from);
        col_text(w, S_FUND, f->notice_to);
        col_int(w, S_FUND, f->objections);
        col_text(w, S_FUND, f->approved_at);
        row_end(w, S_FUND);
        c->funds++;
    }
    if (h->n_loans) {
        const struct demo_loan *l = &h->loan;
        col_int(w, S_LOAN, h->id);
        col_real(w, S_LOAN, l->amount);
        col_int(w, S_LOAN, l->term_months);
        col_text(w, S_LOAN, l->start_date);
        col_int(w, S_LOAN, l->collateral);
        col_int(w, S_LOAN, l->guarantor);
        col_int(w, S_LOAN, l->interest_subsidised);
        row_end(w, S_LOAN);
        c->loans++;
    }
    if (h->n_links) {
        col_int(w, S_LINK, h->id);
        col_text(w, S_LINK, h->link_kind);
        col_text(w, S_LINK, h->link_name);
        row_end(w, S_LINK);
    }
    if (h->n_shares) {
        col_int(w, S_SHARE, h->id);
        col_text(w, S_SHARE, h->share_project);
        col_real(w, S_SHARE, h->share_amount);
        col_text(w, S_SHARE, h->share_since);
        row_end(w, S_SHARE);
    }
    if (h->n_shocks) {
        col_int(w, S_SHOCK, h->id);
        col_text(w, S_SHOCK, h->shock.kind);
        col_text(w, S_SHOCK, h->shock.date);
        col_real(w, S_SHOCK, h->shock.loss);
        row_end(w, S_SHOCK);
    }
}

static void write_household(struct writer *w, const struct demo_household *h, const char *village)
{
    col_int(w, S_HOUSEHOLD, h->id);
    col_text(w, S_HOUSEHOLD, village);
    col_text(w, S_HOUSEHOLD, h->head_name);
    col_text(w, S_HOUSEHOLD, h->status);
    col_text(w, S_HOUSEHOLD, h->poverty_cause);
    col_text(w, S_HOUSEHOLD, h->housing_grade);
    col_int(w, S_HOUSEHOLD, h->housing_renovated);
    col_int(w, S_HOUSEHOLD, h->tap_water);
    col_int(w, S_HOUSEHOLD, h->wants_relocation);
    col_int(w, S_HOUSEHOLD, h->wants_industry);
    col_int(w, S_HOUSEHOLD, h->has_project);
    col_text(w, S_HOUSEHOLD, h->credit_rating);
    col_int(w, S_HOUSEHOLD, h->dibao);
    col_int(w, S_HOUSEHOLD, h->has_land);
    col_text(w, S_HOUSEHOLD, h->registered_at);
    col_text(w, S_HOUSEHOLD, h->exited_at);
    /* 两不愁: -1 is "not recorded" (NULL) */
    if (h->food_secure < 0)
        col_text(w, S_HOUSEHOLD, NULL);
    else
        col_int(w, S_HOUSEHOLD, h->food_secure);
    if (h->clothing_secure < 0)
        col_text(w, S_HOUSEHOLD, NULL);
    else
        col_int(w, S_HOUSEHOLD, h->clothing_secure);
    col_int(w, S_HOUSEHOLD, h->wants_land_transfer);
    col_int(w, S_HOUSEHOLD, h->land_transferred_in);
    col_int(w, S_HOUSEHOLD, h->family_farm);
    row_end(w, S_HOUSEHOLD);
}

/* Village by village: its cadres, then its households with everything
 * hanging off them. Only one household is in memory at a time. */
static void write_villages(struct writer *w, struct demo_plan *p, struct demo_counts *c)
{
    struct demo_household h;
    struct demo_cadre cadre;
    long next_household = 1, next_cadre = 1;
    for (int v = 0; v < p->n_villages && !w->failed; v++) {
        const struct demo_village *vil = &p->villages[v];
        int n_cadres = demo_village_cadres(p, v);
        long first_cadre = next_cadre;
        for (int k = 0; k < n_cadres; k++) {
            demo_cadre_make(p, v, &cadre);
            write_cadre(w, next_cadre++, &cadre, vil->code);
        }
        c->cadres += n_cadres;
        for (long i = 0; i < vil->households && !w->failed; i++) {
            demo_household_make(p, v, i, next_household++, first_cadre, n_cadres, &h);
            write_household(w, &h, vil->code);
            write_members(w, &h);
            write_help(w, &h, c);
            c->households++;
            c->members += h.n_members;
            if (vil->poor) {
                c->poor_village_households++;
                c->poor_village_members += h.n_members;
            } else {
                c->scattered_households++;
                c->scattered_members += h.n_members;
            }
        }
    }
}

/* ---- the change journal ----
 * The schema's AFTER INSERT triggers write one engine_journal row per input
 * row; run row by row they cost as much as the rows themselves. For the
 * fill, each trigger of the plain shape
 *   BEGIN INSERT INTO engine_journal(cols) VALUES (exprs over NEW.*); END
 * is set aside and replayed once per table as
 *   INSERT INTO engine_journal(cols) SELECT exprs FROM table WHERE rowid > before
 * then created again from its own SQL - all inside the fill's transaction,
 * which holds the write lock throughout, so no other writer ever sees the
 * table without its trigger and the journal ends up with the same rows.
 * Triggers of any other shape stay and fire as usual. */
#define MAX_SUSPENDED 32

struct suspended {
    char *name, *create, *replay;
};

static void suspended_free(struct suspended *t, int n)
{
    for (int i = 0; i < n; i++) {
        sqlite3_free(t[i].name);
        sqlite3_free(t[i].create);
        sqlite3_free(t[i].replay);
    }
}

/* The replay statement for trigger sql on table, or NULL if the trigger is
 * not of the plain journal shape. sqlite3_malloc'd. */
static char *replay_sql(const char *table, const char *sql, long before)
{
    static const char head[] = " BEGIN INSERT INTO engine_journal(";
    const char *body = strstr(sql, head);
    if (!body)
        return NULL;
    const char *cols = body + sizeof head - 1;
    const char *cols_end = strstr(cols, ") VALUES (");
    const char *end = cols_end ? strstr(cols_end, "); END") : NULL;
    if (!cols_end || !end || strcmp(end, "); END") != 0)
        return NULL;
    const char *exprs = cols_end + strlen(") VALUES (");
    int n = (int)(end - exprs);
    char *list = sqlite3_mprintf("%.*s", n, exprs);
    if (!list)
        return NULL;
    /* Only NEW.<column> references and literals: anything else (OLD, a
     * subquery, a second statement) keeps its trigger. */
    if (strstr(list, "OLD.") || strstr(list, "SELECT") || strchr(list, ';')) {
        sqlite3_free(list);
        return NULL;
    }
    for (char *p = strstr(list, "NEW."); p; p = strstr(p, "NEW."))
        memmove(p, p + 4, strlen(p + 4) + 1);
    char *q = sqlite3_mprintf("INSERT INTO engine_journal(%.*s) SELECT %s FROM \"%w\""
                              " WHERE rowid > %ld ORDER BY rowid",
                              (int)(cols_end - cols), cols, list, table, before);
    sqlite3_free(list);
    return q;
}

static long max_rowid(struct store *st, const char *table, struct err *e)
{
    char *q = sqlite3_mprintf("SELECT ifnull(max(rowid), 0) FROM \"%w\"", table);
    sqlite3_stmt *s = NULL;
    long v = -1;
    if (q && sqlite3_prepare_v2(st->db, q, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(s, 0);
    else
        store_fail(st, e, ERR_FAIL, N_("demo: reading a table's last row"));
    sqlite3_finalize(s);
    sqlite3_free(q);
    return v;
}

/* Inside the transaction: drops the plain journal triggers on the tables
 * the fill writes, remembering how to replay and recreate them. */
static int journal_suspend(struct store *st, struct suspended *t, int *n, struct err *e)
{
    sqlite3_stmt *s;
    *n = 0;
    int rc = store_prepare(st,
                           "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
                           " AND sql LIKE '% AFTER INSERT ON %' ORDER BY name",
                           &s, e);
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW && *n < MAX_SUSPENDED) {
        const char *name = (const char *)sqlite3_column_text(s, 0);
        const char *table = (const char *)sqlite3_column_text(s, 1);
        const char *sql = (const char *)sqlite3_column_text(s, 2);
        int ours = 0;
        for (int k = 0; k < S_COUNT && !ours; k++)
            ours = strcmp(tables[k].name, table) == 0;
        if (!ours || !sql)
            continue;
        long before = max_rowid(st, table, e);
        if (before < 0) {
            rc = ERR_FAIL;
            break;
        }
        char *replay = replay_sql(table, sql, before);
        if (!replay)
            continue;
        struct suspended *x = &t[(*n)++];
        x->replay = replay;
        x->name = sqlite3_mprintf("%s", name);
        x->create = sqlite3_mprintf("%s", sql);
        if (!x->name || !x->create) {
            rc = err_set(e, ERR_FAIL, _("demo: out of memory"));
            break;
        }
    }
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_fail(st, e, ERR_FAIL, N_("demo: reading triggers"));
    sqlite3_finalize(s);
    for (int i = 0; !rc && i < *n; i++) {
        char *q = sqlite3_mprintf("DROP TRIGGER \"%w\"", t[i].name);
        rc = q ? store_exec(st, q, e) : err_set(e, ERR_FAIL, _("demo: out of memory"));
        sqlite3_free(q);
    }
    return rc;
}

/* Writes the journal rows the suspended triggers would have written and
 * creates the triggers again. */
static int journal_resume(struct store *st, struct suspended *t, int n, struct err *e)
{
    for (int i = 0; i < n; i++) {
        int rc = store_exec(st, t[i].replay, e);
        if (!rc)
            rc = store_exec(st, t[i].create, e);
        if (rc)
            return rc;
    }
    return 0;
}

static long count_rows(struct store *st, const char *table, struct err *e)
{
    char q[96];
    sqlite3_stmt *s;
    snprintf(q, sizeof q, "SELECT count(*) FROM (SELECT 1 FROM %s LIMIT 1)", table);
    if (store_prepare(st, q, &s, e))
        return -1;
    long n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    if (n < 0)
        store_fail(st, e, ERR_FAIL, N_("demo: counting rows"));
    sqlite3_finalize(s);
    return n;
}

/* The supervision records of 三(二)–(五) for the households just written,
 * in SQL from what they hold, so the generator's random stream (and every
 * figure drawn from it) stays as it was. Choices go by id, deterministic:
 * most fund applications took every step in order and were filed and
 * published in time, a few skipped the review, were filed late or never,
 * or were for another use; most handbooks hold all six sections; most town
 * teams show all six items; most towns met 2017's target and keep pace in
 * 2018, about one in eight did not. */
static int write_supervision_records(struct store *st, struct err *e)
{
    static const char sql[] =
        /* 三(四) the workflow: applied ~2 weeks before the notice (or lately,
         * when not yet on notice), reviewed a few days later (1 in 37 not),
         * approved by the town team's leader, filed within 3..22 days (1 in
         * 23 never, 1 in 31 after 45), results published 5..24 days after
         * completion (1 in 17 never). Nothing is dated after the demo's day. */
        "UPDATE fund_application SET"
        " use = CASE WHEN id % 50 = 7 THEN 'other' WHEN id % 61 = 3 THEN NULL"
        "  WHEN id % 7 = 1 THEN 'microcredit' WHEN id % 11 = 2 THEN 'asset_income'"
        "  WHEN id % 13 = 5 THEN 'basic_needs' ELSE 'industry' END,"
        " applied_at = CASE WHEN notice_from IS NOT NULL"
        "  THEN date(notice_from, '-' || (10 + id % 10) || ' days')"
        "  ELSE date('" DEMO_AS_OF "', '-' || (id % 20) || ' days') END;"
        "UPDATE fund_application SET"
        " reviewed_at = CASE WHEN status = 'applied' OR id % 37 = 11 THEN NULL"
        "  ELSE min(date(applied_at, '+' || (2 + id % 5) || ' days'), '" DEMO_AS_OF "') END,"
        " reviewed_by = CASE WHEN status = 'applied' OR id % 37 = 11 THEN NULL"
        "  ELSE '驻镇帮扶工作组' END,"
        " noticed_by = CASE WHEN notice_from IS NULL THEN NULL ELSE '驻镇帮扶工作组' END,"
        " approved_by = CASE WHEN approved_at IS NULL THEN NULL ELSE '驻镇帮扶工作组组长' END,"
        " filed_at = CASE WHEN approved_at IS NULL OR id % 23 = 5 THEN NULL"
        "  WHEN id % 31 = 9 THEN date(approved_at, '+45 days')"
        "  ELSE date(approved_at, '+' || (3 + id % 20) || ' days') END,"
        " completed_at = CASE WHEN approved_at IS NULL OR id % 3 = 0 THEN NULL"
        "  ELSE date(approved_at, '+' || (60 + id % 90) || ' days') END;"
        "UPDATE fund_application SET filed_at = NULL WHERE filed_at > '" DEMO_AS_OF "';"
        "UPDATE fund_application SET completed_at = NULL WHERE completed_at > '" DEMO_AS_OF "';"
        "UPDATE fund_application SET"
        " filed_by = CASE WHEN filed_at IS NULL THEN NULL ELSE '驻镇帮扶工作组' END,"
        " published_at = CASE WHEN completed_at IS NULL OR id % 17 = 4 THEN NULL"
        "  ELSE date(completed_at, '+' || (5 + id % 20) || ' days') END;"
        "UPDATE fund_application SET published_at = NULL WHERE published_at > '" DEMO_AS_OF "';"
        "UPDATE fund_application SET published_by = '村务公开栏' WHERE published_at IS NOT NULL;"
        /* Those updates are part of writing the rows, which journal_resume
         * journals once each: their update triggers' rows go. */
        "DELETE FROM engine_journal WHERE tbl = 'fund_application';"

        /* 三(三) the handbook of each paired household in help: written in
         * the weeks after pairing; 1 in 19 lacks progress and results, 1 in
         * 53 the plan. */
        "INSERT INTO handbook(household_id, cadre_id, section, updated_at)"
        " SELECT p.household_id, p.cadre_id, s.section,"
        "  date(p.since, '+' || (7 * s.k + p.household_id % 7) || ' days')"
        " FROM pairing p JOIN household h ON h.id = p.household_id"
        " CROSS JOIN (SELECT 'family' AS section, 0 AS k UNION ALL SELECT 'cause', 1"
        "  UNION ALL SELECT 'measures', 2 UNION ALL SELECT 'plan', 2"
        "  UNION ALL SELECT 'progress', 4 UNION ALL SELECT 'results', 6) s"
        " WHERE h.status IN ('registered', 'returned')"
        " AND NOT (p.household_id % 19 = 3 AND s.section IN ('progress', 'results'))"
        " AND NOT (p.household_id % 53 = 8 AND s.section = 'plan')"
        " ORDER BY p.household_id, s.k;"

        /* 三(二)2 六有: checked in March 2018 by the county; 1 town in 9
         * without its battle map, 1 in 13 without a publicity board, 1 in
         * 17 without its work diary. */
        "INSERT INTO town_team(town, office, staff, wall_chart, battle_map, case_files,"
        " publicity_board, checked_at, checked_by)"
        " SELECT code, 1, 1, 1, n % 9 <> 4, n % 17 <> 6, n % 13 <> 2, '2018-03-15',"
        "  '县区帮扶工作班子'"
        " FROM (SELECT code, CAST(substr(code, -3) AS INT) + 7 * CAST(substr(code, 5, 2) AS INT)"
        "  AS n FROM region WHERE level = 'town');"

        /* 三(五) yearly targets: 2017's from the exits it had (1 town in 8
         * missed it by 2..4 households); 2018's set so that most towns are
         * on pace at mid-year and 1 in 7 is behind. Counties: their towns'
         * sum. */
        "CREATE TEMP TABLE demo_exits AS"
        " SELECT t.code AS town, CAST(substr(t.code, -3) AS INT)"
        "  + 7 * CAST(substr(t.code, 5, 2) AS INT) AS n,"
        "  sum(h.exited_at BETWEEN '2017-01-01' AND '2017-12-31') AS y2017,"
        "  sum(h.exited_at BETWEEN '2018-01-01' AND '" DEMO_AS_OF "') AS y2018"
        " FROM region t JOIN region v ON v.parent = t.code"
        " JOIN household h ON h.village = v.code AND h.status = 'exited'"
        " WHERE t.level = 'town' GROUP BY t.code;"
        "INSERT INTO reduction_target(region, year, households, set_by)"
        " SELECT town, 2017, CASE WHEN n % 8 = 3 THEN y2017 + 2 + n % 3 ELSE y2017 END,"
        "  '县区帮扶工作班子' FROM demo_exits;"
        "INSERT INTO reduction_target(region, year, households, set_by)"
        " SELECT town, 2018, CAST(y2018 * (CASE WHEN n % 7 = 2 THEN 3.0 ELSE 1.9 END) AS INT),"
        "  '县区帮扶工作班子' FROM demo_exits;"
        "INSERT INTO reduction_target(region, year, households, set_by)"
        " SELECT r.parent, t.year, sum(t.households), '市扶贫开发领导小组'"
        " FROM reduction_target t JOIN region r ON r.code = t.region"
        " WHERE r.level = 'town' GROUP BY r.parent, t.year;"
        "DROP TABLE temp.demo_exits;";
    return store_exec(st, sql, e);
}

int demo_fill(struct store *st, const struct demo_options *opt, struct demo_counts *counts,
              struct err *e)
{
    struct demo_counts local;
    struct demo_counts *c = counts ? counts : &local;
    memset(c, 0, sizeof *c);
    uint64_t seed = opt && opt->seed ? opt->seed : DEMO_DEFAULT_SEED;
    long households = opt && opt->households ? opt->households : DEMO_DEFAULT_HOUSEHOLDS;

    long have_households = count_rows(st, "household", e);
    long have_regions = have_households < 0 ? -1 : count_rows(st, "region", e);
    if (have_households < 0 || have_regions < 0)
        return ERR_FAIL;
    if (have_households || have_regions)
        return err_set(e, ERR_INVALID,
                       _("%s: the database already holds %s; the demo city is only written into "
                         "an empty database"),
                       st->path, have_households ? _("households") : _("regions"));

    struct demo_plan plan;
    int rc = demo_plan_init(&plan, seed, households, e);
    if (rc)
        return rc;

    /* The city is written once into an empty file: skip per-page syncs and
     * foreign-key lookups (the generator keeps every reference valid), and
     * give the bulk insert a bigger page cache. All restored below. */
    struct writer w = {.st = st, .e = e};
    struct suspended suspended[MAX_SUSPENDED];
    int n_suspended = 0;
    w.b = calloc(S_COUNT, sizeof *w.b);
    if (!w.b) {
        rc = err_set(e, ERR_FAIL, _("demo: out of memory"));
        goto done;
    }
    rc = store_exec(st,
                    "PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF;"
                    " PRAGMA cache_size = -65536;",
                    e);
    if (rc)
        goto done;
    /* A rollback journal holds only the pages the empty file had, where WAL
     * would write the whole city twice. Another connection keeps the file in
     * WAL mode; then the fill simply runs in WAL. */
    struct err ignored_mode;
    store_exec(st, "PRAGMA journal_mode = DELETE", &ignored_mode);
    for (int k = 0; k < S_COUNT; k++)
        if ((rc = prepare_rows(&w, k, BATCH_ROWS, &w.b[k].full)) != 0)
            goto done;
    if ((rc = store_begin(st, NULL, e)) != 0)
        goto done;
    if ((rc = journal_suspend(st, suspended, &n_suspended, e)) != 0) {
        store_rollback(st);
        goto done;
    }
    write_regions(&w, &plan, c);
    if (!w.failed)
        write_villages(&w, &plan, c);
    for (int k = 0; k < S_COUNT; k++)
        flush(&w, k);
    if (!w.failed && write_supervision_records(st, e) != 0)
        w.failed = 1;
    if (w.failed || (rc = journal_resume(st, suspended, n_suspended, e)) != 0) {
        store_rollback(st);
        rc = ERR_FAIL;
        goto done;
    }
    rc = store_commit(st, e);

done:
    for (int k = 0; w.b && k < S_COUNT; k++)
        sqlite3_finalize(w.b[k].full);
    free(w.b);
    suspended_free(suspended, n_suspended);
    /* Restoring must not hide the first error. */
    struct err ignored;
    store_exec(st,
               "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
               " PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2000;",
               &ignored);
    demo_plan_free(&plan);
    if (rc) {
        memset(c, 0, sizeof *c);
        return rc;
    }
    log_event(LOG_INFO, "demo.created", "demo city: %ld households, %ld people in %ld villages",
              c->households, c->members, c->villages);
    return 0;
}
