/* demo_household.c - one household of the demo city: its members (with
 * valid resident ID numbers), income, pairing, handbook visits, tasks, fund
 * applications, loans and shares. Pure: draws only from the plan's PRNG, so
 * a seed always gives the same households. */
#include "date.h"
#include "demo.h"
#include "demo_city.h"
#include "idcard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define ID_DAYS 43829

/* The provincial rural per-capita disposable income of 2015..2017 (the
 * example figures of configs/fupin.yaml) and the plan's 45 % line. */
static const double provincial_income[3] = {13360, 14512, 15780};
#define INCOME_RATIO 0.45

static const char *const visit_notes[] = {
    "入户走访，了解家庭生产生活情况",
    "宣讲扶贫政策，填写帮扶手册",
    "落实帮扶措施，核对帮扶计划",
    "核实家庭收入",
    "了解子女就学情况",
    "协调解决就医问题",
};
static const char *const fund_projects[] = {
    "种植沃柑",   "种植油茶", "种植茶叶", "养殖土鸡", "养殖生猪", "鱼塘养殖", "种植百香果",
    "种植猕猴桃", "养蜂",     "种植蔬菜", "农家乐",   "腐竹加工", "种植板栗", "养殖肉牛",
};
static const char *const link_products[] = {
    "油茶种植", "茶叶", "百香果种植", "土鸡养殖", "蔬菜种植", "猕猴桃种植", "蜂业", "板栗种植",
};
static const char *const share_projects[] = {"光伏发电", "小水电", "合作社入股", "乡村旅游"};

#define PICK(r, a) ((a)[demo_rng_range((r), 0, (long)(sizeof(a) / sizeof(a)[0]) - 1)])

static void fmt_day(long day, char out[11])
{
    date_format(day, out);
}

static long day_of(const char *s)
{
    return date_days(s, NULL);
}

/* Household size: drawn so the mean tracks what is left of the group's
 * people, and clamped so the last household lands the total exactly. */
static int draw_size(struct demo_plan *p, int poor)
{
    long hh = p->left_households[poor], people = p->left_members[poor];
    int size;
    if (hh <= 1) {
        size = (int)people;
    } else {
        double q = ((double)people / (double)hh - 1.0) / 6.0;
        q = q < 0 ? 0 : q > 1 ? 1 : q;
        size = 1;
        for (int i = 0; i < 6; i++)
            size += demo_rng_chance(&p->rng, q);
        long lo = people - (hh - 1) * DEMO_MAX_MEMBERS, hi = people - (hh - 1);
        if (size < lo)
            size = (int)lo;
        if (size > hi)
            size = (int)hi;
    }
    if (size > DEMO_MAX_MEMBERS) /* only if the plan's totals were impossible */
        size = DEMO_MAX_MEMBERS;
    if (size < 1)
        size = 1;
    p->left_households[poor]--;
    p->left_members[poor] -= size;
    return size;
}

/* A birth day for someone `age` full years old on the as-of date. */
static long birth_day(struct demo_plan *p, int age)
{
    return p->day_as_of - (long)age * 365 - age / 4 - demo_rng_range(&p->rng, 1, 364);
}

static void make_id(struct demo_plan *p, int county, int male, long day, struct demo_member *m)
{
    for (;; day++) {
        long idx = day - p->day_1900;
        if (idx < 0)
            idx = 0, day = p->day_1900;
        uint16_t *seq = &p->id_seq[((size_t)county * ID_DAYS + (size_t)idx) * 2 + (size_t)male];
        /* Sequences 010..999, odd for men: 495 people per county, day and sex. */
        if (*seq < 495) {
            fmt_day(day, m->birth_date);
            idcard_make(m->id_number, demo_counties[county].code, m->birth_date,
                        2 * (*seq + 5) + male);
            (*seq)++;
            return;
        }
    }
}

static const char *school_stage(struct demo_plan *p, int age)
{
    struct demo_rng *r = &p->rng;
    if (age >= 6 && age <= 15) {
        /* A small share of compulsory-age children out of school (不因贫辍学). */
        if (p->n_compulsory++ % 67 == 13)
            return NULL;
        if (age <= 11)
            return "primary";
        if (age <= 14)
            return "junior";
        double u = demo_rng_unit(r);
        return u < 0.4 ? "junior" : u < 0.85 ? "senior" : "vocational";
    }
    double u = demo_rng_unit(r);
    if (age >= 3 && age <= 5)
        return u < 0.6 ? "preschool" : NULL;
    if (age >= 16 && age <= 18)
        return u < 0.55 ? "senior" : u < 0.8 ? "vocational" : NULL;
    if (age >= 19 && age <= 22)
        return u < 0.2 ? "college" : NULL;
    return NULL;
}

