/* test_demo.c - the demo city: the plan's exact totals, its shape (poor
 * villages, city units, supervisors, valid unique IDs, the rare cases the
 * policies must find), determinism per seed, and scaling. */
#include "store_demo.h"
#include "idcard.h"
#include "store.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Creates dir/name with the schema and fills it. */
static int fill(const char *dir, const char *name, uint64_t seed, long households,
                struct demo_counts *c, char *path, size_t size, double *seconds)
{
    snprintf(path, size, "%s/%s", dir, name);
    struct store *st;
    struct err e = {{0}};
    int rc = store_open(path, STORE_CREATE, &st, &e);
    if (rc) {
        fprintf(stderr, "store_open: %s\n", e.msg);
        return rc;
    }
    struct demo_options opt = {.seed = seed, .households = households};
    double t0 = now_s();
    rc = demo_fill(st, &opt, c, &e);
    if (seconds)
        *seconds = now_s() - t0;
    if (rc)
        fprintf(stderr, "demo_fill: %s\n", e.msg);
    store_close(st);
    return rc;
}

static sqlite3 *open_db(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db));
        exit(1);
    }
    return db;
}

/* The single integer a query returns (-1 on error, reported). */
static long q1(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        test_failures++;
        return -1;
    }
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* A checksum of a query's rows, to compare two databases. */
static uint64_t digest(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    uint64_t h = 1469598103934665603ull;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        test_failures++;
        return 0;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(s); i++) {
            const unsigned char *t = sqlite3_column_text(s, i);
            for (; t && *t; t++)
                h = (h ^ *t) * 1099511628211ull;
            h = (h ^ 0xff) * 1099511628211ull;
        }
    }
    sqlite3_finalize(s);
    return h;
}

static const char *dir;
static char plan_db[512];

static void demo_fill_matches_the_plan(void)
{
    struct demo_counts c;
    double secs = 0;
    CHECK(fill(dir, "plan.db", 0, 0, &c, plan_db, sizeof plan_db, &secs) == 0);
    printf("  45,700 households filled in %.2f s\n", secs);
    CHECK(c.households == 45700 && c.members == 125900);
    CHECK(c.poor_villages == 255 && c.poor_village_households == 15900 &&
          c.poor_village_members == 51300);
    CHECK(c.scattered_households == 29800 && c.scattered_members == 74600);
    CHECK(c.counties == 6 && c.city_unit_villages == 98);
    CHECK(c.supervisors == 1 + c.counties + c.towns);

    sqlite3 *db = open_db(plan_db);
    CHECK(q1(db, "SELECT count(*) FROM household") == 45700);
    CHECK(q1(db, "SELECT count(*) FROM member") == 125900);
    CHECK(q1(db, "SELECT count(*) FROM region WHERE level = 'village' AND poor_village = 1") ==
          255);
    CHECK(q1(db, "SELECT count(*) FROM household h JOIN region r ON r.code = h.village"
                 " WHERE r.poor_village = 1") == 15900);
    CHECK(q1(db, "SELECT count(*) FROM member m JOIN household h ON h.id = m.household_id"
                 " JOIN region r ON r.code = h.village WHERE r.poor_village = 1") == 51300);
    CHECK(q1(db, "SELECT count(*) FROM household h JOIN region r ON r.code = h.village"
                 " WHERE r.poor_village = 0") == 29800);
    CHECK(q1(db, "SELECT count(*) FROM member m JOIN household h ON h.id = m.household_id"
                 " JOIN region r ON r.code = h.village WHERE r.poor_village = 0") == 74600);
    /* Every household has a head and at least one member. */
    CHECK(q1(db, "SELECT count(*) FROM household WHERE id NOT IN"
                 " (SELECT household_id FROM member WHERE relation = '户主')") == 0);
    sqlite3_close(db);
}

