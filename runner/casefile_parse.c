/* casefile_parse.c - turns the YAML of one test case into a struct
 * fupin_household and its expectations, with the schema defaults. Strict:
 * an unknown field, a bad date or a wrong type is an error naming
 * file:line:column. Never evaluates anything. */
#include "casefile_internal.h"
#include "date.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int cf_error(struct cf_file *f, const yaml_node_t *n, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_set(f->e, ERR_INVALID, "%s:%lu:%lu: %s", f->path,
                   n ? (unsigned long)n->start_mark.line + 1 : 1ul,
                   n ? (unsigned long)n->start_mark.column + 1 : 1ul, what);
}

yaml_node_t *cf_node(struct cf_file *f, int id)
{
    return yaml_document_get_node(&f->doc, id);
}

const char *cf_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

int cf_is_null(const yaml_node_t *n)
{
    const char *s = cf_scalar(n);
    return s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
            !strcmp(s, "NULL"));
}

int cf_number(struct cf_file *f, const yaml_node_t *n, const char *what, double *out)
{
    const char *s = cf_scalar(n);
    char *end;
    if (!s || !*s)
        return cf_error(f, n, "%s must be a number", what);
    double x = strtod(s, &end);
    if (*end || !isfinite(x))
        return cf_error(f, n, "%s must be a number, not \"%.40s\"", what, s);
    *out = x;
    return 0;
}

int cf_integer(struct cf_file *f, const yaml_node_t *n, const char *what, int64_t *out)
{
    const char *s = cf_scalar(n);
    char *end;
    if (!s || !*s)
        return cf_error(f, n, "%s must be an integer", what);
    long long x = strtoll(s, &end, 10);
    if (*end)
        return cf_error(f, n, "%s must be an integer, not \"%.40s\"", what, s);
    *out = x;
    return 0;
}

int cf_date(struct cf_file *f, const yaml_node_t *n, const char *what, const char **out)
{
    const char *s = cf_scalar(n);
    if (!s || !date_is_valid(s))
        return cf_error(f, n, "%s must be a date YYYY-MM-DD, not \"%.40s\"", what,
                        s ? s : "(not a scalar)");
    *out = s;
    return 0;
}

/* ---- field tables ---- */

enum ctype { C_I64, C_INT, C_BOOL, C_STR, C_DATE, C_DBL, C_ENUM };

struct cfield {
    const char *name;
    enum ctype type;
    size_t off;
    const char *const *names; /* C_ENUM: index = enum value; NULL entry = null allowed */
    int n_names;
};

static const char *const labor[] = {"full", "partial", "none"};
static const char *const health[] = {"healthy", "chronic", "serious", "disabled"};
static const char *const school[] = {NULL,     "preschool",  "primary", "junior",
                                     "senior", "vocational", "college"};
static const char *const status[] = {"registered", "exited", "returned"};
static const char *const grade[] = {NULL, "A", "B", "C", "D"};
static const char *const task_status[] = {"open", "done", "cancelled"};
static const char *const fund_status[] = {"applied", "reviewed", "noticed", "approved", "rejected"};
#define NN(a) a, (int)(sizeof a / sizeof a[0])

#define H(n, t)                                                                                    \
    {                                                                                              \
#n, t, offsetof(struct fupin_household, n), NULL, 0                                        \
    }
static const struct cfield household_fields[] = {
    H(id, C_I64),
    H(village, C_STR),
    H(village_name, C_STR),
    H(town, C_STR),
    H(county, C_STR),
    H(poor_village, C_BOOL),
    H(livable, C_BOOL),
    H(head_name, C_STR),
    {"status", C_ENUM, offsetof(struct fupin_household, status), NN(status)},
    H(poverty_cause, C_STR),
    {"housing_grade", C_ENUM, offsetof(struct fupin_household, housing_grade), NN(grade)},
    H(housing_renovated, C_BOOL),
    H(tap_water, C_BOOL),
    H(wants_relocation, C_BOOL),
    H(wants_industry, C_BOOL),
    H(has_project, C_BOOL),
    H(credit_rating, C_STR),
    H(dibao, C_BOOL),
    H(has_land, C_BOOL),
    H(registered_at, C_DATE),
    H(exited_at, C_DATE),
    H(cadre_id, C_I64),
    H(paired_since, C_DATE),
    {NULL, 0, 0, NULL, 0}};