static void make_member(struct demo_plan *p, int county, const char *relation, int age, int male,
                        const char *surname, struct demo_member *m)
{
    struct demo_rng *r = &p->rng;
    memset(m, 0, sizeof *m);
    m->id = p->next_member_id++;
    m->relation = relation;
    demo_person_name(r, male, m->name);
    if (surname) { /* children keep the family name */
        char given[16];
        snprintf(given, sizeof given, "%s", m->name + 3);
        snprintf(m->name, sizeof m->name, "%s%s", surname, given);
    }
    make_id(p, county, male, birth_day(p, age), m);
    age = date_age(m->birth_date, DEMO_AS_OF);

    double u = demo_rng_unit(r);
    if (age < 16)
        m->health = u < 0.93 ? "healthy" : u < 0.96 ? "chronic" : u < 0.97 ? "serious" : "disabled";
    else if (age < 60)
        m->health = u < 0.72 ? "healthy" : u < 0.86 ? "chronic" : u < 0.92 ? "serious" : "disabled";
    else
        m->health = u < 0.40 ? "healthy" : u < 0.75 ? "chronic" : u < 0.87 ? "serious" : "disabled";
    m->school_stage = school_stage(p, age);

    u = demo_rng_unit(r);
    int sick = strcmp(m->health, "serious") == 0 || strcmp(m->health, "disabled") == 0;
    int chronic = strcmp(m->health, "chronic") == 0;
    if (age < 16)
        m->labor = "none";
    else if (sick)
        m->labor = u < 0.7 ? "none" : "partial";
    else if (age < 60)
        m->labor = chronic ? (u < 0.3   ? "full"
                              : u < 0.9 ? "partial"
                                        : "none")
                           : (u < 0.92 ? "full" : "partial");
    else if (age < 70)
        m->labor = chronic ? (u < 0.4 ? "partial" : "none")
                           : (u < 0.3   ? "full"
                              : u < 0.8 ? "partial"
                                        : "none");
    else
        m->labor = u < 0.75 ? "none" : "partial";

    m->medical_insured = demo_rng_chance(r, 0.96);
    m->critical_insured = m->medical_insured && demo_rng_chance(r, 0.92);
    m->pension_insured = age >= 16 && !m->school_stage && demo_rng_chance(r, 0.85);
    int can_work = age >= 16 && age <= 60 && strcmp(m->labor, "none") != 0 && !m->school_stage;
    if (can_work) {
        m->employed = demo_rng_chance(r, 0.45);
        m->wants_job = !m->employed && demo_rng_chance(r, 0.35);
        u = demo_rng_unit(r);
        m->skills = u < 0.4 ? 0 : u < 0.75 ? 1 : u < 0.95 ? 2 : 3;
    }
    /* Labour left blank, as the hand-entered records have it: most often
     * for the elderly (what the fact "not recorded" is for), sometimes for
     * an adult of working age (a data task for the cadre). */
    if (age >= 16 && demo_rng_chance(r, age >= 65 ? 0.08 : 0.015))
        m->labor = NULL;
}