static void demo_regions_are_a_tree_with_plausible_codes(void)
{
    sqlite3 *db = open_db(plan_db);
    CHECK(q1(db, "SELECT count(*) FROM region WHERE level = 'city' AND code = '441600'"
                 " AND name = '河源市'") == 1);
    CHECK(q1(db, "SELECT count(*) FROM region WHERE level = 'county' AND parent = '441600' AND"
                 " code IN ('441602','441621','441622','441623','441624','441625')") == 6);
    CHECK(q1(db, "SELECT count(*) FROM region WHERE code = '441621' AND name = '紫金县'") == 1);
    CHECK(q1(db, "SELECT count(*) FROM region t JOIN region c ON c.code = t.parent"
                 " WHERE t.level = 'town' AND (c.level <> 'county' OR length(t.code) <> 9"
                 " OR substr(t.code, 1, 6) <> c.code)") == 0);
    CHECK(q1(db, "SELECT count(*) FROM region v LEFT JOIN region t ON t.code = v.parent"
                 " WHERE v.level = 'village' AND (t.level IS NOT 'town' OR length(v.code) <> 12"
                 " OR substr(v.code, 1, 9) <> t.code)") == 0);
    CHECK(q1(db, "SELECT count(*) FROM region WHERE level = 'town' AND name NOT LIKE '%镇'") == 0);
    CHECK(q1(db, "SELECT count(*) FROM region WHERE level = 'village' AND name NOT LIKE '%村'") ==
          0);
    long towns = q1(db, "SELECT count(*) FROM region WHERE level = 'town'");
    CHECK(towns >= 90 && towns <= 110);
    /* Some villages without living conditions, a small share. */
    long unlivable = q1(db, "SELECT count(*) FROM region WHERE level = 'village' AND livable = 0");
    long villages = q1(db, "SELECT count(*) FROM region WHERE level = 'village'");
    CHECK(unlivable > 0 && unlivable * 10 < villages);
    CHECK(q1(db, "SELECT count(*) FROM household h JOIN region r ON r.code = h.village"
                 " WHERE r.livable = 0 AND h.wants_relocation = 1") > 0);
    /* Every town, county and the city has a supervisor on the file channel. */
    CHECK(q1(db, "SELECT count(*) FROM region r WHERE level <> 'village' AND NOT EXISTS"
                 " (SELECT 1 FROM supervisor s WHERE s.region = r.code)") == 0);
    CHECK(q1(db, "SELECT count(*) FROM supervisor WHERE channel = 'file' AND address ="
                 " (SELECT level FROM region WHERE code = supervisor.region) || '-' || region") ==
          q1(db, "SELECT count(*) FROM supervisor"));
    CHECK(q1(db, "SELECT count(*) FROM supervisor WHERE address = 'city-441600'") == 1);
    sqlite3_close(db);
}

/* Cadres sent by a city-level unit: not a county unit, not town staff. */
#define CITY_UNIT_CADRE                                                                             \
    " unit NOT LIKE '%人民政府' AND unit NOT LIKE '源城区%' AND unit NOT LIKE '紫金县%'"  \
    " AND unit NOT LIKE '龙川县%' AND unit NOT LIKE '连平县%' AND unit NOT LIKE '和平县%'" \
    " AND unit NOT LIKE '东源县%'"

static void demo_city_units_pair_98_non_poor_villages(void)
{
    sqlite3 *db = open_db(plan_db);
    CHECK(q1(db, "SELECT count(DISTINCT unit) FROM cadre WHERE" CITY_UNIT_CADRE) == 98);
    /* Each unit works in exactly one village, each such village has one unit. */
    CHECK(q1(db, "SELECT count(DISTINCT region) FROM cadre WHERE" CITY_UNIT_CADRE) == 98);
    CHECK(q1(db, "SELECT count(*) FROM (SELECT unit FROM cadre WHERE" CITY_UNIT_CADRE
                 " GROUP BY unit HAVING count(DISTINCT region) <> 1)") == 0);
    CHECK(q1(db, "SELECT count(*) FROM (SELECT region FROM cadre WHERE" CITY_UNIT_CADRE
                 " GROUP BY region HAVING count(DISTINCT unit) <> 1)") == 0);
    /* Those villages are not poor, and all their cadres come from the unit. */
    CHECK(q1(db, "SELECT count(*) FROM cadre c JOIN region r ON r.code = c.region"
                 " WHERE r.poor_village = 1 AND" CITY_UNIT_CADRE) == 0);
    CHECK(q1(db, "SELECT count(*) FROM cadre WHERE NOT (" CITY_UNIT_CADRE ") AND region IN"
                 " (SELECT region FROM cadre WHERE" CITY_UNIT_CADRE ")") == 0);
    CHECK(q1(db, "SELECT count(*) FROM cadre WHERE unit IN ('市财政局','市教育局','团市委')"
                 " GROUP BY NULL") > 0);
    /* Their households are paired with the unit's cadres. */
    CHECK(q1(db, "SELECT count(*) FROM pairing p JOIN cadre c ON c.id = p.cadre_id"
                 " JOIN household h ON h.id = p.household_id WHERE c.region <> h.village") == 0);
    sqlite3_close(db);
}

