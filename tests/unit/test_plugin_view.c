/* test_plugin_view.c - the household as C plugins see it: every field of
 * struct fupin_household filled from the internal struct household, enum
 * values given their ABI meaning, one fill per household (plugin_view_forget
 * between households), arrays reused and grown. */
#include "plugin_view.h"
#include "testlib.h"

#include <stddef.h>
#include <string.h>

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static struct household_member members[20];
static struct household_income income[] = {
    {.year = 2016, .wage = 100.5, .production = 2, .property = 3, .transfer = 4},
    {.year = 2017, .wage = 7}};
static struct household_loan loans[] = {{.id = 5,
                                         .amount = 30000,
                                         .term_months = 24,
                                         .start_date = "2017-03-01",
                                         .collateral = 1,
                                         .guarantor = 1,
                                         .interest_subsidised = 1}};
static struct household_link links[] = {{.kind = "cooperative", .name = "合作社"}};
static struct household_share shares[] = {
    {.project = "光伏", .amount = 3000, .since = "2017-01-01"}};
static struct household_visit visits[] = {{.id = 8, .cadre_id = 3, .date = "2018-05-01"}};
static struct household_task tasks[] = {{.id = 6,
                                         .cadre_id = 3,
                                         .measure = "project",
                                         .title = "立项",
                                         .due = "2018-07-01",
                                         .status = HOUSEHOLD_TASK_STATUS_CANCELLED,
                                         .done_at = "2018-06-01"}};
static struct household_fund funds[] = {{.id = 1,
                                         .cadre_id = 3,
                                         .project = "养鸡",
                                         .amount = 5000,
                                         .expected_return = 800,
                                         .status = HOUSEHOLD_FUND_STATUS_NOTICED,
                                         .notice_from = "2018-03-01",
                                         .notice_to = "2018-03-07",
                                         .objections = 2,
                                         .approved_at = "2018-03-08"}};

static struct household_shock shocks[] = {
    {.id = 9, .kind = HOUSEHOLD_SHOCK_KIND_JOB_LOSS, .date = "2018-02-01", .loss = 8000}};

static struct household household(void)
{
    members[0] = (struct household_member){.id = 40,
                                           .name = "张三",
                                           .id_number = "441602198007010011",
                                           .relation = "户主",
                                           .birth_date = "1980-07-01",
                                           .age = 37,
                                           .labor = HOUSEHOLD_LABOR_PARTIAL,
                                           .health = HOUSEHOLD_HEALTH_SERIOUS,
                                           .school_stage = HOUSEHOLD_SCHOOL_VOCATIONAL,
                                           .medical_insured = 1,
                                           .critical_insured = 1,
                                           .pension_insured = 1,
                                           .employed = 1,
                                           .wants_job = 1,
                                           .skills = 3,
                                           .in_labor_force = 1};
    return (struct household){.id = 12,
                              .today = "2018-06-30",
                              .year = 2018,
                              .village = "441602001001",
                              .village_name = "某村",
                              .town = "441602001",
                              .county = "441602",
                              .poor_village = 1,
                              .livable = 0,
                              .head_name = "张三",
                              .status = HOUSEHOLD_STATUS_RETURNED,
                              .poverty_cause = "因病",
                              .housing_grade = HOUSEHOLD_GRADE_D,
                              .housing_renovated = 1,
                              .tap_water = 1,
                              .wants_relocation = 1,
                              .wants_industry = 1,
                              .has_project = 1,
                              .credit_rating = "AA",
                              .dibao = 1,
                              .has_land = 1,
                              .registered_at = "2016-03-01",
                              .exited_at = "2017-12-01",
                              .cadre_id = 3,
                              .paired_since = "2016-04-01",
                              .food_secure = 1,
                              .clothing_secure = HOUSEHOLD_NULL_INT,
                              .labor_force = 1,
                              .credit_village = 1,
                              .n_shocks = 1,
                              .shocks = shocks,
                              .n_members = 1,
                              .members = members,
                              .n_income = 2,
                              .income = income,
                              .n_loans = 1,
                              .loans = loans,
                              .n_links = 1,
                              .links = links,
                              .n_shares = 1,
                              .shares = shares,
                              .n_visits = 1,
                              .visits = visits,
                              .n_tasks = 1,
                              .tasks = tasks,
                              .n_funds = 1,
                              .funds = funds};
}