/* Relations and ages for a household of n around a head aged head_age. */
static void make_members(struct demo_plan *p, int county, struct demo_household *h)
{
    struct demo_rng *r = &p->rng;
    int n = h->n_members, k = 0;
    int head_age;
    if (n == 1) /* mostly elderly people living alone */
        head_age = demo_rng_chance(r, 0.8) ? (int)demo_rng_range(r, 58, 90)
                                           : (int)demo_rng_range(r, 30, 57);
    else {
        double u = demo_rng_unit(r);
        head_age = (int)(u < 0.3    ? demo_rng_range(r, 27, 44)
                         : u < 0.65 ? demo_rng_range(r, 45, 59)
                                    : demo_rng_range(r, 60, 84));
    }
    int head_male = demo_rng_chance(r, 0.85);
    make_member(p, county, "户主", head_age, head_male, NULL, &h->members[k++]);
    char family[8];
    snprintf(family, sizeof family, "%.3s", h->members[0].name);
    snprintf(h->head_name, sizeof h->head_name, "%s", h->members[0].name);

    if (k < n && (n >= 3 || demo_rng_chance(r, 0.7))) {
        int age = head_age + (int)demo_rng_range(r, -6, 4);
        make_member(p, county, "配偶", age < 20 ? 20 : age, !head_male, NULL, &h->members[k++]);
    }
    if (k < n - 1 && head_age < 55 && demo_rng_chance(r, 0.35)) {
        int parents = (n - k >= 4 && demo_rng_chance(r, 0.5)) ? 2 : 1;
        for (int i = 0; i < parents; i++) {
            int age = head_age + (int)demo_rng_range(r, 22, 34);
            make_member(p, county, "父母", age > 96 ? 96 : age, i == 0 ? 0 : 1, NULL,
                        &h->members[k++]);
        }
    }
    int child_age = head_age - (int)demo_rng_range(r, 22, 30);
    int adult_children = head_age >= 58 ? (int)demo_rng_range(r, 1, 2) : n;
    for (int c = 0; k < n; c++) {
        if (c < adult_children) {
            int age = child_age < 0 ? 0 : child_age;
            make_member(p, county, "子女", age, demo_rng_chance(r, 0.52), family, &h->members[k++]);
            child_age -= (int)demo_rng_range(r, 1, 4);
        } else {
            int top = head_age - 45 > 17 ? 17 : head_age - 45;
            make_member(p, county, "孙子女", (int)demo_rng_range(r, 0, top < 0 ? 0 : top),
                        demo_rng_chance(r, 0.52), family, &h->members[k++]);
        }
    }
}

static int any_member(const struct demo_household *h, const char *field_value, int field)
{
    for (int i = 0; i < h->n_members; i++) {
        const struct demo_member *m = &h->members[i];
        const char *v = field == 0 ? m->labor : field == 1 ? m->health : m->school_stage;
        if (v && strcmp(v, field_value) == 0)
            return 1;
    }
    return 0;
}

static const char *poverty_cause(struct demo_rng *r, const struct demo_household *h, int has_full)
{
    if (any_member(h, "serious", 1) && demo_rng_chance(r, 0.7))
        return "因病";
    if (any_member(h, "disabled", 1) && demo_rng_chance(r, 0.6))
        return "因残";
    if ((any_member(h, "senior", 2) || any_member(h, "vocational", 2) ||
         any_member(h, "college", 2)) &&
        demo_rng_chance(r, 0.5))
        return "因学";
    if (!has_full && demo_rng_chance(r, 0.6))
        return "缺劳力";
    double u = demo_rng_unit(r);
    return u < 0.30   ? "缺技术"
           : u < 0.62 ? "缺资金"
           : u < 0.72 ? "缺土地"
           : u < 0.80 ? "因灾"
           : u < 0.90 ? "因病"
           : u < 0.96 ? "交通条件落后"
                      : "自身发展动力不足";
}

/* Income of 2015..2017 as a share of the 45 % line: exited households above
 * it, most registered ones below, some registered ones above (ready to exit). */
static void make_income(struct demo_rng *r, struct demo_household *h, int has_full)
{
    double f;
    if (strcmp(h->status, "exited") == 0)
        f = 1.0 + 0.6 * demo_rng_unit(r);
    else if (strcmp(h->status, "returned") == 0)
        f = 0.6 + 0.35 * demo_rng_unit(r);
    else if (has_full)
        f = demo_rng_chance(r, 0.3) ? 1.0 + 0.35 * demo_rng_unit(r)
                                    : 0.55 + 0.43 * demo_rng_unit(r);
    else
        f = 0.4 + 0.5 * demo_rng_unit(r);
    int employed = 0;
    for (int i = 0; i < h->n_members; i++)
        employed += h->members[i].employed;
    for (int y = 2; y >= 0; y--) {
        struct demo_income *in = &h->income[y];
        in->year = 2015 + y;
        double total = f * INCOME_RATIO * provincial_income[y] * h->n_members;
        double wage = employed ? 0.5 + 0.2 * demo_rng_unit(r) : 0.05 + 0.15 * demo_rng_unit(r);
        double transfer = h->dibao ? 0.3 + 0.2 * demo_rng_unit(r) : 0.05 + 0.1 * demo_rng_unit(r);
        double property = 0.01 + 0.04 * demo_rng_unit(r);
        if (wage + transfer + property > 0.95)
            wage = 0.95 - transfer - property;
        in->wage = round(total * wage);
        in->transfer = round(total * transfer);
        in->property = round(total * property);
        in->production = round(total) - in->wage - in->transfer - in->property;
        f *= 0.8 + 0.15 * demo_rng_unit(r); /* poorer in earlier years */
    }
}