static void demo_members_have_valid_unique_ids(void)
{
    sqlite3 *db = open_db(plan_db);
    sqlite3_stmt *s;
    CHECK(sqlite3_prepare_v2(db,
                             "SELECT m.id_number, m.birth_date, substr(h.village, 1, 6)"
                             " FROM member m JOIN household h ON h.id = m.household_id",
                             -1, &s, NULL) == SQLITE_OK);
    long n = 0, bad = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        const char *birth = (const char *)sqlite3_column_text(s, 1);
        const char *county = (const char *)sqlite3_column_text(s, 2);
        n++;
        if (!id || !birth || !idcard_is_valid(id) || !idcard_matches_birth(id, birth) ||
            strncmp(id, county, 6) != 0) {
            if (bad++ < 5)
                fprintf(stderr, "bad member id %s / %s / %s\n", id ? id : "-", birth ? birth : "-",
                        county ? county : "-");
        }
    }
    sqlite3_finalize(s);
    CHECK(n == 125900);
    CHECK(bad == 0);
    CHECK(q1(db, "SELECT count(DISTINCT id_number) FROM member") == 125900);
    /* Ages are plausible: nobody unborn on the as-of date or over 100. */
    CHECK(q1(db, "SELECT count(*) FROM member WHERE birth_date > '2018-06-30'"
                 " OR birth_date < '1918-06-30'") == 0);
    sqlite3_close(db);
}