#define S(s, n, t)                                                                                 \
    {                                                                                              \
#n, t, offsetof(struct s, n), NULL, 0                                                      \
    }
#define E(s, n, a)                                                                                 \
    {                                                                                              \
#n, C_ENUM, offsetof(struct s, n), NN(a)                                                   \
    }
static const struct cfield member_fields[] = {S(fupin_member, id, C_I64),
                                              S(fupin_member, name, C_STR),
                                              S(fupin_member, id_number, C_STR),
                                              S(fupin_member, relation, C_STR),
                                              S(fupin_member, birth_date, C_DATE),
                                              E(fupin_member, labor, labor),
                                              E(fupin_member, health, health),
                                              E(fupin_member, school_stage, school),
                                              S(fupin_member, medical_insured, C_BOOL),
                                              S(fupin_member, critical_insured, C_BOOL),
                                              S(fupin_member, pension_insured, C_BOOL),
                                              S(fupin_member, employed, C_BOOL),
                                              S(fupin_member, wants_job, C_BOOL),
                                              S(fupin_member, skills, C_INT),
                                              {NULL, 0, 0, NULL, 0}};
static const struct cfield income_fields[] = {
    S(fupin_income, year, C_INT),       S(fupin_income, wage, C_DBL),
    S(fupin_income, production, C_DBL), S(fupin_income, property, C_DBL),
    S(fupin_income, transfer, C_DBL),   {NULL, 0, 0, NULL, 0}};
static const struct cfield loan_fields[] = {S(fupin_loan, id, C_I64),
                                            S(fupin_loan, amount, C_DBL),
                                            S(fupin_loan, term_months, C_INT),
                                            S(fupin_loan, start_date, C_DATE),
                                            S(fupin_loan, collateral, C_BOOL),
                                            S(fupin_loan, guarantor, C_BOOL),
                                            S(fupin_loan, interest_subsidised, C_BOOL),
                                            {NULL, 0, 0, NULL, 0}};
static const struct cfield link_fields[] = {
    S(fupin_link, kind, C_STR), S(fupin_link, name, C_STR), {NULL, 0, 0, NULL, 0}};
static const struct cfield share_fields[] = {S(fupin_share, project, C_STR),
                                             S(fupin_share, amount, C_DBL),
                                             S(fupin_share, since, C_DATE),
                                             {NULL, 0, 0, NULL, 0}};
static const struct cfield visit_fields[] = {S(fupin_visit, id, C_I64),
                                             S(fupin_visit, cadre_id, C_I64),
                                             S(fupin_visit, date, C_DATE),
                                             {NULL, 0, 0, NULL, 0}};
static const struct cfield task_fields[] = {
    S(fupin_task, id, C_I64),       S(fupin_task, cadre_id, C_I64),
    S(fupin_task, measure, C_STR),  S(fupin_task, title, C_STR),
    S(fupin_task, due, C_DATE),     E(fupin_task, status, task_status),
    S(fupin_task, done_at, C_DATE), {NULL, 0, 0, NULL, 0}};
static const struct cfield fund_fields[] = {S(fupin_fund, id, C_I64),
                                            S(fupin_fund, cadre_id, C_I64),
                                            S(fupin_fund, project, C_STR),
                                            S(fupin_fund, amount, C_DBL),
                                            S(fupin_fund, expected_return, C_DBL),
                                            E(fupin_fund, status, fund_status),
                                            S(fupin_fund, notice_from, C_DATE),
                                            S(fupin_fund, notice_to, C_DATE),
                                            S(fupin_fund, objections, C_INT),
                                            S(fupin_fund, approved_at, C_DATE),
                                            {NULL, 0, 0, NULL, 0}};