static const struct {
    const char *measure, *title;
} task_kinds[] = {
    {"project", "落实特色种养项目扶持"},
    {"skills_training", "组织实用技能培训"},
    {"link_enterprise", "对接龙头企业或合作社"},
    {"transfer_training", "开展订单式培训并推荐就业"},
    {"public_welfare_job", "安排公益性岗位"},
    {"dibao", "申请纳入低保"},
    {"pension_enrol", "办理城乡居民养老保险"},
    {"premium_subsidy", "代缴医疗保险个人缴费"},
    {"renovation", "实施危房改造"},
    {"tap_water", "接通自来水"},
    {"rating", "开展信用户评定"},
    {"micro_loan", "办理扶贫小额信贷"},
    {"shares", "落实资产收益入股"},
    {"relocation", "办理易地扶贫搬迁"},
};
#define N_TASK_KINDS (int)(sizeof task_kinds / sizeof task_kinds[0])

static void make_tasks(struct demo_plan *p, struct demo_household *h)
{
    struct demo_rng *r = &p->rng;
    double u = demo_rng_unit(r);
    h->n_tasks = u < 0.35 ? 0 : u < 0.75 ? 1 : u < 0.95 ? 2 : 3;
    long from = day_of("2017-01-01"), to = day_of("2018-12-31");
    for (int i = 0; i < h->n_tasks; i++) {
        struct demo_task *t = &h->tasks[i];
        int kind = (int)demo_rng_range(r, 0, N_TASK_KINDS - 1);
        t->measure = task_kinds[kind].measure;
        t->title = task_kinds[kind].title;
        long due = demo_rng_range(r, from, to);
        t->done_at[0] = 0;
        if (due < p->day_as_of) {
            u = demo_rng_unit(r);
            t->status = u < 0.85 ? "done" : u < 0.89 ? "cancelled" : "open";
            if (strcmp(t->status, "open") == 0) {
                /* Overdue by a day, ten days and over a month, whatever the size:
                 * each escalation step of the nightly job has work. */
                static const int fixed[] = {1, 10, 45};
                long k = p->n_overdue++ % 40;
                if (k < 3)
                    due = p->day_as_of - fixed[k];
            } else if (strcmp(t->status, "done") == 0) {
                long done = due - demo_rng_range(r, -10, 40);
                fmt_day(done > p->day_as_of ? p->day_as_of : done, t->done_at);
            }
        } else {
            t->status = demo_rng_chance(r, 0.8) ? "open" : "done";
            if (strcmp(t->status, "done") == 0)
                fmt_day(p->day_as_of - demo_rng_range(r, 0, 60), t->done_at);
        }
        fmt_day(due, t->due);
    }
}

static void make_fund(struct demo_plan *p, struct demo_household *h)
{
    struct demo_rng *r = &p->rng;
    struct demo_fund *f = &h->fund;
    h->n_funds = 1;
    f->project = PICK(r, fund_projects);
    f->amount = 500.0 * (double)demo_rng_range(r, 6, 40);
    f->expected_return = round(f->amount * (0.1 + 0.2 * demo_rng_unit(r)));
    f->notice_from[0] = f->notice_to[0] = f->approved_at[0] = 0;
    f->objections = 0;
    double u = demo_rng_unit(r);
    f->status = u < 0.70   ? "approved"
                : u < 0.76 ? "rejected"
                : u < 0.84 ? "noticed"
                : u < 0.92 ? "reviewed"
                           : "applied";
    long from;
    if (strcmp(f->status, "noticed") == 0)
        from = p->day_as_of - demo_rng_range(r, 0, 6);
    else if (strcmp(f->status, "approved") == 0 || strcmp(f->status, "rejected") == 0)
        from = demo_rng_range(r, day_of("2016-07-01"), p->day_as_of - 30);
    else
        return; /* not yet on notice */
    /* 公示 of seven days (supervision.fund_notice_days in the config). */
    fmt_day(from, f->notice_from);
    fmt_day(from + 7, f->notice_to);
    if (strcmp(f->status, "rejected") == 0) {
        f->objections = (int)demo_rng_range(r, 1, 4);
        return;
    }
    if (strcmp(f->status, "approved") != 0)
        return;
    long k = p->n_approved++;
    long approved = from + 7 + demo_rng_range(r, 1, 20);
    if (k % 25 == 3) /* approved before the notice ran its term */
        approved = from + demo_rng_range(r, 1, 5);
    if (k % 29 == 7) /* approved despite objections */
        f->objections = (int)demo_rng_range(r, 1, 3);
    fmt_day(approved, f->approved_at);
}

