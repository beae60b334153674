/* plugin_view.c - fills the plugin ABI's struct fupin_household from the
 * internal struct household, field by field: the view is a contract written
 * out here on purpose, not derived, so a field added to household.h reaches
 * plugins only when it is appended to fupin_plugin.h and copied below. */
#include "plugin_view.h"
#include "i18n.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

/* Internal enum value -> ABI value; each table covers every internal value. */
static const enum fupin_labor labor_view[] = {
    [HOUSEHOLD_LABOR_UNRECORDED] = FUPIN_LABOR_UNRECORDED,
    [HOUSEHOLD_LABOR_FULL] = FUPIN_LABOR_FULL,
    [HOUSEHOLD_LABOR_PARTIAL] = FUPIN_LABOR_PARTIAL,
    [HOUSEHOLD_LABOR_NONE] = FUPIN_LABOR_NONE,
};
static const enum fupin_health health_view[] = {
    [HOUSEHOLD_HEALTH_HEALTHY] = FUPIN_HEALTH_HEALTHY,
    [HOUSEHOLD_HEALTH_CHRONIC] = FUPIN_HEALTH_CHRONIC,
    [HOUSEHOLD_HEALTH_SERIOUS] = FUPIN_HEALTH_SERIOUS,
    [HOUSEHOLD_HEALTH_DISABLED] = FUPIN_HEALTH_DISABLED,
};
static const enum fupin_school school_view[] = {
    [HOUSEHOLD_SCHOOL_NONE] = FUPIN_SCHOOL_NONE,
    [HOUSEHOLD_SCHOOL_PRESCHOOL] = FUPIN_SCHOOL_PRESCHOOL,
    [HOUSEHOLD_SCHOOL_PRIMARY] = FUPIN_SCHOOL_PRIMARY,
    [HOUSEHOLD_SCHOOL_JUNIOR] = FUPIN_SCHOOL_JUNIOR,
    [HOUSEHOLD_SCHOOL_SENIOR] = FUPIN_SCHOOL_SENIOR,
    [HOUSEHOLD_SCHOOL_VOCATIONAL] = FUPIN_SCHOOL_VOCATIONAL,
    [HOUSEHOLD_SCHOOL_COLLEGE] = FUPIN_SCHOOL_COLLEGE,
};
static const enum fupin_status status_view[] = {
    [HOUSEHOLD_STATUS_REGISTERED] = FUPIN_STATUS_REGISTERED,
    [HOUSEHOLD_STATUS_EXITED] = FUPIN_STATUS_EXITED,
    [HOUSEHOLD_STATUS_RETURNED] = FUPIN_STATUS_RETURNED,
};
static const enum fupin_grade grade_view[] = {
    [HOUSEHOLD_GRADE_NONE] = FUPIN_GRADE_NONE, [HOUSEHOLD_GRADE_A] = FUPIN_GRADE_A,
    [HOUSEHOLD_GRADE_B] = FUPIN_GRADE_B,       [HOUSEHOLD_GRADE_C] = FUPIN_GRADE_C,
    [HOUSEHOLD_GRADE_D] = FUPIN_GRADE_D,
};
static const enum fupin_task_status task_status_view[] = {
    [HOUSEHOLD_TASK_STATUS_OPEN] = FUPIN_TASK_OPEN,
    [HOUSEHOLD_TASK_STATUS_DONE] = FUPIN_TASK_DONE,
    [HOUSEHOLD_TASK_STATUS_CANCELLED] = FUPIN_TASK_CANCELLED,
};
static const enum fupin_fund_status fund_status_view[] = {
    [HOUSEHOLD_FUND_STATUS_APPLIED] = FUPIN_FUND_APPLIED,
    [HOUSEHOLD_FUND_STATUS_REVIEWED] = FUPIN_FUND_REVIEWED,
    [HOUSEHOLD_FUND_STATUS_NOTICED] = FUPIN_FUND_NOTICED,
    [HOUSEHOLD_FUND_STATUS_APPROVED] = FUPIN_FUND_APPROVED,
    [HOUSEHOLD_FUND_STATUS_REJECTED] = FUPIN_FUND_REJECTED,
};
static const enum fupin_shock_kind shock_kind_view[] = {
    [HOUSEHOLD_SHOCK_KIND_DISASTER] = FUPIN_SHOCK_DISASTER,
    [HOUSEHOLD_SHOCK_KIND_ILLNESS] = FUPIN_SHOCK_ILLNESS,
    [HOUSEHOLD_SHOCK_KIND_ACCIDENT] = FUPIN_SHOCK_ACCIDENT,
    [HOUSEHOLD_SHOCK_KIND_JOB_LOSS] = FUPIN_SHOCK_JOB_LOSS,
};
/* A value added to a map must be given its ABI meaning above. */
#define COVERS_(key, KEY)                                                                          \
    _Static_assert(sizeof key##_view / sizeof key##_view[0] == HOUSEHOLD_##KEY##_COUNT,            \
                   "plugin_view.c: " #key "_view does not cover every value");
HOUSEHOLD_PLUGIN_ENUMS(COVERS_)

/* *out: arr with room for n elements (capacity *cap); old contents are not
 * kept, every element is rewritten. */
static int reserve(void *arr, size_t *cap, size_t n, size_t size, void **out, struct err *e)
{
    *out = arr;
    if (n <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < n)
        ncap *= 2;
    void *na = realloc(arr, ncap * size);
    if (!na)
        return err_set(e, ERR_FAIL, _("out of memory"));
    *out = na;
    *cap = ncap;
    return 0;
}

#define RESERVE(list)                                                                              \
    do {                                                                                           \
        void *p_;                                                                                  \
        int rc_ = reserve(v->list, &v->cap_##list, hh->n_##list, sizeof *v->list, &p_, e);         \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
        v->list = p_;                                                                              \
    } while (0)

static void fill_member(struct fupin_member *o, const struct household_member *m)
{
    *o = (struct fupin_member){
        .id = m->id,
        .name = m->name,
        .id_number = m->id_number,
        .relation = m->relation,
        .birth_date = m->birth_date,
        .age = m->age,
        .labor = labor_view[m->labor],
        .health = health_view[m->health],
        .school_stage = school_view[m->school_stage],
        .medical_insured = m->medical_insured,
        .critical_insured = m->critical_insured,
        .pension_insured = m->pension_insured,
        .employed = m->employed,
        .wants_job = m->wants_job,
        .skills = m->skills,
        .in_labor_force = m->in_labor_force,
        .labor_recorded = m->labor != HOUSEHOLD_LABOR_UNRECORDED,
    };
}

static int fill_lists(struct plugin_view *v, const struct household *hh, struct err *e)
{
    RESERVE(members);
    RESERVE(income);
    RESERVE(loans);
    RESERVE(links);
    RESERVE(shares);
    RESERVE(visits);
    RESERVE(tasks);
    RESERVE(funds);
    RESERVE(shocks);
    {
        void *p_;
        int rc_ = reserve(v->masked_ids, &v->cap_masked_ids, hh->n_members, sizeof *v->masked_ids,
                          &p_, e);
        if (rc_)
            return rc_;
        v->masked_ids = p_;
    }
    for (size_t i = 0; i < hh->n_members; i++) {
        fill_member(&v->members[i], &hh->members[i]);
        const char *id = hh->members[i].id_number;
        if (id) /* masked unless plugin_view_for is told the plugin needs it */
            v->members[i].id_number = log_mask_id(id, v->masked_ids[i], sizeof v->masked_ids[i]);
    }
    for (size_t i = 0; i < hh->n_income; i++) {
        const struct household_income *in = &hh->income[i];
        v->income[i] = (struct fupin_income){.year = in->year,
                                             .wage = in->wage,
                                             .production = in->production,
                                             .property = in->property,
                                             .transfer = in->transfer};
    }
    for (size_t i = 0; i < hh->n_loans; i++) {
        const struct household_loan *l = &hh->loans[i];
        v->loans[i] = (struct fupin_loan){.id = l->id,
                                          .amount = l->amount,
                                          .term_months = l->term_months,
                                          .start_date = l->start_date,
                                          .collateral = l->collateral,
                                          .guarantor = l->guarantor,
                                          .interest_subsidised = l->interest_subsidised};
    }
    for (size_t i = 0; i < hh->n_links; i++)
        v->links[i] = (struct fupin_link){.kind = hh->links[i].kind, .name = hh->links[i].name};
    for (size_t i = 0; i < hh->n_shares; i++)
        v->shares[i] = (struct fupin_share){.project = hh->shares[i].project,
                                            .amount = hh->shares[i].amount,
                                            .since = hh->shares[i].since};
    for (size_t i = 0; i < hh->n_visits; i++)
        v->visits[i] = (struct fupin_visit){
            .id = hh->visits[i].id, .cadre_id = hh->visits[i].cadre_id, .date = hh->visits[i].date};
    for (size_t i = 0; i < hh->n_tasks; i++) {
        const struct household_task *t = &hh->tasks[i];
        v->tasks[i] = (struct fupin_task){.id = t->id,
                                          .cadre_id = t->cadre_id,
                                          .measure = t->measure,
                                          .title = t->title,
                                          .due = t->due,
                                          .status = task_status_view[t->status],
                                          .done_at = t->done_at};
    }
    for (size_t i = 0; i < hh->n_funds; i++) {
        const struct household_fund *f = &hh->funds[i];
        v->funds[i] = (struct fupin_fund){.id = f->id,
                                          .cadre_id = f->cadre_id,
                                          .project = f->project,
                                          .amount = f->amount,
                                          .expected_return = f->expected_return,
                                          .status = fund_status_view[f->status],
                                          .notice_from = f->notice_from,
                                          .notice_to = f->notice_to,
                                          .objections = f->objections,
                                          .approved_at = f->approved_at};
    }
    for (size_t i = 0; i < hh->n_shocks; i++)
        v->shocks[i] = (struct fupin_shock){.id = hh->shocks[i].id,
                                            .kind = shock_kind_view[hh->shocks[i].kind],
                                            .date = hh->shocks[i].date,
                                            .loss = hh->shocks[i].loss};
    return 0;
}

/* *list (n elements of size ours) laid out at the plugin's smaller size
 * theirs, in pack buffer k. */
static int repack(struct plugin_view *v, int k, const void **list, size_t n, size_t ours,
                  uint32_t theirs, struct err *e)
{
    if (theirs == ours || n == 0)
        return 0;
    void *out;
    int rc = reserve(v->pack[k], &v->cap_pack[k], n * theirs, 1, &out, e);
    if (rc)
        return rc;
    v->pack[k] = out;
    for (size_t i = 0; i < n; i++)
        memcpy((unsigned char *)out + i * theirs, (const unsigned char *)*list + i * ours, theirs);
    *list = out;
    return 0;
}

uint32_t plugin_view_needs(const struct fupin_plugin *d)
{
    return FUPIN_HAS_MEMBER(d, struct fupin_plugin, needs) ? d->needs : 0;
}

#define SAME_BIT_(flag, rec)                                                                       \
    _Static_assert(FUPIN_READS_##flag == HOUSEHOLD_LIST_BIT(HOUSEHOLD_REC_##rec),                  \
                   "plugin_view.c: FUPIN_READS_" #flag " is not the household's list bit");
SAME_BIT_(MEMBERS, MEMBER)
SAME_BIT_(INCOME, INCOME)
SAME_BIT_(LOANS, LOAN)
SAME_BIT_(LINKS, LINK)
SAME_BIT_(SHARES, SHARE)
SAME_BIT_(VISITS, VISIT)
SAME_BIT_(TASKS, TASK)
SAME_BIT_(FUNDS, FUND)
SAME_BIT_(SHOCKS, SHOCK)

/* Empties the lists p's plugin does not read: what it did not declare it
 * never sees, so a change it was not re-run for cannot have mattered. */
static void limit_lists(struct fupin_household *p, uint32_t reads)
{
#define LIMIT_(flag, list)                                                                         \
    if (!(reads & FUPIN_READS_##flag)) {                                                           \
        p->n_##list = 0;                                                                           \
        p->list = NULL;                                                                            \
    }
    LIMIT_(MEMBERS, members)
    LIMIT_(INCOME, income)
    LIMIT_(LOANS, loans)
    LIMIT_(LINKS, links)
    LIMIT_(SHARES, shares)
    LIMIT_(VISITS, visits)
    LIMIT_(TASKS, tasks)
    LIMIT_(FUNDS, funds)
    LIMIT_(SHOCKS, shocks)
#undef LIMIT_
    if (!(reads & FUPIN_READS_MEMBERS))
        p->labor_force = 0;
}

const struct fupin_household *plugin_view_for(struct plugin_view *v,
                                              const struct fupin_view_sizes *sizes, uint32_t needs,
                                              uint32_t reads, struct err *e)
{
    const struct fupin_view_sizes ours = FUPIN_VIEW_SIZES;
    /* One view serves every plugin of the household, in turn: the IDs are
     * switched to what this one may see before it gets the view. */
    int clear = (needs & FUPIN_NEEDS_ID_NUMBER) != 0;
    for (size_t i = 0; v->source && i < v->hh.n_members; i++) {
        const char *id = v->source->members[i].id_number;
        v->members[i].id_number = !id || clear ? id : v->masked_ids[i];
    }
    int every_list = (reads & PLUGIN_LISTS) == PLUGIN_LISTS;
    if (memcmp(sizes, &ours, sizeof ours) == 0 && every_list)
        return &v->hh;
    /* The household itself is read through its prefix; only the lists need
     * the plugin's element sizes. */
    struct fupin_household *p = &v->packed;
    *p = v->hh;
    if (!every_list)
        limit_lists(p, reads);
#define REPACK_(k, list, member)                                                                   \
    do {                                                                                           \
        const void *l_ = p->list;                                                                  \
        if (repack(v, k, &l_, p->n_##list, ours.member, sizes->member, e))                         \
            return NULL;                                                                           \
        p->list = l_;                                                                              \
    } while (0);
    REPACK_(0, members, member)
    REPACK_(1, income, income)
    REPACK_(2, loans, loan)
    REPACK_(3, links, link)
    REPACK_(4, shares, share)
    REPACK_(5, visits, visit)
    REPACK_(6, tasks, task)
    REPACK_(7, funds, fund)
#undef REPACK_
    return p;
}

void plugin_view_forget(struct plugin_view *v)
{
    v->source = NULL;
}

int plugin_view_fill(struct plugin_view *v, const struct household *hh, struct err *e)
{
    if (v->source == hh)
        return 0;
    v->source = NULL;
    int rc = fill_lists(v, hh, e);
    if (rc)
        return rc;
    v->hh = (struct fupin_household){
        .id = hh->id,
        .today = hh->today,
        .year = hh->year,
        .village = hh->village,
        .village_name = hh->village_name,
        .town = hh->town,
        .county = hh->county,
        .poor_village = hh->poor_village,
        .livable = hh->livable,
        .head_name = hh->head_name,
        .status = status_view[hh->status],
        .poverty_cause = hh->poverty_cause,
        .housing_grade = grade_view[hh->housing_grade],
        .housing_renovated = hh->housing_renovated,
        .tap_water = hh->tap_water,
        .wants_relocation = hh->wants_relocation,
        .wants_industry = hh->wants_industry,
        .has_project = hh->has_project,
        .credit_rating = hh->credit_rating,
        .dibao = hh->dibao,
        .has_land = hh->has_land,
        .registered_at = hh->registered_at,
        .exited_at = hh->exited_at,
        .cadre_id = hh->cadre_id,
        .paired_since = hh->paired_since,
        .n_members = hh->n_members,
        .members = v->members,
        .n_income = hh->n_income,
        .income = v->income,
        .n_loans = hh->n_loans,
        .loans = v->loans,
        .n_links = hh->n_links,
        .links = v->links,
        .n_shares = hh->n_shares,
        .shares = v->shares,
        .n_visits = hh->n_visits,
        .visits = v->visits,
        .n_tasks = hh->n_tasks,
        .tasks = v->tasks,
        .n_funds = hh->n_funds,
        .funds = v->funds,
        .food_secure = hh->food_secure == HOUSEHOLD_NULL_INT ? -1 : hh->food_secure,
        .clothing_secure = hh->clothing_secure == HOUSEHOLD_NULL_INT ? -1 : hh->clothing_secure,
        .labor_force = hh->labor_force,
        .n_shocks = hh->n_shocks,
        .shocks = v->shocks,
        .credit_village = hh->credit_village == HOUSEHOLD_NULL_INT ? -1 : hh->credit_village,
    };
    v->source = hh;
    return 0;
}

void plugin_view_free(struct plugin_view *v)
{
    free(v->members);
    free(v->income);
    free(v->loans);
    free(v->links);
    free(v->shares);
    free(v->visits);
    free(v->tasks);
    free(v->funds);
    free(v->masked_ids);
    free(v->shocks);
    for (size_t k = 0; k < sizeof v->pack / sizeof v->pack[0]; k++)
        free(v->pack[k]);
    *v = (struct plugin_view){0};
}