static void demo_has_the_cases_policies_look_for(void)
{
    sqlite3 *db = open_db(plan_db);
    long paired = q1(db, "SELECT count(*) FROM pairing");
    CHECK(paired > 45700 * 95 / 100 && paired < 45700);
    CHECK(q1(db, "SELECT count(*) FROM pairing p LEFT JOIN cadre c ON c.id = p.cadre_id"
                 " WHERE c.id IS NULL") == 0);
    /* Households whose cadre has not visited in 90 days, a minority. */
    long stale = q1(db, "SELECT count(*) FROM pairing p WHERE NOT EXISTS (SELECT 1 FROM visit v"
                        " WHERE v.household_id = p.household_id AND v.date > '2018-04-01')");
    CHECK(stale > 0 && stale < paired / 3);
    CHECK(q1(db, "SELECT min(date) FROM visit") >= 2016);
    long overdue = q1(db, "SELECT count(*) FROM task WHERE status = 'open' AND due < '2018-06-30'");
    CHECK(overdue > 0);
    CHECK(q1(db, "SELECT count(*) FROM task WHERE status = 'open' AND due = '2018-06-29'") > 0);
    CHECK(q1(db, "SELECT count(*) FROM task WHERE status = 'open' AND due = '2018-06-20'") > 0);
    CHECK(q1(db, "SELECT count(*) FROM task WHERE status = 'open' AND due < '2018-05-21'") > 0);
    CHECK(q1(db, "SELECT count(*) FROM task WHERE status = 'done'") > overdue);
    CHECK(q1(db, "SELECT count(*) FROM fund_application WHERE status = 'approved'"
                 " AND approved_at < notice_to") > 0);
    CHECK(q1(db, "SELECT count(*) FROM fund_application WHERE status = 'approved'"
                 " AND objections > 0") > 0);
    CHECK(q1(db, "SELECT count(*) FROM fund_application WHERE status = 'approved'"
                 " AND approved_at > notice_to AND objections = 0") >
          q1(db, "SELECT count(*) FROM fund_application") / 2);
    /* Loans: most within the plan's terms, a few breaking them. */
    long loans = q1(db, "SELECT count(*) FROM loan");
    long breaking = q1(db, "SELECT count(*) FROM loan WHERE amount > 50000 OR term_months > 36"
                           " OR guarantor OR collateral OR NOT interest_subsidised");
    CHECK(loans > 100 && breaking > 0 && breaking * 10 < loans);
    /* Compulsory-age children out of school: some, a small share. */
    long out = q1(db, "SELECT count(*) FROM member WHERE school_stage IS NULL AND"
                      " birth_date BETWEEN '2002-07-01' AND '2012-06-30'");
    long kids = q1(db, "SELECT count(*) FROM member WHERE birth_date BETWEEN '2002-07-01'"
                       " AND '2012-06-30'");
    CHECK(out > 0 && out * 20 < kids);
    /* No full labour and not in dibao: the social_security policy has work. */
    CHECK(q1(db, "SELECT count(*) FROM household h WHERE dibao = 0 AND NOT EXISTS (SELECT 1"
                 " FROM member m WHERE m.household_id = h.id AND m.labor = 'full')") > 0);
    CHECK(q1(db, "SELECT count(*) FROM household h WHERE dibao = 1 AND NOT EXISTS (SELECT 1"
                 " FROM member m WHERE m.household_id = h.id AND m.labor = 'full')") > 0);
    CHECK(q1(db, "SELECT count(*) FROM household WHERE housing_grade IN ('C','D')") <
          q1(db, "SELECT count(*) FROM household WHERE housing_grade IN ('A','B')"));
    CHECK(q1(db, "SELECT count(*) FROM household WHERE status = 'exited' AND exited_at >="
                 " '2017-01-01'") > 0);
    CHECK(q1(db, "SELECT count(*) FROM household WHERE status = 'returned'") > 0);
    CHECK(q1(db, "SELECT count(*) FROM household WHERE credit_rating IN ('AA','A','B')") > 0);
    CHECK(q1(db, "SELECT count(*) FROM income") == 45700 * 3);
    /* Per-capita 2017 income: most registered households below the 45 % line
     * (0.45 * 15780 = 7101), some above. */
    long below = q1(db, "SELECT count(*) FROM income i JOIN household h ON h.id = i.household_id"
                        " WHERE i.year = 2017 AND h.status = 'registered' AND (wage + production"
                        " + property + transfer) < 7101 * (SELECT count(*) FROM member m"
                        " WHERE m.household_id = h.id)");
    long above = q1(db, "SELECT count(*) FROM income i JOIN household h ON h.id = i.household_id"
                        " WHERE i.year = 2017 AND h.status = 'registered' AND (wage + production"
                        " + property + transfer) >= 7101 * (SELECT count(*) FROM member m"
                        " WHERE m.household_id = h.id)");
    CHECK(below > above && above > 0);
    CHECK(q1(db, "SELECT count(*) FROM enterprise_link") > 0);
    CHECK(q1(db, "SELECT count(*) FROM asset_share") > 0);
    /* The v2 facts, in realistic proportions: labour left blank for a few
     * (more of the elderly), 两不愁 recorded for most, shocks for some, a
     * part of the exited households' after their exit. */
    long members = q1(db, "SELECT count(*) FROM member");
    long blank = q1(db, "SELECT count(*) FROM member WHERE labor IS NULL");
    CHECK(blank > 0 && blank * 20 < members);
    CHECK(q1(db, "SELECT count(*) FROM member WHERE labor IS NULL AND birth_date < '1953-07-01'") >
          q1(db, "SELECT count(*) FROM member WHERE labor IS NULL AND birth_date >= '1953-07-01'"));
    long secure = q1(db, "SELECT count(*) FROM household WHERE food_secure = 1");
    long unrecorded = q1(db, "SELECT count(*) FROM household WHERE food_secure IS NULL");
    CHECK(secure > 45700 * 8 / 10 && unrecorded > 0 && unrecorded * 10 < 45700);
    CHECK(q1(db, "SELECT count(*) FROM household WHERE clothing_secure = 0") > 0);
    long shocks = q1(db, "SELECT count(*) FROM shock");
    CHECK(shocks > 45700 / 50 && shocks < 45700 / 5);
    CHECK(q1(db, "SELECT count(DISTINCT kind) FROM shock") == 4);
    CHECK(q1(db, "SELECT count(*) FROM shock s JOIN household h ON h.id = s.household_id"
                 " WHERE h.status = 'exited' AND s.date >= h.exited_at") > 0);
    sqlite3_close(db);
}

