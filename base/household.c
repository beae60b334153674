/* household.c - the household description of household.h at run time: the
 * enumerations' text and one field table per record, all generated from the
 * X-macro lists. Pure data and lookups; knows no SQL, Lua or YAML. */
#include "household.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

/* ---- enumerations ---- */

#define ENUM_TEXT_(id, text, label) text,
#define ENUM_LABEL_(id, text, label) label,
#define ENUM_TABLE_(key, KEY)                                                                      \
    static const char *const key##_text[] = {HOUSEHOLD_##KEY##_MAP(ENUM_TEXT_)};                   \
    static const char *const key##_label[] = {HOUSEHOLD_##KEY##_MAP(ENUM_LABEL_)};                 \
    const struct household_enum household_enum_##key = {#key, key##_text, key##_label,             \
                                                        HOUSEHOLD_##KEY##_COUNT};
HOUSEHOLD_ENUMS(ENUM_TABLE_)

/* The reader writes enum fields through an int: they must be one. */
#define ENUM_IS_INT_(key, KEY)                                                                     \
    _Static_assert(sizeof(enum household_##key) == sizeof(int), #key " is not int-sized");
HOUSEHOLD_ENUMS(ENUM_IS_INT_)

const char *household_enum_name(const struct household_enum *map, int v)
{
    return v >= 0 && v < map->count ? map->text[v] : NULL;
}

const char *household_enum_label(const struct household_enum *map, int v)
{
    return v >= 0 && v < map->count ? map->label[v] : NULL;
}

int household_enum_parse(const struct household_enum *map, const char *text, int *v)
{
    for (int i = 0; i < map->count; i++) {
        const char *t = map->text[i];
        if (t == text || (t && text && strcmp(t, text) == 0)) {
            *v = i;
            return 0;
        }
    }
    return ERR_INVALID;
}

int household_enum_is_nullable(const struct household_enum *map)
{
    for (int i = 0; i < map->count; i++)
        if (!map->text[i])
            return 1;
    return 0;
}

const char *household_enum_allowed(const struct household_enum *map, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < map->count && n < size; i++)
        if (map->text[i])
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "|" : "", map->text[i]);
    return buf;
}

/* ---- field tables ---- */

#define MAP_ID(c) NULL
#define MAP_INT64(c) NULL
#define MAP_REF(c) NULL
#define MAP_TEXT(c) NULL
#define MAP_DATE(c) NULL
#define MAP_REQUIRED_DATE(c) NULL
#define MAP_BOOL(c) NULL
#define MAP_INT(c) NULL
#define MAP_INT_OR_NULL(c) NULL
#define MAP_REAL(c) NULL
#define MAP_REAL_OR_NULL(c) NULL
#define MAP_ENUM(c) &household_enum_##c
#define MAP_AS_OF_DATE(c) NULL
#define MAP_AS_OF_YEAR(c) NULL
#define MAP_AGE(c) NULL
#define MAP_FACT(c) NULL
#define AUX_AGE(T, c) offsetof(struct T, c)
#define AUX_OTHER(T, c) 0
#define AUX_ID AUX_OTHER
#define AUX_INT64 AUX_OTHER
#define AUX_REF AUX_OTHER
#define AUX_TEXT AUX_OTHER
#define AUX_DATE AUX_OTHER
#define AUX_REQUIRED_DATE AUX_OTHER
#define AUX_BOOL AUX_OTHER
#define AUX_INT AUX_OTHER
#define AUX_INT_OR_NULL AUX_OTHER
#define AUX_REAL AUX_OTHER
#define AUX_REAL_OR_NULL AUX_OTHER
#define AUX_ENUM AUX_OTHER
#define AUX_AS_OF_DATE AUX_OTHER
#define AUX_AS_OF_YEAR AUX_OTHER
#define AUX_FACT AUX_OTHER

#define FIELD_(T, name, sql, kind, a, b, c)                                                        \
    {                                                                                              \
        #name, sql,           HOUSEHOLD_##kind,         a,                                         \
        b,     MAP_##kind(c), offsetof(struct T, name), AUX_##kind(T, c),                          \
        0},