static void make_loan(struct demo_plan *p, struct demo_household *h)
{
    struct demo_rng *r = &p->rng;
    struct demo_loan *l = &h->loan;
    h->n_loans = 1;
    static const int terms[] = {12, 24, 36};
    l->amount = 5000.0 * (double)demo_rng_range(r, 2, 10);
    l->term_months = PICK(r, terms);
    fmt_day(demo_rng_range(r, day_of("2016-09-01"), p->day_as_of - 20), l->start_date);
    l->collateral = l->guarantor = 0;
    l->interest_subsidised = 1;
    /* One loan in twenty breaks the plan's terms (alert loan_terms). */
    long k = p->n_loans++;
    if (k % 20 == 4) {
        switch ((k / 20) % 5) {
        case 0:
            l->amount = 80000;
            break;
        case 1:
            l->term_months = 60;
            break;
        case 2:
            l->guarantor = 1;
            break;
        case 3:
            l->collateral = 1;
            break;
        default:
            l->interest_subsidised = 0;
            break;
        }
    }
}

static void make_visits(struct demo_plan *p, struct demo_household *h)
{
    struct demo_rng *r = &p->rng;
    long since = day_of(h->paired_since), last;
    if (demo_cadre_is_lazy(h->cadre_id))
        last = p->day_as_of - demo_rng_range(r, 120, 320);
    else if (demo_rng_chance(r, 0.9))
        last = p->day_as_of - demo_rng_range(r, 0, 85);
    else
        last = p->day_as_of - demo_rng_range(r, 91, 300);
    if (last < since)
        last = since;
    h->n_visits = (int)demo_rng_range(r, 1, 4);
    for (int i = 0; i < h->n_visits; i++) {
        long day = i == 0 ? last : demo_rng_range(r, since, last);
        fmt_day(day, h->visits[i]);
        h->visit_notes[i] = PICK(r, visit_notes);
    }
}

/* 两不愁 as the cadre recorded it: most households are checked and secure;
 * exited ones were checked at exit. */
static void make_secure(struct demo_rng *r, struct demo_household *h)
{
    int exited = strcmp(h->status, "exited") == 0;
    if (!exited && demo_rng_chance(r, 0.08)) {
        h->food_secure = h->clothing_secure = -1;
        return;
    }
    h->food_secure = exited || demo_rng_chance(r, 0.97);
    h->clothing_secure = exited || demo_rng_chance(r, 0.98);
}

/* A shock for some households: illness most often, then disaster; for an
 * exited household one in three comes after the exit (返贫 risk). */
static void make_shock(struct demo_plan *p, struct demo_household *h)
{
    struct demo_rng *r = &p->rng;
    int exited = h->exited_at[0] != 0;
    if (!demo_rng_chance(r, exited ? 0.09 : 0.06))
        return;
    static const char *const kinds[] = {"illness", "disaster", "accident", "job_loss"};
    double u = demo_rng_unit(r);
    h->n_shocks = 1;
    h->shock.kind = kinds[u < 0.45 ? 0 : u < 0.75 ? 1 : u < 0.9 ? 2 : 3];
    long from = day_of(h->registered_at), to = p->day_as_of;
    if (exited && demo_rng_chance(r, 0.33))
        from = day_of(h->exited_at);
    else if (exited)
        to = day_of(h->exited_at) - 1;
    if (to < from)
        to = from;
    fmt_day(demo_rng_range(r, from, to), h->shock.date);
    h->shock.loss = 500.0 * (double)demo_rng_range(r, 2, 80);
}