static void demo_journals_every_row_and_keeps_the_triggers(void)
{
    sqlite3 *db = open_db(plan_db);
    /* One journal row per input row, as the triggers write them. */
    CHECK(q1(db, "SELECT count(DISTINCT household_id) FROM engine_journal") == 45700);
    static const char *const tables[] = {
        "household",        "member", "income",          "pairing",     "visit",      "task",
        "fund_application", "loan",   "enterprise_link", "asset_share", "supervisor", "shock"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char q[256];
        snprintf(q, sizeof q,
                 "SELECT (SELECT count(*) FROM %s) = (SELECT count(*) FROM"
                 " engine_journal WHERE tbl = '%s')",
                 tables[i], tables[i]);
        long same = q1(db, q);
        if (!same)
            fprintf(stderr, "journal rows differ for %s\n", tables[i]);
        CHECK(same == 1);
    }
    CHECK(q1(db, "SELECT count(*) FROM engine_journal j JOIN member m ON m.id = j.row_id"
                 " WHERE j.tbl = 'member' AND j.household_id IS NOT m.household_id") == 0);
    CHECK(q1(db, "SELECT count(*) FROM engine_journal WHERE tbl = 'household'"
                 " AND household_id IS NOT row_id") == 0);
    CHECK(q1(db, "SELECT count(*) FROM engine_journal WHERE tbl = 'supervisor'"
                 " AND household_id IS NOT NULL") == 0);
    CHECK(q1(db, "SELECT count(*) FROM engine_journal WHERE at IS NULL OR at < '2000'") == 0);
    sqlite3_close(db);

    /* The schema's triggers are all there afterwards and still fire. */
    char fresh[512];
    snprintf(fresh, sizeof fresh, "%s/fresh.db", dir);
    struct store *st;
    struct err e = {{0}};
    CHECK(store_open(fresh, STORE_CREATE, &st, &e) == 0);
    store_close(st);
    db = open_db(fresh);
    uint64_t schema = digest(db, "SELECT name, sql FROM sqlite_master ORDER BY name");
    sqlite3_close(db);
    db = open_db(plan_db);
    CHECK(digest(db, "SELECT name, sql FROM sqlite_master ORDER BY name") == schema);
    sqlite3_stmt *s;
    CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(s) == SQLITE_ROW &&
          strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    CHECK(store_open(plan_db, STORE_WRITE, &st, &e) == 0);
    CHECK(store_exec(st, "INSERT INTO member(household_id, name) VALUES (7, 'x')", &e) == 0);
    store_close(st);
    db = open_db(plan_db);
    CHECK(q1(db, "SELECT count(*) FROM engine_journal WHERE tbl = 'member' AND household_id = 7"
                 " AND row_id = (SELECT max(id) FROM member)") == 1);
    sqlite3_close(db);
}

static void demo_same_seed_same_database(void)
{
    static const char *const tables[] = {
        "SELECT * FROM region ORDER BY code", "SELECT * FROM household ORDER BY id",
        "SELECT * FROM member ORDER BY id",   "SELECT * FROM visit ORDER BY id",
        "SELECT * FROM task ORDER BY id",     "SELECT * FROM fund_application ORDER BY id",
        "SELECT * FROM cadre ORDER BY id",    "SELECT * FROM income ORDER BY household_id, year",
    };
    char a[512], b[512], other[512];
    struct demo_counts ca, cb, co;
    CHECK(fill(dir, "a.db", 7, 3000, &ca, a, sizeof a, NULL) == 0);
    CHECK(fill(dir, "b.db", 7, 3000, &cb, b, sizeof b, NULL) == 0);
    CHECK(fill(dir, "other.db", 8, 3000, &co, other, sizeof other, NULL) == 0);
    CHECK(memcmp(&ca, &cb, sizeof ca) == 0);
    sqlite3 *da = open_db(a), *db = open_db(b), *dother = open_db(other);
    int differs = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        CHECK(digest(da, tables[i]) == digest(db, tables[i]));
        differs += digest(da, tables[i]) != digest(dother, tables[i]);
    }
    CHECK(differs > 0);
    sqlite3_close(da);
    sqlite3_close(db);
    sqlite3_close(dother);
}