static int set_field(struct cf_file *f, const struct cfield *fd, const yaml_node_t *v, void *rec)
{
    char *at = (char *)rec + fd->off;
    int64_t i;
    double d;
    int rc;
    if (v->type != YAML_SCALAR_NODE)
        return cf_error(f, v, "%s must be a single value", fd->name);
    int null = cf_is_null(v);
    switch (fd->type) {
    case C_I64:
    case C_INT:
        if ((rc = cf_integer(f, v, fd->name, &i)))
            return rc;
        if (fd->type == C_I64)
            *(int64_t *)at = i;
        else if (i < -2147483647 || i > 2147483647)
            return cf_error(f, v, "%s is out of range", fd->name);
        else
            *(int *)at = (int)i;
        return 0;
    case C_BOOL: {
        const char *s = cf_scalar(v);
        if (!strcmp(s, "0") || !strcmp(s, "false"))
            *(int *)at = 0;
        else if (!strcmp(s, "1") || !strcmp(s, "true"))
            *(int *)at = 1;
        else
            return cf_error(f, v, "%s must be 0 or 1, not \"%.40s\"", fd->name, s);
        return 0;
    }
    case C_STR:
        *(const char **)at = null ? NULL : cf_scalar(v);
        return 0;
    case C_DATE:
        if (null) {
            *(const char **)at = NULL;
            return 0;
        }
        return cf_date(f, v, fd->name, (const char **)at);
    case C_DBL:
        if ((rc = cf_number(f, v, fd->name, &d)))
            return rc;
        *(double *)at = d;
        return 0;
    case C_ENUM:
        for (int k = 0; k < fd->n_names; k++) {
            if (fd->names[k] ? !null && !strcmp(fd->names[k], cf_scalar(v)) : null) {
                *(int *)at = k;
                return 0;
            }
        }
        return cf_error(f, v, "%s: \"%.40s\" is not one of its values", fd->name, cf_scalar(v));
    }
    return 0;
}

static const struct cfield *find_cfield(const struct cfield *fields, const char *name)
{
    for (const struct cfield *fd = fields; name && fd->name; fd++)
        if (!strcmp(fd->name, name))
            return fd;
    return NULL;
}

/* Fills rec from a mapping of fields (the list fields of a household are
 * skipped here and handled by the caller). */
static int parse_record(struct cf_file *f, const yaml_node_t *map, const struct cfield *fields,
                        const char *what, void *rec, const char *const *skip)
{
    if (map->type != YAML_MAPPING_NODE)
        return cf_error(f, map, "a %s must be a mapping of fields", what);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = cf_node(f, p->key), *v = cf_node(f, p->value);
        const char *name = cf_scalar(k);
        int skipped = 0;
        for (const char *const *s = skip; s && *s && name; s++)
            skipped |= !strcmp(*s, name);
        if (skipped)
            continue;
        const struct cfield *fd = find_cfield(fields, name);
        if (!fd)
            return cf_error(f, k, "unknown %s field \"%.40s\"", what, name ? name : "?");
        int rc = set_field(f, fd, v, rec);
        if (rc)
            return rc;
    }
    return 0;
}

static const struct {
    const char *name;
    const struct cfield *fields;
    size_t size, ptr_off, count_off;
} lists[] = {
#define L(n, cnt, fl, st)                                                                          \
    {                                                                                              \
#n, fl, sizeof(struct st), offsetof(struct fupin_household, n),                            \
            offsetof(struct fupin_household, cnt)                                                  \
    }
    L(members, n_members, member_fields, fupin_member),
    L(income, n_income, income_fields, fupin_income),
    L(loans, n_loans, loan_fields, fupin_loan),
    L(links, n_links, link_fields, fupin_link),
    L(shares, n_shares, share_fields, fupin_share),
    L(visits, n_visits, visit_fields, fupin_visit),
    L(tasks, n_tasks, task_fields, fupin_task),
    L(funds, n_funds, fund_fields, fupin_fund),
#undef L
};
#define N_LISTS (sizeof lists / sizeof lists[0])
static const char *const list_names[] = {"members", "income", "loans", "links", "shares",
                                         "visits",  "tasks",  "funds", NULL};

static int cmp_income(const void *a, const void *b)
{
    return ((const struct fupin_income *)a)->year - ((const struct fupin_income *)b)->year;
}

static int cmp_visit(const void *a, const void *b)
{
    const char *x = ((const struct fupin_visit *)a)->date,
               *y = ((const struct fupin_visit *)b)->date;
    return strcmp(x ? x : "", y ? y : "");
}