static void view_shows_every_field(void)
{
    struct household hh = household();
    struct plugin_view v = {0};
    struct err e = {{0}};
    CHECK(plugin_view_fill(&v, &hh, &e) == 0);
    const struct fupin_household *h = &v.hh;
    CHECK(h->id == 12 && streq(h->today, "2018-06-30") && h->year == 2018);
    CHECK(streq(h->village, "441602001001") && streq(h->village_name, "某村"));
    CHECK(streq(h->town, "441602001") && streq(h->county, "441602"));
    CHECK(h->poor_village == 1 && h->livable == 0 && streq(h->head_name, "张三"));
    CHECK(h->status == FUPIN_STATUS_RETURNED && streq(h->poverty_cause, "因病"));
    CHECK(h->housing_grade == FUPIN_GRADE_D && h->housing_renovated && h->tap_water);
    CHECK(h->wants_relocation && h->wants_industry && h->has_project);
    CHECK(streq(h->credit_rating, "AA") && h->dibao && h->has_land);
    CHECK(streq(h->registered_at, "2016-03-01") && streq(h->exited_at, "2017-12-01"));
    CHECK(h->cadre_id == 3 && streq(h->paired_since, "2016-04-01"));

    CHECK(h->n_members == 1 && h->members != (const void *)members);
    const struct fupin_member *m = h->members;
    CHECK(m->id == 40 && streq(m->name, "张三") && streq(m->id_number, "441602********0011"));
    CHECK(streq(m->relation, "户主") && streq(m->birth_date, "1980-07-01") && m->age == 37);
    CHECK(m->labor == FUPIN_LABOR_PARTIAL && m->health == FUPIN_HEALTH_SERIOUS);
    CHECK(m->school_stage == FUPIN_SCHOOL_VOCATIONAL);
    CHECK(m->medical_insured && m->critical_insured && m->pension_insured && m->employed &&
          m->wants_job && m->skills == 3);
    CHECK(m->in_labor_force == 1 && m->labor_recorded == 1);
    CHECK(h->food_secure == 1 && h->clothing_secure == -1 && h->labor_force == 1);
    CHECK(h->credit_village == 1);
    CHECK(h->n_shocks == 1 && h->shocks[0].id == 9 && h->shocks[0].kind == FUPIN_SHOCK_JOB_LOSS &&
          streq(h->shocks[0].date, "2018-02-01") && h->shocks[0].loss == 8000);

    CHECK(h->n_income == 2 && h->income[0].year == 2016 && h->income[0].wage == 100.5 &&
          h->income[0].production == 2 && h->income[0].property == 3 &&
          h->income[0].transfer == 4 && h->income[1].wage == 7);
    CHECK(h->n_loans == 1 && h->loans[0].id == 5 && h->loans[0].amount == 30000 &&
          h->loans[0].term_months == 24 && streq(h->loans[0].start_date, "2017-03-01") &&
          h->loans[0].collateral && h->loans[0].guarantor && h->loans[0].interest_subsidised);
    CHECK(h->n_links == 1 && streq(h->links[0].kind, "cooperative") &&
          streq(h->links[0].name, "合作社"));
    CHECK(h->n_shares == 1 && streq(h->shares[0].project, "光伏") && h->shares[0].amount == 3000 &&
          streq(h->shares[0].since, "2017-01-01"));
    CHECK(h->n_visits == 1 && h->visits[0].id == 8 && h->visits[0].cadre_id == 3 &&
          streq(h->visits[0].date, "2018-05-01"));
    CHECK(h->n_tasks == 1 && h->tasks[0].id == 6 && h->tasks[0].cadre_id == 3 &&
          streq(h->tasks[0].measure, "project") && streq(h->tasks[0].title, "立项") &&
          streq(h->tasks[0].due, "2018-07-01") && h->tasks[0].status == FUPIN_TASK_CANCELLED &&
          streq(h->tasks[0].done_at, "2018-06-01"));
    CHECK(h->n_funds == 1 && h->funds[0].id == 1 && h->funds[0].cadre_id == 3 &&
          streq(h->funds[0].project, "养鸡") && h->funds[0].amount == 5000 &&
          h->funds[0].expected_return == 800 && h->funds[0].status == FUPIN_FUND_NOTICED &&
          streq(h->funds[0].notice_from, "2018-03-01") &&
          streq(h->funds[0].notice_to, "2018-03-07") && h->funds[0].objections == 2 &&
          streq(h->funds[0].approved_at, "2018-03-08"));
    plugin_view_free(&v);
}