static void demo_scales_every_count(void)
{
    char path[512];
    struct demo_counts c;
    CHECK(fill(dir, "scaled.db", 0, 5000, &c, path, sizeof path, NULL) == 0);
    /* 5000 / 45700 of the plan's figures, rounded */
    CHECK(c.households == 5000 && c.members == 13775);
    CHECK(c.poor_villages == 28 && c.poor_village_households == 1740 &&
          c.poor_village_members == 5613);
    CHECK(c.scattered_households == 3260 && c.scattered_members == 8162);
    CHECK(c.city_unit_villages == 11);
    sqlite3 *db = open_db(path);
    CHECK(q1(db, "SELECT count(*) FROM household") == 5000);
    CHECK(q1(db, "SELECT count(*) FROM member") == 13775);
    CHECK(q1(db, "SELECT count(*) FROM region WHERE poor_village = 1") == 28);
    CHECK(q1(db, "SELECT count(*) FROM task") == c.tasks);
    CHECK(q1(db, "SELECT count(*) FROM task WHERE status = 'open' AND due < '2018-06-30'") ==
          c.overdue_tasks);
    CHECK(q1(db, "SELECT count(*) FROM fund_application") == c.funds);
    CHECK(q1(db, "SELECT count(*) FROM loan") == c.loans);
    CHECK(q1(db, "SELECT count(*) FROM cadre") == c.cadres);
    CHECK(q1(db, "SELECT count(*) FROM pairing") == c.pairings);
    CHECK(q1(db, "SELECT count(*) FROM supervisor") == c.supervisors);
    sqlite3_close(db);

    /* The smallest city still has every kind of region and rare case. */
    CHECK(fill(dir, "tiny.db", 0, DEMO_MIN_HOUSEHOLDS, &c, path, sizeof path, NULL) == 0);
    CHECK(c.households == 100 && c.counties == 6 && c.poor_villages >= 1 &&
          c.city_unit_villages >= 1 && c.towns >= 6);
    db = open_db(path);
    CHECK(q1(db, "SELECT count(*) FROM member") == c.members);
    CHECK(q1(db,
             "SELECT count(*) FROM household WHERE id NOT IN (SELECT household_id FROM member)") ==
          0);
    sqlite3_close(db);
}

static void demo_refuses_bad_options_and_full_databases(void)
{
    struct store *st;
    struct err e = {{0}};
    CHECK(store_open(plan_db, STORE_WRITE, &st, &e) == 0);
    struct demo_counts c;
    CHECK(demo_fill(st, NULL, &c, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "already holds households");
    store_close(st);

    char path[512];
    snprintf(path, sizeof path, "%s/bad.db", dir);
    CHECK(store_open(path, STORE_CREATE, &st, &e) == 0);
    struct demo_options opt = {.households = 99};
    CHECK(demo_fill(st, &opt, &c, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "households must be between");
    opt.households = -5;
    CHECK(demo_fill(st, &opt, &c, &e) == ERR_INVALID);
    CHECK(store_exec(st, "INSERT INTO region(code, name, level) VALUES ('441600','x','city')",
                     &e) == 0);
    opt.households = 100;
    CHECK(demo_fill(st, &opt, &c, &e) == ERR_INVALID);
    CHECK_STR_CONTAINS(e.msg, "already holds regions");
    store_close(st);
}

int main(void)
{
    static char d[256];
    snprintf(d, sizeof d, "%s", test_tmpdir());
    dir = d;
    RUN(demo_fill_matches_the_plan);
    RUN(demo_regions_are_a_tree_with_plausible_codes);
    RUN(demo_city_units_pair_98_non_poor_villages);
    RUN(demo_members_have_valid_unique_ids);
    RUN(demo_has_the_cases_policies_look_for);
    RUN(demo_journals_every_row_and_keeps_the_triggers);
    RUN(demo_same_seed_same_database);
    RUN(demo_scales_every_count);
    RUN(demo_refuses_bad_options_and_full_databases);
    return test_done();
}