int cf_parse_household(struct cf_file *f, const yaml_node_t *map, const char *today,
                       struct arena *a, struct fupin_household *hh)
{
    memset(hh, 0, sizeof *hh);
    hh->id = 1;
    hh->village = "441602001001";
    hh->livable = 1;
    hh->status = FUPIN_STATUS_REGISTERED;
    hh->housing_grade = FUPIN_GRADE_NONE;
    hh->today = today;
    hh->year = atoi(today);
    if (map) {
        int rc = parse_record(f, map, household_fields, "household", hh, list_names);
        if (rc)
            return rc;
    }
    if (!hh->town && hh->village)
        hh->town = arena_strndup(a, hh->village, strlen(hh->village) < 9 ? strlen(hh->village) : 9);
    if (!hh->county && hh->village)
        hh->county =
            arena_strndup(a, hh->village, strlen(hh->village) < 6 ? strlen(hh->village) : 6);
    for (size_t li = 0; map && li < N_LISTS; li++) {
        yaml_node_t *seq = NULL;
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
             p++) {
            const char *name = cf_scalar(cf_node(f, p->key));
            if (name && !strcmp(name, lists[li].name))
                seq = cf_node(f, p->value);
        }
        if (!seq || cf_is_null(seq))
            continue;
        if (seq->type != YAML_SEQUENCE_NODE)
            return cf_error(f, seq, "%s must be a list", lists[li].name);
        size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
        char *items = arena_alloc(a, n * lists[li].size + 1);
        if (!items)
            return err_set(f->e, ERR_FAIL, "out of memory");
        for (size_t i = 0; i < n; i++) {
            void *rec = items + i * lists[li].size;
            if (lists[li].fields == member_fields) {
                struct fupin_member *m = rec;
                m->id = 100 * hh->id + (int64_t)i + 1;
                m->birth_date = "1980-01-01";
            }
            int rc = parse_record(f, cf_node(f, seq->data.sequence.items.start[i]),
                                  lists[li].fields, lists[li].name, rec, NULL);
            if (rc)
                return rc;
            if (lists[li].fields == member_fields) {
                struct fupin_member *m = rec;
                m->age = m->birth_date ? date_age(m->birth_date, today) : -1;
            }
        }
        *(void **)((char *)hh + lists[li].ptr_off) = items;
        *(size_t *)((char *)hh + lists[li].count_off) = n;
    }
    if (hh->n_income)
        qsort((void *)hh->income, hh->n_income, sizeof *hh->income, cmp_income);
    if (hh->n_visits)
        qsort((void *)hh->visits, hh->n_visits, sizeof *hh->visits, cmp_visit);
    return 0;
}

int cf_parse_expect(struct cf_file *f, const yaml_node_t *map, struct cf_expect *x)
{
    memset(x, 0, sizeof *x);
    x->node = map;
    if (map->type != YAML_MAPPING_NODE)
        return cf_error(f, map, "an expectation must be a mapping such as {measure: project}");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = cf_node(f, p->key), *v = cf_node(f, p->value);
        const char *name = cf_scalar(k), *s = cf_scalar(v);
        int rc = 0;
        if (!s)
            return cf_error(f, v, "%s must be a single value", name ? name : "?");
        if (!name)
            return cf_error(f, k, "expectation keys must be words");
        if (!strcmp(name, "measure"))
            x->measure = s;
        else if (!strcmp(name, "alert"))
            x->alert = s;
        else if (!strcmp(name, "kind")) {
            if (strcmp(s, "recommend") && strcmp(s, "flag"))
                return cf_error(f, v, "kind must be recommend or flag");
            x->kind = s;
        } else if (!strcmp(name, "member")) {
            x->has_member = 1;
            rc = cf_is_null(v) ? 0 : cf_integer(f, v, "member", &x->member);
        } else if (!strcmp(name, "amount")) {
            x->has_amount = 1;
            rc = cf_number(f, v, "amount", &x->amount);
        } else if (!strcmp(name, "reason_contains"))
            x->reason_contains = s;
        else if (!strcmp(name, "severity")) {
            if (severity_parse(s) < 0)
                return cf_error(f, v, "severity must be info, warning or critical");
            x->severity = s;
        } else if (!strcmp(name, "message_contains"))
            x->message_contains = s;
        else
            return cf_error(f, k, "unknown expectation field \"%.40s\"", name);
        if (rc)
            return rc;
    }
    if (!x->measure == !x->alert)
        return cf_error(f, map, "an expectation names either a measure or an alert");
    if (x->alert && (x->kind || x->has_member || x->has_amount || x->reason_contains))
        return cf_error(f, map, "an alert expectation takes only severity and message_contains");
    if (x->measure && (x->severity || x->message_contains))
        return cf_error(f, map, "severity and message_contains are for alerts");
    return 0;
}