/* Every internal enum value has its ABI value (the view converts, it does
 * not rely on the two enums happening to agree). */
/* The village's 信用村 rating: 0 stays 0, never assessed reads -1. */
static void view_gives_credit_village_not_assessed_as_minus_one(void)
{
    struct err e = {{0}};
    int want[] = {0, -1};
    int have[] = {0, HOUSEHOLD_NULL_INT};
    for (int i = 0; i < 2; i++) {
        struct household hh = household();
        hh.credit_village = have[i];
        struct plugin_view v = {0};
        CHECK(plugin_view_fill(&v, &hh, &e) == 0);
        CHECK(v.hh.credit_village == want[i]);
        plugin_view_free(&v);
    }
}

static void view_converts_every_enum_value(void)
{
    static const enum fupin_school schools[] = {
        FUPIN_SCHOOL_NONE,   FUPIN_SCHOOL_PRESCHOOL,  FUPIN_SCHOOL_PRIMARY, FUPIN_SCHOOL_JUNIOR,
        FUPIN_SCHOOL_SENIOR, FUPIN_SCHOOL_VOCATIONAL, FUPIN_SCHOOL_COLLEGE};
    static const enum fupin_grade grades[] = {FUPIN_GRADE_NONE, FUPIN_GRADE_A, FUPIN_GRADE_B,
                                              FUPIN_GRADE_C, FUPIN_GRADE_D};
    struct household hh = household();
    struct plugin_view v = {0};
    struct err e = {{0}};
    for (int s = 0; s < HOUSEHOLD_SCHOOL_COUNT; s++) {
        members[0].school_stage = (enum household_school)s;
        hh.housing_grade = (enum household_grade)(s % HOUSEHOLD_GRADE_COUNT);
        plugin_view_forget(&v);
        CHECK(plugin_view_fill(&v, &hh, &e) == 0);
        CHECK(v.hh.members[0].school_stage == schools[s]);
        CHECK(v.hh.housing_grade == grades[s % HOUSEHOLD_GRADE_COUNT]);
    }
    static const enum fupin_labor labors[] = {[HOUSEHOLD_LABOR_UNRECORDED] = FUPIN_LABOR_UNRECORDED,
                                              [HOUSEHOLD_LABOR_FULL] = FUPIN_LABOR_FULL,
                                              [HOUSEHOLD_LABOR_PARTIAL] = FUPIN_LABOR_PARTIAL,
                                              [HOUSEHOLD_LABOR_NONE] = FUPIN_LABOR_NONE};
    for (int l = 0; l < HOUSEHOLD_LABOR_COUNT; l++) {
        members[0].labor = (enum household_labor)l;
        plugin_view_forget(&v);
        CHECK(plugin_view_fill(&v, &hh, &e) == 0);
        CHECK(v.hh.members[0].labor == labors[l]);
        CHECK(v.hh.members[0].labor_recorded == (l != HOUSEHOLD_LABOR_UNRECORDED));
    }
    static const enum fupin_shock_kind kinds[] = {FUPIN_SHOCK_DISASTER, FUPIN_SHOCK_ILLNESS,
                                                  FUPIN_SHOCK_ACCIDENT, FUPIN_SHOCK_JOB_LOSS};
    for (int k = 0; k < HOUSEHOLD_SHOCK_KIND_COUNT; k++) {
        shocks[0].kind = (enum household_shock_kind)k;
        plugin_view_forget(&v);
        CHECK(plugin_view_fill(&v, &hh, &e) == 0);
        CHECK(v.hh.shocks[0].kind == kinds[k]);
    }
    plugin_view_free(&v);
}

/* One fill per household: a second fill of the same household is free, a
 * forget makes the next fill read it again (the snapshot is reused at the
 * same address), and a longer list grows the arrays. */
static void view_is_filled_once_per_household(void)
{
    struct household hh = household();
    struct plugin_view v = {0};
    struct err e = {{0}};
    CHECK(plugin_view_fill(&v, &hh, &e) == 0);
    hh.head_name = "李四";
    CHECK(plugin_view_fill(&v, &hh, &e) == 0);
    CHECK(streq(v.hh.head_name, "张三"));
    plugin_view_forget(&v);
    for (int i = 1; i < 20; i++)
        members[i] = (struct household_member){.id = 100 + i, .age = i};
    hh.n_members = 20;
    CHECK(plugin_view_fill(&v, &hh, &e) == 0);
    CHECK(streq(v.hh.head_name, "李四") && v.hh.n_members == 20);
    CHECK(v.hh.members[19].id == 119 && v.hh.members[19].age == 19);
    plugin_view_forget(&v);
    hh.n_members = 0;
    CHECK(plugin_view_fill(&v, &hh, &e) == 0 && v.hh.n_members == 0);
    plugin_view_free(&v);
}

