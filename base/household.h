/* household.h - the one description of a household record: its columns, its
 * lists and their columns, and the enumerations with their text, as X-macro
 * lists (libuv's UV_ERRNO_MAP style). The structs below, the snapshot reader,
 * the Lua view, the case-file parser, `fupin explain` and the schema's CHECK
 * lists are derived from it: never write a field list out by hand elsewhere.
 * These are the daemon's own types; plugins get a stable copy instead
 * (policy/plugin/plugin_view.c), so fields here may be added freely. */
#ifndef FUPIN_HOUSEHOLD_H
#define FUPIN_HOUSEHOLD_H

#include <stddef.h>
#include <stdint.h>

/* ---- Enumerations ----
 * X(ID, "text", "label"): the values of an enumerated column in the order of
 * their C values. The first value is the default of a field that is not
 * given. An entry with text NULL is "not recorded": a column whose map has
 * one may be NULL (SQL NULL, YAML null, Lua nil); without one, NULL is an
 * error. text is the code stored, read by policies and given in --json; label
 * is what village and town staff read (the plan's own words), never empty,
 * also for "not recorded". */

/* clang-format off */
/* Labour ability: left out (NULL) is "not recorded", never assumed; it is a
 * data-quality task for the cadre. */
#define HOUSEHOLD_LABOR_MAP(X)                                                 \
    X(UNRECORDED, NULL, "劳动能力未登记")                                      \
    X(FULL, "full", "完全劳动力")                                              \
    X(PARTIAL, "partial", "部分劳动力")                                        \
    X(NONE, "none", "无劳动能力")

#define HOUSEHOLD_HEALTH_MAP(X)                                                \
    X(HEALTHY, "healthy", "健康")                                              \
    X(CHRONIC, "chronic", "慢性病")                                            \
    X(SERIOUS, "serious", "大病")                                              \
    X(DISABLED, "disabled", "残疾")

#define HOUSEHOLD_SCHOOL_MAP(X)                                                \
    X(NONE, NULL, "不在学") /* not in school */                                \
    X(PRESCHOOL, "preschool", "学前")                                          \
    X(PRIMARY, "primary", "小学")                                              \
    X(JUNIOR, "junior", "初中")                                                \
    X(SENIOR, "senior", "高中")                                                \
    X(VOCATIONAL, "vocational", "中职")                                        \
    X(COLLEGE, "college", "大学")

#define HOUSEHOLD_STATUS_MAP(X)                                                \
    X(REGISTERED, "registered", "建档立卡")                                    \
    X(EXITED, "exited", "已脱贫")                                              \
    X(RETURNED, "returned", "返贫")

#define HOUSEHOLD_GRADE_MAP(X)                                                 \
    X(NONE, NULL, "未评定") /* not assessed */                                 \
    X(A, "A", "A 级")                                                          \
    X(B, "B", "B 级")                                                          \
    X(C, "C", "C 级")                                                          \
    X(D, "D", "D 级")

#define HOUSEHOLD_TASK_STATUS_MAP(X)                                           \
    X(OPEN, "open", "未完成")                                                  \
    X(DONE, "done", "已完成")                                                  \
    X(CANCELLED, "cancelled", "已取消")

/* What befell a household (三(六) 因灾、因病返贫). */
#define HOUSEHOLD_SHOCK_KIND_MAP(X)                                            \
    X(DISASTER, "disaster", "自然灾害")                                        \
    X(ILLNESS, "illness", "疾病")                                              \
    X(ACCIDENT, "accident", "意外事故")                                        \
    X(JOB_LOSS, "job_loss", "失业")

#define HOUSEHOLD_FUND_STATUS_MAP(X)                                           \
    X(APPLIED, "applied", "已申请")                                            \
    X(REVIEWED, "reviewed", "已审核")                                          \
    X(NOTICED, "noticed", "已公示")                                            \
    X(APPROVED, "approved", "已批准")                                          \
    X(REJECTED, "rejected", "未通过")

/* 三(四) what a fund may be used for: 产业发展、小额信贷、资产收益、"两不愁、
 * 三保障"; other is recorded so that it can be flagged. */
