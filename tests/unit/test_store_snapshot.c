/* test_store_snapshot.c - reading a household and its lists into struct
 * household: every field and list, ages around a birthday, deleted households,
 * and malformed rows (written past the constraints) named without personal
 * data. */
#include "store.h"
#include "store_snapshot.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Writes through a second connection with CHECK constraints off, the way a
 * careless import tool could. */
static void exec_unchecked(const char *path, const char *sql)
{
    sqlite3 *db;
    char *msg = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    if (sqlite3_exec(db, "PRAGMA ignore_check_constraints = 1", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
        test_failures++;
    }
    sqlite3_free(msg);
    sqlite3_close(db);
}

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const char regions[] =
    "INSERT INTO region(code, name, level, parent, poor_village, livable) VALUES"
    " ('4416', '河源市', 'city', NULL, 0, 1),"
    " ('441602', '源城区', 'county', '4416', 0, 1),"
    " ('441602001', '某镇', 'town', '441602', 0, 1),"
    " ('441602001001', '某村', 'village', '441602001', 1, 0);"
    "INSERT INTO cadre(id, name) VALUES (3, '干部');";

static const char household[] =
    "INSERT INTO household(id, village, head_name, status, poverty_cause, housing_grade,"
    " housing_renovated, tap_water, wants_relocation, wants_industry, has_project,"
    " credit_rating, dibao, has_land, registered_at, exited_at) VALUES"
    " (12, '441602001001', '张三', 'returned', '因病', 'C', 1, 0, 1, 1, 0, 'AA', 1, 1,"
    " '2016-03-01', '2017-12-01');"
    "INSERT INTO pairing(household_id, cadre_id, since) VALUES (12, 3, '2016-04-01');"
    "INSERT INTO member(id, household_id, name, id_number, relation, birth_date, labor, health,"
    " school_stage, medical_insured, critical_insured, pension_insured, employed, wants_job,"
    " skills) VALUES"
    " (41, 12, '李四', '441602200805010021', '子女', '2008-05-01', 'none', 'healthy', 'junior',"
    "  1, 0, 0, 0, 0, 0),"
    " (40, 12, '张三', '441602198007010011', '户主', '1980-07-01', 'partial', 'chronic', NULL,"
    "  1, 1, 1, 1, 1, 2),"
    " (42, 12, '王五', NULL, '配偶', NULL, 'full', 'disabled', NULL, 0, 0, 0, 0, 0, 0);"
    "INSERT INTO income(household_id, year, wage, production, property, transfer) VALUES"
    " (12, 2017, 3000.5, 1000, 0, 200), (12, 2016, 2000, 500, 10, 0);"
    "INSERT INTO loan(id, household_id, amount, term_months, start_date, collateral, guarantor,"
    " interest_subsidised) VALUES (2, 12, 30000, 24, '2017-03-01', 0, 1, 1);"
    "INSERT INTO enterprise_link(household_id, kind, name) VALUES (12, 'cooperative', 'X 合作社'),"
    " (12, 'enterprise', 'Y 公司');"
    "INSERT INTO asset_share(household_id, project, amount, since) VALUES"
    " (12, '光伏', 3000, '2017-01-01');"
    "INSERT INTO visit(id, household_id, cadre_id, date) VALUES (8, 12, 3, '2018-05-01'),"
    " (7, 12, 3, '2018-06-01'), (9, 12, NULL, '2018-01-15');"
    "INSERT INTO task(id, household_id, cadre_id, measure, title, due, status, done_at) VALUES"
    " (5, 12, 3, 'project', '立项', '2018-05-01', 'done', '2018-04-20'),"
    " (6, 12, 3, NULL, '回访', '2018-07-01', 'open', NULL);"
    "INSERT INTO fund_application(id, household_id, cadre_id, project, amount, expected_return,"
    " status, notice_from, notice_to, objections, approved_at) VALUES"
    " (1, 12, 3, '养鸡', 5000, 800, 'approved', '2018-03-01', '2018-03-07', 2, '2018-03-08'),"
    " (4, 12, NULL, '养牛', 6000, NULL, 'applied', NULL, NULL, 0, NULL);";

static void snapshot_reads_every_field_and_list(void)
{
    char path[300];
    struct store *st = test_store_create("s.db", path, sizeof path);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(st, household);
    struct snapshot_reader *r = NULL;
    CHECK(snapshot_reader_new(st, &r, &e) == 0);
    struct snapshot snap = {0};
    CHECK(snapshot_read(r, 12, "2018-06-30", &snap, &e) == 0);
    const struct household *h = &snap.hh;
    CHECK(h->id == 12 && streq(h->today, "2018-06-30") && h->year == 2018);
    CHECK(streq(h->village, "441602001001") && streq(h->village_name, "某村"));
    CHECK(streq(h->town, "441602001") && streq(h->county, "441602"));
    CHECK(h->poor_village == 1 && h->livable == 0);
    CHECK(streq(h->head_name, "张三") && h->status == HOUSEHOLD_STATUS_RETURNED);
    CHECK(streq(h->poverty_cause, "因病") && h->housing_grade == HOUSEHOLD_GRADE_C);
    CHECK(h->housing_renovated == 1 && h->tap_water == 0 && h->wants_relocation == 1);
    CHECK(h->wants_industry == 1 && h->has_project == 0 && streq(h->credit_rating, "AA"));
    CHECK(h->dibao == 1 && h->has_land == 1);
    CHECK(streq(h->registered_at, "2016-03-01") && streq(h->exited_at, "2017-12-01"));
    CHECK(h->cadre_id == 3 && streq(h->paired_since, "2016-04-01"));

    CHECK(h->n_members == 3);
    if (h->n_members == 3) {
        const struct household_member *m = h->members;
        CHECK(m[0].id == 40 && m[1].id == 41 && m[2].id == 42);
        CHECK(streq(m[0].name, "张三") && streq(m[0].id_number, "441602198007010011"));
        CHECK(streq(m[0].relation, "户主") && streq(m[0].birth_date, "1980-07-01"));
        CHECK(m[0].age == 37 && m[1].age == 10 && m[2].age == -1);
        CHECK(m[0].labor == HOUSEHOLD_LABOR_PARTIAL && m[1].labor == HOUSEHOLD_LABOR_NONE &&
              m[2].labor == HOUSEHOLD_LABOR_FULL);
        CHECK(m[0].health == HOUSEHOLD_HEALTH_CHRONIC && m[1].health == HOUSEHOLD_HEALTH_HEALTHY &&
              m[2].health == HOUSEHOLD_HEALTH_DISABLED);
        CHECK(m[0].school_stage == HOUSEHOLD_SCHOOL_NONE &&
              m[1].school_stage == HOUSEHOLD_SCHOOL_JUNIOR);
        CHECK(m[0].medical_insured && m[0].critical_insured && m[0].pension_insured &&
              m[0].employed && m[0].wants_job && m[0].skills == 2);
        CHECK(m[1].medical_insured && !m[1].critical_insured && m[1].skills == 0);
        CHECK(m[2].id_number == NULL && m[2].birth_date == NULL);
    }
    CHECK(h->n_income == 2);
    if (h->n_income == 2) {
        CHECK(h->income[0].year == 2016 && h->income[1].year == 2017);
        CHECK(h->income[1].wage == 3000.5 && h->income[1].production == 1000 &&
              h->income[1].property == 0 && h->income[1].transfer == 200);
        CHECK(h->income[0].property == 10);
    }
    CHECK(h->n_loans == 1);
    if (h->n_loans == 1)
        CHECK(h->loans[0].id == 2 && h->loans[0].amount == 30000 && h->loans[0].term_months == 24 &&
              streq(h->loans[0].start_date, "2017-03-01") && !h->loans[0].collateral &&
              h->loans[0].guarantor && h->loans[0].interest_subsidised);
    CHECK(h->n_links == 2);
    if (h->n_links == 2)
        CHECK(streq(h->links[0].kind, "cooperative") && streq(h->links[0].name, "X 合作社") &&
              streq(h->links[1].kind, "enterprise"));
    CHECK(h->n_shares == 1);
    if (h->n_shares == 1)
        CHECK(streq(h->shares[0].project, "光伏") && h->shares[0].amount == 3000 &&
              streq(h->shares[0].since, "2017-01-01"));
    CHECK(h->n_visits == 3);
    if (h->n_visits == 3)
        CHECK(h->visits[0].id == 9 && h->visits[0].cadre_id == 0 && h->visits[1].id == 8 &&
              h->visits[2].id == 7 && streq(h->visits[2].date, "2018-06-01") &&
              h->visits[2].cadre_id == 3);
    CHECK(h->n_tasks == 2);
    if (h->n_tasks == 2)
        CHECK(h->tasks[0].id == 5 && streq(h->tasks[0].measure, "project") &&
              streq(h->tasks[0].title, "立项") && streq(h->tasks[0].due, "2018-05-01") &&
              h->tasks[0].status == HOUSEHOLD_TASK_STATUS_DONE &&
              streq(h->tasks[0].done_at, "2018-04-20") && h->tasks[1].measure == NULL &&
              h->tasks[1].status == HOUSEHOLD_TASK_STATUS_OPEN && h->tasks[1].done_at == NULL);
    CHECK(h->n_funds == 2);
    if (h->n_funds == 2)
        CHECK(h->funds[0].id == 1 && h->funds[0].cadre_id == 3 &&
              streq(h->funds[0].project, "养鸡") && h->funds[0].amount == 5000 &&
              h->funds[0].expected_return == 800 &&
              h->funds[0].status == HOUSEHOLD_FUND_STATUS_APPROVED &&
              streq(h->funds[0].notice_from, "2018-03-01") &&
              streq(h->funds[0].notice_to, "2018-03-07") && h->funds[0].objections == 2 &&
              streq(h->funds[0].approved_at, "2018-03-08") &&
              h->funds[1].status == HOUSEHOLD_FUND_STATUS_APPLIED &&
              h->funds[1].expected_return == 0 && h->funds[1].notice_from == NULL);

    /* The strings live in the snapshot, not in SQLite's buffers: they
     * survive further statements on the connection. */
    test_store_exec(st, "UPDATE household SET head_name = '改名' WHERE id = 12");
    CHECK(streq(h->head_name, "张三") && streq(h->members[0].name, "张三"));

    /* Reuse: a second read replaces everything. */
    test_store_exec(st, "INSERT INTO household(id, village) VALUES (13, '441602001001')");
    CHECK(snapshot_read(r, 13, "2018-06-30", &snap, &e) == 0);
    CHECK(snap.hh.id == 13 && snap.hh.n_members == 0 && snap.hh.n_visits == 0);
    CHECK(snap.hh.cadre_id == 0 && snap.hh.paired_since == NULL);
    CHECK(snap.hh.status == HOUSEHOLD_STATUS_REGISTERED &&
          snap.hh.housing_grade == HOUSEHOLD_GRADE_NONE);
    CHECK(snap.hh.credit_rating == NULL);

    snapshot_free(&snap);
    snapshot_reader_free(r);
    store_close(st);
}

static void snapshot_age_on_eve_and_day_of_birthday(void)
{
    char path[300];
    struct store *st = test_store_create("s.db", path, sizeof path);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(st,
                    "INSERT INTO household(id, village) VALUES (1, '441602001001');"
                    "INSERT INTO member(id, household_id, birth_date) VALUES (1, 1, '2002-07-01'),"
                    " (2, 1, '2000-02-29');");
    struct snapshot_reader *r = NULL;
    CHECK(snapshot_reader_new(st, &r, &e) == 0);
    struct snapshot snap = {0};
    CHECK(snapshot_read(r, 1, "2018-06-30", &snap, &e) == 0);
    CHECK(snap.hh.n_members == 2 && snap.hh.members[0].age == 15);
    CHECK(snapshot_read(r, 1, "2018-07-01", &snap, &e) == 0);
    CHECK(snap.hh.n_members == 2 && snap.hh.members[0].age == 16);
    /* Born on 29 February: a year older on 1 March in common years. */
    CHECK(snapshot_read(r, 1, "2018-02-28", &snap, &e) == 0);
    CHECK(snap.hh.members[1].age == 17);
    CHECK(snapshot_read(r, 1, "2018-03-01", &snap, &e) == 0);
    CHECK(snap.hh.members[1].age == 18);
    CHECK(snapshot_read(r, 1, "2018-13-01", &snap, &e) == ERR_INVALID);
    snapshot_free(&snap);
    snapshot_reader_free(r);
    store_close(st);
}

static void snapshot_of_deleted_household_is_not_found(void)
{
    char path[300];
    struct store *st = test_store_create("s.db", path, sizeof path);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(st, household);
    test_store_exec(st, "DELETE FROM household WHERE id = 12");
    struct snapshot_reader *r = NULL;
    CHECK(snapshot_reader_new(st, &r, &e) == 0);
    struct snapshot snap = {0};
    CHECK(snapshot_read(r, 12, "2018-06-30", &snap, &e) == ERR_NOTFOUND);
    CHECK(snapshot_read(r, 999, "2018-06-30", &snap, &e) == ERR_NOTFOUND);
    snapshot_free(&snap);
    snapshot_reader_free(r);
    store_close(st);
}

/* Each malformed row gives ERR_INVALID naming the household, the row and
 * the field, and never the member's ID number. */
static void expect_invalid(const char *path, struct snapshot_reader *r, const char *sql,
                           const char *undo, const char *needle, const char *absent)
{
    struct err e = {{0}};
    struct snapshot snap = {0};
    exec_unchecked(path, sql);
    int rc = snapshot_read(r, 12, "2018-06-30", &snap, &e);
    CHECK(rc == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, needle);
    CHECK(strstr(e.msg, "441602198007010011") == NULL);
    if (absent)
        CHECK(strstr(e.msg, absent) == NULL);
    exec_unchecked(path, undo);
    CHECK(snapshot_read(r, 12, "2018-06-30", &snap, &e) == 0);
    snapshot_free(&snap);
}

static void snapshot_rejects_malformed_rows(void)
{
    char path[300];
    struct store *st = test_store_create("s.db", path, sizeof path);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(st, household);
    struct snapshot_reader *r = NULL;
    CHECK(snapshot_reader_new(st, &r, &e) == 0);

    expect_invalid(path, r, "UPDATE member SET birth_date = '1980-13-01' WHERE id = 40",
                   "UPDATE member SET birth_date = '1980-07-01' WHERE id = 40",
                   "household 12: member 40: birth_date \"1980-13-01\" is not a date", NULL);
    expect_invalid(path, r, "UPDATE member SET labor = 'lots' WHERE id = 41",
                   "UPDATE member SET labor = 'none' WHERE id = 41",
                   "household 12: member 41: labor \"lots\" is not one of", NULL);
    /* health is personal data: the bad text is not echoed */
    expect_invalid(path, r, "UPDATE member SET health = 'hiv' WHERE id = 40",
                   "UPDATE member SET health = 'chronic' WHERE id = 40",
                   "household 12: member 40: health is not one of", "hiv");
    expect_invalid(path, r, "UPDATE member SET school_stage = 'phd' WHERE id = 41",
                   "UPDATE member SET school_stage = 'junior' WHERE id = 41",
                   "member 41: school_stage \"phd\"", NULL);
    expect_invalid(path, r, "UPDATE household SET status = 'gone' WHERE id = 12",
                   "UPDATE household SET status = 'returned' WHERE id = 12",
                   "household 12: status \"gone\"", NULL);
    expect_invalid(path, r, "UPDATE household SET housing_grade = 'E' WHERE id = 12",
                   "UPDATE household SET housing_grade = 'C' WHERE id = 12",
                   "household 12: housing_grade \"E\"", NULL);
    expect_invalid(path, r, "UPDATE household SET dibao = 2 WHERE id = 12",
                   "UPDATE household SET dibao = 1 WHERE id = 12",
                   "household 12: dibao is not 0 or 1", NULL);
    expect_invalid(path, r, "UPDATE household SET registered_at = '2016/03/01' WHERE id = 12",
                   "UPDATE household SET registered_at = '2016-03-01' WHERE id = 12",
                   "household 12: registered_at \"2016/03/01\" is not a date", NULL);
    expect_invalid(path, r, "UPDATE task SET status = 'maybe' WHERE id = 6",
                   "UPDATE task SET status = 'open' WHERE id = 6",
                   "household 12: task 6: status \"maybe\"", NULL);
    expect_invalid(path, r, "UPDATE task SET due = '2018-02-30' WHERE id = 6",
                   "UPDATE task SET due = '2018-07-01' WHERE id = 6",
                   "household 12: task 6: due \"2018-02-30\" is not a date", NULL);
    expect_invalid(path, r, "UPDATE fund_application SET status = 'paid' WHERE id = 4",
                   "UPDATE fund_application SET status = 'applied' WHERE id = 4",
                   "household 12: fund_application 4: status \"paid\"", NULL);
    expect_invalid(path, r, "UPDATE fund_application SET notice_to = 'soon' WHERE id = 1",
                   "UPDATE fund_application SET notice_to = '2018-03-07' WHERE id = 1",
                   "fund_application 1: notice_to \"soon\"", NULL);
    expect_invalid(path, r, "UPDATE visit SET date = '' WHERE id = 7",
                   "UPDATE visit SET date = '2018-06-01' WHERE id = 7",
                   "household 12: visit 7: date", NULL);
    expect_invalid(path, r, "UPDATE loan SET start_date = '2017-3-1' WHERE id = 2",
                   "UPDATE loan SET start_date = '2017-03-01' WHERE id = 2",
                   "household 12: loan 2: start_date", NULL);
    expect_invalid(path, r, "UPDATE pairing SET since = 'x' WHERE household_id = 12",
                   "UPDATE pairing SET since = '2016-04-01' WHERE household_id = 12",
                   "household 12: pairing.since \"x\"", NULL);
    /* Income amounts are personal data: named, never shown. */
    expect_invalid(path, r, "UPDATE income SET wage = 'lots' WHERE year = 2017",
                   "UPDATE income SET wage = 3000.5 WHERE year = 2017",
                   "household 12: income 2017: wage is not a finite number", "lots");
    /* The schema refuses money beyond a billion yuan; a row written before
     * that migration (here: with the trigger dropped) is caught on reading,
     * so two 1e308s can never sum to "-inf per person". */
    struct err te = {{0}};
    CHECK(store_exec(st, "UPDATE income SET production = 2e9 WHERE year = 2016", &te) != 0);
    CHECK_STR_CONTAINS(te.msg, "income: a money field is beyond 1000000000 yuan");
    CHECK(store_exec(st, "INSERT INTO loan(id, household_id, amount) VALUES (99, 12, -1e308)",
                     &te) != 0);
    exec_unchecked(path, "DROP TRIGGER income_money_bounds_update");
    expect_invalid(path, r, "UPDATE income SET production = 1e999 WHERE year = 2016",
                   "UPDATE income SET production = 500 WHERE year = 2016",
                   "household 12: income 2016: production is not a finite number", NULL);
    expect_invalid(path, r,
                   "UPDATE income SET wage = -1e308, production = -1e308 WHERE year = 2016",
                   "UPDATE income SET wage = 0, production = 500 WHERE year = 2016",
                   "household 12: income 2016: wage is beyond 1000000000 yuan", NULL);
    expect_invalid(path, r, "PRAGMA foreign_keys = OFF; UPDATE household SET village = 'nowhere'",
                   "UPDATE household SET village = '441602001001'",
                   "household 12: village \"nowhere\" is not a region", NULL);

    snapshot_reader_free(r);
    store_close(st);
}

/* A range read gives each household exactly its own rows, in the same order
 * and with the same error messages as a read of one household; households
 * of the range not asked for, missing or left half-read are passed over. */
static void snapshot_range_reads_like_single_reads(void)
{
    char path[300];
    struct store *st = test_store_create("s.db", path, sizeof path);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(st, household);
    test_store_exec(st, "INSERT INTO household(id, village) VALUES (10, '441602001001'),"
                        " (11, '441602001001'), (14, '441602001001');"
                        "INSERT INTO member(id, household_id, birth_date) VALUES (50, 11, NULL),"
                        " (61, 14, '2000-01-01'), (60, 14, '1990-01-01');"
                        "INSERT INTO task(id, household_id, title, due, status) VALUES"
                        " (20, 11, 't', '2018-01-01', 'open'), (21, 14, 't', '2018-02-01', 'done');"
                        "INSERT INTO visit(id, household_id, cadre_id, date) VALUES"
                        " (30, 14, 3, '2018-02-01');");
    struct snapshot_reader *r = NULL;
    CHECK(snapshot_reader_new(st, &r, &e) == 0);
    struct snapshot snap = {0};
    for (int bad = 0; bad < 2; bad++) {
        if (bad)
            exec_unchecked(path, "UPDATE member SET labor = 'lots' WHERE id = 41");
        CHECK(store_begin_read(st, &e) == 0);
        CHECK(snapshot_range_begin(r, 10, 14, &e) == 0);
        CHECK(snapshot_read(r, 10, "2018-06-30", &snap, &e) == 0);
        CHECK(snap.hh.n_members == 0 && snap.hh.n_tasks == 0 && snap.hh.n_visits == 0);
        int rc = snapshot_read(r, 12, "2018-06-30", &snap, &e);
        if (bad) {
            CHECK(rc == ERR_INVALID);
            CHECK_STR_CONTAINS(e.msg, "household 12: member 41: labor \"lots\" is not one of");
        } else {
            CHECK(rc == 0);
            CHECK(snap.hh.n_members == 3 && snap.hh.members[0].id == 40 &&
                  snap.hh.members[2].id == 42);
            CHECK(snap.hh.n_income == 2 && snap.hh.income[0].year == 2016);
            CHECK(snap.hh.n_loans == 1 && snap.hh.n_links == 2 && snap.hh.n_shares == 1);
            CHECK(streq(snap.hh.links[0].kind, "cooperative"));
            CHECK(snap.hh.n_visits == 3 && snap.hh.visits[0].id == 9 && snap.hh.visits[2].id == 7);
            CHECK(snap.hh.n_tasks == 2 && snap.hh.tasks[0].id == 5);
            CHECK(snap.hh.n_funds == 2 && snap.hh.funds[1].id == 4);
        }
        CHECK(snapshot_read(r, 13, "2018-06-30", &snap, &e) == ERR_NOTFOUND);
        CHECK(snapshot_read(r, 14, "2018-06-30", &snap, &e) == 0);
        CHECK(snap.hh.n_members == 2 && snap.hh.members[0].id == 60 && snap.hh.members[1].id == 61);
        CHECK(snap.hh.n_tasks == 1 && snap.hh.tasks[0].id == 21);
        CHECK(snap.hh.n_visits == 1 && snap.hh.visits[0].id == 30);
        CHECK(snap.hh.n_income == 0 && snap.hh.n_funds == 0);
        snapshot_range_end(r);
        store_rollback(st);
    }
    snapshot_free(&snap);
    snapshot_reader_free(r);
    store_close(st);
}

/* Statements and memory are reused: many reads, one reader, one arena. */
static void snapshot_reads_many_households(void)
{
    char path[300];
    struct store *st = test_store_create("s.db", path, sizeof path);
    struct err e = {{0}};
    test_store_exec(st, regions);
    test_store_exec(st,
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)"
                    " INSERT INTO household(id, village) SELECT i, '441602001001' FROM n;"
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                    " INSERT INTO member(id, household_id, birth_date)"
                    " SELECT i, (i % 500) + 1, '1990-01-01' FROM n;");
    struct snapshot_reader *r = NULL;
    CHECK(snapshot_reader_new(st, &r, &e) == 0);
    struct snapshot snap = {0};
    long members = 0;
    for (int64_t id = 1; id <= 500; id++) {
        if (snapshot_read(r, id, "2018-06-30", &snap, &e) != 0) {
            fprintf(stderr, "%s\n", e.msg);
            test_failures++;
            break;
        }
        members += (long)snap.hh.n_members;
    }
    CHECK(members == 2000);
    snapshot_free(&snap);
    snapshot_reader_free(r);
    store_close(st);
}

int main(void)
{
    RUN(snapshot_reads_every_field_and_list);
    RUN(snapshot_age_on_eve_and_day_of_birthday);
    RUN(snapshot_of_deleted_household_is_not_found);
    RUN(snapshot_rejects_malformed_rows);
    RUN(snapshot_range_reads_like_single_reads);
    RUN(snapshot_reads_many_households);
    return test_done();
}