/* A plugin built before fields were appended to the view's structs reads
 * the lists at its own, smaller element sizes. Simulated here by a layout
 * whose member is 8 bytes shorter and whose task ends at its status. */
static void older_plugin_sees_its_own_layout(void)
{
    struct household hh = household();
    for (int i = 1; i < 20; i++)
        members[i] = (struct household_member){.id = 100 + i, .age = i};
    hh.n_members = 20;
    struct plugin_view v = {0};
    struct err e = {{0}};
    CHECK(plugin_view_fill(&v, &hh, &e) == 0);
    struct fupin_view_sizes sizes = FUPIN_VIEW_SIZES;
    CHECK(plugin_view_for(&v, &sizes, 0, HOUSEHOLD_ALL_LISTS, &e) == &v.hh);
    /* ABI 2's member ended at skills. */
    sizes.member = offsetof(struct fupin_member, in_labor_force);
    sizes.task = offsetof(struct fupin_task, status) + sizeof(enum fupin_task_status);
    const struct fupin_household *old = plugin_view_for(&v, &sizes, 0, HOUSEHOLD_ALL_LISTS, &e);
    CHECK(old && old != &v.hh && old->n_members == 20 && old->members != v.hh.members);
    const unsigned char *base = (const unsigned char *)old->members;
    for (int i = 0; i < 20; i++) {
        struct fupin_member m;
        memcpy(&m, base + (size_t)i * sizes.member, sizes.member);
        CHECK(m.id == v.hh.members[i].id && m.age == v.hh.members[i].age);
    }
    struct fupin_task t = {0};
    memcpy(&t, old->tasks, sizes.task);
    CHECK(t.id == v.hh.tasks[0].id && t.status == v.hh.tasks[0].status);
    /* Lists whose size did not change are the view's own. */
    CHECK(old->income == v.hh.income && streq(old->head_name, v.hh.head_name));
    plugin_view_free(&v);
}

/* The resident ID is masked for every plugin but one that declares it
 * needs it, and the same view switches back for the next plugin. */
static void id_number_only_for_plugins_that_need_it(void)
{
    struct household hh = household();
    struct plugin_view v = {0};
    struct err e = {{0}};
    struct fupin_view_sizes sizes = FUPIN_VIEW_SIZES;
    CHECK(plugin_view_fill(&v, &hh, &e) == 0);
    const struct fupin_household *h = plugin_view_for(&v, &sizes, 0, HOUSEHOLD_ALL_LISTS, &e);
    CHECK(h && streq(h->members[0].id_number, "441602********0011"));
    h = plugin_view_for(&v, &sizes, FUPIN_NEEDS_ID_NUMBER, HOUSEHOLD_ALL_LISTS, &e);
    CHECK(h && streq(h->members[0].id_number, "441602198007010011"));
    sizes.member -= 8; /* an older plugin's copy is masked too */
    h = plugin_view_for(&v, &sizes, 0, HOUSEHOLD_ALL_LISTS, &e);
    struct fupin_member m;
    memcpy(&m, h->members, sizes.member);
    CHECK(h && streq(m.id_number, "441602********0011"));
    /* An ABI-2 descriptor ends before `needs`: it needs nothing. */
    struct fupin_plugin d = {.struct_size = offsetof(struct fupin_plugin, needs),
                             .needs = FUPIN_NEEDS_ID_NUMBER};
    CHECK(plugin_view_needs(&d) == 0);
    d.struct_size = sizeof d;
    CHECK(plugin_view_needs(&d) == FUPIN_NEEDS_ID_NUMBER);
    plugin_view_free(&v);
}

int main(void)
{
    RUN(view_shows_every_field);
    RUN(view_gives_credit_village_not_assessed_as_minus_one);
    RUN(view_converts_every_enum_value);
    RUN(view_is_filled_once_per_household);
    RUN(older_plugin_sees_its_own_layout);
    RUN(id_number_only_for_plugins_that_need_it);
    return test_done();
}