#define HOUSEHOLD_FUND_USE_MAP(X)                                              \
    X(UNRECORDED, NULL, "用途未登记")                                          \
    X(INDUSTRY, "industry", "产业发展")                                        \
    X(MICROCREDIT, "microcredit", "小额信贷")                                  \
    X(ASSET_INCOME, "asset_income", "资产收益")                                \
    X(BASIC_NEEDS, "basic_needs", "两不愁三保障")                              \
    X(OTHER, "other", "其他用途")

/* 三(三) what a cadre's help handbook must hold, one section a row. */
#define HOUSEHOLD_HANDBOOK_SECTION_MAP(X)                                      \
    X(FAMILY, "family", "家庭基本情况")                                        \
    X(CAUSE, "cause", "致贫原因")                                              \
    X(MEASURES, "measures", "帮扶措施")                                        \
    X(PLAN, "plan", "帮扶计划")                                                \
    X(PROGRESS, "progress", "工作进度")                                        \
    X(RESULTS, "results", "帮扶成效")

/* Every map: X(key, KEY) names enum household_<key>, HOUSEHOLD_<KEY>_MAP and
 * the table household_enum_<key>. HOUSEHOLD_PLUGIN_ENUMS are those the plugin
 * ABI carries too (policy/plugin/plugin_view.c maps each value). */
#define HOUSEHOLD_ENUMS(X) HOUSEHOLD_PLUGIN_ENUMS(X) HOUSEHOLD_LUA_ENUMS(X)
#define HOUSEHOLD_PLUGIN_ENUMS(X)                                              \
    X(labor, LABOR)                                                            \
    X(health, HEALTH)                                                          \
    X(school, SCHOOL)                                                          \
    X(status, STATUS)                                                          \
    X(grade, GRADE)                                                            \
    X(task_status, TASK_STATUS)                                                \
    X(fund_status, FUND_STATUS)                                                \
    X(shock_kind, SHOCK_KIND)
/* Only Lua policies, case files and explain see these. */
#define HOUSEHOLD_LUA_ENUMS(X)                                                 \
    X(fund_use, FUND_USE)                                                      \
    X(handbook_section, HANDBOOK_SECTION)
/* clang-format on */