void demo_household_make(struct demo_plan *p, int v, long index, long id, long first_cadre,
                         int n_cadres, struct demo_household *h)
{
    struct demo_rng *r = &p->rng;
    const struct demo_village *vil = &p->villages[v];
    int county = p->towns[vil->town].county;
    memset(h, 0, sizeof *h);
    h->id = id;
    h->n_members = draw_size(p, vil->poor);
    make_members(p, county, h);
    int has_full = any_member(h, "full", 0);

    double u = demo_rng_unit(r);
    h->status = u < 0.68 ? "registered" : u < 0.98 ? "exited" : "returned";
    fmt_day(demo_rng_range(r, day_of("2016-01-04"), day_of("2016-12-30")), h->registered_at);
    if (strcmp(h->status, "registered") != 0) {
        long from = day_of("2017-01-01");
        long to = day_of(strcmp(h->status, "exited") == 0 ? DEMO_AS_OF : "2017-12-31");
        fmt_day(demo_rng_range(r, from, to), h->exited_at);
    }

    /* Most households without full labour are in dibao, not all: the
     * social_security policy has some to find. */
    h->dibao = has_full ? demo_rng_chance(r, 0.08) : demo_rng_chance(r, 0.8);
    h->poverty_cause = poverty_cause(r, h, has_full);
    u = demo_rng_unit(r);
    h->housing_grade = u < 0.30 ? "A" : u < 0.75 ? "B" : u < 0.92 ? "C" : "D";
    h->housing_renovated = h->housing_grade[0] >= 'C' && demo_rng_chance(r, 0.4);
    h->tap_water = demo_rng_chance(r, 0.9);
    h->wants_relocation = demo_rng_chance(r, vil->livable ? 0.01 : 0.6);
    h->wants_industry = has_full && demo_rng_chance(r, 0.5);
    h->has_project = h->wants_industry && demo_rng_chance(r, 0.45);
    if (demo_rng_chance(r, 0.5)) {
        u = demo_rng_unit(r);
        h->credit_rating = u < 0.2 ? "AA" : u < 0.7 ? "A" : "B";
    }
    h->has_land = demo_rng_chance(r, 0.85);
    make_income(r, h, has_full);

    /* Full coverage is the rule; a few households still lack a cadre. */
    if (!demo_rng_chance(r, 0.03)) {
        h->cadre_id = first_cadre + index % n_cadres;
        long since = day_of(h->registered_at) + demo_rng_range(r, 0, 60);
        long end = day_of("2016-12-31");
        fmt_day(since > end ? end : since, h->paired_since);
        make_visits(p, h);
    }
    make_tasks(p, h);
    if ((h->wants_industry || h->has_project) && demo_rng_chance(r, 0.15))
        make_fund(p, h);
    if (h->credit_rating && has_full && demo_rng_chance(r, 0.25))
        make_loan(p, h);
    if ((h->has_project && demo_rng_chance(r, 0.5)) ||
        (h->wants_industry && demo_rng_chance(r, 0.1))) {
        const struct demo_town *town = &p->towns[vil->town];
        const char *product = PICK(r, link_products);
        h->n_links = 1;
        u = demo_rng_unit(r);
        if (u < 0.5) {
            h->link_kind = "cooperative";
            snprintf(h->link_name, sizeof h->link_name, "%s%s专业合作社", town->name, product);
        } else if (u < 0.8) {
            h->link_kind = "enterprise";
            snprintf(h->link_name, sizeof h->link_name, "%s%s有限公司", demo_counties[county].name,
                     product);
        } else {
            h->link_kind = "base";
            snprintf(h->link_name, sizeof h->link_name, "%s%s基地", town->name, product);
        }
    }
    make_secure(r, h);
    make_shock(p, h);
    if (!has_full && demo_rng_chance(r, 0.35)) {
        h->n_shares = 1;
        h->share_project = PICK(r, share_projects);
        h->share_amount = 500.0 * (double)demo_rng_range(r, 6, 20);
        fmt_day(demo_rng_range(r, day_of("2016-09-01"), day_of("2018-03-31")), h->share_since);
    }
    demo_measures_make(h);
}