/* One wrapper per record: offsetof needs the struct's name. */
#define HOUSEHOLD_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household, n, s, HOUSEHOLD_KIND_##k)
#define MEMBER_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household_member, n, s, HOUSEHOLD_KIND_##k)
#define INCOME_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household_income, n, s, HOUSEHOLD_KIND_##k)
#define LOAN_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household_loan, n, s, HOUSEHOLD_KIND_##k)
#define LINK_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household_link, n, s, HOUSEHOLD_KIND_##k)
#define SHARE_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household_share, n, s, HOUSEHOLD_KIND_##k)
#define VISIT_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household_visit, n, s, HOUSEHOLD_KIND_##k)
#define TASK_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household_task, n, s, HOUSEHOLD_KIND_##k)
#define FUND_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household_fund, n, s, HOUSEHOLD_KIND_##k)
#define SHOCK_(n, k, s) HOUSEHOLD_APPLY(FIELD_, household_shock, n, s, HOUSEHOLD_KIND_##k)
#define HANDBOOK_(n, k, s)                                                                         \
    HOUSEHOLD_APPLY(FIELD_, household_handbook_entry, n, s, HOUSEHOLD_KIND_##k)

/* The household's table ends with its lists, in HOUSEHOLD_LISTS order. */
#define LIST_FIELD_(list, elem, ELEM, table, order, key)                                           \
    {#list,                                                                                        \
     NULL,                                                                                         \
     HOUSEHOLD_LIST,                                                                               \
     0,                                                                                            \
     0,                                                                                            \
     NULL,                                                                                         \
     offsetof(struct household, list),                                                             \
     offsetof(struct household, n_##list),                                                         \
     HOUSEHOLD_REC_##ELEM},
static const struct household_field household_fields[] = {HOUSEHOLD_FIELDS(HOUSEHOLD_)
                                                              HOUSEHOLD_LISTS(LIST_FIELD_)};

#define ELEMENT_FIELDS_(list, elem, ELEM, table, order, key)                                       \
    static const struct household_field elem##_fields[] = {HOUSEHOLD_##ELEM##_FIELDS(ELEM##_)};
HOUSEHOLD_LISTS(ELEMENT_FIELDS_)

#define N_(a) (sizeof a / sizeof a[0])
#define RECORD_(list, elem, ELEM, table, order, key)                                               \
    [HOUSEHOLD_REC_##ELEM] = {#elem,                                                               \
                              #list,                                                               \
                              table,                                                               \
                              key,                                                                 \
                              elem##_fields,                                                       \
                              N_(elem##_fields),                                                   \
                              sizeof(struct household_##elem)},
const struct household_record household_records[HOUSEHOLD_REC_COUNT] = {
    [HOUSEHOLD_REC_HOUSEHOLD] = {"household", NULL, "household", "id", household_fields,
                                 N_(household_fields), sizeof(struct household)},
    HOUSEHOLD_LISTS(RECORD_)};

const struct household_field *household_field_find(enum household_rec rec, const char *name)
{
    const struct household_record *r = &household_records[rec];
    for (size_t i = 0; name && i < r->n_fields; i++)
        if (strcmp(r->fields[i].name, name) == 0)
            return &r->fields[i];
    return NULL;
}

int household_record_of_table(const char *table)
{
    for (int i = 0; i < HOUSEHOLD_REC_COUNT; i++)
        if (strcmp(household_records[i].table, table) == 0)
            return i;
    return -1;
}

/* ---- facts ---- */

int household_member_in_labor_force(const struct household_member *m,
                                    const struct household_facts_params *p)
{
    /* 一、二(三): labour ability is what the cadre recorded, never assumed;
     * a pupil or student works at school, and age bounds the rest. */
    if (m->labor != HOUSEHOLD_LABOR_FULL && m->labor != HOUSEHOLD_LABOR_PARTIAL)
        return 0;
    if (m->school_stage != HOUSEHOLD_SCHOOL_NONE)
        return 0;
    return m->age >= 0 && m->age >= p->working_age_min && m->age <= p->working_age_max;
}

void household_facts(const struct household *hh, const struct household_facts_params *p,
                     struct household *out, struct household_member *members)
{
    *out = *hh;
    out->labor_force = 0;
    for (size_t i = 0; i < hh->n_members; i++) {
        members[i] = hh->members[i];
        members[i].in_labor_force = household_member_in_labor_force(&members[i], p);
        out->labor_force += members[i].in_labor_force;
    }
    out->members = members;
}