#define HOUSEHOLD_VALUE_COUNT_(id, text, label) +1
#define HOUSEHOLD_LABOR_VALUE_(id, text, label) HOUSEHOLD_LABOR_##id,
#define HOUSEHOLD_HEALTH_VALUE_(id, text, label) HOUSEHOLD_HEALTH_##id,
#define HOUSEHOLD_SCHOOL_VALUE_(id, text, label) HOUSEHOLD_SCHOOL_##id,
#define HOUSEHOLD_STATUS_VALUE_(id, text, label) HOUSEHOLD_STATUS_##id,
#define HOUSEHOLD_GRADE_VALUE_(id, text, label) HOUSEHOLD_GRADE_##id,
#define HOUSEHOLD_TASK_STATUS_VALUE_(id, text, label) HOUSEHOLD_TASK_STATUS_##id,
#define HOUSEHOLD_FUND_STATUS_VALUE_(id, text, label) HOUSEHOLD_FUND_STATUS_##id,
#define HOUSEHOLD_SHOCK_KIND_VALUE_(id, text, label) HOUSEHOLD_SHOCK_KIND_##id,
#define HOUSEHOLD_FUND_USE_VALUE_(id, text, label) HOUSEHOLD_FUND_USE_##id,
#define HOUSEHOLD_HANDBOOK_SECTION_VALUE_(id, text, label) HOUSEHOLD_HANDBOOK_SECTION_##id,
enum household_labor { HOUSEHOLD_LABOR_MAP(HOUSEHOLD_LABOR_VALUE_) };
enum household_health { HOUSEHOLD_HEALTH_MAP(HOUSEHOLD_HEALTH_VALUE_) };
enum household_school { HOUSEHOLD_SCHOOL_MAP(HOUSEHOLD_SCHOOL_VALUE_) };
enum household_status { HOUSEHOLD_STATUS_MAP(HOUSEHOLD_STATUS_VALUE_) };
enum household_grade { HOUSEHOLD_GRADE_MAP(HOUSEHOLD_GRADE_VALUE_) };
enum household_task_status { HOUSEHOLD_TASK_STATUS_MAP(HOUSEHOLD_TASK_STATUS_VALUE_) };
enum household_fund_status { HOUSEHOLD_FUND_STATUS_MAP(HOUSEHOLD_FUND_STATUS_VALUE_) };
enum household_shock_kind { HOUSEHOLD_SHOCK_KIND_MAP(HOUSEHOLD_SHOCK_KIND_VALUE_) };
enum household_fund_use { HOUSEHOLD_FUND_USE_MAP(HOUSEHOLD_FUND_USE_VALUE_) };
enum household_handbook_section {
    HOUSEHOLD_HANDBOOK_SECTION_MAP(HOUSEHOLD_HANDBOOK_SECTION_VALUE_)
};
/* HOUSEHOLD_LABOR_COUNT...: how many values each map has. */
#define HOUSEHOLD_ENUM_COUNT_(key, KEY)                                                            \
    enum { HOUSEHOLD_##KEY##_COUNT = 0 HOUSEHOLD_##KEY##_MAP(HOUSEHOLD_VALUE_COUNT_) };
HOUSEHOLD_ENUMS(HOUSEHOLD_ENUM_COUNT_)

/* An enumeration at run time: value -> text (NULL: not recorded) and
 * value -> label. */
struct household_enum {
    const char *name; /* "labor" */
    const char *const *text;
    const char *const *label;
    int count;
};
#define HOUSEHOLD_ENUM_EXTERN_(key, KEY) extern const struct household_enum household_enum_##key;
HOUSEHOLD_ENUMS(HOUSEHOLD_ENUM_EXTERN_)

/* The text of value v, or NULL when v is "not recorded" or out of range. */
const char *household_enum_name(const struct household_enum *map, int v);
/* The Chinese label of value v (also of "not recorded"), for text people
 * read; NULL only when v is out of range. */
const char *household_enum_label(const struct household_enum *map, int v);
/* The value of text into *v; text NULL means "not recorded". Returns 0, or
 * ERR_INVALID when text is none of the values (or NULL is not allowed). */
int household_enum_parse(const struct household_enum *map, const char *text, int *v);
/* Nonzero when the map has a "not recorded" value. */
int household_enum_is_nullable(const struct household_enum *map);
/* "full|partial|none" (the recorded values) into buf, for messages. */
const char *household_enum_allowed(const struct household_enum *map, char *buf, size_t size);

/* ---- Fields ----
 * X(name, KIND, "sql"): name is the C member, the Lua field, the case-file
 * key and the word in messages; sql is the column it is read from (NULL for
 * a computed field). The household's own columns are read from `household h`
 * joined with its village `region`, the village's `town` and its `pairing`
 * (store_snapshot.c); a list's from its table, one row per element.
 *
 * Kinds, with how a NULL column (and a field a case file leaves out) reads:
 *   ID               int64_t  the row's key
 *   INT64            int64_t  NULL: 0
 *   REF              int64_t  another row's id; NULL: 0, which Lua sees as nil
 *   TEXT             const char *, NULL stays NULL
 *   DATE             const char *, "YYYY-MM-DD" or NULL
 *   REQUIRED_DATE    as DATE, but NULL is an error
 *   BOOL(dflt)       int 0/1; NULL: dflt
 *   INT(lo, hi)      int in lo..hi; NULL: 0
 *   INT_OR_NULL(lo, hi) int in lo..hi, or HOUSEHOLD_NULL_INT ("not recorded")
 *   REAL             double, finite (money: never echoed); NULL: 0
 *   REAL_OR_NULL     double, finite, or NAN ("not recorded")
 *   ENUM(map, PUBLIC|PRIVATE) enum household_<map>; PRIVATE text is never
 *                    echoed in a message (health)
 * and the computed ones, filled as of the evaluation date:
 *   AS_OF_DATE       const char *: that date
 *   AS_OF_YEAR       int: its year
 *   AGE(date_field)  int: full years since date_field, -1 when unknown
 * and the facts, filled by household_facts() from the other fields and the
 * params before any policy runs (readers and case files leave them 0):
 *   FACT(is_bool)    int; a 0/1 truth when is_bool, else a count */

#define HOUSEHOLD_NULL_INT INT32_MIN
/* Bounds every reader enforces: a money field (REAL) is within
 * +-HOUSEHOLD_MONEY_MAX yuan, so sums of a few never overflow; an id a case
 * file gives is within 1..HOUSEHOLD_ID_MAX. */
#define HOUSEHOLD_MONEY_MAX 1e9
#define HOUSEHOLD_ID_MAX 1000000000000LL

/* clang-format off */
#define HOUSEHOLD_FIELDS(X)                                                    \
    X(id,                ID,                    "h.id")                        \
    X(today,             AS_OF_DATE,            NULL)                          \
    X(year,              AS_OF_YEAR,            NULL)                          \
    X(village,           TEXT,                  "h.village")                   \
    X(village_name,      TEXT,                  "region.name")                 \
    X(town,              TEXT,                  "region.parent")               \
    X(county,            TEXT,                  "town.parent")                 \
    X(poor_village,      BOOL(0),               "region.poor_village")         \
    X(livable,           BOOL(1),               "region.livable")              \
    X(head_name,         TEXT,                  "h.head_name")                 \
    X(status,            ENUM(status, PUBLIC),  "h.status")                    \
    X(poverty_cause,     TEXT,                  "h.poverty_cause")             \
    X(housing_grade,     ENUM(grade, PUBLIC),   "h.housing_grade")             \
    X(housing_renovated, BOOL(0),               "h.housing_renovated")         \
    X(tap_water,         BOOL(0),               "h.tap_water")                 \
    X(wants_relocation,  BOOL(0),               "h.wants_relocation")          \
    X(wants_industry,    BOOL(0),               "h.wants_industry")            \
    X(has_project,       BOOL(0),               "h.has_project")               \
    X(credit_rating,     TEXT,                  "h.credit_rating")             \
    X(dibao,             BOOL(0),               "h.dibao")                     \
    X(has_land,          BOOL(0),               "h.has_land")                  \
    X(registered_at,     DATE,                  "h.registered_at")             \
    X(exited_at,         DATE,                  "h.exited_at")                 \
    X(cadre_id,          REF,                   "pairing.cadre_id")            \
    X(paired_since,      DATE,                  "pairing.since")               \
    /* 两不愁, as the cadre recorded it: 1 secure, 0 not, NULL not recorded */ \
    X(food_secure,       INT_OR_NULL(0, 1),     "h.food_secure")               \
    X(clothing_secure,   INT_OR_NULL(0, 1),     "h.clothing_secure")           \
    /* members in the labour force (see in_labor_force) */                    \
    X(labor_force,       FACT(0),               NULL)                          \
    HOUSEHOLD_MEASURES_FIELDS(X)

/* 二(一) 承接流转土地、家庭农场 and 二(七) 信用村: the household is willing to
 * take transferred land, has taken some, runs a family farm (or a joint
 * operation of households); its village's 信用村 rating: 1 rated, 0 assessed
 * and not rated, NULL not yet assessed. */
#define HOUSEHOLD_MEASURES_FIELDS(X)                                           \
    X(wants_land_transfer, BOOL(0),             "h.wants_land_transfer")       \
    X(land_transferred_in, BOOL(0),             "h.land_transferred_in")       \
    X(family_farm,       BOOL(0),               "h.family_farm")               \
    X(credit_village,    INT_OR_NULL(0, 1),     "region.credit_village")

#define HOUSEHOLD_MEMBER_FIELDS(X)                                             \
    X(id,                ID,                    "id")                          \
    X(name,              TEXT,                  "name")                        \
    X(id_number,         TEXT,                  "id_number") /* personal */    \
    X(relation,          TEXT,                  "relation")                    \
    X(birth_date,        DATE,                  "birth_date")                  \
    X(age,               AGE(birth_date),       NULL)                          \
    X(labor,             ENUM(labor, PUBLIC),   "labor")                       \
    X(health,            ENUM(health, PRIVATE), "health")                      \
    X(school_stage,      ENUM(school, PUBLIC),  "school_stage")                \
    X(medical_insured,   BOOL(0),               "medical_insured")             \
    X(critical_insured,  BOOL(0),               "critical_insured")            \
    X(pension_insured,   BOOL(0),               "pension_insured")             \
    X(employed,          BOOL(0),               "employed")                    \
    X(wants_job,         BOOL(0),               "wants_job")                   \
    X(skills,            INT(0, 1000),          "skills")                      \
    /* 劳动力: working age (params working_age_min..max), not in school and */ \
    /* labour recorded as full or partial; an unrecorded labour never counts */ \
    X(in_labor_force,    FACT(1),               NULL)                          \
    HOUSEHOLD_MEMBER_MEASURES_FIELDS(X)

/* 二(二) 创业技能培训: wants to start a business, has had the training;
 * 二(三) 趸缴: years of residents' pension contributions paid, NULL when
 * nobody recorded them. */
#define HOUSEHOLD_MEMBER_MEASURES_FIELDS(X)                                    \
    X(wants_business,    BOOL(0),               "wants_business")              \
    X(business_trained,  BOOL(0),               "business_trained")            \
    X(pension_years,     INT_OR_NULL(0, 80),    "pension_years")

/* Household totals of one year, yuan. */
#define HOUSEHOLD_INCOME_FIELDS(X)                                             \
    X(year,              INT(1949, 2100),       "year")                        \
    X(wage,              REAL,                  "wage")                        \
    X(production,        REAL,                  "production")                  \
    X(property,          REAL,                  "property")                    \
    X(transfer,          REAL,                  "transfer")

#define HOUSEHOLD_LOAN_FIELDS(X)                                               \
    X(id,                ID,                    "id")                          \
    X(amount,            REAL,                  "amount")                      \
    X(term_months,       INT(0, 1200),          "term_months")                 \
    X(start_date,        DATE,                  "start_date")                  \
    X(collateral,        BOOL(0),               "collateral")                  \
    X(guarantor,         BOOL(0),               "guarantor")                   \
    X(interest_subsidised, BOOL(0),             "interest_subsidised")

/* An enterprise, base or cooperative the household is linked to. */
#define HOUSEHOLD_LINK_FIELDS(X)                                               \
    X(kind,              TEXT,                  "kind")                        \
    X(name,              TEXT,                  "name")

/* Asset-income shares held. */
#define HOUSEHOLD_SHARE_FIELDS(X)                                              \
    X(project,           TEXT,                  "project")                     \
    X(amount,            REAL,                  "amount")                      \
    X(since,             DATE,                  "since")

/* The cadre's handbook entries. */
#define HOUSEHOLD_VISIT_FIELDS(X)                                              \
    X(id,                ID,                    "id")                          \
    X(cadre_id,          INT64,                 "cadre_id")                    \
    X(date,              REQUIRED_DATE,         "date")

#define HOUSEHOLD_TASK_FIELDS(X)                                               \
    X(id,                ID,                    "id")                          \
    X(cadre_id,          INT64,                 "cadre_id")                    \
    X(measure,           TEXT,                  "measure")                     \
    X(title,             TEXT,                  "title")                       \
    X(due,               REQUIRED_DATE,         "due")                         \
    X(status,            ENUM(task_status, PUBLIC), "status")                  \
    X(done_at,           DATE,                  "done_at")

#define HOUSEHOLD_FUND_FIELDS(X)                                               \
    X(id,                ID,                    "id")                          \
    X(cadre_id,          INT64,                 "cadre_id")                    \
    X(project,           TEXT,                  "project")                     \
    X(amount,            REAL,                  "amount")                      \
    X(expected_return,   REAL,                  "expected_return")             \
    X(status,            ENUM(fund_status, PUBLIC), "status")                  \
    X(notice_from,       DATE,                  "notice_from")                 \
    X(notice_to,         DATE,                  "notice_to")                   \
    X(objections,        INT(0, 1000000),       "objections")                  \
    X(approved_at,       DATE,                  "approved_at")               \
    /* 三(四) the workflow: each step's date and who took it (a name) */      \
    X(use,               ENUM(fund_use, PUBLIC), "use")                        \
    X(applied_at,        DATE,                  "applied_at")                  \
    X(reviewed_at,       DATE,                  "reviewed_at")                 \
    X(reviewed_by,       TEXT,                  "reviewed_by")                 \
    X(noticed_by,        TEXT,                  "noticed_by")                  \
    X(approved_by,       TEXT,                  "approved_by")                 \
    X(filed_at,          DATE,                  "filed_at")                    \
    X(filed_by,          TEXT,                  "filed_by")                    \
    X(completed_at,      DATE,                  "completed_at")                \
    X(published_at,      DATE,                  "published_at")                \
    X(published_by,      TEXT,                  "published_by")

/* Shocks (三(六) 因灾、因病返贫): what befell the household, when, and
 * the loss in yuan. */
#define HOUSEHOLD_SHOCK_FIELDS(X)                                              \
    X(id,                ID,                    "id")                          \
    X(kind,              ENUM(shock_kind, PUBLIC), "kind")                     \
    X(date,              REQUIRED_DATE,         "date")                        \
    X(loss,              REAL,                  "loss")

/* 三(三) the sections of the cadre's help handbook written so far. */
#define HOUSEHOLD_HANDBOOK_FIELDS(X)                                           \
    X(id,                ID,                    "id")                          \
    X(cadre_id,          INT64,                 "cadre_id")                    \
    X(section,           ENUM(handbook_section, PUBLIC), "section")            \
    X(updated_at,        DATE,                  "updated_at")

/* The household's lists: X(list, elem, ELEM, "table", "order", key).
 * struct household holds n_<list> elements of struct household_<elem>, whose
 * fields are HOUSEHOLD_<ELEM>_FIELDS, read from table ordered by order; key
 * (a field, or NULL for its position) names a row in messages. */
#define HOUSEHOLD_LISTS(X)                                                     \
    X(members, member, MEMBER, "member",           "id",       "id")           \
    X(income,  income, INCOME, "income",           "year",     "year")         \
    X(loans,   loan,   LOAN,   "loan",             "id",       "id")           \
    X(links,   link,   LINK,   "enterprise_link",  "rowid",    NULL)           \
    X(shares,  share,  SHARE,  "asset_share",      "rowid",    NULL)           \
    X(visits,  visit,  VISIT,  "visit",            "date, id", "id")           \
    X(tasks,   task,   TASK,   "task",             "id",       "id")           \
    X(funds,   fund,   FUND,   "fund_application", "id",       "id")           \
    X(shocks,  shock,  SHOCK,  "shock",            "date, id", "id")           \
    X(handbook, handbook_entry, HANDBOOK, "handbook", "id",     "id")
/* clang-format on */

/* ---- Using the description ----
 * A consumer turns an entry X(name, KIND, sql) into one with a fixed number
 * of arguments, M(name, sql, KIND, a, b, c), whatever the kind:
 *     #define MY(name, kind, sql) HOUSEHOLD_APPLY(MY_, name, sql, HOUSEHOLD_KIND_##kind)
 * (paste the kind right there, so a kind word is never taken for a macro).
 * a, b: INT lo, hi; BOOL the default; ENUM 1 when PRIVATE; FACT is_bool. c: ENUM the map
 * key, AGE the date field; 0 otherwise. */
#define HOUSEHOLD_APPLY(M, ...) M(__VA_ARGS__)
#define HOUSEHOLD_KIND_ID ID, 0, 0, 0
#define HOUSEHOLD_KIND_INT64 INT64, 0, 0, 0
#define HOUSEHOLD_KIND_REF REF, 0, 0, 0
#define HOUSEHOLD_KIND_TEXT TEXT, 0, 0, 0
#define HOUSEHOLD_KIND_DATE DATE, 0, 0, 0
#define HOUSEHOLD_KIND_REQUIRED_DATE REQUIRED_DATE, 0, 0, 0
#define HOUSEHOLD_KIND_BOOL(dflt) BOOL, dflt, 0, 0
#define HOUSEHOLD_KIND_INT(lo, hi) INT, lo, hi, 0
#define HOUSEHOLD_KIND_INT_OR_NULL(lo, hi) INT_OR_NULL, lo, hi, 0
#define HOUSEHOLD_KIND_REAL REAL, 0, 0, 0
#define HOUSEHOLD_KIND_REAL_OR_NULL REAL_OR_NULL, 0, 0, 0
#define HOUSEHOLD_KIND_ENUM(map, privacy) ENUM, HOUSEHOLD_##privacy, 0, map
#define HOUSEHOLD_KIND_AS_OF_DATE AS_OF_DATE, 0, 0, 0
#define HOUSEHOLD_KIND_AS_OF_YEAR AS_OF_YEAR, 0, 0, 0
#define HOUSEHOLD_KIND_AGE(date_field) AGE, 0, 0, date_field
#define HOUSEHOLD_KIND_FACT(is_bool) FACT, is_bool, 0, 0
#define HOUSEHOLD_PUBLIC 0
#define HOUSEHOLD_PRIVATE 1

/* HOUSEHOLD_IF_COLUMN_##kind(x...): x for a kind read from a column,
 * nothing for a computed one. */
#define HOUSEHOLD_IF_COLUMN_ID(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_INT64(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_REF(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_TEXT(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_DATE(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_REQUIRED_DATE(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_BOOL(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_INT(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_INT_OR_NULL(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_REAL(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_REAL_OR_NULL(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_ENUM(...) __VA_ARGS__
#define HOUSEHOLD_IF_COLUMN_AS_OF_DATE(...)
#define HOUSEHOLD_IF_COLUMN_AS_OF_YEAR(...)
#define HOUSEHOLD_IF_COLUMN_AGE(...)
#define HOUSEHOLD_IF_COLUMN_FACT(...)

/* ---- The structs ---- */

#define HOUSEHOLD_CTYPE_ID(c) int64_t
#define HOUSEHOLD_CTYPE_INT64(c) int64_t
#define HOUSEHOLD_CTYPE_REF(c) int64_t
#define HOUSEHOLD_CTYPE_TEXT(c) const char *
#define HOUSEHOLD_CTYPE_DATE(c) const char *
#define HOUSEHOLD_CTYPE_REQUIRED_DATE(c) const char *
#define HOUSEHOLD_CTYPE_BOOL(c) int
#define HOUSEHOLD_CTYPE_INT(c) int
#define HOUSEHOLD_CTYPE_INT_OR_NULL(c) int
#define HOUSEHOLD_CTYPE_REAL(c) double
#define HOUSEHOLD_CTYPE_REAL_OR_NULL(c) double
#define HOUSEHOLD_CTYPE_ENUM(c) enum household_##c
#define HOUSEHOLD_CTYPE_AS_OF_DATE(c) const char *
#define HOUSEHOLD_CTYPE_AS_OF_YEAR(c) int
#define HOUSEHOLD_CTYPE_AGE(c) int
#define HOUSEHOLD_CTYPE_FACT(c) int
#define HOUSEHOLD_STRUCT_MEMBER_(name, sql, kind, a, b, c) HOUSEHOLD_CTYPE_##kind(c) name;
#define HOUSEHOLD_DECLARE_(name, kind, sql)                                                        \
    HOUSEHOLD_APPLY(HOUSEHOLD_STRUCT_MEMBER_, name, sql, HOUSEHOLD_KIND_##kind)

/* struct household_member, _income, _loan, _link, _share, _visit, _task,
 * _fund: one member each per field of its list above, in that order. */
#define HOUSEHOLD_ELEMENT_STRUCT_(list, elem, ELEM, table, order, key)                             \
    struct household_##elem {                                                                      \
        HOUSEHOLD_##ELEM##_FIELDS(HOUSEHOLD_DECLARE_)                                              \
    };
HOUSEHOLD_LISTS(HOUSEHOLD_ELEMENT_STRUCT_)

/* One household as policies see it, and its lists (income sorted by year,
 * visits by date). Strings and arrays belong to whoever filled it (a
 * snapshot's arena, a case file's tree). */
#define HOUSEHOLD_LIST_MEMBER_(list, elem, ELEM, table, order, key)                                \
    size_t n_##list;                                                                               \
    const struct household_##elem *list;
struct household {
    HOUSEHOLD_FIELDS(HOUSEHOLD_DECLARE_)
    HOUSEHOLD_LISTS(HOUSEHOLD_LIST_MEMBER_)
};

/* ---- The description at run time ----
 * For code that goes by name (the Lua view, the case-file parser, the
 * schema's CHECK lists, tests): one table per record. */

enum household_kind {
    HOUSEHOLD_ID,
    HOUSEHOLD_INT64,
    HOUSEHOLD_REF,
    HOUSEHOLD_TEXT,
    HOUSEHOLD_DATE,
    HOUSEHOLD_REQUIRED_DATE,
    HOUSEHOLD_BOOL,
    HOUSEHOLD_INT,
    HOUSEHOLD_INT_OR_NULL,
    HOUSEHOLD_REAL,
    HOUSEHOLD_REAL_OR_NULL,
    HOUSEHOLD_ENUM,
    HOUSEHOLD_AS_OF_DATE,
    HOUSEHOLD_AS_OF_YEAR,
    HOUSEHOLD_AGE,
    HOUSEHOLD_FACT,
    HOUSEHOLD_LIST /* only in the household's table: one of its lists */
};

/* HOUSEHOLD_REC_HOUSEHOLD, then HOUSEHOLD_REC_<ELEM> per list in order. */
#define HOUSEHOLD_REC_ID_(list, elem, ELEM, table, order, key) HOUSEHOLD_REC_##ELEM,
enum household_rec {
    HOUSEHOLD_REC_HOUSEHOLD,
    HOUSEHOLD_LISTS(HOUSEHOLD_REC_ID_) HOUSEHOLD_REC_COUNT
};

/* A set of the household's lists (what a policy reads, what a snapshot
 * reads, what a change touched): bit rec - 1 for list record rec. */
#define HOUSEHOLD_LIST_BIT(rec) (1u << ((rec) - 1))
#define HOUSEHOLD_ALL_LISTS ((1u << (HOUSEHOLD_REC_COUNT - 1)) - 1)

struct household_field {
    const char *name;
    const char *sql; /* NULL: computed */
    enum household_kind kind;
    int64_t a, b;                     /* INT lo, hi; BOOL default; ENUM private; FACT is_bool */
    const struct household_enum *map; /* ENUM */
    size_t offset;                    /* in the record; LIST: of the array pointer */
    size_t aux_offset;                /* LIST: of the count; AGE: of the date */
    enum household_rec elem;          /* LIST: the element's record */
};

struct household_record {
    const char *name;  /* "member": the word for one element in Lua and messages */
    const char *list;  /* "members": the household field holding them; NULL: the household */
    const char *table; /* SQL table ("household" for the household itself) */
    const char *key;   /* the field naming a row in messages; NULL: its position */
    const struct household_field *fields;
    size_t n_fields;
    size_t size; /* of the C struct */
};

extern const struct household_record household_records[HOUSEHOLD_REC_COUNT];

/* The field called name of record rec, or NULL. */
const struct household_field *household_field_find(enum household_rec rec, const char *name);
/* The record whose SQL table is table, or -1. */
int household_record_of_table(const char *table);

/* ---- Facts ----
 * Facts are computed once, here, so that Lua policies, plugins and explain
 * agree on them. */

/* What the facts depend on besides the record: working age in whole years,
 * inclusive (params working_age_min, working_age_max). */
struct household_facts_params {
    int working_age_min, working_age_max;
};

/* Whether m counts in the labour force (劳动力): within working age, not in
 * school, labour ability recorded as full or partial. */
int household_member_in_labor_force(const struct household_member *m,
                                    const struct household_facts_params *p);
/* *out: a copy of hh whose facts are filled; its members are copied into
 * members (room for hh->n_members), the other lists are shared with hh. */
void household_facts(const struct household *hh, const struct household_facts_params *p,
                     struct household *out, struct household_member *members);

#endif
